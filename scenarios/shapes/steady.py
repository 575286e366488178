"""Flat shapes: a ramp then a level held — closed (:class:`Steady`, :class:`Soak`) or open
(:class:`ArrivalShape`, set in arrivals per second and converted to users by Little's law).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from scenarios.mix import JourneyMix, mean_session_s
from scenarios.shapes.base import Shape, check_int, check_number, interpolate

SOAK_FRACTION = 0.7
"""Assumption: a soak holds 70% of the modelled population — busy but below the knee — for hours."""

DEFAULT_MEAN_SESSION_S = mean_session_s(JourneyMix.default())
"""Derived: the mean session length (s) of the default journey mix (~97 s), for Little's law."""


@dataclass(frozen=True, kw_only=True)
class Steady(Shape):
    """Ramp linearly from 0 to ``users`` modelled users over ``ramp_s``, then hold until the end.

    Timeline: ``/‾‾‾‾‾‾‾‾`` — phases ``ramp`` [0, ramp_s), ``steady`` [ramp_s, duration_s).
    """

    name: ClassVar[str] = "steady"
    _level_fraction: ClassVar[float] = 1.0
    _hold_phase: ClassVar[str] = "steady"

    users: int | None = None
    """Modelled users held; None means ``modelled_users`` (× the class's level fraction)."""
    ramp_s: float = 60.0
    """Assumption: one minute of ramp, long enough for Locust to spawn without bursts."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.users is not None:
            check_int(self.key("users"), self.users, low=1)
        check_number(self.key("ramp_s"), self.ramp_s, low=0.0)
        if self.ramp_s >= self.duration_s:
            raise ValueError(
                f"{self.key('ramp_s')}: must be < duration_s={self.duration_s:g}, got {self.ramp_s!r}"
            )

    @property
    def level(self) -> float:
        """Modelled users held after the ramp."""
        return float(self.users) if self.users is not None else self.modelled_users * self._level_fraction

    def modelled_users_at(self, t: float) -> float:
        return interpolate(((0.0, 0.0), (self.ramp_s, self.level)), t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (("ramp", self.ramp_s), (self._hold_phase, self.duration_s))


@dataclass(frozen=True, kw_only=True)
class Soak(Steady):
    """A long steady load to find leaks and slow drifts: by default 70% of the modelled population
    (``SOAK_FRACTION``, assumption) for four hours in real time.

    Timeline: ``/‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾‾`` — phases ``ramp``, ``soak``.
    """

    name: ClassVar[str] = "soak"
    _level_fraction: ClassVar[float] = SOAK_FRACTION
    _hold_phase: ClassVar[str] = "soak"

    duration_s: float = 14_400.0
    """Assumption: four hours; leaks and cache growth show over hours, not minutes."""
    ramp_s: float = 600.0
    """Assumption: ten minutes of ramp."""


@dataclass(frozen=True, kw_only=True)
class ArrivalShape(Shape):
    """Open model: sessions *arrive* at a rate (ramped linearly over ``ramp_s``, then held), and the
    users they keep online follow from Little's law N = λ·R with ``mean_session_s``.

    Both are reported: :meth:`arrivals_at` (simulated sessions/s, what an open-model runner starts) and
    :meth:`users_at` (the equivalent simulated concurrent users, what a closed Locust run holds).
    Timeline: ``/‾‾‾‾‾‾‾‾`` — phases ``ramp``, ``steady``.
    """

    name: ClassVar[str] = "arrivals"

    arrivals_per_s: float | None = None
    """Modelled sessions per second held; None means the rate that keeps ``modelled_users`` online
    (Little's law). FACTS: the portal's life-time average is ~42 visits/s (7.3e9 visits / ~2,030 days)."""
    ramp_s: float = 60.0
    """Assumption: one minute of ramp."""
    mean_session_s: float = DEFAULT_MEAN_SESSION_S
    """Mean session length (s); derived from the default journey mix."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.arrivals_per_s is not None:
            check_number(self.key("arrivals_per_s"), self.arrivals_per_s, low=0.0, strict=True)
        check_number(self.key("ramp_s"), self.ramp_s, low=0.0)
        check_number(self.key("mean_session_s"), self.mean_session_s, low=0.0, strict=True)
        if self.ramp_s >= self.duration_s:
            raise ValueError(
                f"{self.key('ramp_s')}: must be < duration_s={self.duration_s:g}, got {self.ramp_s!r}"
            )

    @property
    def rate(self) -> float:
        """Modelled sessions per second held after the ramp."""
        if self.arrivals_per_s is not None:
            return float(self.arrivals_per_s)
        return self.modelled_users / self.mean_session_s  # Little's law N = λ·R, for λ

    def modelled_arrivals_at(self, t: float) -> float:
        """Modelled sessions per second at drill time ``t``."""
        return interpolate(((0.0, 0.0), (self.ramp_s, self.rate)), t)

    def arrivals_at(self, t: float) -> float:
        """Simulated sessions per second at ``t`` (modelled × scale); 0 from ``duration_s`` on."""
        if self._check_t(t) >= self.duration_s:
            return 0.0
        return self.modelled_arrivals_at(t) * self.scale

    def modelled_users_at(self, t: float) -> float:
        return self.modelled_arrivals_at(t) * self.mean_session_s  # Little's law N = λ·R

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (("ramp", self.ramp_s), ("steady", self.duration_s))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["modelled_arrivals_per_s"] = self.rate
        out["simulated_arrivals_per_s"] = self.rate * self.scale
        out["equivalent_modelled_users"] = self.rate * self.mean_session_s
        return out
