"""The lifecycle job against a moved clock: a real Redis (its own database, emptied per test) and the
stack's real SMS/e-mail gateway process. Time moves by setting the job's clock, never by waiting."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from stack.data import keys
from stack.data.accounts import AccountState, AccountStore, CompleteOutcome, RequestOutcome
from stack.launcher import LocalStack
from stack.lifecycle.clock import to_ms
from stack.lifecycle.job import JobOptions, JobReport, LifecycleJob
from stack.lifecycle.notices import Notice, NoticeSender
from stack.lifecycle.policy import LifecyclePolicy
from stack.lifecycle.workweek import VIETNAM
from stack.redis_server import RedisServer
from tests.stack.conftest import new_citizen_id

DB = 11  # a database no other test uses: each test here empties it
POLICY = LifecyclePolicy()
T0 = datetime(2025, 7, 1, 10, 0, tzinfo=VIETNAM)  # the first login (the phase-1 cutover day)


@dataclass(frozen=True)
class Rig:
    store: AccountStore
    http: httpx.AsyncClient
    notify_url: str

    def job(self, *citizens: str, recoveries: bool = True) -> LifecycleJob:
        options = JobOptions(citizens=frozenset(citizens), complete_recoveries=recoveries)
        return LifecycleJob(self.store, NoticeSender(self.http, self.notify_url), POLICY, options)

    async def run(self, now: datetime, *citizens: str) -> JobReport:
        return await self.job(*citizens).run(now)

    async def notices(self, citizen_id: str) -> list[dict[str, object]]:
        r = await self.http.get(f"{self.notify_url}/messages", params={"to": citizen_id})
        assert r.status_code == 200, r.text
        items: list[dict[str, object]] = r.json()["items"]
        return items

    async def state(self, citizen_id: str) -> AccountState | None:
        account = await self.store.get(citizen_id)
        return None if account is None else account.state


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    url = redis_server.url.rsplit("/", 1)[0] + f"/{DB}"

    async def flush() -> None:
        redis = Redis.from_url(url)
        await redis.flushdb()
        await redis.aclose()

    asyncio.run(flush())
    return url


def run(redis_url: str, notify_url: str, scenario: Callable[[Rig], Awaitable[None]], *tags: str) -> None:
    async def main() -> None:
        redis = Redis.from_url(redis_url)
        try:
            async with httpx.AsyncClient(timeout=10, trust_env=False) as http:
                await asyncio.wait_for(scenario(Rig(AccountStore(redis, tags or None), http, notify_url)), 60)
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_notice_once_within_the_window_not_before_then_lock(redis_url: str, local_stack: LocalStack) -> None:
    idle, busy = new_citizen_id(), new_citizen_id()

    async def scenario(rig: Rig) -> None:
        assert await rig.store.record_login(idle, to_ms(T0))
        assert await rig.store.record_login(busy, to_ms(T0 + timedelta(days=400)))
        window = POLICY.notice_from(to_ms(T0))  # 2027-05-01 10:00, two months before the lock
        report = await rig.run(window - timedelta(hours=1))  # every partition, as a scheduler runs it
        assert report.events["notices_sent"] == 0
        assert await rig.notices(idle) == []
        report = await rig.run(window + timedelta(hours=1))
        assert report.events["notices_sent"] == 1
        sent = await rig.notices(idle)
        assert len(sent) == 1
        assert sent[0]["kind"] == "inactivity_notice"
        assert sent[0]["channel"] == "sms"
        assert "01/07/2027" in str(sent[0]["body"])
        assert await rig.state(idle) is AccountState.NOTICED
        for days in (1, 30, 60):  # the job runs again and again in the window: no second notice
            report = await rig.run(window + timedelta(days=days))
            assert report.events["notices_sent"] == 0
        assert len(await rig.notices(idle)) == 1
        lock_due = POLICY.lock_due(to_ms(T0))
        report = await rig.run(lock_due - timedelta(minutes=1))
        assert report.events["locked"] == 0
        report = await rig.run(lock_due + timedelta(minutes=1))
        assert report.events["locked"] == 1
        assert await rig.state(idle) is AccountState.LOCKED
        assert not await rig.store.record_login(idle, to_ms(lock_due + timedelta(days=1)))  # login refused
        assert await rig.state(busy) is AccountState.ACTIVE  # active later: untouched
        assert await rig.notices(busy) == []
        counts = report.counts.counters
        assert (counts["notices"], counts["locked"], counts["locked_now"]) == (1, 1, 1)

    run(redis_url, local_stack.notify_url, scenario)


def test_a_login_in_the_window_starts_a_new_idle_period(redis_url: str, local_stack: LocalStack) -> None:
    cid = new_citizen_id()

    async def scenario(rig: Rig) -> None:
        await rig.store.record_login(cid, to_ms(T0))
        await rig.run(POLICY.notice_from(to_ms(T0)) + timedelta(days=1), cid)
        assert await rig.state(cid) is AccountState.NOTICED
        back = POLICY.notice_from(to_ms(T0)) + timedelta(days=10)
        assert await rig.store.record_login(cid, to_ms(back))
        report = await rig.run(POLICY.lock_due(to_ms(T0)) + timedelta(days=30), cid)
        assert (report.events["locked"], report.events["notices_sent"]) == (0, 0)
        assert await rig.state(cid) is AccountState.ACTIVE
        await rig.run(POLICY.notice_from(to_ms(back)) + timedelta(hours=1), cid)
        sent = await rig.notices(cid)
        assert len(sent) == 2  # one per idle period
        assert sent[0]["idempotency_key"] != sent[1]["idempotency_key"]

    run(redis_url, local_stack.notify_url, scenario, keys.citizen_tag(cid))


def test_a_late_notice_still_leaves_the_minimum_notice(redis_url: str, local_stack: LocalStack) -> None:
    cid = new_citizen_id()

    async def scenario(rig: Rig) -> None:
        await rig.store.record_login(cid, to_ms(T0))
        lock_due = POLICY.lock_due(to_ms(T0))
        report = await rig.run(lock_due + timedelta(days=10), cid)  # the job did not run for months
        assert (report.events["notices_sent"], report.events["locked"]) == (1, 0)
        report = await rig.run(lock_due + timedelta(days=16), cid)
        assert (report.events["locked"], report.events["lock_waiting"]) == (0, 1)
        report = await rig.run(lock_due + timedelta(days=17, minutes=1), cid)
        assert report.events["locked"] == 1

    run(redis_url, local_stack.notify_url, scenario)


def test_gateway_down_the_notice_is_retried_and_sent_once(redis_url: str, local_stack: LocalStack) -> None:
    cid = new_citizen_id()
    faults = f"{local_stack.notify_url}/_sim/faults"

    async def scenario(rig: Rig) -> None:
        await rig.store.record_login(cid, to_ms(T0))
        now = POLICY.notice_from(to_ms(T0)) + timedelta(days=1)
        assert (await rig.http.put(faults, json={"error_rate": 1.0})).status_code == 200
        try:
            report = await rig.run(now, cid)
        finally:
            assert (await rig.http.put(faults, json={"latency_ms": 1, "jitter_ms": 0})).status_code == 200
        assert (report.events["notices_failed"], report.ok) == (1, False)
        assert "503" in report.last_error
        assert await rig.state(cid) is AccountState.ACTIVE
        # A run that crashed after the gateway took the notice but before recording it: the next run
        # sends the same idempotency key, and the gateway sends nothing twice.
        lock_due = POLICY.lock_due(to_ms(T0))
        assert await rig.job(cid).sender.send(Notice(cid, to_ms(T0), lock_due, "sms"))
        report = await rig.run(now + timedelta(hours=1), cid)
        assert report.events["notices_sent"] == 1
        assert len(await rig.notices(cid)) == 1

    run(redis_url, local_stack.notify_url, scenario)


async def _locked(rig: Rig, cid: str) -> None:
    await rig.store.record_login(cid, to_ms(T0))
    await rig.run(POLICY.notice_from(to_ms(T0)) + timedelta(hours=1), cid)
    await rig.run(POLICY.lock_due(to_ms(T0)) + timedelta(hours=1), cid)
    assert await rig.state(cid) is AccountState.LOCKED


def test_recovery_deadline_across_the_weekend_met_and_breached(
    redis_url: str, local_stack: LocalStack
) -> None:
    on_time, late = new_citizen_id(), new_citizen_id()
    friday_3pm = datetime(2027, 7, 2, 15, 0, tzinfo=VIETNAM)  # a Friday, after the locks of 2027-07-01
    monday_3pm = datetime(2027, 7, 5, 15, 0, tzinfo=VIETNAM)  # 2 h Friday + 4 h + lunch + 2 h Monday

    async def scenario(rig: Rig) -> None:
        not_locked = await rig.store.request_recovery(on_time, friday_3pm, monday_3pm)
        assert not_locked == (RequestOutcome.NOT_LOCKED, "")
        await _locked(rig, on_time)
        await _locked(rig, late)
        deadline = POLICY.recovery_deadline(friday_3pm)
        assert deadline == monday_3pm
        created, ticket_a = await rig.store.request_recovery(on_time, friday_3pm, deadline)
        assert created is RequestOutcome.CREATED
        assert await rig.store.request_recovery(on_time, friday_3pm, deadline) == (
            RequestOutcome.EXISTING,
            ticket_a,
        )
        _, ticket_b = await rig.store.request_recovery(late, friday_3pm, deadline)
        report = await rig.run(monday_3pm - timedelta(hours=1), on_time)
        assert report.events["recoveries_met"] == 1
        assert await rig.state(on_time) is AccountState.ACTIVE
        assert await rig.store.record_login(on_time, to_ms(monday_3pm))
        counts = await rig.store.counters(to_ms(monday_3pm + timedelta(hours=1)))
        assert (counts.open_recoveries, counts.overdue_recoveries) == (1, 1)  # the late one: breach detected
        report = await rig.run(monday_3pm + timedelta(hours=1), late)
        assert report.events["recoveries_breached"] == 1
        ticket = await rig.store.ticket(ticket_b)
        assert ticket is not None
        assert (ticket.status, ticket.outcome, ticket.completed_by) == (
            "completed",
            "breached",
            "lifecycle-job",
        )
        again = await rig.store.complete_recovery(ticket_b, monday_3pm + timedelta(days=1), "officer-7")
        assert again == (CompleteOutcome.ALREADY, "breached")  # the verdict stands
        counts = await rig.store.counters(to_ms(monday_3pm + timedelta(days=1)))
        assert (counts.open_recoveries, counts.overdue_recoveries) == (0, 0)
        assert (counts.counters["recovered_met"], counts.counters["recovered_breached"]) == (1, 1)
        assert counts.counters["locked_now"] == 0

    run(redis_url, local_stack.notify_url, scenario)


def test_an_officer_completes_and_a_clock_before_the_request_is_refused(
    redis_url: str, local_stack: LocalStack
) -> None:
    cid = new_citizen_id()
    requested = datetime(2027, 7, 7, 9, 0, tzinfo=VIETNAM)

    async def scenario(rig: Rig) -> None:
        await _locked(rig, cid)
        _, ticket_id = await rig.store.request_recovery(cid, requested, POLICY.recovery_deadline(requested))
        before = await rig.store.complete_recovery(ticket_id, requested - timedelta(minutes=1), "officer-7")
        assert before == (CompleteOutcome.BEFORE_REQUEST, None)
        report = await rig.job(cid, recoveries=False).run(requested + timedelta(days=5))
        assert report.events["recoveries_breached"] == 0  # officers do it: the job leaves it open
        done = await rig.store.complete_recovery(ticket_id, requested + timedelta(hours=2), "officer-7")
        assert done == (CompleteOutcome.COMPLETED, "met")
        assert await rig.store.complete_recovery("RC-00-AAAAAAAAAA", requested, "x") == (
            CompleteOutcome.NOT_FOUND,
            None,
        )

    run(redis_url, local_stack.notify_url, scenario)


def test_a_login_racing_the_job_wins(redis_url: str, local_stack: LocalStack) -> None:
    cid = new_citizen_id()

    async def scenario(rig: Rig) -> None:
        await rig.store.record_login(cid, to_ms(T0))
        tag = keys.citizen_tag(cid)
        now = POLICY.notice_from(to_ms(T0)) + timedelta(days=1)
        candidates = await rig.store.candidates("active", tag, to_ms(POLICY.notice_cutoff(now)), 10)
        assert [c.citizen_id for c in candidates] == [cid]
        await rig.store.record_login(cid, to_ms(now))  # the citizen logs in while the notice is on its way
        assert not await rig.store.mark_noticed(cid, candidates[0].last_ms, to_ms(now))
        assert await rig.state(cid) is AccountState.ACTIVE
        assert not await rig.store.lock(cid, to_ms(T0), to_ms(now))
        assert await rig.store.record_login(cid, to_ms(T0))
        account = await rig.store.get(cid)
        assert account is not None
        assert account.last_ms == to_ms(now)  # a late worker clock never moves it back

    run(redis_url, local_stack.notify_url, scenario)
