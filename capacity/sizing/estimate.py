"""Node counts with their uncertainty: on the point estimate of the capacity model and on its draws.

USL basis: draws of (λ, σ, κ) from the fit's covariance and USL refits bootstrapped over the repeats
(:mod:`capacity.usl_bootstrap`), pooled. MVA basis: MVA networks rebuilt from the windows resampled
within each level (:func:`capacity.sizing.models.mva_bootstrap`). P50 and P90 are nearest-rank quantiles
of the pooled node counts; :class:`Uncertainty` keeps each source's own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capacity.sizing.app import OperatingPoint, TargetLoad, nearest_rank
from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.models import MVACurve, Predictors, mva_bootstrap
from capacity.sizing.params import SizingParameters
from capacity.usl_bootstrap import bootstrap_usl


@dataclass(frozen=True)
class Uncertainty:
    """P50/P90 base node counts from each source of uncertainty alone, and how the pooled ones were made.

    ``covariance``: draws of (λ, σ, κ) from the fit's covariance; ``bootstrap``: USL refits to the
    measurements resampled between repeats (or residuals, :mod:`capacity.usl_bootstrap`); the sizing's
    P50/P90 are quantiles of both sets of draws pooled, so noisy repeats widen them.
    """

    covariance_p50: int | None
    covariance_p90: int | None
    bootstrap_p50: int | None
    bootstrap_p90: int | None
    bootstrap_method: str | None
    bootstrap_draws: int


class NodeEstimator:
    """Node counts for a planned request rate on the point estimate and on every draw of the curve.

    USL basis: draws from the fit's covariance and USL refits bootstrapped over the repeats, pooled. MVA
    basis: MVA networks rebuilt from the windows resampled within each level (the spread between
    repeats; MVA has no fitted covariance)."""

    def __init__(
        self,
        predictors: Predictors,
        profile: MeasuredProfile,
        point: OperatingPoint,
        load: TargetLoad,
        params: SizingParameters,
    ):
        n = point.concurrency
        self.usable = params.max_utilization * load.core_scale
        self.cov_capacity = np.empty(0)
        self.boot_capacity = np.empty(0)
        self.method: str | None = None
        usl = predictors.usl
        if params.capacity_model == "mva":
            self.point_capacity = MVACurve(predictors.mva).throughput_at_concurrency(n)
            if params.bootstrap_samples > 0:
                self.boot_capacity = mva_bootstrap(profile, n, params.bootstrap_samples, params.seed)
                self.method = "repeats (MVA rebuilt)"
            return
        self.point_capacity = usl.throughput_at_concurrency(n)
        draws = usl.sample_parameters(params.samples, seed=params.seed)
        self.cov_capacity = np.array([d.throughput_at_concurrency(n) for d in draws])
        if params.bootstrap_samples > 0:
            boot = bootstrap_usl(usl.concurrency, usl.throughput, params.bootstrap_samples, params.seed)
            self.boot_capacity = boot.throughputs_at(n)
            self.method = boot.method

    def _needed(self, requests_per_s: float, capacity: np.ndarray | float) -> list[int]:
        counts = np.maximum(1, np.ceil(requests_per_s / (np.asarray(capacity) * self.usable) - 1e-12))
        return [int(v) for v in np.atleast_1d(counts)]

    def counts(self, requests_per_s: float) -> tuple[int, int, int]:
        point = self._needed(requests_per_s, self.point_capacity)[0]
        draws = np.concatenate([self.cov_capacity, self.boot_capacity])
        pooled = self._needed(requests_per_s, draws) if draws.size else [point]
        return point, nearest_rank(pooled, 0.5), nearest_rank(pooled, 0.9)

    def uncertainty(self, requests_per_s: float) -> Uncertainty:
        cov = self._needed(requests_per_s, self.cov_capacity) if self.cov_capacity.size else []
        boot = self._needed(requests_per_s, self.boot_capacity) if self.boot_capacity.size else []
        return Uncertainty(
            covariance_p50=nearest_rank(cov, 0.5) if cov else None,
            covariance_p90=nearest_rank(cov, 0.9) if cov else None,
            bootstrap_p50=nearest_rank(boot, 0.5) if boot else None,
            bootstrap_p90=nearest_rank(boot, 0.9) if boot else None,
            bootstrap_method=self.method,
            bootstrap_draws=len(boot),
        )
