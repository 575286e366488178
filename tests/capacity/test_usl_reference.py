"""The USL fit against published data and published coefficients.

Sources (the data files and what each publication reports are listed in ``data/README.md``):

* ``specsdm91`` and ``raytracer``: data sets of N. J. Gunther, *Guerrilla Capacity Planning* (Springer,
  2007), shipped in the R package ``usl`` by Stefan Möding (https://github.com/smoeding/usl). The
  expected values are that package's own saved test outputs: ``tests/usl-nlxb.Rout.save``,
  ``tests/summary.Rout.save``, ``tests/residuals.Rout.save``, ``tests/peak-scalability.Rout.save``
  and ``tests/confint.Rout.save``.
* ``cisco``: B. Schwartz, *Practical Scalability Analysis with the Universal Scalability Law*
  (VividCortex, 2015), data and the book's coefficients as copied in usl4j's ``ModelTest.java``
  (https://github.com/codahale/usl4j).

Like with like: R ``usl`` ≥ 2.0 fits X(N) = γN/(1 + α(N−1) + βN(N−1)), so its gamma/alpha/beta are
exactly our lambda/sigma/kappa (no normalisation). Versions < 2.0 divided the throughput by X(1) (the
"scale factor", 64.9 for specsdm91) and fitted only sigma/kappa on the normalised curve, which gives
other numbers (README of 1.x: sigma 1.705e-2, kappa 7.892e-5); we compare with ≥ 2.0 only. Its
standard errors are sqrt(diag((JᵀJ)⁻¹)·SSE/dof), the same estimate as ours. Its ``confint`` however
multiplies them by ``qt(level, n − 1)`` (a one-sided quantile on n − 1 dof, see ``R/confint.R``), so
for raytracer we check that our standard errors times that same factor reproduce R's printed
intervals, while our own intervals use the two-sided t quantile on n − 3 dof.
"""

from __future__ import annotations

import pytest
from scipy import stats

from capacity.points import Points
from capacity.usl import USLModel, fit_usl


def _fit(points: Points) -> USLModel:
    return fit_usl(points.concurrency, points.throughput)


def test_specsdm91_matches_r_usl_coefficients_and_standard_errors(specsdm91: Points) -> None:
    model = _fit(specsdm91)
    # usl-nlxb.Rout.save, estimate (std. error): gamma 89.9952330 (14.2134894),
    # alpha 0.0277285 (0.0091217), beta 0.0001044 (0.0000199)
    assert model.lambda_ == pytest.approx(89.9952330, rel=1e-5)
    assert model.sigma == pytest.approx(0.0277285, rel=1e-4)
    assert model.kappa == pytest.approx(0.0001044, rel=1e-3)
    assert model.stderr["lambda"] == pytest.approx(14.2134894, rel=1e-5)
    assert model.stderr["sigma"] == pytest.approx(0.0091217, rel=1e-4)
    assert model.stderr["kappa"] == pytest.approx(0.0000199, rel=1e-2)
    # summary.Rout.save: "Residual standard error: 82.85 on 4 degrees of freedom", R² 0.9896
    assert model.dof == 4
    assert model.residual_std_error == pytest.approx(82.85, abs=0.005)
    assert model.r_squared == pytest.approx(0.9896, abs=5e-5)


def test_specsdm91_residuals_and_peak_match_r_usl(specsdm91: Points) -> None:
    model = _fit(specsdm91)
    # residuals.Rout.save (3 significant digits)
    published = [-25.10, -81.66, 111.09, 3.05, -49.99, -46.60, 56.00]
    assert model.residuals() == pytest.approx(published, abs=0.006)
    # peak-scalability.Rout.save: signif(peak.scalability(u), 2) == 97
    assert round(model.peak_concurrency, -1) == pytest.approx(100)
    assert model.peak_concurrency == pytest.approx(97, abs=0.5)


def test_raytracer_matches_r_usl_coefficients_and_intervals(raytracer: Points) -> None:
    model = _fit(raytracer)
    # confint.Rout.save: coef alpha 0.0578, beta 0.0000, gamma 21.8488
    assert model.lambda_ == pytest.approx(21.8488, abs=5e-5)
    assert model.sigma == pytest.approx(0.0578, abs=5e-5)
    assert model.kappa == pytest.approx(0.0, abs=1e-9)  # at its lower bound
    # R's interval = estimate ± stderr · qt(0.95, n − 1); reproduce it from our standard errors.
    r_factor = float(stats.t.ppf(0.95, model.n_points - 1))
    published = {
        "lambda": (17.868380, 25.829306),
        "sigma": (0.033677, 0.081864),
        "kappa": (-0.000214, 0.000214),
    }
    estimates = {"lambda": model.lambda_, "sigma": model.sigma, "kappa": model.kappa}
    for name, (low, high) in published.items():
        half_width = model.stderr[name] * r_factor
        assert estimates[name] - half_width == pytest.approx(low, abs=5e-6 + 1e-5 * abs(low)), name
        assert estimates[name] + half_width == pytest.approx(high, abs=5e-6 + 1e-5 * abs(high)), name


def test_cisco_matches_the_book(cisco: Points) -> None:
    model = _fit(cisco)
    # Within 0.02 % of the book's values, the tolerance usl4j's own test uses.
    assert model.lambda_ == pytest.approx(995.6486, rel=2e-4)
    assert model.sigma == pytest.approx(0.02671591, rel=2e-4)
    assert model.kappa == pytest.approx(7.690945e-4, rel=2e-4)
    assert model.max_throughput == pytest.approx(12341, rel=2e-4)
    assert int(model.peak_concurrency) == 35
