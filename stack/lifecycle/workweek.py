"""The Vietnamese working week, for deadlines counted in working hours (account recovery: 8 working
hours, FACTS.md) or working days (answers to feedback).

Assumption (labelled, not sourced in FACTS.md): public offices work Monday to Friday, 08:00-12:00 and
13:00-17:00 local time (Asia/Ho_Chi_Minh, UTC+7, no daylight saving), so a working day is 8 working
hours. Public holidays are a parameter (a set of local dates; none unless given): Tết follows the lunar
calendar and the government moves make-up days every year, so they are configuration, not code.

A deadline "N working hours after t" is the moment when N hours of working time have passed since t:
time outside the working periods (nights, the lunch break, weekends, holidays) does not count. A
request made outside working time starts counting at the next working period.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
"""The portal's local time zone (UTC+7 all year)."""

WORKING_PERIODS: tuple[tuple[time, time], ...] = ((time(8, 0), time(12, 0)), (time(13, 0), time(17, 0)))
"""Assumption: the working periods of a working day, local time (see the module docstring)."""

WORKING_WEEKDAYS: frozenset[int] = frozenset(range(5))
"""Assumption: Monday (0) to Friday (4) are working days."""

MAX_SEARCH_DAYS = 3660
"""Longest span a deadline computation walks (10 years): a guard against a calendar with no working
time at all, which would otherwise loop for ever."""


def _aware(key: str, moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{key}: need a time with a time zone, got {moment.isoformat()!r}")
    return moment


@dataclass(frozen=True, slots=True)
class WorkingWeek:
    """Working periods, working weekdays, holidays and the local time zone; validated on construction."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    periods: tuple[tuple[time, time], ...] = WORKING_PERIODS
    weekdays: frozenset[int] = WORKING_WEEKDAYS
    tz: ZoneInfo = VIETNAM

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        for day in self.holidays:
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValueError(f"holidays: need dates, got {day!r}")
        if not self.weekdays or not self.weekdays <= set(range(7)):
            raise ValueError(
                f"weekdays: need a non-empty subset of 0..6 (Monday=0), got {sorted(self.weekdays)}"
            )
        if not self.periods:
            raise ValueError("periods: need at least one working period")
        previous_end: time | None = None
        for i, (start, end) in enumerate(self.periods):
            if start >= end:
                raise ValueError(f"periods[{i}]: start {start} must be before end {end}")
            if previous_end is not None and start < previous_end:
                raise ValueError(f"periods[{i}]: starts at {start}, before the previous period ends")
            previous_end = end

    @classmethod
    def with_holidays(cls, holidays: Iterable[date]) -> WorkingWeek:
        """The default week with these public holidays."""
        return cls(holidays=frozenset(holidays))

    @property
    def hours_per_day(self) -> float:
        """Working hours in one working day (8 with the default periods)."""
        seconds = sum(_seconds(end) - _seconds(start) for start, end in self.periods)
        return seconds / 3600.0

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.weekdays and day not in self.holidays

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` working hours after ``start`` (aware), in local time."""
        if not hours >= 0:
            raise ValueError(f"hours: need >= 0, got {hours!r}")
        remaining = timedelta(hours=hours)
        cursor = _aware("start", start).astimezone(self.tz)
        day = cursor.date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    opens = datetime.combine(day, period_start, self.tz)
                    closes = datetime.combine(day, period_end, self.tz)
                    if cursor >= closes:
                        continue
                    begin = max(cursor, opens)
                    if begin + remaining <= closes:
                        return begin + remaining
                    remaining -= closes - begin
                    cursor = closes
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_SEARCH_DAYS} days of {start.isoformat()}")

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The moment ``days`` full working days (``days`` x :attr:`hours_per_day`) after ``start``."""
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise ValueError(f"days: need an integer >= 0, got {days!r}")
        return self.add_working_hours(start, days * self.hours_per_day)

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
        a = _aware("start", start).astimezone(self.tz)
        b = _aware("end", end).astimezone(self.tz)
        if b <= a:
            return 0.0
        if (b.date() - a.date()).days > MAX_SEARCH_DAYS:
            raise ValueError(f"end: more than {MAX_SEARCH_DAYS} days after start")
        total = timedelta()
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                for period_start, period_end in self.periods:
                    opens = max(a, datetime.combine(day, period_start, self.tz))
                    closes = min(b, datetime.combine(day, period_end, self.tz))
                    if closes > opens:
                        total += closes - opens
            day += timedelta(days=1)
        return total.total_seconds() / 3600.0


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second
