"""The Universal Scalability Law (Gunther, *Guerrilla Capacity Planning*, Springer 2007, ch. 4-6).

    X(N) = λN / (1 + σ(N−1) + κN(N−1))

λ is the throughput of one unit of concurrency (the slope at the origin), σ the contention (queueing on
a shared resource: Amdahl's serial fraction) and κ the coherency delay (pairwise crosstalk, which makes
throughput go retrograde past the peak). This module has two values, in the style of usl4j:

* :class:`USLParameters`: a curve with known coefficients and the queries a sizing asks of it
  (``throughput_at_concurrency``, ``concurrency_at_throughput``, ``peak_concurrency``,
  ``nodes_for_throughput``, ...);
* :class:`USLModel`: a curve fitted to measurements (:meth:`USLModel.fit`, :func:`fit_usl`), with the
  fit's standard errors, covariance and quality, confidence intervals, a throughput band, and draws of
  the parameters from their covariance, so that a sizing can report P50/P90 node counts.

The parameterisation is the three-coefficient one of the R package ``usl`` ≥ 2.0 (its ``gamma`` is our
λ, its ``alpha``/``beta`` our σ/κ); no normalisation by X(1) is needed or done.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from capacity._usl_fit import (
    KAPPA_MAX,
    SIGMA_MAX,
    FloatArray,
    fit_least_squares,
    usl_gradient,
    validated_points,
)
from capacity._usl_fit import MIN_LEVELS as MIN_LEVELS
from capacity._usl_fit import MIN_POINTS as MIN_POINTS
from capacity._validate import finite, positive, probability
from capacity.exceptions import ModelError, UnreachableError

PARAMETER_NAMES: tuple[str, str, str] = ("lambda", "sigma", "kappa")

Covariance = tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


@dataclass(frozen=True)
class USLParameters:
    """A USL curve with known coefficients: λ > 0, 0 ≤ σ ≤ 1, κ ≥ 0."""

    lambda_: float
    sigma: float
    kappa: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "lambda_", positive("lambda", self.lambda_))
        object.__setattr__(self, "sigma", probability("sigma", self.sigma, open_interval=False))
        kappa = finite("kappa", self.kappa)
        if kappa < 0:
            raise ModelError(f"kappa: must be >= 0, got {self.kappa!r}")
        object.__setattr__(self, "kappa", kappa)

    # --- the curve -----------------------------------------------------------------------------------

    def throughput_at_concurrency(self, n: float) -> float:
        """X(n): throughput at concurrency n > 0 (requests in flight, users, threads, processors)."""
        users = positive("n", n)
        return self.lambda_ * users / (1.0 + self.sigma * (users - 1.0) + self.kappa * users * (users - 1.0))

    def throughputs(self, concurrency: Sequence[float] | FloatArray) -> FloatArray:
        """X(n) for many n at once (for plots and sampling); every n must be > 0."""
        n = np.asarray(concurrency, dtype=np.float64)
        if n.size and (not np.all(np.isfinite(n)) or n.min() <= 0):
            raise ModelError(f"concurrency: every value must be finite and > 0, got {n.tolist()!r}")
        result: FloatArray = self.lambda_ * n / (1.0 + self.sigma * (n - 1.0) + self.kappa * n * (n - 1.0))
        return result

    def latency_at_concurrency(self, n: float, think_time: float = 0.0) -> float:
        """Mean response time at concurrency n: R = n/X(n) − Z (Little's law; Z = think time, seconds).

        With Z = 0 (an open system, or a closed one measured without think time) this is n/X(n).
        """
        z = finite("think_time", think_time)
        if z < 0:
            raise ModelError(f"think_time: must be >= 0, got {think_time!r}")
        latency = n / self.throughput_at_concurrency(n) - z
        if latency < 0:
            raise ModelError(
                f"think_time: {think_time!r} s exceeds the cycle time n/X(n) = {latency + z:.6g} s at n={n!r}"
            )
        return latency

    @property
    def peak_concurrency(self) -> float:
        """N at which X(N) peaks: sqrt((1−σ)/κ); ∞ when κ = 0; at least 1, where the curve starts."""
        if self.kappa == 0.0:
            return math.inf if self.sigma < 1.0 else 1.0
        return max(1.0, math.sqrt((1.0 - self.sigma) / self.kappa))

    @property
    def max_throughput(self) -> float:
        """The highest throughput the curve reaches: X(peak), or the asymptote λ/σ when κ = 0."""
        peak = self.peak_concurrency
        if math.isinf(peak):
            return math.inf if self.sigma == 0.0 else self.lambda_ / self.sigma
        return self.throughput_at_concurrency(peak)

    def concurrency_at_throughput(self, x: float) -> float:
        """The smallest concurrency n at which the curve reaches throughput x.

        Solves x·(1 + σ(n−1) + κn(n−1)) = λn, i.e. xκ·n² + (xσ − xκ − λ)·n + x(1−σ) = 0, for its smaller
        positive root. Raises :class:`UnreachableError` when x exceeds :attr:`max_throughput`.
        """
        target = positive("x", x)
        if target > self.max_throughput:
            raise UnreachableError(
                f"x: {x!r} exceeds the curve's maximum throughput {self.max_throughput:.6g} "
                f"(reached at concurrency {self.peak_concurrency:.6g})"
            )
        a = target * self.kappa
        b = target * self.sigma - target * self.kappa - self.lambda_
        c = target * (1.0 - self.sigma)
        if a == 0.0:
            return -c / b
        discriminant = max(0.0, b * b - 4.0 * a * c)
        # Smaller root in the cancellation-free form 2c / (−b + sqrt(Δ)) (b < 0 here).
        return 2.0 * c / (-b + math.sqrt(discriminant))

    def nodes_for_throughput(
        self, target_throughput: float, concurrency_per_node: float, headroom: float
    ) -> int:
        """Nodes of this shape that carry ``target_throughput`` when each runs ``concurrency_per_node``
        and may be loaded to only ``headroom`` (0 < headroom ≤ 1) of its throughput at that concurrency.

        nodes = ceil(target / (X(n_per_node) · headroom)): the sizing rule for horizontally scaled,
        stateless app nodes each following this curve.
        """
        target = positive("target_throughput", target_throughput)
        share = finite("headroom", headroom)
        if not 0.0 < share <= 1.0:
            raise ModelError(f"headroom: must lie in (0, 1], got {headroom!r}")
        per_node = self.throughput_at_concurrency(concurrency_per_node) * share
        return max(1, math.ceil(target / per_node - 1e-12))


@dataclass(frozen=True)
class ThroughputBand:
    """A central estimate of X(n) with a two-sided band at ``level`` (delta method, t distribution)."""

    concurrency: float
    estimate: float
    low: float
    high: float
    level: float


@dataclass(frozen=True)
class USLModel(USLParameters):
    """A USL curve fitted to measurements, with the uncertainty of its coefficients.

    Build it with :meth:`fit` or :func:`fit_usl`. ``covariance`` is the 3×3 covariance of (λ, σ, κ)
    from the Jacobian at the estimate, scaled by the residual variance SSE/dof (as R's ``nls``);
    ``residual_std_error`` = sqrt(SSE/dof) and ``rmse`` = sqrt(SSE/n).
    """

    covariance: Covariance
    n_points: int
    dof: int
    r_squared: float
    rmse: float
    residual_std_error: float
    concurrency: tuple[float, ...]
    throughput: tuple[float, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        if len(self.concurrency) != len(self.throughput) or len(self.concurrency) != self.n_points:
            raise ModelError(
                f"n_points: {self.n_points!r} does not match {len(self.concurrency)} concurrency and "
                f"{len(self.throughput)} throughput values"
            )
        if self.dof != self.n_points - 3:
            raise ModelError(f"dof: must be n_points - 3 = {self.n_points - 3}, got {self.dof!r}")
        cov = np.asarray(self.covariance, dtype=np.float64)
        if cov.shape != (3, 3) or not np.all(np.isfinite(cov)) or np.any(np.diag(cov) < 0):
            raise ModelError(
                f"covariance: must be a finite 3x3 matrix with a non-negative diagonal, got {cov}"
            )

    # --- construction --------------------------------------------------------------------------------

    @classmethod
    def fit(cls, points: Iterable[tuple[float, float]]) -> USLModel:
        """Fit the USL to (concurrency, throughput) points; repeated levels count as separate points."""
        pairs = list(points)
        return fit_usl([p[0] for p in pairs], [p[1] for p in pairs])

    # --- uncertainty ---------------------------------------------------------------------------------

    @property
    def parameters(self) -> USLParameters:
        """The point estimate as a plain curve (no uncertainty)."""
        return USLParameters(self.lambda_, self.sigma, self.kappa)

    @property
    def stderr(self) -> Mapping[str, float]:
        """Standard errors of λ, σ, κ: square roots of the covariance's diagonal."""
        return {name: math.sqrt(self.covariance[i][i]) for i, name in enumerate(PARAMETER_NAMES)}

    def residuals(self) -> tuple[float, ...]:
        """Observed minus fitted throughput, in the order of the points."""
        fitted = self.throughputs(self.concurrency)
        return tuple(float(x - f) for x, f in zip(self.throughput, fitted, strict=True))

    def _t_quantile(self, level: float) -> float:
        confidence = probability("level", level)
        return float(stats.t.ppf(0.5 + confidence / 2.0, self.dof))

    def confidence_interval(self, param: str, level: float = 0.95) -> tuple[float, float]:
        """Two-sided ``level`` interval estimate ± t(dof)·stderr for "lambda", "sigma" or "kappa".

        Not clipped to the bounds, like R's ``confint`` for the ``usl`` package, so the two compare.
        """
        key = "lambda" if param == "lambda_" else param
        if key not in PARAMETER_NAMES:
            raise ModelError(f"param: must be one of {', '.join(PARAMETER_NAMES)}, got {param!r}")
        estimate = {"lambda": self.lambda_, "sigma": self.sigma, "kappa": self.kappa}[key]
        half_width = self._t_quantile(level) * self.stderr[key]
        return estimate - half_width, estimate + half_width

    def throughput_band_at_concurrency(self, n: float, level: float = 0.95) -> ThroughputBand:
        """X(n) with a ``level`` confidence band for the mean curve (delta method: var = gᵀΣg with g the
        gradient of X(n) in (λ, σ, κ)); the low end is clipped at 0."""
        estimate = self.throughput_at_concurrency(n)
        gradient = usl_gradient(np.array([float(n)]), self.lambda_, self.sigma, self.kappa)[0]
        variance = float(gradient @ np.asarray(self.covariance) @ gradient)
        half_width = self._t_quantile(level) * math.sqrt(max(0.0, variance))
        return ThroughputBand(
            float(n), estimate, max(0.0, estimate - half_width), estimate + half_width, level
        )

    def sample_parameters(self, n_samples: int, seed: int = 0) -> tuple[USLParameters, ...]:
        """``n_samples`` draws of (λ, σ, κ) from N(estimate, covariance), clipped to the fit's bounds
        (λ > 0, 0 ≤ σ ≤ 1, 0 ≤ κ ≤ 1); the same seed gives the same draws.

        A sizing evaluates its rule on each draw and reports quantiles (P50/P90 node counts).
        """
        if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
            raise ModelError(f"n_samples: must be an integer >= 1, got {n_samples!r}")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise ModelError(f"seed: must be an integer >= 0, got {seed!r}")
        rng = np.random.default_rng(seed)
        mean = np.array([self.lambda_, self.sigma, self.kappa])
        draws = rng.multivariate_normal(mean, np.asarray(self.covariance), size=n_samples, method="eigh")
        lambda_floor = self.lambda_ * 1e-9
        draws[:, 0] = np.maximum(draws[:, 0], lambda_floor)
        draws[:, 1] = np.clip(draws[:, 1], 0.0, SIGMA_MAX)
        draws[:, 2] = np.clip(draws[:, 2], 0.0, KAPPA_MAX)
        return tuple(USLParameters(float(d[0]), float(d[1]), float(d[2])) for d in draws)


def fit_usl(concurrency: Sequence[float], throughput: Sequence[float]) -> USLModel:
    """Fit X(N) = λN/(1 + σ(N−1) + κN(N−1)) by bounded nonlinear least squares (scipy ``least_squares``).

    Needs at least :data:`MIN_POINTS` points on at least :data:`MIN_LEVELS` distinct concurrency levels,
    every value > 0. Deterministic: fixed starting points, λ₀ from the smallest concurrency level.
    """
    n, x = validated_points(concurrency, throughput)
    raw = fit_least_squares(n, x)
    residuals = np.asarray(raw.residuals)
    sse = float(residuals @ residuals)
    sst = float(((x - x.mean()) ** 2).sum())
    r_squared = 1.0 - sse / sst if sst > 0 else (1.0 if sse == 0 else 0.0)
    dof = n.size - 3
    lambda_, sigma, kappa = raw.params
    return USLModel(
        lambda_=lambda_,
        sigma=sigma,
        kappa=kappa,
        covariance=raw.covariance,
        n_points=int(n.size),
        dof=dof,
        r_squared=r_squared,
        rmse=math.sqrt(sse / n.size),
        residual_std_error=math.sqrt(sse / dof),
        concurrency=tuple(float(v) for v in n),
        throughput=tuple(float(v) for v in x),
    )
