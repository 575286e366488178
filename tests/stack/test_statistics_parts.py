"""Status application and statistics counters against a private real redis-server: ordering by sequence
number, deadlines, decisions counted once, payments, summing the partitions, the per-worker cache."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from redis.asyncio import Redis

from stack.data import keys
from stack.data.dossiers import DossierStore, StatusChange, StatusOutcome, WriteOutcome
from stack.data.statistics import Counts, StatisticsStore, sum_counters
from stack.redis_server import RedisServer

DAY_MS = 86_400_000
OWNERS = ("079555000201", "079555000202", "079555000203")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with RedisServer(Path(tmp_path_factory.mktemp("statistics"))) as server:
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


def change(seq: int, status: str, at_ms: int = 0, processing_days: int = 2) -> StatusChange:
    return StatusChange(
        seq, status, at_ms, "2025-07-01T00:00:00+00:00", "BCA", "BCA-HT01", processing_days * DAY_MS
    )


async def submitted(redis: Redis, store: DossierStore, owner: str, province: str) -> tuple[str, int]:
    _, code = await store.create(owner, "1.000001", province, 0, {}, None)
    assert await store.submit(owner, code) is WriteOutcome.OK
    dossier = await store.get(code)
    assert dossier is not None
    assert dossier.submitted_at is not None
    raw: Any = await redis.hget(keys.dossier(code, code[10:12]), "submitted_ms")
    return code, int(raw)


def test_updates_apply_by_sequence_number_and_decisions_count_once(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        stats = StatisticsStore(redis, cache_s=0)
        code, submitted_ms = await submitted(redis, store, OWNERS[0], "P07")
        assert (await store.apply_status(code, change(2, "processing"))).outcome is StatusOutcome.APPLIED
        assert (await store.apply_status(code, change(1, "received"))).outcome is StatusOutcome.STALE
        result = await store.apply_status(code, change(2, "processing"))
        assert (result.outcome, result.status, result.seq) == (StatusOutcome.DUPLICATE, "processing", 2)
        on_time = submitted_ms + 2 * DAY_MS  # exactly at the deadline: on time
        assert (await store.apply_status(code, change(3, "done", on_time))).outcome is StatusOutcome.APPLIED
        assert (await store.apply_status(code, change(4, "returned", on_time + DAY_MS))).status == "returned"
        province = (await stats.provinces())["P07"]
        assert dict(province.by_status) == {"submitted": 0, "processing": 0, "done": 0, "returned": 1}
        assert (province.on_time, province.late, province.on_time_rate) == (1, 0, 1.0)  # the first decision
        agency = (await stats.agencies())["BCA"]
        assert dict(agency.by_status) == {"processing": 0, "done": 0, "returned": 1}
        missing = code[:-1] + ("A" if code[-1] != "A" else "B")
        assert (await store.apply_status(missing, change(1, "received"))).outcome is StatusOutcome.NOT_FOUND
        assert (await store.apply_status("garbage", change(1, "received"))).outcome is StatusOutcome.NOT_FOUND
        _, draft = await store.create(OWNERS[0], "1.000001", "P07", 0, {}, None)
        assert (await store.apply_status(draft, change(1, "received"))).outcome is StatusOutcome.NOT_SUBMITTED

    run(redis_url, scenario)


def test_statistics_sum_every_partition_and_count_late_decisions_and_payments(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        stats = StatisticsStore(redis, cache_s=0)
        codes = [await submitted(redis, store, owner, "P08") for owner in OWNERS]  # three partitions
        assert len({code[10:12] for code, _ in codes}) == 3
        (early, early_ms), (late, late_ms), _ = codes
        await store.apply_status(early, change(3, "done", early_ms + DAY_MS))
        await store.apply_status(late, change(3, "done", late_ms + 3 * DAY_MS))
        await stats.record_payment(early, "P08", "BCA", 770_000)
        await stats.record_payment(late, "P08", None, 30_000)
        province = (await stats.provinces())["P08"]
        assert province.to_dict() == {
            "dossiers": {"submitted": 1, "forwarded": 0, "received": 0, "processing": 0, "done": 2,
                         "returned": 0, "total": 3},
            "decided": 2, "on_time": 1, "late": 1, "on_time_rate": 0.5,
            "payments": {"count": 2, "amount_vnd": 800_000},
        }  # fmt: skip
        agency = (await stats.agencies())["BCA"]
        assert (agency.decided, agency.payments, agency.paid_vnd) == (2, 1, 770_000)
        with pytest.raises(ValueError, match="amount_vnd"):
            await stats.record_payment(early, "P08", "BCA", -1)
        with pytest.raises(ValueError, match="code"):
            await stats.record_payment("HS-bad", "P08", "BCA", 1)

    run(redis_url, scenario)


def test_a_worker_serves_statistics_from_its_cache_for_cache_s(redis_url: str) -> None:
    async def scenario(redis: Redis, store: DossierStore) -> None:
        cached = StatisticsStore(redis, cache_s=3600)
        fresh = StatisticsStore(redis, cache_s=0)
        assert await cached.provinces() == {}
        await submitted(redis, store, OWNERS[0], "P09")
        assert await cached.provinces() == {}
        assert (await fresh.provinces())["P09"].by_status["submitted"] == 1

    run(redis_url, scenario)


def test_counts_are_validated_and_summed() -> None:
    tables = [
        {b"P01|n:done": b"2", b"P01|on_time": b"2"},
        {b"P01|n:done": b"1", b"P01|late": b"1", b"P02|x": b"5"},
    ]
    summed = sum_counters(tables)
    assert dict(summed["P01"].by_status) == {"done": 3}
    assert summed["P01"].decided == 3
    assert summed["P01"].on_time_rate == pytest.approx(2 / 3)
    assert summed["P02"].to_dict()["on_time_rate"] is None
    assert isinstance(summed["P01"].by_status, MappingProxyType)
    with pytest.raises(ValueError, match="by_status"):
        Counts(by_status={"lost": 1})
    with pytest.raises(ValueError, match="late"):
        Counts(late=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seq"):
        change(0, "done")
    with pytest.raises(ValueError, match="status"):
        change(1, "submitted")
