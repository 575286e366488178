"""Flat shapes: a ramp then a level held — closed (:class:`Steady`, :class:`Soak`: users) or open
(:class:`ArrivalShape`: sessions arriving per second on a schedule, served by a pool of users).

Left unset, a ramp fits the duration asked for (``RAMP_SHARE`` of it, capped), so that a short drill
with the defaults runs instead of being refused.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from scenarios.mix import JourneyMix, mean_session_s
from scenarios.shapes.base import MIN_SPAWN_RATE, TICK_S, Shape, check_int, check_number, interpolate
from scenarios.shapes.schedule import PROCESSES, ArrivalSchedule

SOAK_FRACTION = 0.7
"""Assumption: a soak holds 70% of the modelled population — busy but below the knee — for hours."""

DEFAULT_MEAN_SESSION_S = mean_session_s(JourneyMix.default())
"""Derived: the mean session length (s) of the default journey mix (~97 s), for Little's law."""


RAMP_SHARE = 0.25
"""Assumption: left unset, a ramp takes a quarter of the drill (at most the shape's ``max_ramp_s``), so
that any duration has a ramp that fits and three quarters of steady load to measure."""

POOL_HEADROOM = 2.0
"""Assumption: the open model's pool of simulated users (k6's preAllocatedVUs) holds twice the sessions
Little's law expects (λ·S), so sessions up to twice their expected length (a slow portal) still start on
time; beyond that, arrivals start late or are dropped, and are counted."""

POOL_LEAD_S = 5.0
"""Assumption: the pool grows 5 s ahead of the arrival rate it serves, so that users are spawned and
waiting before the arrivals need them (Locust spawns within its once-a-second shape tick)."""

DEFAULT_PROCESS = "poisson"
"""Assumption: citizens arrive independently of one another (a Poisson process); ``constant`` spaces
arrivals evenly, for exact comparisons."""


def default_ramp(ramp_s: float | None, duration_s: float, max_ramp_s: float) -> float:
    """``ramp_s`` if set, else ``RAMP_SHARE`` of the drill, at most ``max_ramp_s``."""
    return min(max_ramp_s, RAMP_SHARE * duration_s) if ramp_s is None else ramp_s


def _check_ramp(shape: Shape, ramp_s: float | None) -> None:
    if ramp_s is None:
        return
    check_number(shape.key("ramp_s"), ramp_s, low=0.0)
    if ramp_s >= shape.duration_s:
        raise ValueError(
            f"{shape.key('ramp_s')}: must be < duration_s={shape.duration_s:g}, got {ramp_s!r} "
            "(leave it unset for a ramp that fits: a quarter of the drill)"
        )


