"""The deployment files are well-formed and hold together: YAML that loads, Kubernetes objects with the
fields their kinds require (checked here by hand: no kubeconform or kubeval in Debian, and no cluster to
ask), selectors that select, probes and Service ports that hit container ports, resources on every
container, the Locust master's port reachable only from the workers, the image non-root with a
/readyz health check."""

from __future__ import annotations

import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.files import (
    COMPOSE_FILES,
    DEPLOY,
    K8S_FOLDERS,
    ROOT,
    all_k8s_documents,
    containers,
    kustomize_documents,
    load_compose,
    pod_labels,
    pod_spec,
)

# The API versions these manifests use, per kind (all GA since Kubernetes 1.9-1.21).
API_VERSIONS = {
    "Namespace": "v1",
    "ConfigMap": "v1",
    "Service": "v1",
    "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1",
    "StatefulSet": "apps/v1",
    "Job": "batch/v1",
    "NetworkPolicy": "networking.k8s.io/v1",
}
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DOCS = all_k8s_documents()
WORKLOADS = [d for d in DOCS if pod_spec(d) is not None]
UID = 10001  # the image's user (deploy/Containerfile); checked below against the file


def _id(doc: dict[str, Any]) -> str:
    return f"{doc['kind']}/{doc['metadata']['name']}"


def _quantity(text: str | int) -> Decimal:
    """A Kubernetes quantity (``500m``, ``2``, ``1536Mi``, ``2Gi``) as a number."""
    units = {
        "m": Decimal("0.001"),
        "Ki": Decimal(2**10),
        "Mi": Decimal(2**20),
        "Gi": Decimal(2**30),
        "": Decimal(1),
    }
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|)", str(text))
    assert match, f"not a quantity: {text!r}"
    return Decimal(match[1]) * units[match[2]]


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _container_ports(doc: dict[str, Any]) -> set[int | str]:
    ports: set[int | str] = set()
    for container in containers(doc):
        for port in container.get("ports", []):
            ports |= {port["containerPort"], port.get("name", "")}
    return ports


