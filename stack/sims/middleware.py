"""The fault injector: a pure ASGI middleware in front of every simulator.

It applies the current :class:`~stack.sims.faults.FaultConfig` to every request except those under
:data:`CONTROL_PREFIX` (``/_sim/``: health, statistics and the fault controls themselves must keep
answering during an outage, or a drill could not end one). It is a plain ASGI callable rather than
Starlette's ``BaseHTTPMiddleware``, which wraps every request in extra tasks and streams and would make
the simulator, not the system under test, the bottleneck.

Order for one request: outage window (``error``: 503 at once; ``hang``: hold until the window ends or
the configuration changes), then latency ± jitter, then an injected error with probability
``error_rate``, else the request goes on to the simulator. Random draws come from one
``random.Random(seed)``, so a run with the same seed and the same request order draws the same faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from stack.sims.faults import FaultConfig

CONTROL_PREFIX = "/_sim/"

RETRY_AFTER_S = 1
"""``Retry-After`` of an injected (random) error, in seconds (assumption: a short transient fault)."""


@dataclass(slots=True)
class FaultStats:
    """Counters since start (mutable on purpose: the one event loop updates them in place)."""

    requests: int = 0
    passed: int = 0
    injected_error: int = 0
    outage_error: int = 0
    outage_hang: int = 0

    def to_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "passed": self.passed,
            "faulted": {
                "injected_error": self.injected_error,
                "outage_error": self.outage_error,
                "outage_hang": self.outage_hang,
            },
        }


class FaultState:
    """The live fault configuration of one simulator process, its clock, random source and counters.

    The configuration itself is immutable; :meth:`replace` swaps it whole and wakes requests held by a
    ``hang`` outage so that they re-check the new one.
    """

    def __init__(self, config: FaultConfig, seed: int = 0, clock: Callable[[], float] = time.monotonic):
        self._config = config
        self.seed = seed
        self._rng = random.Random(seed)
        self._clock = clock
        self.started = clock()
        self.stats = FaultStats()
        self._changed = asyncio.Event()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def replace(self, config: FaultConfig) -> None:
        """Use ``config`` from now on; requests held by a ``hang`` outage re-check it at once."""
        self._config = config
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def uptime_s(self) -> float:
        """Seconds since the simulator started (the clock of outage windows)."""
        return self._clock() - self.started

    def draw_latency_s(self, config: FaultConfig) -> float:
        """One request's added latency in seconds: uniform in latency ± jitter, at least zero."""
        latency = config.latency_ms
        if config.jitter_ms > 0:
            latency += self._rng.uniform(-config.jitter_ms, config.jitter_ms)
        return max(0.0, latency) / 1000.0

    def draw_error(self, config: FaultConfig) -> bool:
        """Whether to answer this request with an injected error (probability ``error_rate``)."""
        if config.error_rate <= 0.0:
            return False
        if config.error_rate >= 1.0:
            return True
        return self._rng.random() < config.error_rate

    async def hold_during_hang_outage(self) -> None:
        """Wait while the current configuration says ``hang`` and now is inside one of its windows."""
        while True:
            config = self._config
            outage = config.outage_at(self.uptime_s()) if config.outage_mode == "hang" else None
            if outage is None:
                return
            remaining = outage.end_s - self.uptime_s()
            if remaining <= 0:
                continue
            changed = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=remaining)

    def snapshot(self) -> dict[str, object]:
        """Uptime, seed and counters, for ``GET /_sim/stats``."""
        return {"uptime_s": round(self.uptime_s(), 3), "seed": self.seed, **self.stats.to_dict()}


class FaultInjector:
    """ASGI middleware applying a :class:`FaultState` to every non-control HTTP request."""

    def __init__(self, app: ASGIApp, state: FaultState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        state = self.state
        stats = state.stats
        stats.requests += 1
        config = state.config
        outage = config.outage_at(state.uptime_s())
        if outage is not None:
            if config.outage_mode == "error":
                stats.outage_error += 1
                retry_after = max(1, math.ceil(outage.end_s - state.uptime_s()))
                await send_error(send, 503, retry_after, "outage", "simulated outage window")
                return
            stats.outage_hang += 1
            await state.hold_during_hang_outage()
            config = state.config
        latency_s = state.draw_latency_s(config)
        if latency_s > 0:
            await asyncio.sleep(latency_s)
        if state.draw_error(config):
            stats.injected_error += 1
            await send_error(send, config.error_status, RETRY_AFTER_S, "injected_fault", "simulated error")
            return
        stats.passed += 1
        await self.app(scope, receive, send)


async def send_error(send: Send, status: int, retry_after: int, code: str, reason: str) -> None:
    """Answer an ASGI request with the project's JSON error shape and ``Retry-After``."""
    body = orjson.dumps({"error": {"status": status, "code": code, "field": None, "reason": reason}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_after).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
