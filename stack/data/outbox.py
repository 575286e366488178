"""The forwarding outbox: one Redis stream per partition, read by forwarders through a consumer group.

Life of an entry (docs/linked-processing.md):

1. ``dossier_submit.lua`` appends ``{code, procedure_id, province_code, submitted_ms}`` to
   ``ob:{tag}`` in the same script that marks the dossier submitted: a 2xx for a submission means the
   dossier is queued, and it survives a Redis restart with the dossier (AOF).
2. A forwarder reads it with XREADGROUP: the entry becomes *pending*, owned by that consumer.
3. Once the back-office system acknowledged it, ``outbox_ack.lua`` acknowledges and deletes it and marks
   the dossier forwarded; after the last failed attempt ``outbox_dead.lua`` moves it to the partition's
   dead-letter stream ``ob:{tag}:dead`` instead.
4. A consumer that dies leaves its entries pending. A live consumer *touches* (XCLAIM ... JUSTID) the
   entries it still holds, backing off ones included, so that only a dead consumer's entries grow idle;
   after ``claim_idle`` another consumer takes them over with XAUTOCLAIM, and a restarted consumer with
   the same name re-reads its own pending entries at start.

Acknowledged entries are deleted, so a partition's XLEN is its backlog (waiting + in flight).

Reading: on one Redis, one blocking XREADGROUP covers every partition (``read_mode="multi"``). Redis
Cluster refuses a command over keys of different slots, and each partition is its own slot, so there
``read_mode="per_partition"`` pipelines one non-blocking XREADGROUP per partition (redis-py's cluster
pipeline sends each node its own batch) and sleeps :data:`PER_PARTITION_POLL_S` when all were empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

from redis.exceptions import ResponseError

from stack.data import keys
from stack.data.client import RedisClient, timed

ReadMode = Literal["multi", "per_partition"]

PER_PARTITION_POLL_S = 0.1
"""Pause between rounds of per-partition reads that found nothing (assumption: 100 ms of added delay
is small next to a back-office round trip, and keeps an idle forwarder to ~10 rounds/s)."""

PENDING_READ_COUNT = 1000
"""Own pending entries re-read per partition at start (assumption: more than one consumer holds)."""


def _script(name: str) -> str:
    return resources.files("stack.data").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One submitted dossier waiting for delivery (``entry_id`` is the stream id in ``tag``'s stream)."""

    tag: str
    entry_id: str
    code: str
    procedure_id: str
    province_code: str
    submitted_ms: int

    def __post_init__(self) -> None:
        if keys.tag_of_code(self.code) != self.tag:
            raise ValueError(f"code: {self.code!r} does not belong to partition {self.tag!r}")
        if self.submitted_ms < 0:
            raise ValueError(f"submitted_ms: need >= 0, got {self.submitted_ms!r}")

    @classmethod
    def from_stream(cls, tag: str, entry_id: bytes | str, fields: dict[bytes, bytes]) -> OutboxEntry:
        """Decode a stream entry; ValueError naming the missing or bad field."""
        values = {_text(k): _text(v) for k, v in fields.items()}
        for name in ("code", "procedure_id", "province_code", "submitted_ms"):
            if name not in values:
                raise ValueError(f"{name}: missing from outbox entry {_text(entry_id)} of partition {tag}")
        return cls(
            tag=tag,
            entry_id=_text(entry_id),
            code=values["code"],
            procedure_id=values["procedure_id"],
            province_code=values["province_code"],
            submitted_ms=int(values["submitted_ms"]),
        )


@dataclass(frozen=True, slots=True)
class Backlog:
    """Entries not yet delivered (waiting or in flight), dead letters, and the oldest waiting entry."""

    waiting: int
    dead_letters: int
    oldest_ms: int | None


def _tag_of_key(key: bytes | str) -> str:
    name = _text(key)
    return name[name.index("{") + 1 : name.index("}")]


