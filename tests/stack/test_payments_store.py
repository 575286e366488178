"""The payment data layer against a real redis-server: atomic creation, idempotent callbacks, durability."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis.asyncio import Redis

from stack.data import keys
from stack.data.payments import CallbackOutcome, CreateOutcome, PaymentStore, new_payment_id
from stack.redis_server import RedisServer

OWNER = "079000000333"


def _dossier_code(owner: str) -> str:
    rand = "".join(secrets.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))
    return f"HS-{datetime.now(UTC):%y%m%d}-{keys.citizen_tag(owner)}-{rand}"


async def _put_dossier(redis: Redis, owner: str, fee: int) -> str:
    """The fields of a dossier hash the payment scripts read (owner, code, fee), nothing else."""
    code = _dossier_code(owner)
    fields = {"owner": owner, "code": code, "fee_vnd": str(fee)}
    await redis.hset(keys.dossier(code, keys.citizen_tag(owner)), mapping=fields)  # type: ignore[arg-type]
    return code


def run(redis_url: str, scenario: Callable[[Redis, PaymentStore], Awaitable[None]]) -> None:
    async def main() -> None:
        redis = Redis.from_url(redis_url)
        try:
            await scenario(redis, PaymentStore(redis, idempotency_ttl_s=60))
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_payment_ids_carry_the_dossier_and_its_hash_tag() -> None:
    code = _dossier_code(OWNER)
    pid = new_payment_id(code)
    assert keys.dossier_of_payment(pid) == code
    assert keys.tag_of_payment(pid) == keys.tag_of_code(code) == keys.citizen_tag(OWNER)
    for key in (keys.payment(pid, "7B"), keys.dossier_payments(code, "7B"), keys.payments_by_time("7B")):
        assert key.split("{")[1].split("}")[0] == "7B"
    assert keys.tag_of_payment("PM-1-2") is None
    with pytest.raises(ValueError, match="dossier_code"):
        new_payment_id("HS-bad")


def test_create_reads_the_fee_and_honours_the_idempotency_key(redis_server: RedisServer) -> None:
    async def scenario(redis: Redis, store: PaymentStore) -> None:
        code = await _put_dossier(redis, OWNER, 150_000)
        outcome, pid = await store.create(OWNER, code, "VCB", "VND", "k1")
        assert outcome is CreateOutcome.CREATED
        payment = await store.get(pid)
        assert payment is not None
        summary = (payment.amount, payment.currency, payment.status, payment.partner)
        assert summary == (150_000, "VND", "pending", "VCB")
        assert (payment.dossier_code, payment.owner) == (code, OWNER)
        assert await store.create(OWNER, code, "VCB", "VND", "k1") == (CreateOutcome.REPLAYED, pid)
        assert (await store.create(OWNER, code, "MOMO", "VND", "k1"))[0] is CreateOutcome.KEY_REUSED
        assert (await store.create("079000000444", code, "VCB", "VND", None))[0] is CreateOutcome.NOT_FOUND
        free = await _put_dossier(redis, OWNER, 0)
        assert (await store.create(OWNER, free, "VCB", "VND", None))[0] is CreateOutcome.NO_FEE
        second = (await store.create(OWNER, code, "MOMO", "VND", None))[1]
        assert [p.payment_id for p in await store.for_dossier(code)] == [pid, second]
        tag = keys.citizen_tag(OWNER)
        assert await redis.zscore(keys.payments_by_time(tag), pid) == payment.created_ms

    run(redis_server.url, scenario)


def test_callbacks_apply_once_in_any_order_and_final_states_stay(redis_server: RedisServer) -> None:
    async def scenario(redis: Redis, store: PaymentStore) -> None:
        code = await _put_dossier(redis, OWNER, 20_000)
        _, pid = await store.create(OWNER, code, "TCB", "VND", None)

        async def notice(
            status: str, seq: int, amount: int = 20_000, currency: str = "VND", partner: str = "TCB"
        ) -> tuple[CallbackOutcome, str]:
            return await store.apply_callback(
                partner, pid, amount=amount, currency=currency, status=status, sequence=seq,
                partner_txn_id="TCB-1",
            )  # fmt: skip

        assert await notice("succeeded", 2, amount=20_001) == (CallbackOutcome.AMOUNT_MISMATCH, "pending")
        assert await notice("succeeded", 2, currency="USD") == (CallbackOutcome.CURRENCY_MISMATCH, "pending")
        assert await notice("succeeded", 2, partner="MOMO") == (CallbackOutcome.PARTNER_MISMATCH, "pending")
        # the final notice arrives before the pending notice (reordered), then both again (replayed)
        assert await notice("succeeded", 2) == (CallbackOutcome.APPLIED, "succeeded")
        assert await notice("pending", 1) == (CallbackOutcome.IGNORED, "succeeded")
        assert await notice("succeeded", 2) == (CallbackOutcome.DUPLICATE, "succeeded")
        assert await notice("pending", 1) == (CallbackOutcome.DUPLICATE, "succeeded")
        assert await notice("failed", 3) == (CallbackOutcome.IGNORED, "succeeded")
        payment = await store.get(pid)
        assert payment is not None
        assert (payment.status, payment.partner_txn_id, payment.callbacks) == ("succeeded", "TCB-1", 3)
        assert (await store.create(OWNER, code, "TCB", "VND", None))[0] is CreateOutcome.ALREADY_PAID
        unknown = pid[:-4] + "ZZZZ"
        outcome, _ = await store.apply_callback(
            "TCB", unknown, amount=1, currency="VND", status="succeeded", sequence=1, partner_txn_id="y"
        )
        assert outcome is CallbackOutcome.UNKNOWN

    run(redis_server.url, scenario)


def test_a_pending_notice_first_is_noted_then_the_final_one_applies(redis_server: RedisServer) -> None:
    async def scenario(redis: Redis, store: PaymentStore) -> None:
        code = await _put_dossier(redis, OWNER, 5_000)
        _, pid = await store.create(OWNER, code, "ACB", "VND", None)

        async def notice(status: str, seq: int) -> tuple[CallbackOutcome, str]:
            return await store.apply_callback(
                "ACB", pid, amount=5_000, currency="VND", status=status, sequence=seq, partner_txn_id="ACB-9"
            )

        assert await notice("pending", 1) == (CallbackOutcome.NOTED, "pending")
        assert await notice("failed", 2) == (CallbackOutcome.APPLIED, "failed")
        # a failed payment does not block paying again
        assert (await store.create(OWNER, code, "ACB", "VND", None))[0] is CreateOutcome.CREATED

    run(redis_server.url, scenario)


def test_unknown_callbacks_are_recorded_once(redis_server: RedisServer) -> None:
    async def scenario(redis: Redis, store: PaymentStore) -> None:
        entry = {"payment_id": "PM-250701-00-AAAAAAAA-AAAA", "amount": 1, "sequence": 1}
        await redis.delete(keys.unknown_payment_callbacks("STB"))
        await store.record_unknown("STB", entry)
        await store.record_unknown("STB", entry)
        assert await redis.zcard(keys.unknown_payment_callbacks("STB")) == 1

    run(redis_server.url, scenario)


def test_an_acknowledged_payment_survives_a_redis_restart(tmp_path: Path) -> None:
    server = RedisServer(tmp_path / "redis", appendfsync="always")
    with server:
        state: dict[str, str] = {}

        async def create(redis: Redis, store: PaymentStore) -> None:
            code = await _put_dossier(redis, OWNER, 70_000)
            state["pid"] = (await store.create(OWNER, code, "BIDV", "VND", None))[1]
            await store.apply_callback(
                "BIDV", state["pid"], amount=70_000, currency="VND", status="succeeded", sequence=2,
                partner_txn_id="BIDV-1",
            )  # fmt: skip

        run(server.url, create)
    restarted = RedisServer(tmp_path / "redis", port=server.port, appendfsync="always")
    with restarted:

        async def check(redis: Redis, store: PaymentStore) -> None:
            payment = await store.get(state["pid"])
            assert payment is not None
            assert (payment.status, payment.amount) == ("succeeded", 70_000)

        run(restarted.url, check)
