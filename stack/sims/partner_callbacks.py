"""Delivery of signed payment notifications from the partner simulator to the portal.

Each notice is one asyncio task: wait its delay, then ``POST <portal>/api/v1/payments/callback/{code}``
with the signed body, as a real partner's notification service does. A 2xx is *delivered*; a 4xx is
*rejected* (the portal refused it: no retry, the reason is logged and kept); a 5xx or a network error is
retried with exponential backoff up to :data:`DEFAULT_ATTEMPTS` times, then counted as *failed*.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass

import httpx

from stack.sims.partner_protocol import Notification, signed_body

log = logging.getLogger("cuaso.sims.payments")

CALLBACK_PATH = "/api/v1/payments/callback/{partner}"
DEFAULT_ATTEMPTS = 6
"""Assumption: a notice is tried 6 times (real partners retry for hours; a drill needs minutes)."""
RETRY_BASE_S = 0.25
RETRY_CAP_S = 5.0
"""Assumption: backoff 0.25 s, 0.5 s, 1 s, ... capped at 5 s between attempts."""
CALLBACK_TIMEOUT_S = 5.0
"""Assumption: a partner waits 5 s for the portal's answer before it counts as a failed attempt."""
POOL_LIMIT = 100
"""Assumption: concurrent connections from the simulator to the portal."""


@dataclass(slots=True)
class DeliveryStats:
    """One partner's delivery counters (mutable on purpose: the one event loop updates them)."""

    scheduled: int = 0
    in_flight: int = 0
    delivered: int = 0
    rejected: int = 0
    failed: int = 0
    retries: int = 0
    last_rejection: str = ""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class CallbackSender:
    """Schedules and delivers notifications; one per simulator process."""

    def __init__(self, portal_url: str, attempts: int = DEFAULT_ATTEMPTS) -> None:
        if attempts < 1:
            raise ValueError(f"attempts: need at least 1, got {attempts}")
        self.portal_url = portal_url.rstrip("/")
        self.attempts = attempts
        self.stats: dict[str, DeliveryStats] = {}
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def stats_for(self, partner: str) -> DeliveryStats:
        return self.stats.setdefault(partner, DeliveryStats())

    def schedule(self, partner: str, secret: bytes, notice: Notification, delay_s: float) -> None:
        """Send ``notice`` after ``delay_s`` seconds (call from the event loop)."""
        stats = self.stats_for(partner)
        stats.scheduled += 1
        stats.in_flight += 1
        task = asyncio.get_running_loop().create_task(self._deliver(partner, secret, notice, delay_s))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=CALLBACK_TIMEOUT_S,
                trust_env=False,
                limits=httpx.Limits(max_connections=POOL_LIMIT, max_keepalive_connections=POOL_LIMIT),
            )
        return self._client

    async def _deliver(self, partner: str, secret: bytes, notice: Notification, delay_s: float) -> None:
        stats = self.stats_for(partner)
        try:
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            body, headers = signed_body(notice, secret)
            url = self.portal_url + CALLBACK_PATH.format(partner=partner)
            for attempt in range(self.attempts):
                if attempt:
                    stats.retries += 1
                    await asyncio.sleep(min(RETRY_CAP_S, RETRY_BASE_S * 2 ** (attempt - 1)))
                try:
                    response = await self._http().post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    log.warning("callback %s seq %d: %s", notice.payment_id, notice.sequence, exc)
                    continue
                if response.status_code < 400:
                    stats.delivered += 1
                    return
                if response.status_code < 500:
                    stats.rejected += 1
                    stats.last_rejection = f"{response.status_code} {response.text[:300]}"
                    log.warning("callback %s seq %d rejected: %s", notice.payment_id, notice.sequence,
                                stats.last_rejection)  # fmt: skip
                    return
            stats.failed += 1
            log.warning("callback %s seq %d: gave up after %d attempts", notice.payment_id, notice.sequence,
                        self.attempts)  # fmt: skip
        finally:
            stats.in_flight -= 1

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()
