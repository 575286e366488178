"""Bounded nonlinear least squares for the Universal Scalability Law (internal to :mod:`capacity.usl`).

Kept apart from the model so that the model module reads as the maths and its queries, and this one as
the numerics: input validation, the residual function, its analytic Jacobian, the deterministic starting
points, and the Jacobian-based covariance (the same estimate R's ``nls`` and the ``usl`` package report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import least_squares

from capacity._validate import positive
from capacity.exceptions import FitError, ModelError, TooFewPointsError

FloatArray = npt.NDArray[np.float64]

MIN_POINTS = 6
"""Fewest (concurrency, throughput) points a fit accepts: three parameters, and at least three degrees
of freedom left for the residual variance their standard errors rest on."""

MIN_LEVELS = 3
"""Fewest distinct concurrency levels: three parameters cannot be separated on fewer."""

SIGMA_MAX = 1.0
"""Upper bound of σ in the fit: σ = 1 already means no gain at all from concurrency. Same bound as the
R package ``usl`` (nls/nlxb ``upper = c(alpha = 1, beta = 1)``), so that fits compare like with like."""

KAPPA_MAX = 1.0
"""Upper bound of κ in the fit (as in the R package ``usl``)."""

STARTING_CONTENTION_COHERENCY: tuple[tuple[float, float], ...] = (
    (0.01, 1e-4),
    (0.1, 1e-3),
    (1e-3, 1e-6),
)
"""Assumption: (σ, κ) starting points tried in turn; the fit with the smallest residual sum of squares
wins. The first pair is the R package ``usl``'s start; the others guard against a local minimum on
strongly retrograde or almost linear data. Fixed, so the fit is deterministic."""

TOLERANCE = 1e-12
"""Assumption: ftol/xtol/gtol of the optimiser; tight enough to reproduce published coefficients to
four or more significant digits."""

BOUND_SNAP = 1e-12
"""Assumption: a σ or κ whose whole contribution to the denominator over the measured range (σ·(N_max−1),
κ·N_max·(N_max−1)) is below this is set to exactly 0, the bound the optimiser was converging to; so
"no coherency" reads as κ = 0 and an infinite peak, not as κ = 1e-24 and a peak at 10¹² users."""

MAX_EVALUATIONS = 20_000
"""Assumption: the optimiser's budget of function evaluations per starting point."""


def usl_throughput(n: FloatArray, lambda_: float, sigma: float, kappa: float) -> FloatArray:
    """X(N) = λN / (1 + σ(N−1) + κN(N−1)), element-wise."""
    return lambda_ * n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))


def usl_gradient(n: FloatArray, lambda_: float, sigma: float, kappa: float) -> FloatArray:
    """∂X/∂(λ, σ, κ) at each N, shape (len(n), 3)."""
    denominator = 1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0)
    d_lambda = n / denominator
    d_sigma = -lambda_ * n * (n - 1.0) / denominator**2
    d_kappa = -lambda_ * n * n * (n - 1.0) / denominator**2
    return np.column_stack((d_lambda, d_sigma, d_kappa))


@dataclass(frozen=True)
class RawFit:
    """What the optimiser found: parameters, residuals and the parameter covariance."""

    params: tuple[float, float, float]
    residuals: tuple[float, ...]
    covariance: tuple[tuple[float, float, float], tuple[float, float, float], tuple[float, float, float]]


def _starting_lambda(n: FloatArray, x: FloatArray) -> float:
    """λ from the smallest concurrency level: its mean throughput per unit of concurrency."""
    smallest = float(n.min())
    return float(x[n == smallest].mean()) / smallest


