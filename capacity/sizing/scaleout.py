"""The scale-out check: does capacity grow with cores the way the sizing assumes?

A sizing multiplies the measured node's capacity by node cores / measured cores. This module checks
that step on measurements instead of assuming it: sweeps of the same stack confined to several CPU
allotments (e.g. a quarter, a half and one core, ``cuaso sweep --sut-cores``), each giving a capacity
(the highest mean goodput over its levels' repeats). The capacities of the smaller allotments are fitted
with capacity = slope × cores (least squares through the origin: the sizing's own assumption), and the
largest allotment's capacity is predicted from them; the relative error of that prediction is reported
beside the held-out-concurrency error, and the check *held* when it is within the tolerance.

Beyond the largest allotment checked, the core scaling is an extrapolation; :attr:`ScaleOutCheck.
extrapolation` gives its factor for a node of a given size.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from capacity.exceptions import TooFewPointsError
from capacity.sizing.inputs import MeasuredProfile

MIN_ALLOTMENTS = 3
"""Two allotments to fit the slope from, one to predict."""


@dataclass(frozen=True)
class AllotmentCapacity:
    """One allotment: its cores, the level where goodput peaked, and that goodput."""

    source: str
    cores: float
    concurrency: float
    capacity_rps: float


@dataclass(frozen=True)
class ScaleOutCheck:
    points: tuple[AllotmentCapacity, ...]
    slope_rps_per_core: float
    predicted_rps: float
    tolerance: float

    @property
    def largest(self) -> AllotmentCapacity:
        return self.points[-1]

    @property
    def error(self) -> float:
        """(predicted − measured) / measured at the largest allotment."""
        return (self.predicted_rps - self.largest.capacity_rps) / self.largest.capacity_rps

    @property
    def held(self) -> bool:
        return abs(self.error) <= self.tolerance

    def extrapolation(self, node_cores: float) -> float:
        """How far a node of ``node_cores`` lies beyond the largest allotment checked (× cores)."""
        return node_cores / self.largest.cores


def capacity_of(profile: MeasuredProfile) -> AllotmentCapacity:
    """The highest mean goodput over the levels of one allotment's sweep (repeats averaged)."""
    best = max(profile.distinct_levels, key=profile.level_throughput)
    return AllotmentCapacity(
        source=", ".join(profile.sources),
        cores=float(profile.reference_cores),
        concurrency=best,
        capacity_rps=profile.level_throughput(best),
    )


def scale_out_check(profiles: Sequence[MeasuredProfile], tolerance: float) -> ScaleOutCheck:
    """Fit capacity ∝ cores on all allotments but the largest, predict the largest (see the module doc)."""
    points = sorted((capacity_of(p) for p in profiles), key=lambda c: c.cores)
    distinct = sorted({p.cores for p in points})
    if len(distinct) < MIN_ALLOTMENTS:
        raise TooFewPointsError(
            f"scale_out: sweeps at {len(distinct)} distinct CPU allotment(s) {distinct}; need at least "
            f"{MIN_ALLOTMENTS} (e.g. --sut-cores 0.25, 0.5 and 1) to predict the largest from the others"
        )
    largest = distinct[-1]
    training = [p for p in points if p.cores < largest]
    slope = sum(p.cores * p.capacity_rps for p in training) / sum(p.cores**2 for p in training)
    top = [p for p in points if p.cores == largest]
    merged = AllotmentCapacity(
        source=", ".join(p.source for p in top),
        cores=largest,
        concurrency=top[0].concurrency,
        capacity_rps=statistics.fmean(p.capacity_rps for p in top),
    )
    return ScaleOutCheck(
        points=(*training, merged),
        slope_rps_per_core=slope,
        predicted_rps=slope * largest,
        tolerance=tolerance,
    )
