"""E-divisive means against figures computed by MongoDB's signal-processing-algorithms 2.1.6.

The reference figures come from that package's own pure-Python code
(``energy_statistics._calculate_t_stats`` and ``e_divisive(series, pvalue=0.05, ...)``, run on these
series; its permutations are random, ours are seeded, and both find the same change points).
"""

from __future__ import annotations

import numpy as np
import pytest

from gate.changepoint import e_divisive, t_statistics

STEP = [1.0, 1.2, 0.9, 1.1, 1.0, 1.05, 0.95, 2.0, 2.1, 1.9, 2.05, 2.0, 1.95]
STEP_T = [0.0, 0.511538, 0.788811, 1.421538, 2.028205, 2.951538, 4.073443, 5.713919, 4.136538, 2.855983,
          2.068205, 1.22972, 0.569872]  # fmt: skip
TWO_STEPS = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 5, 5, 5, 5, 5, 5]
NOISY_TWO_STEPS = [10.001, 10.149, 9.863, 9.555, 9.773, 9.504, 10.03, 10.67, 9.754, 9.69, 10.245, 10.178,
                   10.053, 9.535, 9.985, 12.348, 11.328, 11.771, 11.049, 11.355, 11.079, 11.882, 11.366,
                   12.136, 12.078, 10.907, 9.742, 10.731, 10.976, 11.057, 10.235, 10.761, 10.511, 10.596,
                   11.53, 10.596, 10.984]  # fmt: skip


def test_t_statistics_equal_the_packages() -> None:
    values = np.asarray(STEP)
    got = t_statistics(np.abs(values[:, None] - values[None, :]))
    assert got.tolist() == pytest.approx(STEP_T, abs=1e-6)


@pytest.mark.parametrize(
    ("series", "expected"), [(STEP, [7]), (TWO_STEPS, [6, 12]), (NOISY_TWO_STEPS, [15, 25])]
)
def test_change_points_equal_the_packages(series: list[float], expected: list[int]) -> None:
    found = e_divisive(series, pvalue=0.05, permutations=100)
    assert sorted(c.index for c in found) == expected
    assert all(c.pvalue <= 0.05 for c in found)


def test_no_change_point_in_noise_or_a_constant_and_seeded() -> None:
    noise = np.random.default_rng(3).normal(10.0, 1.0, 40).tolist()
    assert e_divisive(noise) == []
    assert e_divisive([5.0] * 10) == []
    assert e_divisive([1.0, 2.0]) == []
    assert e_divisive(NOISY_TWO_STEPS, seed=4) == e_divisive(NOISY_TWO_STEPS, seed=4)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match=r"pvalue=1\.5"):
        e_divisive(STEP, pvalue=1.5)
    with pytest.raises(ValueError, match="finite"):
        e_divisive([1.0, float("nan"), 2.0])
