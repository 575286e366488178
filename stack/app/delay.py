"""Injected per-request costs, to produce a regression or a known capacity on purpose.

- ``--inject-delay-ms``: :class:`InjectDelayMiddleware` sleeps, holding the request's admission slot
  but no CPU (a slower dependency).
- ``--inject-cpu-ms``: :class:`InjectCpuMiddleware` burns that much CPU time on the worker's event loop
  (a stand-in for expensive application code: rendering, heavy queries); a worker then serves at most
  ~1000 / ms requests per second, so an overload drill can offer 5x its capacity from one small
  generator (docs/overload.md).

Both act on ``/api/`` requests only and sit inside admission control, so the time is spent in a slot.
"""

from __future__ import annotations

import asyncio
import time

from starlette.types import ASGIApp, Receive, Scope, Send


class InjectDelayMiddleware:
    """Sleeps ``delay_s`` before every ``/api/`` request, inside admission control so that the delayed
    request holds its slot like slow application code would."""

    def __init__(self, app: ASGIApp, delay_s: float) -> None:
        self.app = app
        self.delay_s = delay_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            await asyncio.sleep(self.delay_s)
        await self.app(scope, receive, send)


def burn_cpu(seconds: float) -> int:
    """Spin until this thread has used ``seconds`` of CPU time (not wall time: a preempted worker still
    does the full work); returns the loop count, so the work cannot be optimised away."""
    end = time.thread_time() + seconds
    spins = 0
    while time.thread_time() < end:
        spins += 1
    return spins


class InjectCpuMiddleware:
    """Burns ``cpu_s`` of CPU on the event loop before every ``/api/`` request (blocking it, as
    CPU-bound application code does)."""

    def __init__(self, app: ASGIApp, cpu_s: float) -> None:
        self.app = app
        self.cpu_s = cpu_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            burn_cpu(self.cpu_s)
        await self.app(scope, receive, send)
