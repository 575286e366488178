"""The per-citizen rate limit: the limiter against a real Redis, then a real stack answering 429.

The stack here runs with admission control switched off (and limits that would refuse almost everything
if it were on), a budget of 3 requests at 1/s per citizen, and an injected 0.3 s delay so that a burst
of concurrent requests reaches the limiter together.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import time
from collections.abc import Iterator

import httpx
import pytest
from redis.asyncio import Redis

from stack.app.ratelimit import CitizenRateLimiter, RateDecision, rate_limit_key
from stack.data import keys
from stack.launcher import LocalStack, SimFaults, StackOptions
from stack.redis_server import RedisServer
from tests.stack.conftest import login, new_citizen_id

# --- the limiter against a real Redis -----------------------------------------------------------------


def _decisions(server: RedisServer, per_s: float, burst: int, citizen_ids: list[str]) -> list[RateDecision]:
    async def run() -> list[RateDecision]:
        redis = Redis.from_url(server.url)
        try:
            limiter = CitizenRateLimiter(redis, per_s, burst)
            return [await limiter.check(cid) for cid in citizen_ids]
        finally:
            await redis.aclose()

    return asyncio.run(run())


def test_a_citizen_gets_its_burst_then_waits_for_the_bucket_to_refill(redis_server: RedisServer) -> None:
    cid = new_citizen_id()
    first = _decisions(redis_server, 2.0, 3, [cid] * 4)
    assert [d.allowed for d in first] == [True, True, True, False]
    assert [d.remaining for d in first] == [2, 1, 0, 0]
    assert 0 < first[-1].retry_after_s <= 0.5  # one request's worth of refill at 2/s
    time.sleep(first[-1].retry_after_s + 0.05)
    again = _decisions(redis_server, 2.0, 3, [cid] * 2)
    assert [d.allowed for d in again] == [True, False]


def test_citizens_have_separate_budgets_kept_under_their_own_hash_tag(redis_server: RedisServer) -> None:
    spender, other = new_citizen_id(), new_citizen_id()
    decisions = _decisions(redis_server, 1.0, 2, [spender] * 3 + [other])
    assert [d.allowed for d in decisions] == [True, True, False, True]
    key = rate_limit_key(spender)
    assert "{" + keys.citizen_tag(spender) + "}" in key
    assert key.split("}")[0] == keys.dossier_index(spender).split("}")[0]  # same slot as its dossiers

    async def ttl_ms() -> int:
        redis = Redis.from_url(redis_server.url)
        try:
            return int(await redis.pttl(key))
        finally:
            await redis.aclose()

    assert 0 < asyncio.run(ttl_ms()) <= 3_000  # gone once the bucket would be full again: no leak


def test_a_zero_rate_turns_the_limit_off(redis_server: RedisServer) -> None:
    cid = new_citizen_id()
    assert all(d.allowed for d in _decisions(redis_server, 0.0, 1, [cid] * 50))

    async def exists() -> int:
        redis = Redis.from_url(redis_server.url)
        try:
            return int(await redis.exists(rate_limit_key(cid)))
        finally:
            await redis.aclose()

    assert asyncio.run(exists()) == 0


@pytest.mark.parametrize(
    ("per_s", "burst", "key"),
    [(-1.0, 3, "per_s"), (float("nan"), 3, "per_s"), (2e6, 3, "per_s"), (1.0, 0, "burst")],
)
def test_bad_limits_name_the_key(redis_server: RedisServer, per_s: float, burst: int, key: str) -> None:
    with pytest.raises(ValueError, match=f"^{key}: "):
        CitizenRateLimiter(Redis.from_url(redis_server.url), per_s, burst)


# --- a real stack ---------------------------------------------------------------------------------------

BURST = 3


@pytest.fixture(scope="module")
def limited_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = StackOptions(
        port=0,
        workers=1,
        data_dir=tmp_path_factory.mktemp("ratelimit"),
        inject_delay_ms=300.0,
        eid=SimFaults(latency_ms=1.0),
        population=SimFaults(latency_ms=1.0),
        admission=False,
        max_in_flight=1,  # would refuse any concurrency if admission control were on
        admission_queue=0,
        rate_limit_per_s=1.0,
        extra_env=(("CUASO_RATE_LIMIT_BURST", str(BURST)),),
        feedback_answers=False,  # no poller traffic beside the test's
    )
    with LocalStack(options) as stack:
        yield stack


def _concurrently(url: str, path: str, headers: dict[str, str], n: int) -> list[httpx.Response]:
    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=url, timeout=30.0) as http:
            return http.get(path, headers=headers)

    with concurrent.futures.ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def test_past_its_budget_a_citizen_gets_429_then_is_served_again(limited_stack: LocalStack) -> None:
    with httpx.Client(base_url=limited_stack.url, timeout=30.0) as http:
        auth = login(http, new_citizen_id())
        bystander = login(http, new_citizen_id())
        answers = _concurrently(limited_stack.url, "/api/v1/me", auth, 2 * BURST)
        statuses = sorted(r.status_code for r in answers)
        allowed = statuses.count(200)
        assert BURST <= allowed <= BURST + 1, statuses  # + at most one refill while the burst lands
        assert statuses == [200] * allowed + [429] * (2 * BURST - allowed)
        refused = [r for r in answers if r.status_code == 429]
        for r in refused:
            assert r.json()["error"]["code"] == "rate_limited"
            assert r.json()["error"]["field"] is None
        retry = max(int(r.headers["retry-after"]) for r in refused)
        assert retry >= 1
        assert http.get("/api/v1/me", headers=bystander).status_code == 200  # another citizen's budget
        time.sleep(retry)
        assert http.get("/api/v1/me", headers=auth).status_code == 200  # allowed again after the wait
        metrics = http.get("/metrics").text
    match = re.search(r"^cuaso_rate_limited_total ([0-9.]+)$", metrics, re.MULTILINE)
    assert match, "cuaso_rate_limited_total not in /metrics"
    assert float(match.group(1)) >= len(refused)


def test_anonymous_requests_are_not_rate_limited_and_admission_off_refuses_nothing(
    limited_stack: LocalStack,
) -> None:
    answers = _concurrently(limited_stack.url, "/api/v1/catalogue/facets", {}, 4 * BURST)
    assert [r.status_code for r in answers] == [200] * (4 * BURST)
