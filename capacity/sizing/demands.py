"""Service demands per tier, and the measured curve beside what MVA and the USL make of it.

* **Demands** (utilization law, D = B/C): CPU seconds per successful request of each process kind of
  the system under test, the median over the levels. They hold under contention where raw throughput
  does not: a level that lost cores to a neighbour serves fewer requests *and* uses fewer CPU seconds.
  All kinds share the measured node's cores, so the demand bound on throughput is cores / ΣD; the kind
  with the largest demand is the bottleneck.
* **Curve**: at every measured level, the mean goodput of its repeats, their spread (coefficient of
  variation: each level's own noise), and the goodput the USL and the MVA network predict there. Where
  the two models differ from each other by more than the tolerance, the curve says so: one of them
  does not describe the node there.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.models import Predictors


@dataclass(frozen=True)
class TierDemand:
    """One process kind: CPU seconds per request and its share of the node's total demand."""

    kind: str
    demand_s: float
    share: float


@dataclass(frozen=True)
class Demands:
    """The per-tier demands of the measured node and the throughput bound they set."""

    tiers: tuple[TierDemand, ...]
    cores: float

    @property
    def total_s(self) -> float:
        return sum(t.demand_s for t in self.tiers)

    @property
    def bottleneck(self) -> str:
        return max(self.tiers, key=lambda t: t.demand_s).kind if self.tiers else ""

    @property
    def max_throughput(self) -> float:
        """Requests/s at which the node's cores are fully busy: cores / ΣD (the demand bound)."""
        return self.cores / self.total_s if self.total_s > 0 else float("inf")


def demands(profile: MeasuredProfile) -> Demands:
    """Median CPU seconds per request of each measured kind, largest first."""
    medians = {k: profile.demand_s(k) for k in profile.kinds}
    total = sum(medians.values())
    tiers = tuple(
        TierDemand(kind, d, d / total if total > 0 else 0.0)
        for kind, d in sorted(medians.items(), key=lambda item: (-item[1], item[0]))
    )
    return Demands(tiers=tiers, cores=profile.reference_cores)


@dataclass(frozen=True)
class CurvePoint:
    """One measured level beside the models: goodput, its noise between repeats, USL and MVA."""

    concurrency: float
    repeats: int
    measured: float
    spread: float  # coefficient of variation between the repeats (0 with one repeat)
    usl: float
    mva: float
    disagree: bool  # |USL − MVA| / measured > tolerance

    def error(self, model: str) -> float:
        return ((self.usl if model == "usl" else self.mva) - self.measured) / self.measured


def curve(profile: MeasuredProfile, predictors: Predictors, tolerance: float) -> tuple[CurvePoint, ...]:
    """The comparison at every measured level (see the module doc)."""
    points = []
    for n in profile.distinct_levels:
        values = [m.throughput for m in profile.levels if m.users == n]
        mean = statistics.fmean(values)
        spread = statistics.stdev(values) / mean if len(values) > 1 and mean > 0 else 0.0
        usl = predictors.throughput("usl", n)
        mva = predictors.throughput("mva", n)
        points.append(CurvePoint(n, len(values), mean, spread, usl, mva, abs(usl - mva) / mean > tolerance))
    return tuple(points)
