"""The scale-out check: does capacity grow with cores the way the sizing assumes?

A sizing multiplies the measured node's capacity by node cores / measured cores. This module checks
that step on measurements instead of assuming it: sweeps of the same stack confined to several CPU
allotments (e.g. a quarter, a half and one core, ``cuaso sweep --sut-cores``), each giving a capacity:
the mean goodput of its *saturated* windows (those that kept at least ``SATURATED_SHARE`` of the allotment
busy, :attr:`MeasuredProfile.saturated_levels`; the highest level mean when none did). A mean over the
saturated windows, rather than the highest of the level means, compares like with like: the highest of
six noisy level means (a one-core sweep) sits higher above the truth than the highest of two (a
quarter-core sweep), a bias that read as better-than-linear scaling.

The capacities of the smaller allotments then give capacity = slope × (cores − background), and the
largest allotment's capacity is predicted from that line; the relative error of the prediction is
reported beside the held-out-concurrency error, and the check *held* when it is within the tolerance.

The *background* is the CPU the stack spends whatever its load (timers, Redis' cron, the forwarders'
polling, the scrapes): ~0.03 core measured idle on this machine, an eighth of a quarter-core allotment
and a thirtieth of one core, so a line through the origin (background 0) under-predicts the largest
allotment. It is measured, not fitted: each sweep starts with a window without users (``cuaso sweep
--idle``, phase ``idle``), and the background is the mean of the allotments' idle CPU; the slope is then
fitted by least squares through (cores − background). Fitted from two noisy allotments instead, the
intercept would swing the prediction by three times their noise. Sweeps without an idle window fall back
to fitting slope and background together. The sizing scales the measured node with the same line: a
node of C cores carries (C − background) / (measured cores − background) times the measured node
(:meth:`ScaleOutCheck.core_scale`; without the check, C / measured cores).

Beyond the largest allotment checked, the core scaling is an extrapolation; :attr:`ScaleOutCheck.
extrapolation` gives its factor for a node of a given size.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from capacity.exceptions import ModelError, TooFewPointsError
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
    background_cores: float
    predicted_rps: float
    tolerance: float
    background_measured: bool = True  # False: fitted with the slope (no sweep had an idle window)

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

    def core_scale(self, node_cores: float, reference_cores: float) -> float:
        """What a node of ``node_cores`` carries next to the measured ``reference_cores`` (see the module
        doc): (node − background) / (reference − background), proportional when the fitted background
        is negative or not below the reference."""
        background = self.background_cores if 0.0 <= self.background_cores < reference_cores else 0.0
        return (node_cores - background) / (reference_cores - background)


def capacity_of(profile: MeasuredProfile) -> AllotmentCapacity:
    """The mean goodput of one allotment's saturated windows, or its highest level mean when none was
    saturated (see the module doc); ``concurrency`` is the highest level averaged."""
    saturated = profile.saturated_levels
    if saturated:
        return AllotmentCapacity(
            source=", ".join(profile.sources),
            cores=float(profile.reference_cores),
            concurrency=max(m.users for m in saturated),
            capacity_rps=statistics.fmean(m.throughput for m in saturated),
        )
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
    idle = [p.idle_cores for p in profiles if p.idle_cores is not None]
    measured = bool(idle) and statistics.fmean(idle) < distinct[0]
    if measured:
        background = statistics.fmean(idle)
        slope = _slope(training, background)
    else:
        slope, background = _line(training)
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
        background_cores=background,
        predicted_rps=slope * (largest - background),
        tolerance=tolerance,
        background_measured=measured,
    )


def _slope(points: Sequence[AllotmentCapacity], background: float) -> float:
    """Least squares of capacity = slope × (cores − background) for a measured background."""
    usable = [(p.cores - background, p.capacity_rps) for p in points]
    return sum(x * y for x, y in usable) / sum(x * x for x, _ in usable)


def _line(points: Sequence[AllotmentCapacity]) -> tuple[float, float]:
    """(slope, background) of capacity = slope × (cores − background), least squares (exact on two
    allotments); a refusal, naming the capacities, when they do not grow with the cores."""
    fit = statistics.linear_regression([p.cores for p in points], [p.capacity_rps for p in points])
    if not fit.slope > 0:
        shown = ", ".join(f"{p.cores:g} core(s) {p.capacity_rps:.0f} req/s" for p in points)
        raise ModelError(f"scale_out: capacity does not grow with the cores ({shown}); nothing to predict")
    return fit.slope, -fit.intercept / fit.slope
