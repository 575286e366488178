"""An injected per-request delay, to produce a regression on purpose (``--inject-delay-ms``)."""

from __future__ import annotations

import asyncio

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
