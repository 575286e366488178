"""The deployment files as the real tools read them: ``docker-compose config`` (Debian's docker-compose,
which `make test` installs; no daemon needed) and ``kubectl kustomize`` (Debian's kubernetes-client; no
cluster needed) produce what the other tests of this folder check."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.files import COMPOSE_FILES, K8S_FOLDERS, kustomize_documents, load_compose


def _tool(name: str, package: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: scripts/bootstrap.sh {name}:{package} (make test installs it)")
    return found


def _compose_config(path: Path, environ: dict[str, str]) -> dict[str, Any]:
    # Only PATH and HOME from this process: a variable set by chance must not change the defaults.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp"), **environ}
    done = subprocess.run(
        [_tool("docker-compose", "docker-compose"), "--project-directory", str(path.parent), "-f", str(path),
         "config"],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data: dict[str, Any] = yaml.safe_load(done.stdout)
    return data


@pytest.mark.parametrize("path", COMPOSE_FILES, ids=lambda p: p.name)
@pytest.mark.parametrize("environ", [{}, {"WORKERS": "5", "CUASO_STACK_WORKERS": "4", "PORTAL_PORT": "9000"}])
def test_docker_compose_reads_the_files_as_the_tests_do(path: Path, environ: dict[str, str]) -> None:
    resolved = _compose_config(path, environ)["services"]
    ours = load_compose(path, environ)["services"]
    assert set(resolved) == set(ours)
    for name, service in ours.items():
        assert [str(a) for a in resolved[name]["command"]] == [str(a) for a in service["command"]]
        assert {k: str(v) for k, v in resolved[name].get("environment", {}).items()} == {
            k: str(v) for k, v in service.get("environment", {}).items()
        }
        assert resolved[name]["image"] == service["image"]


@pytest.mark.parametrize("folder", K8S_FOLDERS, ids=lambda p: p.name)
def test_kubectl_kustomize_builds_what_the_tests_check(folder: Path) -> None:
    done = subprocess.run(
        [_tool("kubectl", "kubernetes-client"), "kustomize", str(folder)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    built = [d for d in yaml.safe_load_all(done.stdout) if d is not None]

    def key(doc: dict[str, Any]) -> tuple[str, str]:
        return doc["kind"], doc["metadata"]["name"]

    assert sorted(built, key=key) == sorted(kustomize_documents(folder), key=key)
