"""Synthetic citizens: deterministic, unique, spread by population, split disjointly among workers."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from scenarios.citizens import MAX_POOL_SIZE, CitizenPool


def test_same_seed_same_citizens_other_seed_other_ids() -> None:
    a, b, c = CitizenPool(seed=11, size=500), CitizenPool(seed=11, size=500), CitizenPool(seed=12, size=500)
    assert [a.citizen(i) for i in range(500)] == [b.citizen(i) for i in range(500)]
    differing = sum(a.citizen(i).citizen_id != c.citizen(i).citizen_id for i in range(500))
    assert differing == 500


def test_citizen_depends_only_on_seed_and_index_not_on_pool_size() -> None:
    small, large = CitizenPool(seed=3, size=10), CitizenPool(seed=3, size=10_000)
    assert [small.citizen(i) for i in range(10)] == [large.citizen(i) for i in range(10)]


def test_ids_are_12_digits_never_start_with_000_and_are_unique() -> None:
    pool = CitizenPool(seed=5, size=20_000)
    ids = [c.citizen_id for c in pool.citizens(range(len(pool)))]
    assert all(len(i) == 12 and i.isdigit() for i in ids)
    assert not any(i.startswith("000") for i in ids)
    assert len(set(ids)) == len(ids)
    # a permutation, not a counter: consecutive indices do not give nearby IDs
    assert sorted(ids) != ids


def test_province_shares_follow_population() -> None:
    """Tolerance: every province within 5 binomial standard errors, sqrt(p(1-p)/n), of its population
    share, and a chi-square goodness-of-fit test that does not reject at the 0.1% level."""
    n = 40_000
    pool = CitizenPool(seed=2025, size=n)
    expected = pool.expected_shares()
    counts = dict.fromkeys(expected, 0)
    for citizen in pool.citizens(range(n)):
        counts[citizen.province_code] += 1
    assert len(expected) == 34
    for code, p in expected.items():
        tolerance = 5 * math.sqrt(p * (1 - p) / n)
        assert abs(counts[code] / n - p) <= tolerance, (code, counts[code] / n, p)
    observed = [counts[code] for code in expected]
    result = stats.chisquare(observed, [p * n for p in expected.values()])
    assert result.pvalue > 1e-3


@pytest.mark.parametrize("workers", [1, 3, 7])
def test_worker_slices_are_disjoint_and_cover_the_pool(workers: int) -> None:
    pool = CitizenPool(seed=1, size=1_001)
    slices = [pool.slice_for_worker(k, workers) for k in range(workers)]
    seen = [i for s in slices for i in s]
    assert sorted(seen) == list(range(1_001))
    assert max(map(len, slices)) - min(map(len, slices)) <= 1


def test_more_workers_than_citizens_leaves_some_slices_empty() -> None:
    pool = CitizenPool(seed=1, size=2)
    assert [list(pool.slice_for_worker(k, 4)) for k in range(4)] == [[0], [1], [], []]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": 1, "size": 0}, "size: must be between 1"),
        ({"seed": 1, "size": MAX_POOL_SIZE + 1}, "size: must be between 1"),
        ({"seed": "x", "size": 5}, "seed: must be an integer, got 'x'"),
    ],
)
def test_bad_pool_parameters_name_the_key(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CitizenPool(**kwargs)  # type: ignore[arg-type]


def test_bad_index_and_worker_name_the_key() -> None:
    pool = CitizenPool(seed=1, size=10)
    with pytest.raises(ValueError, match=r"i: must be an integer in \[0, 10\), got 10"):
        pool.citizen(10)
    with pytest.raises(ValueError, match=r"k: must be an integer in \[0, 2\), got 2"):
        pool.slice_for_worker(2, 2)
    with pytest.raises(ValueError, match="workers: must be an integer >= 1, got 0"):
        pool.slice_for_worker(0, 0)
