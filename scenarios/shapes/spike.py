"""A spike: a base level, a sudden jump to ``factor`` times it, then back to the base.

The overload drill (``cuaso overload``, docs/overload.md) runs one per load factor: the base is the
users that offer the stack's capacity (1x), the spike multiplies it, and the time after the spike shows
how fast the stack recovers. Like every shape, a pure function of run time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from scenarios.shapes.base import Shape, check_int, check_number, interpolate


@dataclass(frozen=True, kw_only=True)
class Spike(Shape):
    """Ramp to ``users`` over ``ramp_s``, hold for ``before_s``, step to ``factor × users`` for
    ``spike_s``, step back to ``users`` until the end.

    Timeline: ``/‾‾‾|‾‾‾‾|___`` — phases ``ramp``, ``before``, ``spike``, ``after`` (``after`` lasts
    ``duration_s − ramp_s − before_s − spike_s`` and must be positive: recovery is what it measures).
    """

    name: ClassVar[str] = "spike"

    users: int | None = None
    """Modelled users at the base level; None: ``modelled_users / factor`` (the spike then reaches
    ``modelled_users``)."""
    factor: float = 2.0
    """The spike's level as a multiple of the base (assumption: 2x; the overload drill runs 1, 2, 5)."""
    ramp_s: float = 10.0
    """Assumption: ten seconds to start the base users."""
    before_s: float = 30.0
    """Assumption: half a minute at the base level, the reference the spike is compared with."""
    spike_s: float = 60.0
    """Assumption: a one-minute spike, long enough for queues to fill and timeouts to bite."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.users is not None:
            check_int(self.key("users"), self.users, low=1)
        check_number(self.key("factor"), self.factor, low=1.0)
        for key in ("ramp_s", "before_s", "spike_s"):
            check_number(self.key(key), getattr(self, key), low=0.0)
        if self.spike_s <= 0:
            raise ValueError(f"{self.key('spike_s')}: must be > 0, got {self.spike_s!r}")
        busy = self.ramp_s + self.before_s + self.spike_s
        if busy >= self.duration_s:
            raise ValueError(
                f"{self.key('duration_s')}: must be > ramp_s + before_s + spike_s = {busy:g} (the time "
                f"after the spike shows the recovery), got {self.duration_s!r}"
            )

    @property
    def base(self) -> float:
        """Modelled users at the base level."""
        return float(self.users) if self.users is not None else self.modelled_users / self.factor

    @property
    def spike_start_s(self) -> float:
        return self.ramp_s + self.before_s

    @property
    def spike_end_s(self) -> float:
        return self.spike_start_s + self.spike_s

    def modelled_users_at(self, t: float) -> float:
        top = self.base * self.factor
        knots = (
            (0.0, 0.0),
            (self.ramp_s, self.base),
            (self.spike_start_s, self.base),
            (self.spike_start_s, top),
            (self.spike_end_s, top),
            (self.spike_end_s, self.base),
        )
        return interpolate(knots, t)

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        return (
            ("ramp", self.ramp_s),
            ("before", self.spike_start_s),
            ("spike", self.spike_end_s),
            ("after", self.duration_s),
        )
