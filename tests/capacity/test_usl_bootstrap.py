"""The bootstrap over repeats: deterministic, resamples within levels, and noisy repeats widen the band."""

from __future__ import annotations

import numpy as np
import pytest

from capacity.exceptions import ModelError, TooFewPointsError
from capacity.sizing.inputs import profile_from_documents
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import size
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from capacity.usl_bootstrap import bootstrap_usl

TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 12, 16, 24, 32)


def _points(noise: float, repeats: int, seed: int = 3) -> tuple[list[float], list[float]]:
    rng = np.random.default_rng(seed)
    n = [float(level) for level in LEVELS for _ in range(repeats)]
    x = [TRUTH.throughput_at_concurrency(v) * (1.0 + noise * rng.standard_normal()) for v in n]
    return n, x


def _spread(noise: float, repeats: int) -> float:
    n, x = _points(noise, repeats)
    boot = bootstrap_usl(n, x, 150, seed=0)
    low, high = np.quantile(boot.throughputs_at(16.0), [0.1, 0.9])
    return float(high - low)


def test_same_seed_same_draws_and_the_method_follows_the_repeats() -> None:
    n, x = _points(0.05, 2)
    first = bootstrap_usl(n, x, 40, seed=7)
    assert first == bootstrap_usl(n, x, 40, seed=7)
    assert first.method == "repeats"
    assert len(first.draws) + first.skipped == 40
    assert first != bootstrap_usl(n, x, 40, seed=8)
    single = bootstrap_usl(*_points(0.05, 1), 40, seed=7)
    assert single.method == "residuals"


def test_identical_repeats_give_no_spread_and_noisy_repeats_widen_the_band() -> None:
    n = [float(level) for level in LEVELS for _ in range(2)]
    x = [TRUTH.throughput_at_concurrency(v) for v in n]
    exact = bootstrap_usl(n, x, 30, seed=0).throughputs_at(16.0)
    assert np.ptp(exact) == pytest.approx(0.0, abs=1e-6 * TRUTH.throughput_at_concurrency(16.0))
    quiet, noisy = _spread(0.01, 3), _spread(0.15, 3)
    assert quiet > 0.0
    assert noisy > 5 * quiet


def test_refuses_bad_arguments_and_too_few_points() -> None:
    n, x = _points(0.05, 2)
    with pytest.raises(ModelError, match="n_samples: must be an integer >= 1, got 0"):
        bootstrap_usl(n, x, 0)
    with pytest.raises(ModelError, match="seed: must be an integer >= 0, got -1"):
        bootstrap_usl(n, x, 5, seed=-1)
    with pytest.raises(TooFewPointsError):
        bootstrap_usl([1.0, 2.0], [10.0, 19.0], 5)


def test_the_sizing_pools_both_sources_and_reports_each() -> None:
    def sized(noise: float) -> tuple[int, int, int | None, int | None]:
        doc = synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=3, noise=noise, seed=2)
        profile = profile_from_documents([("sweep", doc)])
        params = SizingParameters(slo_ms=60, node_cores=2, target_users=40_000, samples=300,
                                  bootstrap_samples=150)  # fmt: skip
        s = size(profile, params)
        u = s.nodes.uncertainty
        assert u is not None
        assert u.bootstrap_method == "repeats"
        assert s.nodes.p50 <= s.nodes.p90
        return s.nodes.p50, s.nodes.p90, u.bootstrap_p50, u.bootstrap_p90

    quiet, noisy = sized(0.01), sized(0.2)
    assert quiet[3] is not None
    assert noisy[3] is not None
    assert noisy[3] - (noisy[2] or 0) > quiet[3] - (quiet[2] or 0)
    assert noisy[1] - noisy[0] > quiet[1] - quiet[0]
