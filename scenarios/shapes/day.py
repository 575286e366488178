"""Shapes of ordinary busy days: :class:`OfficeDay` (working hours compressed into a drill) and
:class:`FilingDeadlineRush` (a crowd that grows towards a deadline, then falls away).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from scenarios.shapes.base import Shape, check_int, check_number, interpolate

HOUR_S = 3600.0
DAY_H = 24.0


@dataclass(frozen=True, kw_only=True)
class OfficeDay(Shape):
    """Vietnamese working hours compressed into ``duration_s``: the crowd is at ``modelled_users``
    during office hours, dips over lunch, and keeps a floor at night and on weekends.

    Office hours are an **assumption**: Mon–Fri 7:30–11:30 and 13:30–17:00 local time (ICT, UTC+7),
    the usual hours of public administrations, when citizens also reach the one-stop desks. The crowd
    comes and goes over ``ramp_h`` before the morning and after the evening; both lunch ramps lie in the
    lunch break. The default drill is a 24-hour Monday in 864 s (``time_compression`` 100).

    Timeline (one weekday)::

        users  peak   ┌────┐    ┌───┐
                      │     \\__/     │            phases: night | morning | lunch | afternoon | night
               floor _/                \\_____      weekend days are one "weekend" phase at the floor
               0h    7:30 11:30 13:30 17:00  24h
    """

    name: ClassVar[str] = "office-day"

    duration_s: float = 864.0
    """Assumption: 864 drill seconds, so that with time_compression 100 the drill is one 24-h day."""
    time_compression: float = 100.0
    """Real seconds per drill second: 100 ⇒ the 864-s drill stands for 86,400 s (24 h)."""
    start_clock_h: float = 0.0
    """Local time (hours) at the drill's start; 0 = midnight."""
    start_weekday: int = 0
    """Day of the week at the start, 0 = Monday … 6 = Sunday (Saturday and Sunday are weekend days)."""
    morning_start_h: float = 7.5
    """Assumption: office hours start 7:30."""
    morning_end_h: float = 11.5
    """Assumption: lunch break from 11:30."""
    afternoon_start_h: float = 13.5
    """Assumption: back from lunch at 13:30."""
    afternoon_end_h: float = 17.0
    """Assumption: offices close at 17:00."""
    ramp_h: float = 0.5
    """Assumption: the crowd comes and goes over half an hour around each boundary."""
    lunch_fraction: float = 0.5
    """Assumption: half the office-hours crowd stays online over lunch (the portal is 24/7)."""
    night_fraction: float = 0.1
    """Assumption: a tenth of the office-hours crowd is online at night and on weekends."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_number(self.key("start_clock_h"), self.start_clock_h, low=0.0)
        if self.start_clock_h >= DAY_H:
            raise ValueError(f"{self.key('start_clock_h')}: must be < 24, got {self.start_clock_h!r}")
        check_int(self.key("start_weekday"), self.start_weekday)
        if self.start_weekday > 6:
            raise ValueError(
                f"{self.key('start_weekday')}: must be in 0..6 (Monday..Sunday), got {self.start_weekday!r}"
            )
        check_number(self.key("ramp_h"), self.ramp_h, low=0.0)
        check_number(self.key("lunch_fraction"), self.lunch_fraction, low=0.0, high=1.0)
        check_number(self.key("night_fraction"), self.night_fraction, low=0.0, high=1.0)
        # each boundary must come after the previous one, leaving room for the ramps between them
        order = (
            ("morning_start_h", self.morning_start_h, self.ramp_h, "ramp_h after midnight"),
            ("morning_end_h", self.morning_end_h, 0.0, "after morning_start_h"),
            ("afternoon_start_h", self.afternoon_start_h, 2 * self.ramp_h, "2 × ramp_h after morning_end_h"),
            ("afternoon_end_h", self.afternoon_end_h, 0.0, "after afternoon_start_h"),
        )
        previous = 0.0
        for key, value, gap, rule in order:
            check_number(self.key(key), value, low=0.0, high=DAY_H)
            if value < previous + gap or (gap == 0.0 and value <= previous):
                raise ValueError(f"{self.key(key)}: must come {rule} ({previous + gap:g} h), got {value!r}")
            previous = value
        if self.afternoon_end_h + self.ramp_h > DAY_H:
            raise ValueError(
                f"{self.key('afternoon_end_h')}: + ramp_h must be <= 24, got {self.afternoon_end_h!r}"
            )

    def _day_knots(self) -> tuple[tuple[float, float], ...]:
        """Level (fraction of peak) over a weekday's clock hours."""
        night, lunch, r = self.night_fraction, self.lunch_fraction, self.ramp_h
        return (
            (0.0, night),
            (self.morning_start_h - r, night),
            (self.morning_start_h, 1.0),
            (self.morning_end_h, 1.0),
            (self.morning_end_h + r, lunch),
            (self.afternoon_start_h - r, lunch),
            (self.afternoon_start_h, 1.0),
            (self.afternoon_end_h, 1.0),
            (self.afternoon_end_h + r, night),
            (DAY_H, night),
        )

    def clock_h(self, t: float) -> float:
        """Hours since midnight of the first day at drill time ``t`` (may exceed 24)."""
        return self.start_clock_h + self._check_t(t) * self.time_compression / HOUR_S

    def _is_weekend(self, day: int) -> bool:
        return (self.start_weekday + day) % 7 >= 5

    def modelled_users_at(self, t: float) -> float:
        hours = self.clock_h(t)
        day = math.floor(hours / DAY_H)
        if self._is_weekend(day):
            return self.modelled_users * self.night_fraction
        return self.modelled_users * interpolate(self._day_knots(), hours - day * DAY_H)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        def drill_t(day: int, hour: float) -> float:
            return ((day * DAY_H + hour) - self.start_clock_h) * HOUR_S / self.time_compression

        ends: list[tuple[str, float]] = []
        last_day = math.floor(self.clock_h(self.duration_s) / DAY_H)
        for day in range(last_day + 1):
            if self._is_weekend(day):
                ends.append(("weekend", drill_t(day, DAY_H)))
                continue
            ends += [
                ("night", drill_t(day, self.morning_start_h)),
                ("morning", drill_t(day, self.morning_end_h)),
                ("lunch", drill_t(day, self.afternoon_start_h)),
                ("afternoon", drill_t(day, self.afternoon_end_h)),
                ("night", drill_t(day, DAY_H)),
            ]
        # phases() drops the stretches that end before t = 0 and clips the last one at duration_s
        return ends


