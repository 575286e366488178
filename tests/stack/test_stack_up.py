"""``cuaso stack up`` starts every process, prints its URLs, and on SIGTERM/SIGINT stops them all."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

STARTUP_TIMEOUT_S = 90.0


def _start(tmp_path: Path) -> tuple[subprocess.Popen[str], dict[str, str]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "cuaso", "stack", "up", "--port", "0", "--stack-workers", "1",
         "--data-dir", str(tmp_path / "data"), "--eid-latency-ms", "1", "--population-latency-ms", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    urls: dict[str, str] = {}
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    assert proc.stdout is not None
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        match = re.match(r"^\s+(\S.*?)\s{2,}(\S+)$", line.rstrip())
        if match:
            urls[match.group(1)] = match.group(2)
        if line.startswith("stack: press Ctrl-C"):
            return proc, urls
    proc.kill()
    pytest.fail("stack up did not become ready:\n" + "".join(lines))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stack_up_serves_then_stops_everything_on_signal(tmp_path: Path, sig: signal.Signals) -> None:
    proc, urls = _start(tmp_path)
    try:
        assert set(urls) >= {"portal", "metrics", "e-ID provider", "population database", "redis"}
        portal = urls["portal"].removesuffix("/api/v1")
        assert httpx.get(portal + "/readyz", timeout=5).json() == {"status": "ready"}
        assert httpx.get(urls["e-ID provider"] + "/_sim/health", timeout=5).status_code == 200
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 4  # redis, e-ID, population, uvicorn (+ its worker)
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "stack: stopped" in out
        _, alive = psutil.wait_procs(children, timeout=10)
        assert alive == [], f"left running: {alive}"
        # Redis ran with AOF on in its own data folder.
        assert list((tmp_path / "data" / "redis").glob("appendonly*"))
    finally:
        if proc.poll() is None:
            proc.kill()
