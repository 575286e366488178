"""The lifecycle job's settable clock, and calendar arithmetic in months.

The job never reads the system clock directly: it is handed a :class:`Clock`, either
:class:`SystemClock` or a :class:`FixedClock` set from ``--now ISO``, so that a test (or a drill) can
move time two years ahead and watch notices go out and accounts lock, against a real Redis, in seconds.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    """Where "now" comes from."""

    def now(self) -> datetime:
        """The current moment, time-zone aware."""
        ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FixedClock:
    """A clock that always says ``at`` (aware)."""

    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None or self.at.utcoffset() is None:
            raise ValueError(f"at: need a time with a time zone, got {self.at.isoformat()!r}")

    def now(self) -> datetime:
        return self.at


def parse_moment(key: str, text: str) -> datetime:
    """An ISO 8601 time (``2027-07-01T09:00:00+07:00``); without a time zone it is UTC, like every
    other cuaso command. ValueError names ``key`` and the text otherwise."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key}={text!r}: need an ISO 8601 time such as 2027-07-01T09:00:00+07:00") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def clock_for(now: str | None) -> Clock:
    """A :class:`FixedClock` at ``now`` (ISO text), or the :class:`SystemClock` when ``now`` is None."""
    return SystemClock() if now is None else FixedClock(parse_moment("now", now))


def shift_months(moment: datetime, months: int) -> datetime:
    """``moment`` moved by whole calendar months (negative: back), the day clipped to the month's last
    (31 March + 1 month = 30 April; 29 February + 12 months = 28 February), time of day kept."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def to_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (the scores of the sorted-set indexes)."""
    return int(moment.timestamp() * 1000)


def from_ms(ms: int) -> datetime:
    """An aware UTC time from milliseconds since the epoch."""
    return datetime.fromtimestamp(ms / 1000.0, UTC)
