"""Starts the whole reference stack locally: Redis (unless given), the simulated outside systems, and
the portal's uvicorn workers, each its own process, in that order; stops them in reverse order.

Used by ``cuaso stack up``, ``cuaso walk``, the drills and the tests.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

from stack.process import ManagedProcess, free_port
from stack.redis_server import RedisServer

PY = sys.executable


@dataclass(frozen=True, slots=True)
class SimFaults:
    """Initial faults of one simulated outside system (changeable later through its /_sim/faults)."""

    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    error_rate: float = 0.0

    def argv(self) -> list[str]:
        return [
            "--latency-ms", str(self.latency_ms),
            "--jitter-ms", str(self.jitter_ms),
            "--error-rate", str(self.error_rate),
        ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class StackOptions:
    port: int = 8000  # 0: a free port
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    redis_url: str | None = None
    data_dir: Path | None = None  # None: a temporary folder, removed at stop
    appendfsync: Literal["always", "everysec", "no"] = "everysec"
    inject_delay_ms: float = 0.0
    # Assumed latencies of the outside systems (a national e-ID and database are tens of ms away).
    eid: SimFaults = SimFaults(latency_ms=20.0, jitter_ms=10.0)
    population: SimFaults = SimFaults(latency_ms=15.0, jitter_ms=5.0)
    extra_env: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers: need at least 1, got {self.workers}")
        if not 0 <= self.port < 65536:
            raise ValueError(f"port: need 0..65535, got {self.port}")


class LocalStack:
    """The reference stack on 127.0.0.1. Use as a context manager, or start()/stop()."""

    def __init__(self, options: StackOptions, on_event: Callable[[str], None] | None = None) -> None:
        self.options = options
        self._say = on_event or (lambda _msg: None)
        self._own_tmp = options.data_dir is None
        self.data_dir = options.data_dir or Path(tempfile.mkdtemp(prefix="cuaso-stack-"))
        self.port = options.port or free_port()
        self.eid_port = free_port()
        self.population_port = free_port()
        self.redis: RedisServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self.redis_url = options.redis_url or ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def eid_url(self) -> str:
        return f"http://127.0.0.1:{self.eid_port}"

    @property
    def population_url(self) -> str:
        return f"http://127.0.0.1:{self.population_port}"

    def urls(self) -> dict[str, str]:
        return {
            "portal": self.url + "/api/v1",
            "openapi": self.url + "/openapi.json",
            "metrics": self.url + "/metrics",
            "e-ID provider": self.eid_url,
            "population database": self.population_url,
            "redis": self.redis_url,
        }

    def portal_env(self) -> dict[str, str]:
        metrics_dir = self.data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env = {
            "CUASO_REDIS_URL": self.redis_url,
            "CUASO_EID_URL": self.eid_url,
            "CUASO_POPULATION_URL": self.population_url,
            "CUASO_PUBLIC_URL": self.url,
            "CUASO_BLOB_DIR": str(self.data_dir / "blobs"),
            "CUASO_APPENDFSYNC": self.options.appendfsync,
            "CUASO_INJECT_DELAY_MS": str(self.options.inject_delay_ms),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        env.update(dict(self.options.extra_env))
        return env

    def start(self) -> Self:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        opts = self.options
        if not opts.redis_url:
            self.redis = RedisServer(self.data_dir / "redis", appendfsync=opts.appendfsync)
            self._run(self.redis)
            self.redis_url = self.redis.url
        callback = self.url + "/api/v1/auth/callback"
        self._run(
            ManagedProcess(
                "eid",
                [PY, "-m", "stack.sims.eid", "--host", "127.0.0.1", "--port", str(self.eid_port),
                 "--redirect-uri", callback, *opts.eid.argv()],
                ready_url=self.eid_url + "/_sim/health",
                log_path=self.data_dir / "eid.log",
            )
        )  # fmt: skip
        self._run(
            ManagedProcess(
                "population",
                [PY, "-m", "stack.sims.population", "--host", "127.0.0.1",
                 "--port", str(self.population_port), *opts.population.argv()],
                ready_url=self.population_url + "/_sim/health",
                log_path=self.data_dir / "population.log",
            )
        )  # fmt: skip
        self._run(
            ManagedProcess(
                "portal",
                [PY, "-m", "uvicorn", "stack.app.main:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(opts.workers),
                 "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
                 "--timeout-graceful-shutdown", "5"],
                ready_url=self.url + "/readyz",
                env=self.portal_env(),
                log_path=self.data_dir / "portal.log",
            ),
            timeout=60.0,
        )  # fmt: skip

    def _run(self, proc: ManagedProcess, timeout: float = 30.0) -> None:
        self._say(f"starting {proc.name}")
        self.processes[proc.name] = proc
        proc.start()
        proc.wait_ready(timeout)

    def stop(self) -> None:
        for name in reversed(list(self.processes)):
            self._say(f"stopping {name}")
            self.processes[name].stop()
        self.processes.clear()
        if self._own_tmp:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
