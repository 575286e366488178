"""Real Locust, headless, as child processes: one local process, or one master and K workers.

Configured the way Locust is configured — its ``LOCUST_*`` environment variables — plus the drill's
``CUASO_DRILL_*`` variables (:meth:`scenarios.drill.config.DrillConfig.to_env`). Each process is a
:class:`stack.process.ManagedProcess` (own process group, log file in the drill's folder), so stopping
one stops everything it started. The master binds to 127.0.0.1 on a free port, unless a
:class:`MasterBinding` names a reachable address for workers on other machines (docs/drills.md).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from scenarios.drill.config import DrillConfig
from stack.process import ManagedProcess, free_port

LOCUSTFILE = Path(__file__).resolve().parents[1] / "locustfile.py"
USER_LOCUSTFILE = Path(__file__).resolve().parents[1] / "user_locustfile.py"
"""Runs a user's own file (``CUASO_DRILL_LOCUSTFILE``) instead of cuaso's journeys."""

EXPECT_WORKERS_MAX_WAIT_S = 60
"""Assumption: K local workers connect within a minute even on a busy 2-core machine."""

REMOTE_WORKERS_MAX_WAIT_S = 600
"""Assumption: a person starts the workers on other machines within ten minutes."""


@dataclass(frozen=True, slots=True)
class MasterBinding:
    """Where the master listens: 127.0.0.1 for local workers only; a reachable address (and usually a
    fixed port) when ``remote`` workers on other machines connect too."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port
    remote: int = 0

    @property
    def max_wait_s(self) -> int:
        return REMOTE_WORKERS_MAX_WAIT_S if self.remote else EXPECT_WORKERS_MAX_WAIT_S


LOCUST_LOGLEVEL = "INFO"


def _locust_argv() -> list[str]:
    # ``python -m locust`` with this interpreter: the venv's Locust, whatever is on PATH.
    return [sys.executable, "-m", "locust"]


def locustfile_of(config: DrillConfig) -> Path:
    """The locustfile Locust runs: cuaso's journeys, or the one that runs a user's file."""
    return USER_LOCUSTFILE if config.locustfile else LOCUSTFILE


def common_env(config: DrillConfig, host: str) -> dict[str, str]:
    return {
        **config.to_env(),
        "LOCUST_LOCUSTFILE": str(locustfile_of(config)),
        "LOCUST_HOST": host,
        "LOCUST_LOGLEVEL": LOCUST_LOGLEVEL,
        "LOCUST_SKIP_MONKEY_PATCH": "",  # the test process sets it; Locust itself must patch
        "LOCUST_EXIT_CODE_ON_ERROR": "0",  # failures are measurements here, not a crash
        "PYTHONUNBUFFERED": "1",
    }


@dataclass
class LocustProcesses:
    """The Locust processes of one drill; ``master`` is the single local process when ``workers`` is 0."""

    master: ManagedProcess
    workers: list[ManagedProcess]
    port: int = 0

    @property
    def all(self) -> list[ManagedProcess]:
        return [self.master, *self.workers]

    def pids(self) -> list[int]:
        return [p.pid for p in self.all if p.pid is not None and p.running]

    def stop(self) -> None:
        """Master first (it tells its workers to quit and writes its reports), then the workers."""
        for proc in self.all:
            proc.stop(timeout=15.0)


def start_locust(
    config: DrillConfig,
    host: str,
    out: Path,
    workers: int,
    binding: MasterBinding | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> LocustProcesses:
    """Start Locust for one drill: headless, CSV and HTML into ``out``; ``workers`` > 0 (or remote
    workers in ``binding``) means one ``--master`` and that many local ``--worker`` processes."""
    binding = binding or MasterBinding()
    env = {**common_env(config, host), **(extra_env or {})}
    headless = {
        "LOCUST_HEADLESS": "true",
        "LOCUST_ONLY_SUMMARY": "true",
        "LOCUST_CSV": str(out / "locust"),
        "LOCUST_HTML": str(out / "locust.html"),
    }
    if workers == 0 and binding.remote == 0:
        master = ManagedProcess(
            "locust", _locust_argv(), env={**env, **headless}, log_path=out / "locust.log"
        )
        master.start()
        return LocustProcesses(master, [])
    port = binding.port or free_port()
    master = ManagedProcess(
        "locust-master",
        _locust_argv(),
        env={
            **env,
            **headless,
            "LOCUST_MODE_MASTER": "true",
            "LOCUST_MASTER_BIND_HOST": binding.host,
            "LOCUST_MASTER_BIND_PORT": str(port),
            "LOCUST_EXPECT_WORKERS": str(workers + binding.remote),
            "LOCUST_EXPECT_WORKERS_MAX_WAIT": str(binding.max_wait_s),
        },
        log_path=out / "locust-master.log",
    )
    procs = LocustProcesses(master, [], port)
    try:
        master.start()
        for k in range(workers):
            worker = ManagedProcess(
                f"locust-worker-{k}",
                _locust_argv(),
                env={
                    **env,
                    "LOCUST_MODE_WORKER": "true",
                    "LOCUST_MASTER_NODE_HOST": "127.0.0.1"
                    if binding.host in ("*", "0.0.0.0")
                    else binding.host,
                    "LOCUST_MASTER_NODE_PORT": str(port),
                },
                log_path=out / f"locust-worker-{k}.log",
            )
            procs.workers.append(worker)
            worker.start()
    except BaseException:
        procs.stop()
        raise
    return procs
