"""A drill stopped with SIGTERM (a CI job cancelled, ``timeout``, a supervisor) stops everything it
started (the stack's Redis, simulators, portal workers, forwarders, and Locust) and exits 143."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

START_WAIT_S = 90.0
"""Assumption: a busy 2-core machine starts the stack and Locust within 90 s."""


def test_sigterm_stops_every_process_the_drill_started(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "cuaso", "drill", "steady", "--users", "2", "--duration", "120",
            "--param", "ramp_s=1", "--out", str(tmp_path / "drill")]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    assert proc.stdout is not None
    parent = psutil.Process(proc.pid)
    started: list[psutil.Process] = []
    deadline = time.monotonic() + START_WAIT_S
    lines = []
    for line in proc.stdout:  # the first progress line: the stack and Locust are up
        lines.append(line)
        if "phase " in line and "req/s" in line:
            started = parent.children(recursive=True)
            break
        assert time.monotonic() < deadline, "".join(lines)
    assert started, "".join(lines)
    names = {p.name() for p in started if p.is_running()}
    assert any("redis" in n for n in names), names
    proc.send_signal(signal.SIGTERM)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, "".join(lines) + rest
    assert "terminated (SIGTERM)" in rest
    _gone, alive = psutil.wait_procs(started, timeout=15)
    assert not alive, [(p.pid, p.cmdline()) for p in alive]