class Outbox:
    """The outbox streams of ``tags`` (default: all 256 partitions) and consumer group ``group``."""

    def __init__(
        self,
        redis: RedisClient,
        group: str,
        tags: Iterable[str] | None = None,
        read_mode: ReadMode = "multi",
    ) -> None:
        self._redis = redis
        self.group = group
        self.tags = tuple(tags) if tags is not None else keys.all_tags()
        if not self.tags:
            raise ValueError("tags: need at least one partition")
        if read_mode not in ("multi", "per_partition"):
            raise ValueError(f"read_mode: need 'multi' or 'per_partition', got {read_mode!r}")
        self.read_mode = read_mode
        self._ack = redis.register_script(_script("outbox_ack"))
        self._dead = redis.register_script(_script("outbox_dead"))

    async def ensure_groups(self) -> None:
        """Create the consumer group on every partition's stream (from the start, so entries added
        before any forwarder ran are delivered too); an existing group is kept as it is."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.xgroup_create(keys.outbox(tag), self.group, id="0", mkstream=True)
            results = await pipe.execute(raise_on_error=False)
        for result in results:
            if isinstance(result, ResponseError) and "BUSYGROUP" not in str(result):
                raise result

    async def read_new(self, consumer: str, count: int, block_ms: int) -> list[OutboxEntry]:
        """Up to ``count`` new entries per partition, waiting up to ``block_ms`` when there are none."""
        if self.read_mode == "multi":
            streams: dict[Any, Any] = {keys.outbox(tag): ">" for tag in self.tags}
            async with timed("outbox_read"):
                reply = await self._redis.xreadgroup(
                    self.group, consumer, streams, count=count, block=block_ms
                )
            return self._entries(reply)
        entries = await self._read_each(consumer, ">", count)
        if not entries and block_ms > 0:
            await asyncio.sleep(min(PER_PARTITION_POLL_S, block_ms / 1000))
        return entries

    async def read_own_pending(self, consumer: str) -> list[OutboxEntry]:
        """Entries this consumer name read before and never acknowledged (a restart after a crash)."""
        return await self._read_each(consumer, "0", PENDING_READ_COUNT)

    async def _read_each(self, consumer: str, start: str, count: int) -> list[OutboxEntry]:
        async with timed("outbox_read"), self._redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.xreadgroup(self.group, consumer, {keys.outbox(tag): start}, count=count)
            replies = await pipe.execute()
        return [entry for reply in replies for entry in self._entries(reply)]

    def _entries(self, reply: Any) -> list[OutboxEntry]:
        """Entries of an XREADGROUP reply (RESP2 list or RESP3 map); ids whose data is gone are skipped."""
        if not reply:
            return []
        pairs = reply.items() if isinstance(reply, dict) else reply
        found: list[OutboxEntry] = []
        for key, items in pairs:
            tag = _tag_of_key(key)
            for entry_id, fields in items[0] if isinstance(reply, dict) else items:
                if fields:
                    found.append(OutboxEntry.from_stream(tag, entry_id, fields))
        return found

    async def claim_idle(self, consumer: str, min_idle_ms: int, count: int) -> list[OutboxEntry]:
        """Take over up to ``count`` entries per partition pending longer than ``min_idle_ms`` (their
        consumer stopped touching them: it died)."""
        async with timed("outbox_claim"), self._redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.xautoclaim(keys.outbox(tag), self.group, consumer, min_idle_ms, "0-0", count=count)
            replies = await pipe.execute()
        claimed: list[OutboxEntry] = []
        for tag, reply in zip(self.tags, replies, strict=True):
            for entry_id, fields in reply[1]:
                if fields:
                    claimed.append(OutboxEntry.from_stream(tag, entry_id, fields))
        return claimed

    async def touch(self, consumer: str, entries: Sequence[OutboxEntry]) -> None:
        """Reset the idle time of entries this consumer still holds (a heartbeat against claims)."""
        by_tag: dict[str, list[Any]] = {}
        for entry in entries:
            by_tag.setdefault(entry.tag, []).append(entry.entry_id)
        if not by_tag:
            return
        async with timed("outbox_touch"), self._redis.pipeline(transaction=False) as pipe:
            for tag, ids in by_tag.items():
                pipe.xclaim(keys.outbox(tag), self.group, consumer, 0, ids, justid=True)
            await pipe.execute()

    async def ack_forwarded(self, entry: OutboxEntry, agency: str, system: str, now_iso: str) -> bool:
        """The receiver acknowledged ``entry``: drop it and mark its dossier forwarded to ``system``.
        False when it had been acknowledged already (another forwarder delivered it too)."""
        tag = entry.tag
        key_list = [keys.outbox(tag), keys.dossier(entry.code, tag)]
        key_list += [keys.stats_provinces(tag), keys.stats_agencies(tag)]
        async with timed("outbox_ack"):
            acked = await self._ack(keys=key_list, args=[self.group, entry.entry_id, agency, system, now_iso])
        return bool(int(acked))

    async def dead_letter(self, entry: OutboxEntry, reason: str, attempts: int, detail: str, at: str) -> bool:
        """Give up on ``entry``: move it to the dead-letter stream with why. False when it was no longer
        pending (delivered meanwhile by another forwarder): then nothing is dead-lettered."""
        fields: list[str | int] = ["code", entry.code, "procedure_id", entry.procedure_id]
        fields += ["province_code", entry.province_code, "submitted_ms", entry.submitted_ms]
        fields += ["reason", reason, "attempts", attempts, "detail", detail[:500], "at", at]
        key_list = [keys.outbox(entry.tag), keys.outbox_dead(entry.tag)]
        async with timed("outbox_dead"):
            moved = await self._dead(keys=key_list, args=[self.group, entry.entry_id, *fields])
        return bool(int(moved))

    async def backlog(self) -> Backlog:
        """Waiting entries, dead letters and the oldest waiting entry's time, over all partitions."""
        async with timed("outbox_backlog"), self._redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.xlen(keys.outbox(tag))
                pipe.xrange(keys.outbox(tag), count=1)
                pipe.xlen(keys.outbox_dead(tag))
            replies = await pipe.execute()
        waiting = dead = 0
        oldest: int | None = None
        for i in range(0, len(replies), 3):
            waiting += int(replies[i])
            dead += int(replies[i + 2])
            if replies[i + 1]:
                ms = int(_text(replies[i + 1][0][0]).split("-")[0])
                oldest = ms if oldest is None else min(oldest, ms)
        return Backlog(waiting, dead, oldest)

    async def dead_letters(self, count_per_partition: int = 100) -> list[dict[str, str]]:
        """The dead letters (oldest first per partition), for people and tests."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.xrange(keys.outbox_dead(tag), count=count_per_partition)
            replies = await pipe.execute()
        return [
            {_text(k): _text(v) for k, v in fields.items()} for reply in replies for _, fields in reply or []
        ]
