"""The account lifecycle's pure parts: the Vietnamese working week, the settable clock, the policy dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from stack.lifecycle.clock import FixedClock, clock_for, from_ms, parse_moment, shift_months, to_ms
from stack.lifecycle.policy import LifecyclePolicy
from stack.lifecycle.workweek import VIETNAM, WorkingWeek

WEEK = WorkingWeek()


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM)


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Friday afternoon: 2 h on Friday, the weekend skipped, 4 h Monday morning, 2 h after lunch.
        ("2025-07-04 15:00", 8, "2025-07-07 15:00"),
        # Monday 11:00: 1 h before lunch, 4 h in the afternoon, 3 h on Tuesday morning.
        ("2025-07-07 11:00", 8, "2025-07-08 11:00"),
        ("2025-07-07 11:30", 1, "2025-07-07 13:30"),  # the lunch break does not count
        ("2025-07-07 08:00", 4, "2025-07-07 12:00"),  # ends exactly at the lunch break
        ("2025-07-07 12:30", 0.5, "2025-07-07 13:30"),  # asked during lunch: counts from 13:00
        ("2025-07-09 20:00", 8, "2025-07-10 17:00"),  # asked in the evening: the next working day
        ("2025-07-05 10:00", 8, "2025-07-07 17:00"),  # asked on Saturday: Monday
        ("2025-07-07 07:00", 0, "2025-07-07 08:00"),  # zero hours: the next working moment
    ],
)
def test_working_hours_skip_nights_lunch_and_weekends(start: str, hours: float, expected: str) -> None:
    assert WEEK.add_working_hours(local(start), hours) == local(expected)


def test_public_holidays_are_skipped() -> None:
    week = WorkingWeek.with_holidays([date(2025, 9, 1), date(2025, 9, 2)])  # National Day 2025
    assert week.add_working_hours(local("2025-08-29 16:00"), 8) == local("2025-09-03 16:00")
    assert WEEK.add_working_hours(local("2025-08-29 16:00"), 8) == local("2025-09-01 16:00")


def test_utc_input_and_working_days() -> None:
    friday_3pm_local = datetime(2025, 7, 4, 8, 0, tzinfo=UTC)
    assert WEEK.add_working_hours(friday_3pm_local, 8) == local("2025-07-07 15:00")
    assert WEEK.hours_per_day == 8.0
    assert WEEK.add_working_days(local("2025-07-04 15:00"), 10) == local("2025-07-18 15:00")
    assert WEEK.working_hours_between(local("2025-07-04 15:00"), local("2025-07-07 15:00")) == 8.0
    assert WEEK.working_hours_between(local("2025-07-07 15:00"), local("2025-07-04 15:00")) == 0.0


def test_bad_calendars_and_inputs_are_refused_naming_the_key() -> None:
    with pytest.raises(ValueError, match="start: need a time with a time zone"):
        WEEK.add_working_hours(datetime(2025, 7, 4, 15), 8)
    with pytest.raises(ValueError, match="hours"):
        WEEK.add_working_hours(local("2025-07-04 15:00"), -1)
    with pytest.raises(ValueError, match="days"):
        WEEK.add_working_days(local("2025-07-04 15:00"), 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"periods\[1\]"):
        WorkingWeek(periods=((time(8), time(12)), (time(11), time(17))))
    with pytest.raises(ValueError, match="weekdays"):
        WorkingWeek(weekdays=frozenset({7}))
    with pytest.raises(ValueError, match="holidays"):
        WorkingWeek(holidays=frozenset({"2025-09-02"}))  # type: ignore[arg-type]
    every_day_off = WorkingWeek(weekdays=frozenset({0}), holidays=frozenset())
    start = local("2025-07-08 09:00")  # a Tuesday: the next working time is Monday
    assert every_day_off.add_working_hours(start, 1) == local("2025-07-14 09:00")


def test_the_clock_is_settable_and_naive_times_are_utc() -> None:
    assert clock_for("2027-07-01T09:00:00+07:00").now() == datetime(2027, 7, 1, 2, tzinfo=UTC)
    assert clock_for("2027-07-01T02:00:00").now() == datetime(2027, 7, 1, 2, tzinfo=UTC)
    assert clock_for(None).now().tzinfo is not None
    with pytest.raises(ValueError, match="now='tomorrow'"):
        parse_moment("now", "tomorrow")
    with pytest.raises(ValueError, match="at: need a time with a time zone"):
        FixedClock(datetime(2027, 7, 1))
    moment = datetime(2027, 7, 1, 2, 3, 4, 5000, tzinfo=UTC)
    assert from_ms(to_ms(moment)) == moment


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2025-03-31", 1, "2025-04-30"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2025-07-01", 24, "2027-07-01"),
        ("2025-07-01", -22, "2023-09-01"),
        ("2025-01-15", -1, "2024-12-15"),
    ],
)
def test_shift_months_clips_to_the_month_end(start: str, months: int, expected: str) -> None:
    assert shift_months(local(start + " 10:00"), months) == local(expected + " 10:00")


def test_policy_dates_follow_facts() -> None:
    policy = LifecyclePolicy()
    last = to_ms(local("2025-07-01 10:00"))
    assert policy.lock_due(last) == local("2027-07-01 10:00")  # 2 consecutive years
    assert policy.notice_from(last) == local("2027-05-01 10:00")  # the 2 months before
    assert policy.notice_cutoff(local("2027-05-01 10:00")) >= from_ms(last)
    assert policy.lock_cutoff(local("2027-07-01 10:00")) >= from_ms(last)
    noticed = to_ms(local("2027-06-28 10:00"))  # a late notice: 3 days before the 2-year mark
    assert not policy.may_lock(last, noticed, local("2027-07-01 10:00"))
    assert policy.may_lock(last, noticed, local("2027-07-05 10:00"))  # 7 days after the notice
    assert policy.recovery_deadline(local("2025-07-04 15:00")) == local("2025-07-07 15:00")
    with pytest.raises(ValueError, match="notice_months"):
        LifecyclePolicy(notice_months=24)
    with pytest.raises(ValueError, match="notice_channel"):
        LifecyclePolicy(notice_channel="fax")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="min_notice_days"):
        LifecyclePolicy(min_notice_days=-1)
    assert policy.lock_due(last) - policy.notice_from(last) == timedelta(days=61)
