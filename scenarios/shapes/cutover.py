"""The cutover surges: the day other portals close and their users land on the national portal.

* :class:`Phase1Cutover` — 1 July 2025 (FACTS): the 34 provinces' public-service portals close their user
  interfaces and every citizen reaches the national portal instead ("traffic spikes suddenly from 1 July").
* :class:`Phase2Cutover` — by end of February 2026 (FACTS): the ministry portals close too.

Both follow one timeline (drill seconds; defaults with ``time_compression`` 10, so 600 drill seconds
stand for 100 real minutes)::

    users                      ┌─────────────── plateau = modelled_users
                          ┌───/  growth
                          │ redirect (the redirected users land within redirect_window_s)
             ┌────────────┘  baseline_users
    0 ──────/ warmup
            0   warmup_s      cutover_s   +redirect_window_s   +growth_s          duration_s

The users redirected at the cutover lost their session on the closed portal: those who were logged in
must log in again through the e-ID. :meth:`_Cutover.relogins_by_phase` gives that number for the runner
and the report; ``relogin_share`` defaults to the share of *concurrent* users in logged-in journeys of
the default mix (Little's law per journey, :func:`scenarios.mix.logged_in_concurrent_share`, ~4.5%).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from scenarios.mix import JourneyMix, logged_in_concurrent_share
from scenarios.shapes.base import (
    DESIGNED_CAPACITY,
    HIGHEST_OBSERVED,
    PhaseLogins,
    Shape,
    check_int,
    check_number,
    interpolate,
)

DEFAULT_RELOGIN_SHARE = logged_in_concurrent_share(JourneyMix.default())
"""Derived: share of concurrent users in a logged-in journey in the default mix (~4.5%). Set 1.0 for
the worst case where every redirected user logs in again."""


@dataclass(frozen=True, kw_only=True)
class _Cutover(Shape):
    """Warm up to ``baseline_users``, redirect ``redirected_share × modelled_users`` users within
    ``redirect_window_s`` of ``cutover_s``, grow to ``modelled_users`` over ``growth_s``, then hold."""

    name: ClassVar[str] = "cutover"

    baseline_users: int = HIGHEST_OBSERVED
    """Modelled users on the national portal before the cutover."""
    redirected_share: float = 0.5
    """Share of ``modelled_users`` redirected from the closing portals in the redirect window."""
    duration_s: float = 600.0
    """Assumption: a ten-minute drill (100 real minutes at time_compression 10)."""
    time_compression: float = 10.0
    """Assumption: one drill second stands for 10 real seconds."""
    warmup_s: float = 60.0
    """Assumption: one drill minute from 0 to the baseline (Locust starts from no users)."""
    cutover_s: float = 180.0
    """Drill second at which the closing portals start redirecting (30 real minutes in)."""
    redirect_window_s: float = 30.0
    """Assumption: the redirected users land within 30 drill seconds = 5 real minutes ("a few minutes")."""
    growth_s: float = 90.0
    """Assumption: the rest of the new population arrives over 90 drill seconds (15 real minutes)."""
    relogin_share: float = DEFAULT_RELOGIN_SHARE
    """Share of the redirected users who must log in again (they were logged in on the closed portal)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int(self.key("baseline_users"), self.baseline_users, low=0)
        if self.baseline_users > self.modelled_users:
            raise ValueError(
                f"{self.key('baseline_users')}: must be <= modelled_users={self.modelled_users}, "
                f"got {self.baseline_users!r}"
            )
        check_number(self.key("redirected_share"), self.redirected_share, low=0.0, high=1.0)
        if self.baseline_users + self.redirected_users > self.modelled_users:
            raise ValueError(
                f"{self.key('redirected_share')}: baseline_users + redirected_share × modelled_users "
                f"= {self.baseline_users} + {self.redirected_users} exceeds "
                f"modelled_users={self.modelled_users}, got {self.redirected_share!r}"
            )
        check_number(self.key("warmup_s"), self.warmup_s, low=0.0)
        check_number(self.key("cutover_s"), self.cutover_s, low=self.warmup_s)
        check_number(self.key("redirect_window_s"), self.redirect_window_s, low=0.0, strict=True)
        check_number(self.key("growth_s"), self.growth_s, low=0.0)
        check_number(self.key("relogin_share"), self.relogin_share, low=0.0, high=1.0)
        if self.plateau_start_s > self.duration_s:
            raise ValueError(
                f"{self.key('duration_s')}: must be >= cutover_s + redirect_window_s + growth_s "
                f"= {self.plateau_start_s:g}, got {self.duration_s!r}"
            )

    @property
    def redirected_users(self) -> int:
        """Modelled users redirected from the closing portals in the redirect window."""
        return round(self.redirected_share * self.modelled_users)

    @property
    def plateau_start_s(self) -> float:
        return self.cutover_s + self.redirect_window_s + self.growth_s

    def modelled_users_at(self, t: float) -> float:
        redirected_end = self.cutover_s + self.redirect_window_s
        knots = (
            (0.0, 0.0),
            (self.warmup_s, float(self.baseline_users)),
            (self.cutover_s, float(self.baseline_users)),
            (redirected_end, float(self.baseline_users + self.redirected_users)),
            (self.plateau_start_s, float(self.modelled_users)),
        )
        return interpolate(knots, t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (
            ("warmup", self.warmup_s),
            ("baseline", self.cutover_s),
            ("redirect", self.cutover_s + self.redirect_window_s),
            ("growth", self.plateau_start_s),
            ("plateau", self.duration_s),
        )

    def relogins_by_phase(self) -> tuple[PhaseLogins, ...]:
        """Re-logins per phase: ``relogin_share`` of the redirected users, all in the ``redirect`` phase."""
        modelled = self.redirected_users * self.relogin_share
        return tuple(
            PhaseLogins(p.name, round(modelled), self.simulated(modelled))
            if p.name == "redirect"
            else PhaseLogins(p.name, 0, 0)
            for p in self.phases()
        )


@dataclass(frozen=True, kw_only=True)
class Phase1Cutover(_Cutover):
    """Phase 1, 1 July 2025: the provincial portals close.

    Before: ``baseline_users`` = 50,000 (FACTS: the highest load observed on the national portal before).
    Redirected: ``redirected_share`` = 0.5 of the 120,000 plateau (assumption: 60,000 users of the 34
    provincial portals online at the cutover); the remaining 10,000 arrive during ``growth``. Plateau:
    ``modelled_users`` = 120,000 (FACTS: designed capacity).
    """

    name: ClassVar[str] = "phase1-cutover"

    modelled_users: int = DESIGNED_CAPACITY
    baseline_users: int = HIGHEST_OBSERVED
    redirected_share: float = 0.5
    """Assumption: the provinces' users online at the cutover are half of the post-cutover plateau."""


PHASE2_GROWTH = 1.2
"""Assumption: closing the ministry portals adds 20% to the phase-1 plateau."""


@dataclass(frozen=True, kw_only=True)
class Phase2Cutover(_Cutover):
    """Phase 2, end of February 2026: the ministry portals close, from the phase-1 plateau.

    Before: ``baseline_users`` = 120,000 (the phase-1 plateau, FACTS: designed capacity). Plateau:
    ``modelled_users`` = 144,000 (assumption: ``PHASE2_GROWTH`` = +20%), past the designed capacity on
    purpose: the drill asks what happens then. Redirected: ``redirected_share`` = 0.1 (assumption:
    14,400 users of the ministry portals online at the cutover); the remaining 9,600 arrive in ``growth``.
    """

    name: ClassVar[str] = "phase2-cutover"

    modelled_users: int = round(DESIGNED_CAPACITY * PHASE2_GROWTH)
    baseline_users: int = DESIGNED_CAPACITY
    redirected_share: float = 0.1
    """Assumption: the ministries' users online at the cutover are a tenth of the phase-2 plateau."""
