"""The Redis data layer against a real redis-server: atomic scripts, key tags, durability settings."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from stack.data import keys
from stack.data.dossiers import Attachment, CreateOutcome, DossierStore, WriteOutcome
from stack.redis_server import RedisServer


def test_every_key_of_a_dossier_shares_the_citizens_hash_tag() -> None:
    cid = "079123456789"
    tag = keys.citizen_tag(cid)
    from stack.data.dossiers import new_code

    code = new_code(cid)
    assert keys.tag_of_code(code) == tag
    for key in (keys.dossier(code, tag), keys.dossier_attachments(code, tag), keys.dossier_index(cid),
                keys.idempotency(cid, "k"), keys.profile(cid)):  # fmt: skip
        assert key.split("{")[1].split("}")[0] == tag, key
    assert len(keys.all_tags()) == keys.PARTITIONS == 256


def test_tags_spread_citizens_evenly() -> None:
    counts: dict[str, int] = {}
    for i in range(25_600):
        tag = keys.citizen_tag(f"{i:012d}")
        counts[tag] = counts.get(tag, 0) + 1
    assert len(counts) == 256
    assert max(counts.values()) < 2 * min(counts.values())


def test_store_create_attach_submit(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_server.url)
        store = DossierStore(redis, idempotency_ttl_s=60)
        outcome, code = await store.create("079000000111", "1.000001", "P01", 50_000, {"x": 1}, "key-1")
        assert outcome is CreateOutcome.CREATED
        again, same = await store.create("079000000111", "1.000001", "P01", 50_000, {"x": 1}, "key-1")
        assert (again, same) == (CreateOutcome.REPLAYED, code)
        other, _ = await store.create("079000000111", "1.000001", "P02", 50_000, {"x": 1}, "key-1")
        assert other is CreateOutcome.KEY_REUSED
        ttl = await redis.ttl(keys.idempotency("079000000111", "key-1"))
        assert 0 < ttl <= 60
        att = Attachment("a.pdf", "ab" * 32, 10)
        assert await store.attach("079000000222", code, att, 5) is WriteOutcome.NOT_FOUND
        assert await store.attach("079000000111", code, att, 5) is WriteOutcome.OK
        assert await store.attach("079000000111", code, Attachment("b.pdf", "cd" * 32, 3), 1) is (
            WriteOutcome.TOO_MANY
        )
        assert await store.submit("079000000111", code) is WriteOutcome.OK
        assert await store.submit("079000000111", code) is WriteOutcome.ALREADY
        assert await store.attach("079000000111", code, att, 5) is WriteOutcome.NOT_DRAFT
        dossier = await store.get(code)
        assert dossier is not None
        assert dossier.status == "submitted"
        assert dossier.attachments == (att,)
        assert dossier.form == {"x": 1}
        await redis.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize("n", [50])
def test_concurrent_creates_with_one_key_make_one_dossier(redis_server: RedisServer, n: int) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(redis_server.url)
        store = DossierStore(redis, idempotency_ttl_s=60)
        results = await asyncio.gather(
            *(store.create("079000000333", "1.000002", "P04", 0, {}, "same") for _ in range(n))
        )
        assert [o for o, _ in results].count(CreateOutcome.CREATED) == 1
        assert len({c for _, c in results}) == 1
        total, codes = await store.list_codes("079000000333", 10, 0)
        assert (total, codes) == (1, [results[0][1]])
        await redis.aclose()

    asyncio.run(scenario())


def test_writes_survive_a_redis_restart_with_aof(tmp_path_factory: pytest.TempPathFactory) -> None:
    data_dir = tmp_path_factory.mktemp("aof")

    async def write(url: str) -> str:
        redis = Redis.from_url(url)
        _, code = await DossierStore(redis, 60).create("079000000444", "1.000003", "P09", 0, {"k": "v"}, None)
        await redis.aclose()
        return code

    async def read(url: str, code: str) -> str | None:
        redis = Redis.from_url(url)
        dossier = await DossierStore(redis, 60).get(code)
        await redis.aclose()
        return None if dossier is None else dossier.status

    first = RedisServer(data_dir, appendfsync="always")
    with first:
        code = asyncio.run(write(first.url))
        first.kill()  # no clean shutdown: only the AOF can bring the write back
    with RedisServer(data_dir, port=first.port) as second:
        assert asyncio.run(read(second.url, code)) == "draft"
