"""The base of every load shape: pure data plus pure functions of the drill's run time.

A shape says how many users are online at each second ``t`` of a drill (``0 ≤ t < duration_s``), in
*modelled* users (the population of the real portal) and in *simulated* users (what Locust runs):
``simulated = round(modelled × scale)``. It also names the phases of the drill (contiguous, covering
``[0, duration_s)``), the re-logins expected in each, and stops the run by itself: :meth:`Shape.tick`
returns ``None`` from ``duration_s`` on. No Locust import here: :mod:`scenarios.shapes.locust_classes` wraps
these in ``LoadTestShape`` classes.

**Time compression.** A drill of minutes stands for hours of the real portal: ``time_compression`` is
the number of real seconds one drill second stands for. Every timing parameter of a shape is in *drill*
seconds (what Locust's clock shows); :meth:`Shape.real_s` converts for the report. Compression shortens
the load profile, not the sessions: a person still thinks for real seconds, so keep ramps and windows
several mean session lengths long when the response to them matters (see docs/scenarios.md).
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, ClassVar

DESIGNED_CAPACITY = 120_000
"""FACTS: the portal's designed capacity, concurrent users (Government Office, Oct 2025)."""

HIGHEST_OBSERVED = 50_000
"""FACTS: the highest load observed before the cutover, ~50,000 concurrent users (41.6% of capacity)."""

DEFAULT_SCALE = 0.01
"""Assumption: a drill runs 1 simulated user per 100 modelled ones (1,200 at designed capacity), what a
few Locust worker processes hold; raise it on bigger generators."""

TICK_S = 1.0
"""Locust's shape loop calls ``tick()`` about once a second (``locust.runners.Runner.shape_worker``)."""

MIN_SPAWN_RATE = 1.0
"""Floor of the spawn rate (users/s) handed to Locust, which needs a positive rate even on a plateau
(a technical setting, not a property of the crowd)."""


def check_number(
    key: str, value: object, *, low: float | None = None, high: float | None = None, strict: bool = False
) -> float:
    """``value`` must be a finite number in ``[low, high]`` (``(low, high]`` when ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key}: must be a finite number, got {value!r}")
    if low is not None and (value <= low if strict else value < low):
        raise ValueError(f"{key}: must be {'>' if strict else '>='} {low:g}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{key}: must be <= {high:g}, got {value!r}")
    return float(value)


def check_int(key: str, value: object, *, low: int = 0) -> int:
    """``value`` must be an int (not a bool) ``>= low``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be an integer, got {value!r}")
    if value < low:
        raise ValueError(f"{key}: must be >= {low}, got {value!r}")
    return value


def interpolate(knots: Sequence[tuple[float, float]], t: float) -> float:
    """Piecewise-linear ``y(t)`` through ``knots`` (x ascending; a repeated x is a step, right-continuous)."""
    xs = [x for x, _ in knots]
    i = bisect_right(xs, t) - 1
    if i < 0:
        return knots[0][1]
    if i >= len(knots) - 1:
        return knots[-1][1]
    (x0, y0), (x1, y1) = knots[i], knots[i + 1]
    return y0 + (y1 - y0) * (t - x0) / (x1 - x0)


@dataclass(frozen=True, slots=True)
class Phase:
    """A named stretch ``[start_s, end_s)`` of a drill, in drill seconds."""

    name: str
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


@dataclass(frozen=True, slots=True)
class PhaseLogins:
    """Logins expected in one phase: in the modelled population and among the simulated users."""

    phase: str
    modelled: int
    simulated: int


