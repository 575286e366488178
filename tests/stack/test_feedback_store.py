"""The feedback data layer against a real Redis, at chosen moments: deadlines in working days, overdue
items counted from the deadline index, answers on time or late, counters kept as events happen."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta

from redis.asyncio import Redis

from stack.data import keys
from stack.data.feedback import AnswerOutcome, FeedbackStore, FileOutcome
from stack.lifecycle.clock import to_ms
from stack.lifecycle.workweek import VIETNAM, WorkingWeek
from stack.redis_server import RedisServer
from tests.stack.conftest import new_citizen_id

DB = 12  # a database no other test uses: each test here empties it
FRIDAY = datetime(2025, 7, 4, 15, 0, tzinfo=VIETNAM)
TEXT = "Cổng bị chậm khi nộp hồ sơ buổi sáng."


def run(
    redis_server: RedisServer, scenario: Callable[[FeedbackStore], Awaitable[None]], days: int = 10
) -> None:
    url = redis_server.url.rsplit("/", 1)[0] + f"/{DB}"

    async def main() -> None:
        redis = Redis.from_url(url)
        try:
            await redis.flushdb()
            week = WorkingWeek.with_holidays([date(2025, 9, 1), date(2025, 9, 2)])
            await asyncio.wait_for(scenario(FeedbackStore(redis, 60, week, days)), 30)
        finally:
            await redis.aclose()

    asyncio.run(main())


def test_deadlines_overdue_counts_and_late_answers(redis_server: RedisServer) -> None:
    author = new_citizen_id()

    async def scenario(store: FeedbackStore) -> None:
        outcome, early = await store.file(author, "agency", "BCA", "BCA", TEXT, None, FRIDAY)
        assert outcome is FileOutcome.CREATED
        item = await store.get(early)
        assert item is not None
        assert datetime.fromisoformat(item.deadline_at) == datetime(2025, 7, 18, 15, 0, tzinfo=VIETNAM)
        assert keys.tag_of_feedback(early) == keys.citizen_tag(author)
        _, later = await store.file(
            author, "procedure", "1.000864", "BTP", TEXT + " 2", None, FRIDAY + timedelta(days=3)
        )
        deadline = datetime(2025, 7, 18, 15, 0, tzinfo=VIETNAM)
        assert (await store.totals(to_ms(deadline))).overdue_open == 0
        assert (await store.totals(to_ms(deadline + timedelta(minutes=1)))).overdue_open == 1
        answered = await store.answer(early, "BCA", "Đã xử lý.", deadline + timedelta(hours=2))
        assert answered == (AnswerOutcome.ANSWERED, True, "BCA")
        assert (await store.totals(to_ms(deadline + timedelta(days=30)))).overdue_open == 1  # only the other
        assert await store.answer(later, "BTP", "Đúng hạn.", FRIDAY + timedelta(days=4)) == (
            AnswerOutcome.ANSWERED,
            False,
            "BTP",
        )
        totals = await store.totals(to_ms(deadline + timedelta(days=30)))
        assert totals.overdue_open == 0
        assert totals.agencies["BCA"].to_dict() == {
            "filed": 1,
            "open": 0,
            "answered_on_time": 0,
            "answered_late": 1,
        }
        assert totals.agencies["BTP"].to_dict() == {
            "filed": 1,
            "open": 0,
            "answered_on_time": 1,
            "answered_late": 0,
        }
        total, mine = await store.list_mine(author, 10, 0)
        assert (total, [i.id for i in mine]) == (2, [later, early])
        assert (mine[1].answered_late, mine[0].answered_late) == (True, False)

    run(redis_server, scenario)


def test_holidays_move_the_deadline_and_answers_are_checked(redis_server: RedisServer) -> None:
    author = new_citizen_id()
    before_national_day = datetime(2025, 8, 29, 16, 0, tzinfo=VIETNAM)

    async def scenario(store: FeedbackStore) -> None:
        _, fid = await store.file(author, "agency", "BCA", "BCA", TEXT, "k", before_national_day)
        item = await store.get(fid)
        assert item is not None
        # 1 working day: 1 h on Friday, then 1-2 September are holidays, 7 h on Wednesday.
        assert datetime.fromisoformat(item.deadline_at) == datetime(2025, 9, 3, 16, 0, tzinfo=VIETNAM)
        assert await store.file(author, "agency", "BCA", "BCA", TEXT, "k", before_national_day) == (
            FileOutcome.REPLAYED,
            fid,
        )
        reused = await store.file(author, "agency", "BQP", "BQP", TEXT, "k", before_national_day)
        assert reused == (FileOutcome.KEY_REUSED, fid)
        assert (await store.answer(fid, "BQP", "x" * 10, before_national_day))[
            0
        ] is AnswerOutcome.WRONG_AGENCY
        too_early = before_national_day - timedelta(seconds=1)
        assert (await store.answer(fid, "BCA", "x" * 10, too_early))[0] is AnswerOutcome.BEFORE_FILING
        assert (await store.answer("PA-bad", "BCA", "x" * 10, too_early))[0] is AnswerOutcome.NOT_FOUND
        totals = await store.totals(to_ms(before_national_day))
        assert totals.agencies["BCA"].to_dict()["filed"] == 1  # the replay did not count twice

    run(redis_server, scenario, days=1)


def test_an_agency_lists_only_its_open_items_earliest_deadline_first(redis_server: RedisServer) -> None:
    """Other agencies' earlier items do not crowd an agency's out of its listing (its own index)."""

    async def scenario(store: FeedbackStore) -> None:
        for i in range(30):  # many earlier-deadline items of another agency, across partitions
            await store.file(new_citizen_id(), "agency", "BCA", "BCA", f"{TEXT} {i}", None, FRIDAY)
        mine = [
            (
                await store.file(
                    new_citizen_id(), "agency", "BTP", "BTP", TEXT, None, FRIDAY + timedelta(days=d)
                )
            )[1]
            for d in (3, 1, 2)
        ]
        listed = await store.list_open("BTP", 5)
        assert [item.id for item in listed] == [mine[1], mine[2], mine[0]]
        assert [item.id for item in await store.list_open("BTP", 2)] == [mine[1], mine[2]]
        assert await store.answer(mine[1], "BTP", "Đã xử lý.", FRIDAY + timedelta(days=4)) == (
            AnswerOutcome.ANSWERED, False, "BTP",
        )  # fmt: skip
        assert [item.id for item in await store.list_open("BTP", 5)] == [mine[2], mine[0]]
        assert await store.list_open("BQP", 5) == []
        assert len(await store.list_open("BCA", 100)) == 30

    run(redis_server, scenario)
