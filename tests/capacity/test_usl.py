"""USL model behaviour: validation, queries, uncertainty and sampling (reference data: test_usl_reference)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from capacity.exceptions import ModelError, TooFewPointsError, UnreachableError
from capacity.points import Points
from capacity.usl import MIN_POINTS, USLModel, USLParameters, fit_usl

TRUE = USLParameters(lambda_=120.0, sigma=0.03, kappa=2e-4)
LEVELS = [1, 2, 4, 8, 16, 32, 48, 64, 96]


def _noisy_points(seed: int, noise: float = 0.02) -> tuple[list[float], list[float]]:
    """Three repeats per level of the TRUE curve with multiplicative Gaussian noise (fixed seed)."""
    rng = np.random.default_rng(seed)
    n = [float(level) for level in LEVELS for _ in range(3)]
    x = [TRUE.throughput_at_concurrency(v) * (1.0 + noise * rng.standard_normal()) for v in n]
    return n, x


def test_noise_free_data_gives_back_the_true_parameters() -> None:
    n = [float(v) for v in LEVELS]
    model = fit_usl(n, [TRUE.throughput_at_concurrency(v) for v in n])
    assert (model.lambda_, model.sigma, model.kappa) == pytest.approx((120.0, 0.03, 2e-4), rel=1e-7)
    assert model.r_squared == pytest.approx(1.0)
    assert model.rmse == pytest.approx(0.0, abs=1e-6)


def test_noisy_repeats_are_separate_points_and_the_intervals_cover_the_truth() -> None:
    n, x = _noisy_points(seed=7)
    model = fit_usl(n, x)
    assert model.n_points == 27
    assert model.dof == 24
    for name, true in [("lambda", 120.0), ("sigma", 0.03), ("kappa", 2e-4)]:
        low, high = model.confidence_interval(name, 0.99)
        assert low < true < high, name
    assert model == fit_usl(n, x)  # deterministic


def test_duplicating_every_point_keeps_the_estimate_and_shrinks_the_errors(specsdm91: Points) -> None:
    once = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    twice = fit_usl(specsdm91.concurrency * 2, specsdm91.throughput * 2)
    assert (twice.lambda_, twice.sigma, twice.kappa) == pytest.approx(
        (once.lambda_, once.sigma, once.kappa), rel=1e-6
    )
    # JᵀJ and the SSE both double while dof goes from 4 to 11:
    # stderr² = diag((JᵀJ)⁻¹)·SSE/dof shrinks by 4/11.
    expected_ratio = math.sqrt(once.dof / twice.dof)
    assert twice.stderr["sigma"] / once.stderr["sigma"] == pytest.approx(expected_ratio, rel=1e-4)


def test_fewer_than_six_points_are_refused_with_the_reason() -> None:
    with pytest.raises(TooFewPointsError) as caught:
        fit_usl([1, 2, 4, 8], [10, 19, 35, 60])
    message = str(caught.value)
    assert f"need at least {MIN_POINTS} (concurrency, throughput) points, got 4" in message
    assert "degrees of freedom" in message


def test_fewer_than_three_levels_are_refused() -> None:
    with pytest.raises(TooFewPointsError, match=r"at least 3 distinct levels.*got 2 \(\[1.0, 4.0\]\)"):
        fit_usl([1, 1, 1, 4, 4, 4], [10, 11, 9, 35, 36, 34])


@pytest.mark.parametrize(
    ("n", "x", "match"),
    [
        ([1, 2, 3, 4, 5, 0], [1, 2, 3, 4, 5, 6], r"concurrency\[5\]: must be > 0, got 0"),
        ([1, 2, 3, 4, 5, 6], [1, 2, -3, 4, 5, 6], r"throughput\[2\]: must be > 0, got -3"),
        ([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, math.inf], r"throughput\[5\]: must be finite, got inf"),
        ([1, 2, 3, 4, 5, 6], [1, 2, 3], "need one value per concurrency level, got 3 for 6"),
    ],
)
def test_bad_values_are_refused_with_key_and_value(n: list[float], x: list[float], match: str) -> None:
    with pytest.raises(ModelError, match=match):
        fit_usl(n, x)


def test_fit_accepts_pairs(cisco: Points) -> None:
    pairs = list(zip(cisco.concurrency, cisco.throughput, strict=True))
    assert USLModel.fit(pairs) == fit_usl(cisco.concurrency, cisco.throughput)


def test_queries_on_a_known_curve() -> None:
    curve = USLParameters(lambda_=100.0, sigma=0.1, kappa=0.001)
    assert curve.throughput_at_concurrency(1) == pytest.approx(100.0)
    assert curve.throughput_at_concurrency(10) == pytest.approx(1000 / (1 + 0.9 + 0.09))
    assert curve.peak_concurrency == pytest.approx(math.sqrt(0.9 / 0.001))
    assert curve.max_throughput == pytest.approx(curve.throughput_at_concurrency(curve.peak_concurrency))
    assert curve.latency_at_concurrency(10) == pytest.approx(10 / curve.throughput_at_concurrency(10))
    assert curve.latency_at_concurrency(10, think_time=0.001) == pytest.approx(0.0199 - 0.001)
    with pytest.raises(ModelError, match="think_time"):
        curve.latency_at_concurrency(10, think_time=1.0)


@pytest.mark.parametrize("x", [50.0, 300.0, 600.0, 628.0])
def test_concurrency_at_throughput_inverts_the_rising_side(x: float) -> None:
    curve = USLParameters(lambda_=100.0, sigma=0.1, kappa=0.001)
    n = curve.concurrency_at_throughput(x)
    assert curve.throughput_at_concurrency(n) == pytest.approx(x, rel=1e-10)
    assert n <= curve.peak_concurrency


def test_unreachable_throughput_is_an_error_naming_the_maximum() -> None:
    curve = USLParameters(lambda_=100.0, sigma=0.1, kappa=0.001)
    with pytest.raises(
        UnreachableError,
        match=r"x: 5000.0 exceeds the curve's maximum throughput 628.93\d \(reached at concurrency 30\)",
    ):
        curve.concurrency_at_throughput(5000.0)


def test_without_coherency_the_curve_rises_to_its_asymptote() -> None:
    amdahl = USLParameters(lambda_=10.0, sigma=0.05, kappa=0.0)
    assert math.isinf(amdahl.peak_concurrency)
    assert amdahl.max_throughput == pytest.approx(200.0)
    assert amdahl.throughput_at_concurrency(amdahl.concurrency_at_throughput(150.0)) == pytest.approx(150.0)
    linear = USLParameters(lambda_=10.0, sigma=0.0, kappa=0.0)
    assert math.isinf(linear.max_throughput)
    assert linear.concurrency_at_throughput(250.0) == pytest.approx(25.0)


def test_nodes_for_throughput_rounds_up_after_headroom() -> None:
    linear = USLParameters(lambda_=100.0, sigma=0.0, kappa=0.0)  # 1000/s per node at 10 in flight
    assert linear.nodes_for_throughput(2000.0, 10, headroom=1.0) == 2
    assert linear.nodes_for_throughput(2001.0, 10, headroom=1.0) == 3
    assert linear.nodes_for_throughput(2000.0, 10, headroom=0.5) == 4
    with pytest.raises(ModelError, match="headroom: must lie in"):
        linear.nodes_for_throughput(2000.0, 10, headroom=1.5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"lambda_": 0.0, "sigma": 0.1, "kappa": 0.0}, "lambda: must be > 0, got 0.0"),
        ({"lambda_": 1.0, "sigma": 1.2, "kappa": 0.0}, r"sigma: must lie in \[0, 1\], got 1.2"),
        ({"lambda_": 1.0, "sigma": 0.1, "kappa": -1e-3}, "kappa: must be >= 0, got -0.001"),
    ],
)
def test_parameters_are_validated(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ModelError, match=match):
        USLParameters(**kwargs)


def test_intervals_and_band_widen_with_the_level(specsdm91: Points) -> None:
    model = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    narrow, wide = model.confidence_interval("sigma", 0.8), model.confidence_interval("sigma", 0.99)
    assert wide[0] < narrow[0] < model.sigma < narrow[1] < wide[1]
    band80, band99 = (
        model.throughput_band_at_concurrency(72, 0.8),
        model.throughput_band_at_concurrency(72, 0.99),
    )
    assert band99.low < band80.low < band80.estimate < band80.high < band99.high
    assert band80.estimate == pytest.approx(model.throughput_at_concurrency(72))
    assert model.throughput_band_at_concurrency(1, 0.99).low >= 0.0
    with pytest.raises(ModelError, match="param: must be one of lambda, sigma, kappa, got 'gamma'"):
        model.confidence_interval("gamma")
    with pytest.raises(ModelError, match=r"level: must lie in \(0, 1\), got 1.5"):
        model.confidence_interval("sigma", 1.5)


def test_sampled_parameters_are_deterministic_bounded_and_centred(specsdm91: Points) -> None:
    model = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    draws = model.sample_parameters(400, seed=11)
    assert draws == model.sample_parameters(400, seed=11)
    assert draws != model.sample_parameters(400, seed=12)
    assert all(d.lambda_ > 0 and 0 <= d.sigma <= 1 and d.kappa >= 0 for d in draws)
    lambdas = np.array([d.lambda_ for d in draws])
    assert abs(lambdas.mean() - model.lambda_) < 4 * model.stderr["lambda"] / math.sqrt(len(draws))
    assert lambdas.std() == pytest.approx(model.stderr["lambda"], rel=0.15)
    with pytest.raises(ModelError, match="n_samples: must be an integer >= 1, got 0"):
        model.sample_parameters(0)


def test_models_are_immutable(specsdm91: Points) -> None:
    model = fit_usl(specsdm91.concurrency, specsdm91.throughput)
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.sigma = 0.5  # type: ignore[misc]
    assert model.parameters == USLParameters(model.lambda_, model.sigma, model.kappa)
