"""Any closed shape played as an open model (``cuaso drill SCENARIO --open``).

:class:`OpenVariant` wraps a closed shape (a cutover, an office day, a spike, ...): where the closed
shape holds N(t) users, the open variant lets sessions *arrive* at λ(t) = N(t) / S (Little's law, S the
drill mix's mean session length), so the crowd the shape describes keeps arriving whatever the portal
does; a slow portal then piles sessions up instead of slowing the arrivals, as on 1 July 2025. The rate
is sampled once a drill second and at each phase boundary (a step stays a step) into the knots of an
:class:`~scenarios.shapes.schedule.ArrivalSchedule`. Phases and re-logins are the closed shape's; Locust
holds a pool (k6's preAllocatedVUs) of ``pool_headroom`` × the users the closed shape peaks at so far,
``pool_lead_s`` ahead, at most ``max_users``. Pure; no Locust import.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cached_property
from typing import Any, ClassVar

from scenarios.shapes.base import MIN_SPAWN_RATE, TICK_S, PhaseLogins, Shape, check_int, check_number
from scenarios.shapes.schedule import PROCESSES, ArrivalSchedule
from scenarios.shapes.steady import DEFAULT_MEAN_SESSION_S, DEFAULT_PROCESS, POOL_HEADROOM, POOL_LEAD_S

OPEN_PARAMS = ("mean_session_s", "process", "pool_headroom", "pool_lead_s", "max_users")
"""The open model's own parameters (the rest are the closed shape's)."""


@dataclass(frozen=True, kw_only=True)
class OpenVariant(Shape):
    """See the module docstring; build with :meth:`of`."""

    name: ClassVar[str] = "open"

    closed: Shape
    mean_session_s: float = DEFAULT_MEAN_SESSION_S
    process: str = DEFAULT_PROCESS
    pool_headroom: float = POOL_HEADROOM
    pool_lead_s: float = POOL_LEAD_S
    max_users: int | None = None

    @classmethod
    def of(cls, closed: Shape, **open_params: Any) -> OpenVariant:
        """``closed`` played open; ``open_params`` among :data:`OPEN_PARAMS`."""
        unknown = sorted(set(open_params) - set(OPEN_PARAMS))
        if unknown:
            raise ValueError(f"open.{unknown[0]}: unknown parameter; known: {', '.join(OPEN_PARAMS)}")
        return cls(
            closed=closed, modelled_users=closed.modelled_users, scale=closed.scale,
            duration_s=closed.duration_s, time_compression=closed.time_compression, **open_params,
        )  # fmt: skip

    def __post_init__(self) -> None:
        super().__post_init__()
        if isinstance(self.closed, OpenVariant) or hasattr(self.closed, "schedule"):
            raise ValueError(f"open.closed: {self.closed.name} is already an open model")
        if self.duration_s != self.closed.duration_s or self.scale != self.closed.scale:
            raise ValueError("open.closed: duration_s and scale must be the closed shape's (OpenVariant.of)")
        check_number(self.key("mean_session_s"), self.mean_session_s, low=0.0, strict=True)
        if self.process not in PROCESSES:
            known = ", ".join(PROCESSES)
            raise ValueError(f"{self.key('process')}: must be one of {known}, got {self.process!r}")
        check_number(self.key("pool_headroom"), self.pool_headroom, low=1.0)
        check_number(self.key("pool_lead_s"), self.pool_lead_s, low=0.0)
        if self.max_users is not None:
            check_int(self.key("max_users"), self.max_users, low=1)

    # --- the closed shape's crowd, as arrivals ---------------------------------------------------------

    def modelled_users_at(self, t: float) -> float:
        """The modelled users the closed shape holds at ``t`` (= λ(t)·S online in the open model)."""
        return self.closed.modelled_users_at(t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return tuple((p.name, p.end_s) for p in self.closed.phases())

    def relogins_by_phase(self) -> tuple[PhaseLogins, ...]:
        return self.closed.relogins_by_phase()

    def arrivals_at(self, t: float) -> float:
        """Simulated sessions per second at ``t``: the closed shape's users / S; 0 from the end on."""
        if self._check_t(t) >= self.duration_s:
            return 0.0
        return self.modelled_users_at(t) * self.scale / self.mean_session_s

    @cached_property
    def _instants(self) -> tuple[float, ...]:
        """Once a second, and on both sides of every phase boundary (so that a step stays a step)."""
        points = {float(s) for s in range(math.ceil(self.duration_s))}
        for phase in self.closed.phases()[1:]:
            points |= {phase.start_s, max(0.0, phase.start_s - 1e-6)}
        return tuple(sorted(p for p in points if p < self.duration_s))

    def arrival_knots(self) -> tuple[tuple[float, float], ...]:
        return tuple((t, self.arrivals_at(t)) for t in self._instants)

    def schedule(self, journeys: tuple[tuple[str, float], ...], seed: int) -> ArrivalSchedule:
        return ArrivalSchedule(
            knots=self.arrival_knots(), duration_s=self.duration_s, journeys=journeys,
            process=self.process, seed=seed,
        )  # fmt: skip

    # --- the pool ----------------------------------------------------------------------------------------

    @cached_property
    def _peak_so_far(self) -> tuple[tuple[float, float], ...]:
        """(instant, the most modelled users the closed shape held up to it)."""
        out: list[tuple[float, float]] = []
        top = 0.0
        for t in self._instants:
            top = max(top, self.modelled_users_at(t))
            out.append((t, top))
        return tuple(out)

    def users_at(self, t: float) -> int:
        """The pool: headroom × the closed shape's peak users up to ``t + pool_lead_s`` (never shrinks,
        so no session is cut), at least 1, at most ``max_users``."""
        if self._check_t(t) >= self.duration_s:
            return 0
        ahead = t + self.pool_lead_s
        top = max((users for at, users in self._peak_so_far if at <= ahead), default=0.0)
        pool = math.ceil(self.pool_headroom * top * self.scale - 1e-9)
        return max(1, pool if self.max_users is None else min(pool, self.max_users))

    def spawn_rate_at(self, t: float) -> float:
        """Spawn what the pool needs within one tick: users wait idle for arrivals, so early is free."""
        return max(MIN_SPAWN_RATE, float(self.users_at(t)) / TICK_S)

    def params(self) -> dict[str, Any]:
        out = self.closed.params()
        out.update({f.name: getattr(self, f.name) for f in fields(self) if f.name in OPEN_PARAMS})
        return out

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["shape"] = self.closed.name
        out["open_model"] = True
        return out
