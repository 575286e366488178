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
from stack.topology.runtime import TopologyRuntime
from stack.topology.spec import Topology

PY = sys.executable
EventLoop = Literal["uvloop", "asyncio"]
EVENT_LOOPS: tuple[EventLoop, ...] = ("uvloop", "asyncio")
"""uvicorn's event loops the stack runs on (``--loop``)."""


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
    inject_cpu_ms: float = 0.0  # CPU burnt per API request: a known, CPU-bound capacity (overload drills)
    # Assumed latencies of the outside systems (a national e-ID and database are tens of ms away).
    eid: SimFaults = SimFaults(latency_ms=20.0, jitter_ms=10.0)
    population: SimFaults = SimFaults(latency_ms=15.0, jitter_ms=5.0)
    payments: SimFaults = SimFaults(latency_ms=30.0, jitter_ms=10.0)  # assumption: a bank's checkout page
    extra_env: tuple[tuple[str, str], ...] = ()
    # Linked processing (docs/linked-processing.md): outbox forwarders and the 151 back-office systems.
    forwarders: int = 2  # assumption: two, so that one can die (chaos drills) and the other claims its work
    backoffice_latency_ms: float = 30.0  # assumption: mean per-system acknowledgement latency
    feedback_answers: bool = True  # False: agencies answer feedback only once enabled via /_sim/feedback
    # Overload protection (docs/overload.md); None keeps the stack's default from stack/settings.py.
    admission: bool | None = None
    max_in_flight: int | None = None
    admission_queue: int | None = None
    rate_limit_per_s: float | None = None
    # uvicorn's event loop. uvloop (libuv) accepts one new connection per turn of a busy loop, so a burst
    # of new connections waits seconds behind CPU-bound work; asyncio accepts up to the listen backlog
    # (uvicorn: 2048) per turn (docs/overload.md, "New connections during a spike").
    loop: EventLoop = "uvloop"
    # None: one app node on 127.0.0.1; else K nodes, two sites, HAProxy, Redis Cluster (docs/topology.md).
    topology: Topology | None = None

    def __post_init__(self) -> None:
        if self.max_in_flight is not None and self.max_in_flight < 1:
            raise ValueError(f"max_in_flight: need at least 1, got {self.max_in_flight}")
        if self.admission_queue is not None and self.admission_queue < 0:
            raise ValueError(f"admission_queue: need 0 or more, got {self.admission_queue}")
        if self.rate_limit_per_s is not None and not self.rate_limit_per_s >= 0:
            raise ValueError(f"rate_limit_per_s: need 0 (off) or more, got {self.rate_limit_per_s}")
        if self.loop not in EVENT_LOOPS:
            raise ValueError(f"loop: need one of {', '.join(EVENT_LOOPS)}, got {self.loop!r}")
        if self.forwarders < 0:
            raise ValueError(f"forwarders: need 0 or more, got {self.forwarders}")
        if self.workers < 1:
            raise ValueError(f"workers: need at least 1, got {self.workers}")
        if not 0 <= self.port < 65536:
            raise ValueError(f"port: need 0..65535, got {self.port}")

    def overload_env(self) -> dict[str, str]:
        """``CUASO_*`` settings for the options given (admission control, per-citizen rate limit)."""
        given = {
            "CUASO_ADMISSION_ENABLED": None if self.admission is None else str(self.admission).lower(),
            "CUASO_ADMISSION_MAX_IN_FLIGHT": self.max_in_flight,
            "CUASO_ADMISSION_QUEUE": self.admission_queue,
            "CUASO_RATE_LIMIT_PER_S": self.rate_limit_per_s,
        }
        return {name: str(value) for name, value in given.items() if value is not None}


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
        self.backoffice_port = free_port()
        self.forwarder_ports = [free_port() for _ in range(options.forwarders)]
        self.payments_port = free_port()
        self.notify_port = free_port()
        self.redis: RedisServer | None = None
        self.processes: dict[str, ManagedProcess] = {}
        self.redis_url = options.redis_url or ""
        self.topology = TopologyRuntime(self, options.topology) if options.topology else None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def eid_url(self) -> str:
        return f"http://127.0.0.1:{self.eid_port}"

    @property
    def population_url(self) -> str:
        return f"http://127.0.0.1:{self.population_port}"

    @property
    def payments_url(self) -> str:
        return f"http://127.0.0.1:{self.payments_port}"

    @property
    def notify_url(self) -> str:
        return f"http://127.0.0.1:{self.notify_port}"

    @property
    def backoffice_url(self) -> str:
        return f"http://127.0.0.1:{self.backoffice_port}"

    def urls(self) -> dict[str, str]:
        forwarders = {f"forwarder-{i} metrics": f"http://127.0.0.1:{port}/metrics"
                      for i, port in enumerate(self.forwarder_ports, start=1)}  # fmt: skip
        if self.topology is not None:
            forwarders = self.topology.urls()
        return {
            "portal": self.url + "/api/v1",
            "openapi": self.url + "/openapi.json",
            "metrics": self.url + "/metrics",
            "e-ID provider": self.eid_url,
            "population database": self.population_url,
            "payment partners": self.payments_url,
            "SMS/e-mail gateway": self.notify_url,
            "back-office systems": self.backoffice_url,
            "redis": self.redis_url,
        } | forwarders

    def linked_env(self) -> dict[str, str]:
        """``CUASO_*`` settings of the forwarders and the back-office simulator (no multiprocess metrics
        folder: each forwarder serves its own /metrics)."""
        env = {"CUASO_REDIS_URL": self.redis_url, "CUASO_BACKOFFICE_URL": self.backoffice_url}
        return env | {"CUASO_PUBLIC_URL": self.url} | dict(self.options.extra_env)

    def forwarder_process(self, number: int) -> ManagedProcess:
        """Forwarder ``number`` (from 1), not started: also how a chaos drill restarts one it killed."""
        name, port = f"forwarder-{number}", self.forwarder_ports[number - 1]
        return ManagedProcess(
            name,
            [PY, "-m", "stack.forwarder", "--name", name, "--metrics-port", str(port)],
            ready_url=f"http://127.0.0.1:{port}/metrics",
            env=self.linked_env(),
            log_path=self.data_dir / f"{name}.log",
        )

    def portal_env(self) -> dict[str, str]:
        metrics_dir = self.data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env = {
            "CUASO_REDIS_URL": self.redis_url,
            "CUASO_EID_URL": self.eid_url,
            "CUASO_POPULATION_URL": self.population_url,
            "CUASO_PAYMENTS_URL": self.payments_url,
            "CUASO_PUBLIC_URL": self.url,
            "CUASO_BACKOFFICE_URL": self.backoffice_url,
            "CUASO_BLOB_DIR": str(self.data_dir / "blobs"),
            "CUASO_APPENDFSYNC": self.options.appendfsync,
            "CUASO_INJECT_DELAY_MS": str(self.options.inject_delay_ms),
            "CUASO_INJECT_CPU_MS": str(self.options.inject_cpu_ms),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        env.update(self.options.overload_env())
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
        if self.topology is not None:
            self.topology.start_data()
        elif not opts.redis_url:
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
                "payments",
                [PY, "-m", "stack.sims.payments", "--host", "127.0.0.1", "--port", str(self.payments_port),
                 "--portal-url", self.url, *opts.payments.argv()],
                ready_url=self.payments_url + "/_sim/health",
                log_path=self.data_dir / "payments.log",
            )
        )  # fmt: skip
        # The SMS/e-mail gateway the lifecycle job sends notices to (assumption: accepts one in ~5 ms).
        self._run(
            ManagedProcess(
                "notify",
                [PY, "-m", "stack.sims.notify", "--host", "127.0.0.1", "--port", str(self.notify_port),
                 "--record", str(self.data_dir / "notify.jsonl"), "--latency-ms", "5", "--jitter-ms", "2"],
                ready_url=self.notify_url + "/_sim/health",
                log_path=self.data_dir / "notify.log",
            )
        )  # fmt: skip
        self._run(
            ManagedProcess(
                "backoffice",
                [PY, "-m", "stack.sims.backoffice", "--host", "127.0.0.1",
                 "--port", str(self.backoffice_port), "--portal-url", self.url,
                 "--system-latency-ms", str(opts.backoffice_latency_ms),
                 *([] if opts.feedback_answers else ["--no-feedback-answers"])],
                ready_url=self.backoffice_url + "/_sim/health",
                env=self.linked_env(),
                log_path=self.data_dir / "backoffice.log",
            )
        )  # fmt: skip
        if self.topology is not None:
            self.topology.start_app()
            return
        self._run(
            ManagedProcess(
                "portal",
                [PY, "-m", "uvicorn", "stack.app.main:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(opts.workers),
                 "--loop", opts.loop, "--http", "httptools", "--no-access-log", "--log-level", "warning",
                 "--timeout-graceful-shutdown", "5"],
                ready_url=self.url + "/readyz",
                env=self.portal_env(),
                log_path=self.data_dir / "portal.log",
            ),
            timeout=60.0,
        )  # fmt: skip
        for number in range(1, opts.forwarders + 1):
            self._run(self.forwarder_process(number))

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
