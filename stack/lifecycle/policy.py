"""When an inactive account gets its notice, when it is locked, and how long its recovery may take.

From FACTS.md: an account inactive for 2 consecutive years is locked, after a notice by SMS or e-mail
during the 2 months before; recovery is handled within 8 working hours. Calendar years and months are
counted in local time (Asia/Ho_Chi_Minh), from the last activity (the last login).

One assumption fills a gap the rule leaves: if the notice could not go out in time (the job did not run,
the SMS gateway was down), the account is not locked at the 2-year mark without one; it is locked
:attr:`LifecyclePolicy.min_notice_days` after the notice at the earliest, so every citizen is warned
before losing access.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from stack.lifecycle.clock import from_ms, shift_months
from stack.lifecycle.workweek import WorkingWeek

Channel = Literal["sms", "email"]
CHANNELS: tuple[Channel, ...] = ("sms", "email")

INACTIVITY_YEARS = 2
"""FACTS.md: an account inactive for 2 consecutive years is locked."""
NOTICE_MONTHS = 2
"""FACTS.md: the notice goes out during the 2 months before the lock."""
RECOVERY_WORKING_HOURS = 8.0
"""FACTS.md: a recovery request is handled within 8 working hours."""
MIN_NOTICE_DAYS = 7
"""Assumption: a notice sent late still leaves the citizen 7 days before the lock."""
NOTICE_CHANNEL: Channel = "sms"
"""Assumption: notices go by SMS (every VNeID account has a mobile number; an e-mail address is optional)."""
QUERY_SLACK = timedelta(days=4)
"""How far past the exact month boundary the index queries reach (month lengths differ by up to 3 days);
every candidate is then checked exactly, so the slack only costs a few extra reads."""


def _valid_int(key: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key}: need an integer >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class LifecyclePolicy:
    """The account lifecycle's rules, validated on construction."""

    inactivity_years: int = INACTIVITY_YEARS
    notice_months: int = NOTICE_MONTHS
    min_notice_days: int = MIN_NOTICE_DAYS
    recovery_working_hours: float = RECOVERY_WORKING_HOURS
    notice_channel: Channel = NOTICE_CHANNEL
    week: WorkingWeek = field(default_factory=WorkingWeek)

    def __post_init__(self) -> None:
        _valid_int("inactivity_years", self.inactivity_years, 1)
        _valid_int("notice_months", self.notice_months, 1)
        _valid_int("min_notice_days", self.min_notice_days, 0)
        if self.notice_months >= self.inactivity_years * 12:
            raise ValueError(
                f"notice_months: must be shorter than the inactivity period, got {self.notice_months}"
            )
        if not 0 < self.recovery_working_hours <= 24 * 365:
            raise ValueError(f"recovery_working_hours: need (0, 8760], got {self.recovery_working_hours!r}")
        if self.notice_channel not in CHANNELS:
            raise ValueError(f"notice_channel: need one of {list(CHANNELS)}, got {self.notice_channel!r}")

    @property
    def _lock_months(self) -> int:
        return self.inactivity_years * 12

    def lock_due(self, last_ms: int) -> datetime:
        """When an account last active at ``last_ms`` reaches the inactivity limit (local time)."""
        return shift_months(from_ms(last_ms).astimezone(self.week.tz), self._lock_months)

    def notice_from(self, last_ms: int) -> datetime:
        """When its notice window opens (:attr:`notice_months` before :meth:`lock_due`)."""
        return shift_months(from_ms(last_ms).astimezone(self.week.tz), self._lock_months - self.notice_months)

    def notice_cutoff(self, now: datetime) -> datetime:
        """A last-activity bound at or above every account whose notice window has opened by ``now``."""
        months = self._lock_months - self.notice_months
        return shift_months(now.astimezone(self.week.tz), -months) + QUERY_SLACK

    def lock_cutoff(self, now: datetime) -> datetime:
        """A last-activity bound at or above every account due for the lock by ``now``."""
        return shift_months(now.astimezone(self.week.tz), -self._lock_months) + QUERY_SLACK

    def may_lock(self, last_ms: int, noticed_ms: int, now: datetime) -> bool:
        """Past the inactivity limit, and the notice went out at least :attr:`min_notice_days` ago."""
        warned_long_enough = from_ms(noticed_ms) + timedelta(days=self.min_notice_days) <= now
        return self.lock_due(last_ms) <= now and warned_long_enough

    def recovery_deadline(self, requested: datetime) -> datetime:
        """:attr:`recovery_working_hours` working hours after ``requested`` (local time)."""
        return self.week.add_working_hours(requested, self.recovery_working_hours)
