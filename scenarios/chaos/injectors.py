"""Injectors: do (and undo) each fault of the schedule to a running :class:`~stack.launcher.LocalStack`.

- ``worker-kill``: SIGKILL one uvicorn worker (a child of the portal's supervisor process, chosen by a
  seeded random source); uvicorn's supervisor starts a new one.
- ``redis-restart``: SIGKILL (or SIGTERM, a clean shutdown) Redis, then start it again on the same port
  and data folder: the append-only file brings the data back.
- ``backoffice-outage``: every back-office system (or one, ``backoffice_system``) answers 503 through
  the simulator's per-system faults; undone at the end of the window.
- ``eid-slow``: the e-ID provider's latency is raised through its ``/_sim/faults``; restored after.
- ``partner-callbacks``: payment partners drop and duplicate callbacks (``/_sim/partners/{code}/
  behaviour``); restored after.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Literal

import httpx
import psutil

from scenarios.chaos.schedule import FaultEvent
from scenarios.chaos.topology_faults import TopologyInjector
from stack.launcher import LocalStack
from stack.redis_server import RedisServer

EID_SLOW_LATENCY_MS = 1500.0
"""Assumption: a slow national e-ID answers in 1.5 s (slow enough to fill queues, short of timeouts)."""
PARTNER_DROP_RATE = 0.2
"""Assumption: one callback in five is lost while partners misbehave."""
PARTNER_DUPLICATE_RATE = 0.5
"""Assumption: one callback in two is sent twice while partners misbehave."""
CONTROL_TIMEOUT_S = 10.0
"""Timeout of a call to a simulator's control endpoint (assumption: local, answers in ms)."""
WORKER_WAIT_S = 20.0
"""How long to wait for the supervisor to replace a killed worker before noting it did not."""


class InjectionError(RuntimeError):
    """A fault could not be injected or undone (the message says which and why)."""


@dataclass(frozen=True, slots=True)
class FaultRecord:
    """What happened for one event: when (seconds since the drill started), and a detail line."""

    kind: str
    phase: Literal["start", "end"]
    at_s: float
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "phase": self.phase, "at_s": round(self.at_s, 3), "ok": self.ok,
                "detail": self.detail}  # fmt: skip


