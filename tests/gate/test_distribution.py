"""Histograms as distributions: HDR's quantiles, exact Cliff's delta, a bootstrap that covers the truth."""

from __future__ import annotations

import numpy as np
import pytest

from gate.distribution import (
    Distribution,
    bootstrap_quantile_change,
    cliffs_delta,
    cliffs_delta_values,
    effect_magnitude,
    hierarchical_quantile_change,
)
from results.histogram import LatencyHistogram


def _hist(values_ms: np.ndarray) -> LatencyHistogram:
    hist = LatencyHistogram()
    for value in values_ms:
        hist.record_ms(float(value))
    return hist


def test_quantiles_mean_and_max_agree_with_the_hdr_histogram() -> None:
    hist = _hist(np.random.default_rng(1).lognormal(np.log(5.0), 0.6, 20_000))
    dist = Distribution.from_hdr(hist.encode())
    assert dist.count == 20_000
    for q in (0.01, 1, 50, 90, 95, 99, 99.99):
        assert dist.quantile(q) == pytest.approx(hist.percentile_ms(q), abs=1e-9)
    assert dist.mean() == pytest.approx(hist.mean_ms(), rel=1e-3)
    assert dist.max() == pytest.approx(hist.max_ms(), rel=1e-3)
    assert Distribution.from_hdr("").count == 0
    assert Distribution.empty().quantile(95) == 0.0


def test_merge_and_scale() -> None:
    a = Distribution.from_pairs([1.0, 2.0], [1, 3])
    b = Distribution.from_pairs([2.0, 5.0], [2, 4])
    merged = Distribution.merged([a, b])
    assert merged.values_ms.tolist() == [1.0, 2.0, 5.0]
    assert merged.counts.tolist() == [1, 5, 4]
    assert merged.scaled(2.0).values_ms.tolist() == [0.5, 1.0, 2.5]
    with pytest.raises(ValueError, match="divisor=0"):
        merged.scaled(0)
    with pytest.raises(ValueError, match="strictly increasing"):
        Distribution(np.array([2.0, 1.0]), np.array([1, 1]))
    with pytest.raises(ValueError, match="counts min=0"):
        Distribution(np.array([1.0]), np.array([0]))


def test_cliffs_delta_is_exact() -> None:
    low = Distribution.from_pairs([1.0, 2.0], [1, 1])
    high = Distribution.from_pairs([3.0, 4.0], [1, 1])
    assert cliffs_delta(low, high) == 1.0
    assert cliffs_delta(high, low) == -1.0
    assert cliffs_delta(low, low) == 0.0
    # pairs (c, b): (2,1) >, (2,2) =, (3,1) >, (3,2) > → (3 − 0) / 4
    assert cliffs_delta(low, Distribution.from_pairs([2.0, 3.0], [1, 1])) == 0.75
    assert [effect_magnitude(d) for d in (0.1, -0.2, 0.4, 0.9)] == ["negligible", "small", "medium", "large"]


def test_bootstrap_interval_is_seeded_and_brackets_the_true_change() -> None:
    rng = np.random.default_rng(7)
    base = Distribution.from_hdr(_hist(rng.lognormal(np.log(10.0), 0.5, 5000)).encode())
    slower = Distribution.from_hdr(_hist(rng.lognormal(np.log(10.0), 0.5, 5000) * 1.3).encode())
    low, high = bootstrap_quantile_change(base, slower, 95, confidence=0.95, n_resamples=2000, seed=3)
    assert low < 0.3 < high
    assert low > 0.1
    again = bootstrap_quantile_change(base, slower, 95, confidence=0.95, n_resamples=2000, seed=3)
    assert again == (low, high)
    with pytest.raises(ValueError, match="both need samples"):
        bootstrap_quantile_change(base, Distribution.empty(), 95, confidence=0.95, n_resamples=100, seed=0)


def test_cliffs_delta_over_runs() -> None:
    assert cliffs_delta_values([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]) == 1.0
    assert cliffs_delta_values([4.0, 5.0], [1.0, 2.0]) == -1.0
    assert cliffs_delta_values([1.0, 3.0], [2.0, 2.0]) == 0.0
    assert cliffs_delta_values([], [1.0]) == 0.0


def _runs(medians: list[float], seed: int) -> list[Distribution]:
    rng = np.random.default_rng(seed)
    return [Distribution.from_hdr(_hist(rng.lognormal(np.log(m), 0.4, 2000)).encode()) for m in medians]


def _hq(base: list[Distribution], cand: list[Distribution]) -> tuple[float, float]:
    return hierarchical_quantile_change(base, cand, 50.0, confidence=0.95, n_resamples=2000, seed=7)


def test_the_hierarchical_interval_holds_the_run_to_run_variation_and_is_seeded() -> None:
    quiet_b, quiet_c = _runs([5.0, 5.0, 5.0], 1), _runs([5.0, 5.0, 5.0], 2)
    noisy_b, noisy_c = _runs([4.0, 5.0, 6.5], 3), _runs([6.0, 4.5, 5.0], 4)
    quiet, noisy = _hq(quiet_b, quiet_c), _hq(noisy_b, noisy_c)
    assert quiet[0] < 0 < quiet[1]
    assert noisy[0] < 0 < noisy[1]
    assert noisy[1] - noisy[0] > 4 * (quiet[1] - quiet[0])
    assert _hq(noisy_b, noisy_c) == noisy
    low, high = _hq(quiet_b, _runs([7.5, 7.0, 8.0], 5))
    assert 0.3 < low < 0.5 < high < 0.7
    with pytest.raises(ValueError, match="every run"):
        _hq([], quiet_c)