@dataclass(frozen=True, kw_only=True)
class FilingDeadlineRush(Shape):
    """A crowd that grows towards a filing deadline to ``modelled_users``, then falls away.

    The baseline is ``modelled_users / rush_multiple``; the rush grows as a power ``rush_exponent`` of
    the time since ``rush_start_s`` (people put it off, so the crowd grows faster as the deadline nears),
    peaks at ``deadline_s``, drops over ``drop_s`` to ``after_fraction`` × baseline and stays there.

    Timeline: ``/‾‾‾__..--''|\\___`` — phases ``warmup``, ``baseline``, ``rush``, ``drop``, ``after``.
    """

    name: ClassVar[str] = "filing-deadline-rush"

    rush_multiple: float = 2.4
    """Assumption: the peak is 2.4× the baseline; with the default 120,000 peak (FACTS: designed
    capacity) the baseline is 50,000, the highest load observed before the cutover (FACTS)."""
    rush_exponent: float = 2.0
    """Assumption: quadratic growth towards the deadline."""
    after_fraction: float = 0.5
    """Assumption: after the deadline the crowd falls to half the baseline (those who filed are done)."""
    warmup_s: float = 60.0
    """Assumption: one minute from 0 to the baseline."""
    rush_start_s: float = 120.0
    """Drill second at which the rush begins."""
    deadline_s: float = 420.0
    """Drill second of the deadline (the peak)."""
    drop_s: float = 30.0
    """Assumption: the crowd leaves within 30 drill seconds of the deadline."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_number(self.key("rush_multiple"), self.rush_multiple, low=1.0)
        check_number(self.key("rush_exponent"), self.rush_exponent, low=0.0, strict=True)
        check_number(self.key("after_fraction"), self.after_fraction, low=0.0, high=1.0)
        check_number(self.key("warmup_s"), self.warmup_s, low=0.0)
        check_number(self.key("rush_start_s"), self.rush_start_s, low=self.warmup_s)
        check_number(self.key("deadline_s"), self.deadline_s, low=self.rush_start_s, strict=True)
        check_number(self.key("drop_s"), self.drop_s, low=0.0)
        if self.deadline_s + self.drop_s > self.duration_s:
            raise ValueError(
                f"{self.key('drop_s')}: deadline_s + drop_s must be <= duration_s={self.duration_s:g}, "
                f"got {self.deadline_s:g} + {self.drop_s!r}"
            )

    @property
    def baseline(self) -> float:
        return self.modelled_users / self.rush_multiple

    def modelled_users_at(self, t: float) -> float:
        base, peak = self.baseline, float(self.modelled_users)
        if self.rush_start_s <= t < self.deadline_s:
            progress: float = (t - self.rush_start_s) / (self.deadline_s - self.rush_start_s)
            growth: float = progress**self.rush_exponent
            return base + (peak - base) * growth
        knots = (
            (0.0, 0.0),
            (self.warmup_s, base),
            (self.rush_start_s, base),
            (self.deadline_s, peak),
            (self.deadline_s + self.drop_s, base * self.after_fraction),
        )
        return interpolate(knots, t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (
            ("warmup", self.warmup_s),
            ("baseline", self.rush_start_s),
            ("rush", self.deadline_s),
            ("drop", self.deadline_s + self.drop_s),
            ("after", self.duration_s),
        )
