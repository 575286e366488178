"""Status updates from the back-office systems to the portal, with the systems' own retries.

After a system applied a dossier it reports, in order and each signed with its own key
(:mod:`stack.sims.backoffice_protocol`):

1. ``received`` (seq 1) at once;
2. ``processing`` (seq 2) ``processing_after_s`` later;
3. its decision, ``done`` or ``returned`` (seq 3), ``decision_after_s`` after that. A decision drawn
   *late* is dated :data:`LATE_BY` after the dossier's deadline (the simulator compresses time: its
   decisions take seconds, the deadlines are days away, so lateness is stated, not waited for).

Each update is retried with exponential backoff and full jitter while the portal answers 5xx, 429 or
not at all, up to ``max_attempts``; a 4xx other than 429 is final (the update is refused, not lost in
transit) and counted. The next update of a dossier waits for the previous one, so they leave in order.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import httpx

from stack.forwarder.backoff import Backoff
from stack.sims.backoffice_ledger import Receipt
from stack.sims.backoffice_protocol import Delivery, StatusUpdate, SyncStatus, signed_status
from stack.sims.backoffice_systems import Behaviour

log = logging.getLogger("cuaso.sims.backoffice")

LATE_BY = timedelta(days=1)
"""How far after its deadline a late decision is dated (assumption)."""
DEFAULT_MAX_ATTEMPTS = 8
"""Attempts per status update before the system gives up (assumption)."""
DEFAULT_BACKOFF = Backoff(base_s=0.2, max_s=5.0)
"""Retry delays of status updates (assumption: a system retries briskly, capped at 5 s)."""
DEFAULT_CONCURRENCY = 32
"""Status updates in flight at once, all systems together (assumption)."""
TIMEOUT_S = 10.0
"""Timeout of one status update request (assumption)."""


@dataclass(slots=True)
class ReporterStats:
    """Counters since start."""

    sent: int = 0
    applied: int = 0
    ignored: int = 0
    retried: int = 0
    refused: int = 0
    failed: int = 0
    pending: int = 0

    def to_dict(self) -> dict[str, int]:
        return {
            "sent": self.sent,
            "applied": self.applied,
            "ignored": self.ignored,
            "retried": self.retried,
            "refused": self.refused,
            "failed": self.failed,
            "pending": self.pending,
        }


class StatusReporter:
    """Sends every system's status updates to the portal's sync endpoint (see the module docstring)."""

    def __init__(
        self,
        portal_url: str,
        secret_seed: str,
        *,
        seed: int = 0,
        backoff: Backoff = DEFAULT_BACKOFF,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts: need >= 1, got {max_attempts!r}")
        if concurrency < 1:
            raise ValueError(f"concurrency: need >= 1, got {concurrency!r}")
        self.url = portal_url.rstrip("/") + "/api/v1/sync/status"
        self._seed = secret_seed
        self._rng = random.Random(seed)
        self._backoff = backoff
        self._max_attempts = max_attempts
        self._concurrency = concurrency
        self._slots: asyncio.Semaphore | None = None
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = ReporterStats()

    def schedule(self, system: str, delivery: Delivery, behaviour: Behaviour, receipt: Receipt) -> None:
        """Start reporting on a dossier just applied (the decision is already in ``receipt``)."""
        task = asyncio.get_running_loop().create_task(self._report(system, delivery, behaviour, receipt))
        self.stats.pending += 1
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, system: str, delivery: Delivery, behaviour: Behaviour, receipt: Receipt) -> None:
        try:
            steps: list[tuple[float, str]] = [(0.0, "received"), (behaviour.processing_after_s, "processing")]
            steps.append((behaviour.decision_after_s, receipt.decision))
            for seq, (wait_s, status) in enumerate(steps, start=1):
                if wait_s > 0:
                    await asyncio.sleep(wait_s)
                at = datetime.now(UTC)
                if seq == len(steps) and receipt.late:
                    at = max(at, delivery.deadline_at + LATE_BY)
                update = StatusUpdate(code=delivery.code, seq=seq, status=cast(SyncStatus, status), at=at)
                if not await self._send(system, update):
                    return
                receipt.status = status
        finally:
            self.stats.pending -= 1

    async def _send(self, system: str, update: StatusUpdate) -> bool:
        """Send one update with retries; True once the portal answered 200 (applied or ignored)."""
        body, headers = signed_status(update, system, self._seed)
        http, slots = self._client()
        for attempt in range(1, self._max_attempts + 1):
            try:
                async with slots:
                    self.stats.sent += 1
                    response = await http.post(self.url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
            else:
                if response.status_code == 200:
                    applied = bool(response.json().get("applied"))
                    self.stats.applied += applied
                    self.stats.ignored += not applied
                    return True
                if 400 <= response.status_code < 500 and response.status_code != 429:
                    self.stats.refused += 1
                    log.warning(
                        "%s: status %s of %s refused: %s", system, update.seq, update.code, response.text
                    )
                    return False
                reason = f"HTTP {response.status_code}"
            if attempt < self._max_attempts:
                self.stats.retried += 1
                await asyncio.sleep(self._backoff.delay_s(attempt, self._rng))
        self.stats.failed += 1
        log.warning("%s: gave up on status %s of %s: %s", system, update.seq, update.code, reason)
        return False

    def _client(self) -> tuple[httpx.AsyncClient, asyncio.Semaphore]:
        """The HTTP client and the in-flight limit, made inside the running loop on first use."""
        if self._http is None or self._slots is None:
            limits = httpx.Limits(max_connections=self._concurrency)
            self._http = httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits, trust_env=False)
            self._slots = asyncio.Semaphore(self._concurrency)
        return self._http, self._slots

    def snapshot(self) -> dict[str, Any]:
        return {"url": self.url, **self.stats.to_dict()}
