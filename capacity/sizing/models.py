"""Three independent predictions of the measured node's throughput, built from the same measurements.

* **USL**: :func:`capacity.usl.fit_usl` on every (concurrency, goodput) point.
* **MVA**: an exact MVA network (:class:`capacity.mva.MVAModel`) of the measured machine: one queueing
  tier, its CPU, with as many servers as it has cores (Seidmann's approximation) and the CPU seconds
  per successful request of every process on it (utilization law, median over levels: the portal's
  kinds, Redis, the simulators, and the generator when it shared the machine, as on a local stack),
  plus one delay tier for everything that is not CPU (network, simulated e-ID and database latency),
  calibrated so that the model reproduces the mean latency measured at the lowest level. Its think
  time is the effective one the runs had, Z = N/X − R (response-time law). The processes share the
  cores, so one CPU tier models them better than one tier per process kind would.
* **linear**: ideal linear scaling from the lowest level, X(N) = N · X(N₀)/N₀ (no contention at all).

They agree at low load and drift apart as contention grows; how far apart they are at the operating
point is part of the sizing (:mod:`capacity.sizing.validation`).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from scipy.optimize import brentq

from capacity.mva import MVAModel
from capacity.sizing.inputs import MeasuredProfile
from capacity.usl import USLModel, fit_usl

ModelName = Literal["usl", "mva", "linear"]
MODEL_NAMES: tuple[ModelName, ...] = ("usl", "mva", "linear")

CPU_TIER = "cpu"
"""Name of the MVA queueing tier: the cores of the measured machine."""

DELAY_TIER = "non-cpu delay"
"""Name of the MVA delay tier that stands for all latency that is not CPU service."""


def effective_think_time_s(profile: MeasuredProfile) -> float:
    """The think time the measured users had, per request: median of N/X − R over the levels (≥ 0).

    Derived from the measurements (response-time law), not from what the sweep declared, so that it
    also absorbs the generator's own per-request gaps.
    """
    gaps = [m.users / m.throughput - m.mean_ms / 1000.0 for m in profile.levels]
    return max(0.0, float(statistics.median(gaps)))


def _network(profile: MeasuredProfile, think_s: float, delay_s: float) -> MVAModel:
    # c cores (a CPU quota may give a fraction) as ⌊c⌋ servers, each slower by ⌊c⌋/c: the same capacity.
    cores = profile.reference_cores
    count = max(1, math.floor(cores + 1e-9))
    demands = {CPU_TIER: profile.machine_demand_s() * count / cores, DELAY_TIER: delay_s}
    servers = {CPU_TIER: count}
    return MVAModel(demands, think_time=think_s, delay_tiers={DELAY_TIER}, servers=servers)


def mva_from_profile(profile: MeasuredProfile, think_s: float) -> MVAModel:
    """The MVA network of the measured node, its delay tier calibrated at the lowest level."""
    lowest = profile.distinct_levels[0]
    population = max(1, round(lowest))
    measured = profile.mean_latency_s(lowest)

    def excess(delay_s: float) -> float:
        return _network(profile, think_s, delay_s).response_time_at_concurrency(population) - measured

    delay = 0.0 if excess(0.0) >= 0.0 else float(brentq(excess, 0.0, measured, xtol=1e-9))
    return _network(profile, think_s, delay)


@dataclass(frozen=True)
class Predictors:
    """The three models of one set of measurements; ``throughput(name, n)`` queries any of them."""

    usl: USLModel
    mva: MVAModel
    linear_slope: float
    think_time_s: float

    def throughput(self, model: ModelName, n: float) -> float:
        """Predicted goodput of the measured node at concurrency ``n`` (MVA rounds n to whole users)."""
        if model == "usl":
            return self.usl.throughput_at_concurrency(n)
        if model == "mva":
            return self.mva.throughput_at_concurrency(max(1, round(n)))
        return self.linear_slope * n


def build_predictors(profile: MeasuredProfile) -> Predictors:
    """Fit the USL, build the MVA network and the linear baseline from ``profile``."""
    model = fit_usl(profile.concurrency, profile.throughput)
    think = effective_think_time_s(profile)
    lowest = profile.distinct_levels[0]
    return Predictors(
        usl=model,
        mva=mva_from_profile(profile, think),
        linear_slope=profile.level_throughput(lowest) / lowest,
        think_time_s=think,
    )


@dataclass(frozen=True)
class MVACurve:
    """An MVA network seen as a throughput curve over any concurrency (linear between whole users), so that
    the operating point and the node counts can rest on it as on the USL. It never turns down: its peak
    is at infinity (an operating point on it is bounded by the SLO or the measured range)."""

    mva: MVAModel

    @property
    def peak_concurrency(self) -> float:
        return math.inf

    def throughput_at_concurrency(self, n: float) -> float:
        return float(self.throughputs(np.array([float(n)]))[0])

    def throughputs(self, n: np.ndarray) -> np.ndarray:
        top = max(1, math.ceil(float(np.max(n)) - 1e-9)) if np.size(n) else 1
        xs = np.array([0.0] + [r.throughput for r in self.mva.curve(top)])
        return np.asarray(np.interp(np.asarray(n, dtype=np.float64), np.arange(top + 1.0), xs))


def mva_bootstrap(profile: MeasuredProfile, n: float, n_samples: int, seed: int) -> np.ndarray:
    """Goodput at concurrency ``n`` of MVA networks built from the windows resampled within each level
    (with replacement, as many as the level has): the spread between repeats, as the MVA sees it."""
    rng = np.random.default_rng(seed)
    groups = [[m for m in profile.levels if m.users == level] for level in profile.distinct_levels]
    values = []
    for _ in range(n_samples):
        levels = tuple(g[int(i)] for g in groups for i in rng.integers(0, len(g), size=len(g)))
        sample = replace(profile, levels=levels)
        values.append(
            MVACurve(mva_from_profile(sample, effective_think_time_s(sample))).throughput_at_concurrency(n)
        )
    return np.array(values, dtype=np.float64)
