"""The image itself, run as its own user on a read-only root file system (opt-in: it needs a built image
and podman, neither of which `make test` provides):

    PIP_CERT=/etc/ssl/certs/ca-certificates.crt deploy/build-image.sh
    CUASO_TEST_IMAGE=localhost/cuaso:dev .venv/bin/pytest tests/deploy/test_image.py

``CUASO_TEST_PODMAN`` is podman's command with its global options, ``CUASO_TEST_PODMAN_RUN_ARGS`` extra
options of ``podman run`` (docs/deploy.md gives the ones this machine, itself a container, needs). The
containers use the host's network, so that they reach the test's Redis on 127.0.0.1.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from stack.process import free_port
from stack.redis_server import RedisServer

IMAGE = os.environ.get("CUASO_TEST_IMAGE", "")
PODMAN = shlex.split(os.environ.get("CUASO_TEST_PODMAN", "podman"))
RUN_ARGS = shlex.split(os.environ.get("CUASO_TEST_PODMAN_RUN_ARGS", ""))
READY_WITHIN_S = 90.0
"""Assumption: a bound, not a measurement: the portal's workers start within 90 s on a busy 2-core machine."""

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not IMAGE, reason="set CUASO_TEST_IMAGE to a built image (deploy/build-image.sh)"),
]


def _run(
    *argv: str, env: dict[str, str] | None = None, detach: bool = False
) -> subprocess.CompletedProcess[str]:
    flags = [f"--env={k}={v}" for k, v in (env or {}).items()]
    command = [*PODMAN, "run", *(["-d"] if detach else ["--rm"]), "--network=host", "--read-only",
               "--tmpfs=/tmp", *RUN_ARGS, *flags, IMAGE, *argv]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def container() -> Iterator[list[str]]:
    """Ids of the detached containers a test starts; each is stopped (SIGTERM) and removed after it."""
    ids: list[str] = []
    yield ids
    for cid in ids:
        subprocess.run([*PODMAN, "rm", "-f", "-t", "10", cid], capture_output=True, timeout=60, check=False)


def _wait_for(url: str, cid: str) -> httpx.Response:
    deadline = time.monotonic() + READY_WITHIN_S
    while True:
        try:
            answer = httpx.get(url, timeout=2.0)
            if answer.status_code == 200:
                return answer
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            logs = subprocess.run([*PODMAN, "logs", cid], capture_output=True, text=True, check=False)
            pytest.fail(
                f"{url} not ready within {READY_WITHIN_S} s; container log:\n{logs.stdout}{logs.stderr}"
            )
        time.sleep(0.5)


def test_image_user_and_python() -> None:
    done = _run("sh", "-c", "id -u; id -g; python --version; stat -c %u:%g /data /data/blobs")
    assert done.returncode == 0, done.stderr
    uid, gid, python, version, *owners = done.stdout.split()
    assert (uid, gid, python) == ("10001", "10001", "Python")
    assert version.startswith("3.11.")
    # The volumes' mount points belong to the image's user (Docker and Podman copy that to a new volume).
    assert owners == ["10001:10001"] * 2


def test_portal_answers_readyz_against_redis(redis_server: RedisServer, container: list[str]) -> None:
    port = free_port()
    started = _run(
        "python", "-m", "uvicorn", "stack.app.main:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "2", "--no-access-log",
        env={"CUASO_REDIS_URL": redis_server.url, "PROMETHEUS_MULTIPROC_DIR": "/tmp/cuaso-metrics",
             "CUASO_BLOB_DIR": "/tmp/blobs"},
        detach=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    container.append(started.stdout.strip())
    ready = _wait_for(f"http://127.0.0.1:{port}/readyz", container[0])
    assert ready.json() == {"status": "ready"}
    assert "cuaso" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5.0).text
    search = httpx.get(f"http://127.0.0.1:{port}/api/v1/procedures", params={"q": "a"}, timeout=10.0)
    assert search.status_code == 200
    # The image's own HEALTHCHECK command, run in the container, passes only on port 8000: check its
    # command against the portal here instead.
    probe = subprocess.run(
        [*PODMAN, "exec", container[0], "curl", "-fsS", f"http://127.0.0.1:{port}/readyz"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr


def test_forwarder_serves_metrics_against_redis(redis_server: RedisServer, container: list[str]) -> None:
    port = free_port()
    started = _run(
        "python", "-m", "stack.forwarder", "--name", "forwarder-image-test", "--metrics-host", "127.0.0.1",
        "--metrics-port", str(port), env={"CUASO_REDIS_URL": redis_server.url}, detach=True,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    container.append(started.stdout.strip())
    _wait_for(f"http://127.0.0.1:{port}/metrics", container[0])


@pytest.mark.parametrize(
    "argv",
    [
        ["python", "-m", "stack.sims.eid", "--help"],
        ["python", "-m", "stack.sims.population", "--help"],
        ["python", "-m", "stack.sims.payments", "--help"],
        ["python", "-m", "stack.sims.notify", "--help"],
        ["python", "-m", "stack.sims.backoffice", "--help"],
        ["cuaso", "drill", "--help"],
        ["locust", "-f", "scenarios/locustfile.py", "--help"],
    ],
    ids=lambda argv: argv[2] if argv[0] == "python" else argv[0],
)
def test_every_entry_point_starts(argv: list[str]) -> None:
    done = _run(*argv)
    assert done.returncode == 0, done.stderr
    assert "usage" in done.stdout.lower()