def _covariance(n: FloatArray, params: FloatArray, residuals: FloatArray) -> FloatArray:
    """Cov = (JᵀJ)⁻¹ · SSE/(n−3), with J the model's Jacobian at the estimate (columns rescaled first so
    that λ ~ 10³ and κ ~ 10⁻⁴ do not make the inversion ill-conditioned)."""
    jac = usl_gradient(n, float(params[0]), float(params[1]), float(params[2]))
    scale = np.linalg.norm(jac, axis=0)
    if not np.all(np.isfinite(scale)) or np.any(scale == 0.0):
        raise FitError(f"jacobian: a parameter has no influence on the fit (column norms {scale.tolist()})")
    scaled = jac / scale
    try:
        inverse = np.linalg.inv(scaled.T @ scaled)
    except np.linalg.LinAlgError as exc:
        raise FitError("jacobian: singular at the estimate; the parameters cannot be separated") from exc
    dof = n.size - 3
    residual_variance = float(residuals @ residuals) / dof
    cov: FloatArray = inverse / np.outer(scale, scale) * residual_variance
    return (cov + cov.T) / 2.0


def fit_least_squares(n: FloatArray, x: FloatArray) -> RawFit:
    """Fit λ, σ, κ to (n, x) with bounds λ > 0, 0 ≤ σ ≤ 1, 0 ≤ κ ≤ 1; deterministic multi-start."""

    def residual(p: FloatArray) -> FloatArray:
        return usl_throughput(n, float(p[0]), float(p[1]), float(p[2])) - x

    def jacobian(p: FloatArray) -> FloatArray:
        return usl_gradient(n, float(p[0]), float(p[1]), float(p[2]))

    lambda0 = _starting_lambda(n, x)
    best: FloatArray | None = None
    best_cost = np.inf
    for sigma0, kappa0 in STARTING_CONTENTION_COHERENCY:
        result = least_squares(
            residual,
            np.array([lambda0, sigma0, kappa0]),
            jac=jacobian,
            bounds=([0.0, 0.0, 0.0], [np.inf, SIGMA_MAX, KAPPA_MAX]),
            method="trf",
            x_scale="jac",
            ftol=TOLERANCE,
            xtol=TOLERANCE,
            gtol=TOLERANCE,
            max_nfev=MAX_EVALUATIONS,
        )
        if result.status > 0 and np.all(np.isfinite(result.x)) and result.cost < best_cost:
            best, best_cost = np.asarray(result.x, dtype=np.float64), float(result.cost)
    if best is None or best[0] <= 0.0:
        raise FitError(f"optimiser: no starting point converged to a usable fit (best {best!r})")
    top = float(n.max())
    if best[1] * (top - 1.0) < BOUND_SNAP:
        best[1] = 0.0
    if best[2] * top * (top - 1.0) < BOUND_SNAP:
        best[2] = 0.0
    residuals = residual(best)
    cov = _covariance(n, best, residuals)
    rows = tuple((float(r[0]), float(r[1]), float(r[2])) for r in cov)
    return RawFit(
        params=(float(best[0]), float(best[1]), float(best[2])),
        residuals=tuple(float(r) for r in residuals),
        covariance=(rows[0], rows[1], rows[2]),
    )


def validated_points(
    concurrency: Sequence[float], throughput: Sequence[float]
) -> tuple[FloatArray, FloatArray]:
    if len(concurrency) != len(throughput):
        raise ModelError(
            f"throughput: need one value per concurrency level, got {len(throughput)} for {len(concurrency)}"
        )
    if len(concurrency) < MIN_POINTS:
        raise TooFewPointsError(
            f"points: need at least {MIN_POINTS} (concurrency, throughput) points, got {len(concurrency)}: "
            f"the fit estimates 3 parameters (lambda, sigma, kappa) and needs at least 3 degrees of "
            f"freedom left over to estimate their standard errors"
        )
    for i, (n, x) in enumerate(zip(concurrency, throughput, strict=True)):
        positive(f"concurrency[{i}]", n)
        positive(f"throughput[{i}]", x)
    n_arr = np.asarray(concurrency, dtype=np.float64)
    x_arr = np.asarray(throughput, dtype=np.float64)
    levels = sorted(set(n_arr.tolist()))
    if len(levels) < MIN_LEVELS:
        raise TooFewPointsError(
            f"concurrency: need at least {MIN_LEVELS} distinct levels to separate lambda, sigma and kappa, "
            f"got {len(levels)} ({levels})"
        )
    return n_arr, x_arr