class Injector:
    """Applies events to ``stack``; ``partners`` are the partner codes made to misbehave."""

    def __init__(
        self,
        stack: LocalStack,
        seed: int,
        partners: tuple[str, ...] = ("VCB",),
        backoffice_system: str = "*",
        redis_stop: Literal["kill", "shutdown"] = "kill",
    ) -> None:
        self.stack = stack
        self.rng = random.Random(f"{seed}:chaos")
        self.partners = partners
        self.backoffice_system = backoffice_system
        self.redis_stop = redis_stop
        self.http = httpx.Client(timeout=CONTROL_TIMEOUT_S, trust_env=False)
        self._eid_before: dict[str, object] | None = None
        runtime = stack.topology
        self.topology = TopologyInjector(runtime, seed) if runtime is not None else None

    def close(self) -> None:
        self.http.close()

    def start(self, event: FaultEvent) -> str:
        """Inject ``event``'s fault; returns a detail line (raises :class:`InjectionError`)."""
        match event.kind:
            case "worker-kill":
                return self.kill_worker()
            case "redis-restart":
                return self.restart_redis()
            case "backoffice-outage":
                return self._backoffice({"error_rate": 1.0, "error_status": 503}, "down (503)")
            case "eid-slow":
                return self._eid_slow()
            case "partner-callbacks":
                behaviour: dict[str, object] = {
                    "drop_rate": PARTNER_DROP_RATE,
                    "duplicate_rate": PARTNER_DUPLICATE_RATE,
                }
                what = f"drop {PARTNER_DROP_RATE:g}, dup {PARTNER_DUPLICATE_RATE:g}"
                return self._partners(behaviour, what)
            case "node-loss" | "primary-failover" | "site-loss":
                return self._topology().start(event)

    def end(self, event: FaultEvent) -> str:
        """Undo a window fault (point faults have nothing to undo)."""
        match event.kind:
            case "backoffice-outage":
                return self._backoffice({"error_rate": 0.0}, "back up")
            case "eid-slow":
                return self._eid_restore()
            case "partner-callbacks":
                return self._partners({}, "behave again")
            case "node-loss" | "primary-failover" | "site-loss":
                return self._topology().end(event)
            case _:
                return "nothing to undo"

    def _topology(self) -> TopologyInjector:
        if self.topology is None:
            raise InjectionError("a topology fault needs a multi-node stack (--topology)")
        return self.topology

    # ------------------------------------------------------------------ app workers
    def workers(self) -> list[psutil.Process]:
        """The uvicorn worker processes now (children of the supervisors, not multiprocessing helpers)."""
        supervisors = [p for name, p in self.stack.processes.items() if name.split(" ")[-1] == "portal"]
        children: list[psutil.Process] = []
        for proc in supervisors:
            if proc.pid is not None and proc.running:
                children += psutil.Process(proc.pid).children()
        if not supervisors or not any(p.running for p in supervisors):
            raise InjectionError("worker-kill: the portal is not running")
        return [c for c in children if "resource_tracker" not in " ".join(_cmdline(c))]

    def kill_worker(self) -> str:
        before = self.workers()
        if not before:
            raise InjectionError("worker-kill: the portal has no worker processes")
        victim = self.rng.choice(sorted(before, key=lambda p: p.pid))
        victim.kill()
        victim.wait(timeout=5)
        deadline = time.monotonic() + WORKER_WAIT_S
        while time.monotonic() < deadline:
            now = self.workers()
            if len(now) >= len(before) and victim.pid not in {p.pid for p in now}:
                return f"SIGKILL worker pid {victim.pid}; supervisor started pid {max(p.pid for p in now)}"
            time.sleep(0.2)
        return f"SIGKILL worker pid {victim.pid}; not replaced within {WORKER_WAIT_S:g} s"

    # ------------------------------------------------------------------ redis
    def restart_redis(self) -> str:
        old = self.stack.redis
        if old is None:
            raise InjectionError("redis-restart: the stack uses an outside Redis; cuaso cannot restart it")
        how = "SIGKILL" if self.redis_stop == "kill" else "SIGTERM (clean shutdown)"
        if self.redis_stop == "kill":
            old.kill()
        else:
            old.stop()
        appendfsync = self.stack.options.appendfsync
        new = RedisServer(old.data_dir, port=old.port, appendfsync=appendfsync)
        new.start()
        new.wait_ready(30.0)
        self.stack.redis = new
        self.stack.processes["redis"] = new
        return f"{how} redis on port {old.port}; started again (pid {new.pid}), AOF appendfsync {appendfsync}"

    # ------------------------------------------------------------------ simulators
    def _put(self, url: str, body: dict[str, object]) -> httpx.Response:
        try:
            response = self.http.put(url, json=body)
        except httpx.HTTPError as exc:
            raise InjectionError(f"PUT {url}: {exc}") from exc
        if response.status_code != 200:
            raise InjectionError(f"PUT {url}: {response.status_code} {response.text[:200]}")
        return response

    def _backoffice(self, body: dict[str, object], what: str) -> str:
        url = f"{self.stack.backoffice_url}/_sim/systems/{self.backoffice_system}/faults"
        updated = self._put(url, body).json()["updated"]
        return f"back-office system {self.backoffice_system} ({updated} systems): {what}"

    def _eid_slow(self) -> str:
        url = f"{self.stack.eid_url}/_sim/faults"
        try:
            self._eid_before = dict(self.http.get(url).json())
        except (httpx.HTTPError, ValueError) as exc:
            raise InjectionError(f"GET {url}: {exc}") from exc
        self._put(url, {**self._eid_before, "latency_ms": EID_SLOW_LATENCY_MS})
        return f"e-ID latency {EID_SLOW_LATENCY_MS:g} ms"

    def _eid_restore(self) -> str:
        if self._eid_before is None:
            return "e-ID was not slowed"
        self._put(f"{self.stack.eid_url}/_sim/faults", self._eid_before)
        return f"e-ID latency back to {self._eid_before.get('latency_ms')} ms"

    def _partners(self, behaviour: dict[str, object], what: str) -> str:
        for code in self.partners:
            self._put(f"{self.stack.payments_url}/_sim/partners/{code}/behaviour", behaviour)
        return f"partners {', '.join(self.partners)}: {what}"


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []
