"""Start a simulator as its own process: the argv and readiness URL the launcher and tests share."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from stack.process import ManagedProcess

SIMULATORS = ("eid", "population", "payments", "backoffice", "notify")
"""Simulators runnable as ``python -m stack.sims.<name>``."""


def simulator_process(
    name: str,
    port: int,
    extra_args: Sequence[str] = (),
    *,
    host: str = "127.0.0.1",
    log_path: Path | None = None,
) -> ManagedProcess:
    """A (not yet started) :class:`ManagedProcess` running simulator ``name`` on ``host:port``, ready
    when ``GET /_sim/health`` answers; ``extra_args`` are its own and fault flags."""
    if name not in SIMULATORS:
        raise ValueError(f"name: unknown simulator {name!r}; known: {list(SIMULATORS)}")
    argv = [sys.executable, "-m", f"stack.sims.{name}", "--host", host, "--port", str(port), *extra_args]
    return ManagedProcess(
        f"sim-{name}", argv, ready_url=f"http://{host}:{port}/_sim/health", log_path=log_path
    )
