"""Admission control: a per-worker limit on requests in flight, with a short bounded wait queue.

Why: an unprotected server under overload accepts every request, so each one waits behind all the
others and latency grows until clients time out and retry; goodput collapses (the "slow and hanging"
portal of July 2025, ../shared/FACTS.md). Refusing the excess at once keeps the admitted requests fast
and tells clients when to come back.

A request to a path under ``/api/`` takes one of ``max_in_flight`` slots of its worker. When all are
taken it waits, first come first served, in a queue of at most ``queue`` requests for at most
``queue_timeout_s``; past either bound it is answered at once with ``503``, ``Retry-After`` and the
standard error body (``code: "overloaded"``), never left hanging. Operational endpoints (``/healthz``,
``/readyz``, ``/metrics``) and everything outside ``/api/`` are never queued or refused: a load balancer
must still see a busy worker as alive, and Prometheus must still scrape it.

Pure ASGI (no ``BaseHTTPMiddleware``). It must wrap every middleware that can delay a request
(``main.py`` adds it after them; only the metrics middleware is outside it), so that time spent in the
app, including an injected delay, holds a slot.
Limits are per worker process: a node's limit is ``workers x max_in_flight``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Receive, Scope, Send

from stack.app.errors import error_response

API_PREFIX = "/api/"

QUEUE_FULL = "queue_full"
QUEUE_TIMEOUT = "queue_timeout"

REJECTED = Counter(
    "cuaso_admission_rejected_total",
    "Requests refused with 503 by admission control, by reason (queue_full, queue_timeout).",
    ["reason"],
)
QUEUE_DEPTH = Gauge(
    "cuaso_admission_queue_depth",
    "Requests waiting for an admission slot (summed over live workers).",
    multiprocess_mode="livesum",
)
QUEUE_WAIT = Histogram(
    "cuaso_admission_queue_wait_seconds",
    "Time requests spent in the admission queue, admitted or not.",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
for _reason in (QUEUE_FULL, QUEUE_TIMEOUT):
    REJECTED.labels(_reason)  # every reason shows in /metrics from the start, at 0


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    """The bounds of one worker's admission control (defaults: ``stack/settings.py``, assumptions)."""

    max_in_flight: int
    queue: int
    queue_timeout_s: float
    retry_after_s: int = 1

    def __post_init__(self) -> None:
        if isinstance(self.max_in_flight, bool) or self.max_in_flight < 1:
            raise ValueError(f"max_in_flight: need an integer >= 1, got {self.max_in_flight!r}")
        if isinstance(self.queue, bool) or self.queue < 0:
            raise ValueError(f"queue: need an integer >= 0, got {self.queue!r}")
        if not 0 < self.queue_timeout_s <= 30:
            raise ValueError(f"queue_timeout_s: need 0 < seconds <= 30, got {self.queue_timeout_s!r}")
        if isinstance(self.retry_after_s, bool) or self.retry_after_s < 1:
            raise ValueError(f"retry_after_s: need an integer >= 1, got {self.retry_after_s!r}")


class AdmissionMiddleware:
    """Bounds concurrent ``/api/`` requests per worker; refuses the excess with 503 + Retry-After."""

    def __init__(self, app: ASGIApp, limits: AdmissionLimits) -> None:
        self.app = app
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.max_in_flight)  # FIFO; binds to the loop on first use
        self._queued = 0

    @property
    def queued(self) -> int:
        """Requests of this worker waiting for a slot now."""
        return self._queued

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        if self._slots.locked():
            reason = await self._wait_for_slot()
            if reason is not None:
                await self._refuse(reason, scope, receive, send)
                return
        else:
            await self._slots.acquire()  # a free slot: returns at once
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    async def _wait_for_slot(self) -> str | None:
        """Queue for a slot; ``None`` once holding one, else the reason for refusing."""
        if self._queued >= self.limits.queue:
            return QUEUE_FULL
        self._queued += 1
        QUEUE_DEPTH.inc()
        start = time.perf_counter()
        try:
            async with asyncio.timeout(self.limits.queue_timeout_s):
                await self._slots.acquire()
        except TimeoutError:
            return QUEUE_TIMEOUT
        finally:
            self._queued -= 1
            QUEUE_DEPTH.dec()
            QUEUE_WAIT.observe(time.perf_counter() - start)
        return None

    async def _refuse(self, reason: str, scope: Scope, receive: Receive, send: Send) -> None:
        REJECTED.labels(reason).inc()
        retry = self.limits.retry_after_s
        what = "too many requests waiting" if reason == QUEUE_FULL else "no capacity freed in time"
        response = error_response(
            503,
            "overloaded",
            f"server busy ({what}), retry after {retry} s",
            None,
            {"Retry-After": str(retry)},
        )
        await response(scope, receive, send)
