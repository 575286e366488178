"""The forwarder's loop: read the outbox, deliver each entry with retries, acknowledge or dead-letter.

One :class:`Forwarder` is one consumer of the outbox group. At start it re-reads its own pending
entries (a restart after a crash); then it reads new entries while it has room, delivers each in its own
task (at most ``concurrency`` requests at once), retries with exponential backoff and full jitter
(honouring a longer ``Retry-After``), and after ``max_attempts`` moves the entry to the dead-letter
stream. Three background loops: *claim* takes over entries idle longer than ``claim_idle_s`` (their
consumer died), *touch* keeps this consumer's own entries from looking idle, *backlog* updates the lag
gauges. A Redis error never loses an entry: it stays pending and is retried, claimed or re-read.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from redis.exceptions import RedisError

from stack.data.outbox import Outbox, OutboxEntry
from stack.forwarder import metrics
from stack.forwarder.backoff import Backoff
from stack.forwarder.delivery import REDIS_ERROR, Attempt, Deliverer

log = logging.getLogger("cuaso.forwarder")
_T = TypeVar("_T")

BACKLOG_INTERVAL_S = 2.0
"""How often the backlog gauges are refreshed (assumption: finer than a 5-15 s scrape interval)."""
REDIS_RETRY_S = 1.0
"""Pause after a failed Redis call before the loop tries again (assumption)."""
ACK_ATTEMPTS = 5
"""Tries to record an acknowledgement in Redis before leaving the entry pending (to be redelivered)."""
HELD_PER_SLOT = 4
"""Entries held (read, in flight or backing off) per delivery slot before reading more (assumption:
enough that slots freed by backing-off entries find work; one multi-partition read may add up to one
entry per partition on top)."""


@dataclass(frozen=True, slots=True)
class ForwarderConfig:
    """What one forwarder process does; validated on construction."""

    name: str
    concurrency: int
    block_ms: int
    max_attempts: int
    backoff: Backoff
    claim_idle_s: float
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise ValueError(f"name: need letters, digits, '-' or '_', got {self.name!r}")
        for key in ("concurrency", "block_ms", "max_attempts"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key}: need an integer >= 1, got {value!r}")
        if not self.claim_idle_s > 0:
            raise ValueError(f"claim_idle_s: need > 0, got {self.claim_idle_s!r}")


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Forwarder:
    """One outbox consumer (see the module docstring). ``run()`` until ``stop()``."""

    def __init__(self, config: ForwarderConfig, outbox: Outbox, deliverer: Deliverer) -> None:
        self.config = config
        self._outbox = outbox
        self._deliverer = deliverer
        self._rng = random.Random(f"{config.seed}:{config.name}")
        self._held: dict[tuple[str, str], OutboxEntry] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(config.concurrency)
        self._released = asyncio.Event()  # set whenever an entry leaves self._held
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Stop reading; ``run()`` then waits for deliveries in flight (see ``grace_s``) and returns."""
        self._stopping.set()

    async def run(self, on_ready: Callable[[], None] = lambda: None, grace_s: float = 5.0) -> None:
        await self._retry_redis(self._outbox.ensure_groups)
        self._schedule(await self._retry_redis(lambda: self._outbox.read_own_pending(self.config.name)))
        on_ready()
        loops = [
            asyncio.create_task(loop()) for loop in (self._claim_loop, self._touch_loop, self._backlog_loop)
        ]
        try:
            await self._read_loop()
        finally:
            for task in loops:
                task.cancel()
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=grace_s)
            for task in list(self._tasks):  # left pending in Redis: re-read at restart or claimed
                task.cancel()
            await asyncio.gather(*loops, *self._tasks, return_exceptions=True)

    async def _retry_redis(self, call: Callable[[], Awaitable[_T]]) -> _T:
        while True:
            try:
                return await call()
            except RedisError as exc:
                metrics.REDIS_ERRORS.inc()
                log.warning("redis: %s; retrying in %s s", exc, REDIS_RETRY_S)
                await asyncio.sleep(REDIS_RETRY_S)

    async def _read_loop(self) -> None:
        n_tags = len(self._outbox.tags)
        while not self._stopping.is_set():
            room = self.config.concurrency * HELD_PER_SLOT - len(self._held)
            if room <= 0:  # enough work in hand: wait until an entry is done with
                self._released.clear()
                await self._pause_until(self._released, self.config.block_ms / 1000)
                continue
            try:
                entries = await self._outbox.read_new(
                    self.config.name, max(1, room // n_tags), self.config.block_ms
                )
            except RedisError as exc:
                metrics.REDIS_ERRORS.inc()
                log.warning("redis: reading the outbox failed: %s", exc)
                await self._pause(REDIS_RETRY_S)
                continue
            self._schedule(entries)

    async def _pause(self, seconds: float) -> None:
        await self._pause_until(self._stopping, seconds)

    @staticmethod
    async def _pause_until(event: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), timeout=seconds)

    def _schedule(self, entries: Iterable[OutboxEntry]) -> int:
        added = 0
        for entry in entries:
            key = (entry.tag, entry.entry_id)
            if key in self._held:
                continue
            self._held[key] = entry
            task = asyncio.create_task(self._handle(entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            added += 1
        metrics.HELD.set(len(self._held))
        return added

    async def _handle(self, entry: OutboxEntry) -> None:
        try:
            attempt = 0
            while True:
                attempt += 1
                async with self._slots:
                    outcome = await self._deliverer.deliver(entry)
                metrics.ATTEMPTS.labels(outcome.reason if outcome.kind != "delivered" else "ok").inc()
                if outcome.kind == "delivered":
                    await self._acknowledge(entry, outcome)
                    return
                if outcome.kind == "permanent" or attempt >= self.config.max_attempts:
                    await self._give_up(entry, outcome, attempt)
                    return
                metrics.RETRIES.labels(outcome.reason).inc()
                if outcome.reason == REDIS_ERROR:
                    attempt -= 1  # Redis, not the receiver, failed: never dead-letter for that
                delay = self.config.backoff.delay_s(attempt, self._rng)
                if outcome.retry_after_s is not None:
                    delay = max(delay, min(outcome.retry_after_s, self.config.backoff.max_s))
                await self._pause(delay)
                if self._stopping.is_set():  # left pending: re-read at restart or claimed by another
                    return
        except RedisError as exc:  # the entry stays pending: claimed or re-read later
            metrics.REDIS_ERRORS.inc()
            log.warning("%s: redis error, left pending: %s", entry.code, exc)
        except Exception:
            log.exception("%s: unexpected error, left pending", entry.code)
        finally:
            self._held.pop((entry.tag, entry.entry_id), None)
            self._released.set()
            metrics.HELD.set(len(self._held))

    async def _acknowledge(self, entry: OutboxEntry, outcome: Attempt) -> None:
        for attempt in range(1, ACK_ATTEMPTS + 1):
            try:
                await self._outbox.ack_forwarded(entry, outcome.agency, outcome.system, _now_iso())
                break
            except RedisError:
                if attempt == ACK_ATTEMPTS:
                    raise
                metrics.REDIS_ERRORS.inc()
                await asyncio.sleep(REDIS_RETRY_S)
        metrics.DELIVERIES.labels(outcome.system, "duplicate" if outcome.duplicate else "delivered").inc()
        metrics.DELIVERY_SECONDS.observe(max(0.0, time.time() - entry.submitted_ms / 1000))

    async def _give_up(self, entry: OutboxEntry, outcome: Attempt, attempts: int) -> None:
        moved = await self._outbox.dead_letter(entry, outcome.reason, attempts, outcome.detail, _now_iso())
        if moved:
            metrics.DEAD_LETTERS.labels(outcome.reason).inc()
            log.warning("%s: dead-lettered after %d attempts: %s %s", entry.code, attempts, outcome.reason,
                        outcome.detail)  # fmt: skip

    async def _claim_loop(self) -> None:
        idle_ms = int(self.config.claim_idle_s * 1000)
        while True:
            await asyncio.sleep(self.config.claim_idle_s / 2)
            try:
                claimed = await self._outbox.claim_idle(self.config.name, idle_ms, self.config.concurrency)
            except RedisError as exc:
                metrics.REDIS_ERRORS.inc()
                log.warning("redis: claiming failed: %s", exc)
                continue
            added = self._schedule(claimed)
            if added:
                metrics.CLAIMED.inc(added)
                log.info("claimed %d idle entries", added)

    async def _touch_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.claim_idle_s / 3)
            try:
                await self._outbox.touch(self.config.name, list(self._held.values()))
            except RedisError as exc:
                metrics.REDIS_ERRORS.inc()
                log.warning("redis: heartbeat failed: %s", exc)

    async def _backlog_loop(self) -> None:
        while True:
            try:
                backlog = await self._outbox.backlog()
            except RedisError as exc:
                metrics.REDIS_ERRORS.inc()
                log.warning("redis: backlog failed: %s", exc)
            else:
                metrics.BACKLOG.set(backlog.waiting)
                metrics.DEAD_LETTER_ENTRIES.set(backlog.dead_letters)
                age = time.time() - backlog.oldest_ms / 1000 if backlog.oldest_ms is not None else 0.0
                metrics.OLDEST_AGE.set(max(0.0, age))
            await asyncio.sleep(BACKLOG_INTERVAL_S)