@dataclass(frozen=True, kw_only=True)
class Steady(Shape):
    """Ramp linearly from 0 to ``users`` modelled users over the ramp, then hold until the end.

    Timeline: ``/‾‾‾‾‾‾‾‾`` — phases ``ramp`` [0, ramp), ``steady`` [ramp, duration_s).
    """

    name: ClassVar[str] = "steady"
    _level_fraction: ClassVar[float] = 1.0
    _hold_phase: ClassVar[str] = "steady"
    max_ramp_s: ClassVar[float] = 60.0
    """Assumption: at most one minute of ramp, long enough for Locust to spawn without bursts."""

    users: int | None = None
    """Modelled users held; None means ``modelled_users`` (× the class's level fraction)."""
    ramp_s: float | None = None
    """Ramp length (s); None: ``RAMP_SHARE`` of the drill, at most ``max_ramp_s`` (see :attr:`ramp`)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.users is not None:
            check_int(self.key("users"), self.users, low=1)
        _check_ramp(self, self.ramp_s)

    @property
    def ramp(self) -> float:
        """The ramp's length in drill seconds (``ramp_s``, or the default that fits the duration)."""
        return default_ramp(self.ramp_s, self.duration_s, self.max_ramp_s)

    @property
    def level(self) -> float:
        """Modelled users held after the ramp."""
        return float(self.users) if self.users is not None else self.modelled_users * self._level_fraction

    def modelled_users_at(self, t: float) -> float:
        return interpolate(((0.0, 0.0), (self.ramp, self.level)), t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (("ramp", self.ramp), (self._hold_phase, self.duration_s))


@dataclass(frozen=True, kw_only=True)
class Soak(Steady):
    """A long steady load to find leaks and slow drifts: by default 70% of the modelled population
    (``SOAK_FRACTION``, assumption) for four hours in real time.

    Timeline: ``/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾`` — phases ``ramp``, ``soak``.
    """

    name: ClassVar[str] = "soak"
    _level_fraction: ClassVar[float] = SOAK_FRACTION
    _hold_phase: ClassVar[str] = "soak"
    max_ramp_s: ClassVar[float] = 600.0
    """Assumption: at most ten minutes of ramp."""

    duration_s: float = 14_400.0
    """Assumption: four hours; leaks and cache growth show over hours, not minutes."""


@dataclass(frozen=True, kw_only=True)
class ArrivalShape(Shape):
    """The open model: sessions *arrive* at a rate (ramped linearly, then held) on a seeded schedule
    (:meth:`schedule`) that does not depend on how fast the portal answers.

    Locust holds a pool of users (:meth:`users_at`, k6's preAllocatedVUs): ``pool_headroom`` × the
    sessions Little's law expects online (λ·S with ``mean_session_s``), grown ``pool_lead_s`` ahead of
    the rate and capped at ``max_users`` (k6's maxVUs) when set. Each user waits for the next arrival,
    runs its session, and waits again (:mod:`scenarios.journeys.open_model`).
    Timeline: ``/‾‾‾‾‾‾‾‾`` — phases ``ramp``, ``steady``.
    """

    name: ClassVar[str] = "arrivals"
    max_ramp_s: ClassVar[float] = 60.0
    """Assumption: at most one minute of ramp."""

    arrivals_per_s: float | None = None
    """Modelled sessions per second held; None means the rate that keeps ``modelled_users`` online
    (Little's law). FACTS: the portal's life-time average is ~42 visits/s (7.3e9 visits / ~2,030 days)."""
    ramp_s: float | None = None
    """Ramp length (s); None: ``RAMP_SHARE`` of the drill, at most ``max_ramp_s``."""
    mean_session_s: float = DEFAULT_MEAN_SESSION_S
    """Mean session length (s); derived from the default journey mix (a drill passes its own mix's)."""
    process: str = DEFAULT_PROCESS
    """``poisson`` or ``constant`` (see :mod:`scenarios.shapes.schedule`)."""
    pool_headroom: float = POOL_HEADROOM
    """Pool size as a multiple of λ·S (assumption, see ``POOL_HEADROOM``)."""
    pool_lead_s: float = POOL_LEAD_S
    """How far ahead of the rate the pool grows (assumption, see ``POOL_LEAD_S``)."""
    max_users: int | None = None
    """Cap on the pool (simulated users, k6's maxVUs); None: no cap."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.arrivals_per_s is not None:
            check_number(self.key("arrivals_per_s"), self.arrivals_per_s, low=0.0, strict=True)
        _check_ramp(self, self.ramp_s)
        check_number(self.key("mean_session_s"), self.mean_session_s, low=0.0, strict=True)
        if self.process not in PROCESSES:
            known = ", ".join(PROCESSES)
            raise ValueError(f"{self.key('process')}: must be one of {known}, got {self.process!r}")
        check_number(self.key("pool_headroom"), self.pool_headroom, low=1.0)
        check_number(self.key("pool_lead_s"), self.pool_lead_s, low=0.0)
        if self.max_users is not None:
            check_int(self.key("max_users"), self.max_users, low=1)

    @property
    def ramp(self) -> float:
        return default_ramp(self.ramp_s, self.duration_s, self.max_ramp_s)

    @property
    def rate(self) -> float:
        """Modelled sessions per second held after the ramp."""
        if self.arrivals_per_s is not None:
            return float(self.arrivals_per_s)
        return self.modelled_users / self.mean_session_s  # Little's law N = λ·R, for λ

    def modelled_arrivals_at(self, t: float) -> float:
        """Modelled sessions per second at drill time ``t``."""
        return interpolate(((0.0, 0.0), (self.ramp, self.rate)), t)

    def arrivals_at(self, t: float) -> float:
        """Simulated sessions per second at ``t`` (modelled × scale); 0 from ``duration_s`` on."""
        if self._check_t(t) >= self.duration_s:
            return 0.0
        return self.modelled_arrivals_at(t) * self.scale

    def modelled_users_at(self, t: float) -> float:
        """The modelled sessions Little's law expects online at ``t`` (λ·S)."""
        return self.modelled_arrivals_at(t) * self.mean_session_s

    def users_at(self, t: float) -> int:
        """The pool Locust holds at ``t``: headroom × λ·S at ``t + pool_lead_s`` (the rate never falls,
        so the pool never shrinks under a session), at least 1, at most ``max_users``."""
        if self._check_t(t) >= self.duration_s:
            return 0
        ahead = min(t + self.pool_lead_s, self.duration_s)
        pool = math.ceil(self.pool_headroom * self.modelled_users_at(ahead) * self.scale - 1e-9)
        return max(1, pool if self.max_users is None else min(pool, self.max_users))

    def spawn_rate_at(self, t: float) -> float:
        """Spawn the whole pool within one tick: users wait idle for arrivals, so early is free."""
        return max(MIN_SPAWN_RATE, float(self.users_at(t)) / TICK_S)

    def arrival_knots(self) -> tuple[tuple[float, float], ...]:
        """The simulated arrival rate as (t, sessions/s) knots, piecewise linear."""
        top = self.rate * self.scale
        return ((0.0, top),) if self.ramp == 0 else ((0.0, 0.0), (self.ramp, top))

    def schedule(self, journeys: tuple[tuple[str, float], ...], seed: int) -> ArrivalSchedule:
        """The drill's arrivals: this shape's rate, ``process`` and ``seed``; journeys by session share."""
        return ArrivalSchedule(
            knots=self.arrival_knots(), duration_s=self.duration_s, journeys=journeys,
            process=self.process, seed=seed,
        )  # fmt: skip

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (("ramp", self.ramp), ("steady", self.duration_s))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["open_model"] = True
        out["modelled_arrivals_per_s"] = self.rate
        out["simulated_arrivals_per_s"] = self.rate * self.scale
        out["equivalent_modelled_users"] = self.rate * self.mean_session_s
        return out