# --- YAML --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", sorted([*DEPLOY.glob("*.yaml"), *DEPLOY.glob("k8s/**/*.yaml")]), ids=lambda p: p.name
)
def test_yaml_loads(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    assert docs
    assert all(isinstance(d, dict) for d in docs)


@pytest.mark.parametrize("folder", K8S_FOLDERS, ids=lambda p: p.name)
def test_kustomization_lists_every_manifest_of_its_folder(folder: Path) -> None:
    listed = yaml.safe_load((folder / "kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    present = sorted(p.name for p in folder.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(listed) == present


# --- basic schema ------------------------------------------------------------------------------------


@pytest.mark.parametrize("doc", DOCS, ids=_id)
def test_object_has_the_fields_of_its_kind(doc: dict[str, Any]) -> None:
    assert doc["apiVersion"] == API_VERSIONS[doc["kind"]]
    name = doc["metadata"]["name"]
    assert DNS_LABEL.match(name)
    assert len(name) <= 63
    assert set(doc) <= {"apiVersion", "kind", "metadata", "spec", "data"}
    if doc["kind"] != "Namespace":
        assert doc["metadata"]["namespace"] == "cuaso"
    if doc["kind"] == "ConfigMap":
        assert all(ENV_NAME.match(k) and isinstance(v, str) for k, v in doc["data"].items())
    if doc["kind"] == "PersistentVolumeClaim":
        assert doc["spec"]["accessModes"]
        assert _quantity(doc["spec"]["resources"]["requests"]["storage"]) > 0


@pytest.mark.parametrize("doc", WORKLOADS, ids=_id)
def test_workload_selects_its_pods_and_every_container_is_complete(doc: dict[str, Any]) -> None:
    spec = doc["spec"]
    if doc["kind"] == "Job":
        assert spec["template"]["spec"]["restartPolicy"] in ("Never", "OnFailure")
    else:
        assert _selects(spec["selector"]["matchLabels"], pod_labels(doc))
        assert isinstance(spec["replicas"], int)
        assert spec["replicas"] >= 1
    pod = pod_spec(doc)
    assert pod is not None
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert not pod.get("hostNetwork")
    assert not pod.get("hostPID")
    volumes = {v["name"] for v in pod.get("volumes", [])}
    volumes |= {t["metadata"]["name"] for t in spec.get("volumeClaimTemplates", [])}
    for container in containers(doc):
        assert DNS_LABEL.match(container["name"])
        assert container["image"]
        assert isinstance(container.get("args", []), list)
        assert all(isinstance(a, str) for a in container.get("args", [])), "args must be strings"
        resources = container["resources"]
        for kind in ("cpu", "memory"):
            assert _quantity(resources["requests"][kind]) <= _quantity(resources["limits"][kind])
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        for port in container.get("ports", []):
            assert 0 < port["containerPort"] < 65536
            assert "hostPort" not in port
        for probe in ("readinessProbe", "livenessProbe"):
            http = container.get(probe, {}).get("httpGet")
            if http:
                assert http["port"] in _container_ports(doc), f"{probe} port {http['port']}"
        for mount in container.get("volumeMounts", []):
            assert mount["name"] in volumes
        for item in container.get("env", []):
            assert ENV_NAME.match(item["name"])
            assert ("value" in item) != ("valueFrom" in item)
            assert isinstance(item.get("value", ""), str), f"{item['name']}: env values are strings"


def test_references_point_at_objects_that_exist() -> None:
    names = {(d["kind"], d["metadata"]["name"]) for d in DOCS}
    for doc in WORKLOADS:
        pod = pod_spec(doc) or {}
        for volume in pod.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                claim = volume["persistentVolumeClaim"]["claimName"]
                assert ("PersistentVolumeClaim", claim) in names, f"{_id(doc)}: claim {claim}"
        for container in containers(doc):
            for source in container.get("envFrom", []):
                assert ("ConfigMap", source["configMapRef"]["name"]) in names
        if doc["kind"] == "StatefulSet":
            assert ("Service", doc["spec"]["serviceName"]) in names


@pytest.mark.parametrize("service", [d for d in DOCS if d["kind"] == "Service"], ids=_id)
def test_service_selects_one_workload_and_targets_its_ports(service: dict[str, Any]) -> None:
    selected = [w for w in WORKLOADS if _selects(service["spec"]["selector"], pod_labels(w))]
    assert len(selected) == 1, f"{_id(service)} selects {[_id(w) for w in selected]}"
    for port in service["spec"]["ports"]:
        assert port["targetPort"] in _container_ports(selected[0])
    assert service["spec"].get("type", "ClusterIP") == "ClusterIP", "nothing is exposed outside the cluster"


@pytest.mark.parametrize("policy", [d for d in DOCS if d["kind"] == "NetworkPolicy"], ids=_id)
def test_network_policy_guards_one_workload_and_admits_existing_pods(policy: dict[str, Any]) -> None:
    spec = policy["spec"]
    guarded = [w for w in WORKLOADS if _selects(spec["podSelector"]["matchLabels"], pod_labels(w))]
    assert len(guarded) == 1, f"{_id(policy)} guards {[_id(w) for w in guarded]}"
    assert spec["policyTypes"] == ["Ingress"]
    for rule in spec["ingress"]:
        for port in rule["ports"]:
            assert port["port"] in _container_ports(guarded[0])
        for peer in rule["from"]:
            admitted = [w for w in WORKLOADS if _selects(peer["podSelector"]["matchLabels"], pod_labels(w))]
            assert admitted, f"{_id(policy)}: a peer selects no pod"


def test_portal_is_ready_on_readyz() -> None:
    [portal] = [d for d in WORKLOADS if d["metadata"]["name"] == "portal"]
    [container] = containers(portal)
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 8000}
    compose = load_compose(DEPLOY / "compose.stack.yaml")["services"]["portal"]
    assert "http://127.0.0.1:8000/readyz" in compose["healthcheck"]["test"]


# --- the Locust master's port --------------------------------------------------------------------------


def test_locust_master_port_is_reachable_only_from_the_workers() -> None:
    docs = kustomize_documents(K8S_FOLDERS[1])
    [master] = [d for d in docs if d["kind"] == "Job"]
    [workers] = [d for d in docs if d["kind"] == "Deployment"]
    [service] = [d for d in docs if d["kind"] == "Service"]
    assert service["spec"]["type"] == "ClusterIP"
    assert [p["port"] for p in service["spec"]["ports"]] == [5557]
    master_labels = pod_labels(master)
    policies = [
        d
        for d in docs
        if d["kind"] == "NetworkPolicy" and _selects(d["spec"]["podSelector"]["matchLabels"], master_labels)
    ]
    assert policies, "no NetworkPolicy covers the master"
    for policy in policies:
        assert "Ingress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("ingress", []):
            assert rule["ports"] == [{"port": 5557, "protocol": "TCP"}]
            for peer in rule["from"]:
                assert set(peer) == {"podSelector"}, "only pods of this namespace, by label"
                assert _selects(peer["podSelector"]["matchLabels"], pod_labels(workers))
                assert not _selects(peer["podSelector"]["matchLabels"], pod_labels(master))
    # Headless: Locust's web UI is not started, so there is no UI port to expose.
    args = next(containers(master))["args"]
    assert "--master-bind-host" in args
    assert not any("web" in a for a in args)


def test_compose_publishes_only_the_portal_on_loopback() -> None:
    for path in COMPOSE_FILES:
        for name, service in load_compose(path)["services"].items():
            published = service.get("ports", [])
            if name == "portal":
                assert published == ["127.0.0.1:8000:8000"]
            else:
                assert not published, f"{path.name} {name} publishes {published}"
    master = load_compose(DEPLOY / "compose.locust.yaml")["services"]["master"]
    assert master["expose"] == ["5557"]


def test_cuaso_containers_never_write_to_the_image() -> None:
    for path in COMPOSE_FILES:
        for name, service in load_compose(path)["services"].items():
            if "cuaso" in service["image"]:
                assert service["read_only"] is True, f"{path.name} {name}"
                assert service["tmpfs"] == ["/tmp"]
    for doc in WORKLOADS:
        for container in containers(doc):
            if container["image"].startswith("localhost/cuaso:"):
                assert container["securityContext"]["readOnlyRootFilesystem"] is True, _id(doc)


def test_compose_redis_keeps_an_append_only_file() -> None:
    redis = load_compose(DEPLOY / "compose.stack.yaml")["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    [k8s_redis] = [d for d in WORKLOADS if d["metadata"]["name"] == "redis"]
    args = next(containers(k8s_redis))["args"]
    assert args[args.index("--appendonly") + 1] == "yes"


# --- the image ---------------------------------------------------------------------------------------


def test_containerfile_is_one_non_root_python_311_image_with_a_readiness_check() -> None:
    text = (DEPLOY / "Containerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.replace("\\\n", " ").splitlines() if line.strip()]
    instructions = [line for line in lines if not line.startswith("#")]
    assert any(line.startswith("ARG BASE=") and "bookworm" in line for line in instructions)  # Python 3.11
    assert "-c constraints.txt '.[stack,generator]'" in text
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users
    assert users[-1] == f"{UID}:{UID}", "the last USER is the image's non-root user"
    assert f"--uid {UID}" in text
    [health] = [line for line in instructions if line.startswith("HEALTHCHECK")]
    assert "http://127.0.0.1:8000/readyz" in health
    for doc in WORKLOADS:
        if doc["metadata"]["name"] != "redis":
            assert (pod_spec(doc) or {})["securityContext"]["runAsUser"] == UID, _id(doc)
    # Every package setuptools installs is copied in (a missing one would install without error).
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]:
        package = pattern.rstrip("*")
        assert f"COPY {package}/ {package}/" in text