@dataclass(frozen=True, kw_only=True)
class Shape(ABC):
    """Users over drill time; subclasses define :meth:`modelled_users_at` and :meth:`_phase_ends`."""

    name: ClassVar[str] = "shape"

    modelled_users: int = DESIGNED_CAPACITY
    """Modelled population the shape reaches at its peak or plateau (FACTS: designed capacity)."""
    scale: float = DEFAULT_SCALE
    """Simulated users per modelled user, in (0, 1]."""
    duration_s: float = 600.0
    """Drill length in seconds (assumption: ten minutes); ``tick()`` returns None from here on."""
    time_compression: float = 1.0
    """Real seconds one drill second stands for (1 = real time)."""

    def __post_init__(self) -> None:
        check_int(self.key("modelled_users"), self.modelled_users, low=1)
        check_number(self.key("scale"), self.scale, low=0.0, high=1.0, strict=True)
        check_number(self.key("duration_s"), self.duration_s, low=0.0, strict=True)
        check_number(self.key("time_compression"), self.time_compression, low=0.0, strict=True)

    def key(self, field_name: str) -> str:
        """The dotted name of a parameter in error messages, e.g. ``phase1-cutover.cutover_s``."""
        return f"{self.name}.{field_name}"

    # --- what subclasses define -------------------------------------------------------------------

    @abstractmethod
    def modelled_users_at(self, t: float) -> float:
        """Modelled concurrent users at drill time ``t`` (0 ≤ t ≤ duration_s), unrounded."""

    @abstractmethod
    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        """(phase name, end in drill seconds) in order; the last ends at ``duration_s``."""

    # --- derived, pure ----------------------------------------------------------------------------

    def _check_t(self, t: float) -> float:
        return check_number("t", t, low=0.0)

    def simulated(self, modelled: float) -> int:
        """The simulated users that stand for ``modelled`` ones: ``round(modelled × scale)``."""
        return round(modelled * self.scale)

    def users_at(self, t: float) -> int:
        """Simulated users at drill time ``t``; 0 from ``duration_s`` on (the run has stopped)."""
        if self._check_t(t) >= self.duration_s:
            return 0
        return self.simulated(self.modelled_users_at(t))

    def spawn_rate_at(self, t: float) -> float:
        """Simulated users per second Locust should start (or stop) at ``t``: the larger of the change
        over the last and the next tick, so it both catches up and keeps up; at least MIN_SPAWN_RATE."""
        t = self._check_t(t)
        end = self.duration_s
        here = self.modelled_users_at(min(t, end))
        before = self.modelled_users_at(max(0.0, min(t, end) - TICK_S))
        after = self.modelled_users_at(min(t + TICK_S, end))
        change = max(abs(here - before), abs(after - here)) * self.scale / TICK_S
        return max(MIN_SPAWN_RATE, change)

    def tick(self, t: float) -> tuple[int, float] | None:
        """What Locust's ``LoadTestShape.tick`` returns at run time ``t``: (users, spawn rate), or None
        from ``duration_s`` on so that the run stops by itself."""
        if self._check_t(t) >= self.duration_s:
            return None
        return self.users_at(t), self.spawn_rate_at(t)

    def phases(self) -> tuple[Phase, ...]:
        """The drill's phases, contiguous from 0 to ``duration_s`` (empty ones left out)."""
        out: list[Phase] = []
        start = 0.0
        for phase_name, end in self._phase_ends():
            end = min(end, self.duration_s)
            if end > start:
                if out and out[-1].name == phase_name:
                    out[-1] = Phase(phase_name, out[-1].start_s, end)
                else:
                    out.append(Phase(phase_name, start, end))
                start = end
        return tuple(out)

    def phase_at(self, t: float) -> str:
        """The name of the phase holding drill time ``t``; ``"ended"`` from ``duration_s`` on."""
        t = self._check_t(t)
        for phase in self.phases():
            if phase.start_s <= t < phase.end_s:
                return phase.name
        return "ended"

    def real_s(self, t: float) -> float:
        """Real (modelled) seconds since the start that drill time ``t`` stands for."""
        return self._check_t(t) * self.time_compression

    def relogins_by_phase(self) -> tuple[PhaseLogins, ...]:
        """Re-logins expected per phase (users forced to log in again); none unless a cutover."""
        return tuple(PhaseLogins(p.name, 0, 0) for p in self.phases())

    def peak_users(self) -> int:
        """The most simulated users the drill runs (sampled every second and at each phase start)."""
        instants = {float(s) for s in range(math.ceil(self.duration_s))} | {p.start_s for p in self.phases()}
        return max(self.users_at(t) for t in instants if t < self.duration_s)

    def params(self) -> dict[str, Any]:
        """The shape's parameters by name (what ``shape_by_name`` takes)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the results document and the report: parameters, time compression, phases in
        drill and real seconds, and the re-logins expected in each phase."""
        logins = {p.phase: p for p in self.relogins_by_phase()}
        return {
            "shape": self.name,
            "params": self.params(),
            "time_compression": self.time_compression,
            "real_duration_s": self.duration_s * self.time_compression,
            "peak_simulated_users": self.peak_users(),
            "phases": [
                {
                    "name": p.name,
                    "start_s": p.start_s,
                    "end_s": p.end_s,
                    "real_start_s": p.start_s * self.time_compression,
                    "real_end_s": p.end_s * self.time_compression,
                    "relogins_modelled": logins[p.name].modelled if p.name in logins else 0,
                    "relogins_simulated": logins[p.name].simulated if p.name in logins else 0,
                }
                for p in self.phases()
            ],
        }
