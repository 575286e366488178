"""Exponential backoff with full jitter, from a seeded random source.

The ``attempt``-th retry (1 = the first retry after the first failure) waits a uniform random time in
``[0, min(max_s, base_s * 2 ** (attempt - 1))]`` ("full jitter"): retries of many deliveries that failed
together spread out instead of returning in lockstep, which is what lets a back-office system that comes
back from an outage recover instead of being knocked over again by the queued retries.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

MAX_EXPONENT = 30
"""Doubling stops here (2**30 times base_s is already far above any sane cap)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Retry delays: ``base_s`` doubling per attempt up to ``max_s``, full jitter."""

    base_s: float
    max_s: float

    def __post_init__(self) -> None:
        for key in ("base_s", "max_s"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{key}: need a finite number, got {value!r}")
            if value <= 0:
                raise ValueError(f"{key}: need > 0, got {value!r}")
        if self.max_s < self.base_s:
            raise ValueError(f"max_s: need >= base_s={self.base_s!r}, got {self.max_s!r}")

    def ceiling_s(self, attempt: int) -> float:
        """The longest wait before retry number ``attempt`` (>= 1)."""
        if attempt < 1:
            raise ValueError(f"attempt: need >= 1, got {attempt!r}")
        return min(self.max_s, math.ldexp(self.base_s, min(attempt - 1, MAX_EXPONENT)))

    def delay_s(self, attempt: int, rng: random.Random) -> float:
        """The wait before retry number ``attempt``: uniform in ``[0, ceiling_s(attempt)]``."""
        return rng.uniform(0.0, self.ceiling_s(attempt))
