"""The environment a drill ran in, for its results document: machine, versions, git revision."""

from __future__ import annotations

import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

import psutil

from results.document import Environment

PACKAGES: tuple[str, ...] = (
    "cuaso", "locust", "gevent", "geventhttpclient", "fastapi", "uvicorn", "redis", "hdrhistogram", "psutil",
)  # fmt: skip
"""Packages whose versions the results name (the generator's and the stack's)."""

REPO_ROOT = Path(__file__).resolve().parents[2]


def cpu_model() -> str:
    """The CPU's model name (Linux ``/proc/cpuinfo``), else what the platform module says."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git_revision(root: Path = REPO_ROOT) -> str | None:
    """``git describe --always --dirty`` of the checkout, or None outside a git checkout."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty", "--abbrev=12"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def versions() -> dict[str, str]:
    out: dict[str, str] = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    redis_server = _redis_server_version()
    if redis_server:
        out["redis-server"] = redis_server
    return out


def _redis_server_version() -> str | None:
    try:
        done = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    for part in done.stdout.split():
        if part.startswith("v="):
            return part[2:]
    return None


def collect_environment() -> Environment:
    return Environment(
        hostname=socket.gethostname(),
        os=f"{platform.system()} {platform.release()}",
        cpu_model=cpu_model(),
        cores=psutil.cpu_count(logical=True) or 1,
        memory_bytes=int(psutil.virtual_memory().total),
        python=platform.python_version(),
        versions=versions(),
        git_revision=git_revision(),
    )
