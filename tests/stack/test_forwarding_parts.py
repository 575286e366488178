"""The forwarding outbox against a private real redis-server, and the forwarder's small parts: backoff,
partition ranges, configuration checks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from stack.data import keys
from stack.data.dossiers import DossierStore, StatusChange, WriteOutcome
from stack.data.outbox import Outbox, OutboxEntry
from stack.forwarder.backoff import Backoff
from stack.forwarder.main import parse_partitions
from stack.forwarder.worker import ForwarderConfig
from stack.redis_server import RedisServer

OWNER = "079555000111"
TAG = keys.citizen_tag(OWNER)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with RedisServer(Path(tmp_path_factory.mktemp("outbox"))) as server:  # private: exact stream lengths
        yield server.url


def run(redis_url: str, scenario: Callable[[Redis, DossierStore], Awaitable[None]]) -> None:
    async def wrapper() -> None:
        redis = Redis.from_url(redis_url)
        await redis.flushall()
        try:
            await scenario(redis, DossierStore(redis, idempotency_ttl_s=60))
        finally:
            await redis.aclose()

    asyncio.run(wrapper())


async def submitted(store: DossierStore, province: str = "P05") -> str:
    _, code = await store.create(OWNER, "1.000595", province, 0, {"a": 1}, None)
    assert await store.submit(OWNER, code) is WriteOutcome.OK
    return code


async def counters(redis: Redis, key: str) -> dict[str, int]:
    table: dict[Any, Any] = await redis.hgetall(key)
    return {k.decode(): int(v) for k, v in table.items() if int(v)}


def test_submitting_queues_the_dossier_once_and_acknowledging_marks_it_forwarded(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        outbox = Outbox(redis, "g")
        await outbox.ensure_groups()
        await outbox.ensure_groups()  # an existing group is kept
        code = await submitted(store)
        assert await store.submit(OWNER, code) is WriteOutcome.ALREADY  # not queued twice
        assert (await outbox.backlog()).waiting == 1
        (entry,) = await outbox.read_new("c1", count=10, block_ms=100)
        assert (entry.tag, entry.code, entry.procedure_id, entry.province_code) == (
            TAG,
            code,
            "1.000595",
            "P05",
        )
        assert await outbox.read_new("c2", count=10, block_ms=10) == []  # one consumer gets it
        assert await counters(redis, keys.stats_provinces(TAG)) == {"P05|n:submitted": 1}
        assert await outbox.ack_forwarded(entry, "P05", "P05-HT01", "2025-07-01T00:00:00+00:00") is True
        assert await outbox.ack_forwarded(entry, "P05", "P05-HT01", "2025-07-01T00:00:01+00:00") is False
        dossier = await store.get(code)
        assert dossier is not None
        assert dossier.status == "forwarded"
        assert await counters(redis, keys.stats_provinces(TAG)) == {"P05|n:forwarded": 1}
        assert await counters(redis, keys.stats_agencies(TAG)) == {"P05|n:forwarded": 1}
        backlog = await outbox.backlog()
        assert (backlog.waiting, backlog.dead_letters, backlog.oldest_ms) == (0, 0, None)

    run(redis_url, scenario)


def test_a_status_update_before_the_acknowledgement_is_not_undone(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        outbox = Outbox(redis, "g")
        await outbox.ensure_groups()
        code = await submitted(store)
        (entry,) = await outbox.read_new("c1", count=10, block_ms=100)
        change = StatusChange(1, "received", 0, "2025-07-01T00:00:00+00:00", "P05", "P05-HT01", 86_400_000)
        await store.apply_status(code, change)  # the system reported before the forwarder recorded its ack
        assert await outbox.ack_forwarded(entry, "P05", "P05-HT01", "2025-07-01T00:00:00+00:00") is True
        dossier = await store.get(code)
        assert dossier is not None
        assert dossier.status == "received"
        assert await counters(redis, keys.stats_provinces(TAG)) == {"P05|n:received": 1}
        assert await counters(redis, keys.stats_agencies(TAG)) == {"P05|n:received": 1}

    run(redis_url, scenario)


def test_entries_of_a_silent_consumer_are_claimed_and_a_heartbeat_prevents_it(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        outbox = Outbox(redis, "g", read_mode="per_partition")
        await outbox.ensure_groups()
        code = await submitted(store)
        (entry,) = await outbox.read_new("dead", count=10, block_ms=100)
        await asyncio.sleep(0.3)
        await outbox.touch("dead", [entry])
        assert await outbox.claim_idle("other", min_idle_ms=200, count=10) == []
        await asyncio.sleep(0.3)
        (claimed,) = await outbox.claim_idle("other", min_idle_ms=200, count=10)
        assert claimed == entry
        assert await outbox.read_own_pending("dead") == []
        assert await outbox.read_own_pending("other") == [entry]
        assert claimed.code == code

    run(redis_url, scenario)


def test_dead_letters_only_while_still_pending(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        outbox = Outbox(redis, "g")
        await outbox.ensure_groups()
        first, second = await submitted(store), await submitted(store, "P06")
        entries = await outbox.read_new("c1", count=10, block_ms=100)
        by_code = {e.code: e for e in entries}
        assert await outbox.dead_letter(by_code[first], "http_503", 3, "HTTP 503", "now") is True
        await outbox.ack_forwarded(by_code[second], "P06", "P06-HT01", "now")
        assert await outbox.dead_letter(by_code[second], "http_503", 3, "late", "now") is False
        (letter,) = await outbox.dead_letters()
        assert (letter["code"], letter["reason"], letter["attempts"]) == (first, "http_503", "3")
        backlog = await outbox.backlog()
        assert (backlog.waiting, backlog.dead_letters) == (0, 1)

    run(redis_url, scenario)


def test_outbox_entries_are_validated() -> None:
    with pytest.raises(ValueError, match="code"):
        OutboxEntry("00", "1-0", "HS-250701-A7-K7QF3M9X", "1.0", "P01", 0)
    with pytest.raises(ValueError, match="province_code: missing"):
        OutboxEntry.from_stream("A7", b"1-0", {b"code": b"HS-250701-A7-K7QF3M9X", b"procedure_id": b"1"})
    with pytest.raises(ValueError, match="read_mode"):
        Outbox(None, "g", read_mode="sideways")  # type: ignore[arg-type]


def test_backoff_doubles_up_to_the_cap_with_full_jitter() -> None:
    backoff = Backoff(base_s=0.5, max_s=4.0)
    assert [backoff.ceiling_s(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert backoff.ceiling_s(10_000) == 4.0
    delays = [backoff.delay_s(3, random.Random(7)) for _ in range(3)]
    assert delays[0] == delays[1] == delays[2]  # seeded: the same draws every run
    rng = random.Random(1)
    assert all(0.0 <= backoff.delay_s(4, rng) <= 4.0 for _ in range(1000))
    with pytest.raises(ValueError, match="max_s"):
        Backoff(base_s=2.0, max_s=1.0)
    with pytest.raises(ValueError, match="attempt"):
        backoff.ceiling_s(0)


def test_partition_ranges_and_forwarder_configuration_are_checked() -> None:
    assert parse_partitions("00-FF") == keys.all_tags()
    assert parse_partitions("0a-0C,FF,0B") == ("0A", "0B", "0C", "FF")
    for bad in ("zz", "10-05", "00-100"):
        with pytest.raises(ValueError, match="--partitions"):
            parse_partitions(bad)
    good = {"name": "fw-1", "concurrency": 4, "block_ms": 100, "max_attempts": 3, "claim_idle_s": 1.0}
    ForwarderConfig(**good, backoff=Backoff(0.1, 1.0))  # type: ignore[arg-type]
    for key, value in (("name", "fw 1"), ("concurrency", 0), ("claim_idle_s", 0.0)):
        with pytest.raises(ValueError, match=key):
            ForwarderConfig(**{**good, key: value}, backoff=Backoff(0.1, 1.0))  # type: ignore[arg-type]
