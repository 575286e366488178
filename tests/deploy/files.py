"""The deployment files as the tests read them: Compose files with their variables at their defaults,
Kubernetes manifests as the documents of each Kustomize folder, and the commands and environment each
role gets from them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILES = (DEPLOY / "compose.stack.yaml", DEPLOY / "compose.locust.yaml")
K8S_FOLDERS = (DEPLOY / "k8s" / "stack", DEPLOY / "k8s" / "locust")

_VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


def interpolate(value: Any, environ: Mapping[str, str]) -> Any:
    """Compose's ``${NAME:-default}`` substitution, applied to every string of a loaded document."""
    if isinstance(value, str):

        def one(match: re.Match[str]) -> str:
            name, default = match["name"], match["default"]
            if name in environ and environ[name] != "":
                return environ[name]
            if default is None:
                raise KeyError(f"${{{name}}} has no default")
            return default

        return _VARIABLE.sub(one, value)
    if isinstance(value, list):
        return [interpolate(item, environ) for item in value]
    if isinstance(value, dict):
        return {key: interpolate(item, environ) for key, item in value.items()}
    return value


def load_compose(path: Path, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A Compose file with its anchors merged (YAML ``<<``) and its variables at their defaults (or at
    ``environ``'s values)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path}: not a mapping"
    result: dict[str, Any] = interpolate(data, environ or {})
    return result


def compose_env(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def kustomize_documents(folder: Path) -> list[dict[str, Any]]:
    """The documents a Kustomize folder lists (``resources``), with its ``namespace`` set on each
    namespaced one and its ``images`` applied: what ``kubectl kustomize`` does with these fields (the
    only ones used here)."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))
    namespace = kustomization.get("namespace")
    images = {image["name"]: image for image in kustomization.get("images", [])}
    docs: list[dict[str, Any]] = []
    for resource in kustomization["resources"]:
        for doc in yaml.safe_load_all((folder / resource).read_text(encoding="utf-8")):
            if doc is None:
                continue
            if namespace and doc["kind"] != "Namespace":
                doc["metadata"]["namespace"] = namespace
            for container in containers(doc):
                image = images.get(container["image"])
                if image is not None:
                    container["image"] = f"{image['newName']}:{image['newTag']}"
            docs.append(doc)
    return docs


def pod_spec(doc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The pod template's spec of a workload (Deployment, StatefulSet, Job), else None."""
    if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    return None


def pod_labels(doc: Mapping[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = doc["spec"]["template"]["metadata"]["labels"]
    return labels


def containers(doc: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    spec = pod_spec(doc)
    yield from (spec or {}).get("containers", [])


@dataclass(frozen=True)
class K8sRole:
    """One container of a workload: its argv (args) and its environment (env and envFrom ConfigMaps)."""

    workload: str
    argv: list[str]
    env: dict[str, str]


def k8s_roles(docs: list[dict[str, Any]]) -> dict[str, K8sRole]:
    """Every container by its workload's name, its environment resolved from the ConfigMaps of ``docs``
    (a ``valueFrom`` field reference is recorded as ``<fieldRef>``)."""
    config_maps = {d["metadata"]["name"]: d.get("data", {}) for d in docs if d["kind"] == "ConfigMap"}
    roles: dict[str, K8sRole] = {}
    for doc in docs:
        for container in containers(doc):
            env: dict[str, str] = {}
            for source in container.get("envFrom", []):
                env.update(config_maps[source["configMapRef"]["name"]])
            for item in container.get("env", []):
                env[item["name"]] = item.get("value", "<fieldRef>")
            roles[doc["metadata"]["name"]] = K8sRole(doc["metadata"]["name"], list(container["args"]), env)
    return roles


def all_k8s_documents() -> list[dict[str, Any]]:
    return [doc for folder in K8S_FOLDERS for doc in kustomize_documents(folder)]
