"""Erlang C against a published worked example, an independent formula, and scipy's Poisson law.

Published example: Call Centre Helper, "Erlang C Formula – Made Simple With an Easy Worked Example"
(100 calls per 30 minutes, average handling time 180 s, target answer time 20 s, service level 80 %),
with the figures reproduced to full precision in the documentation of two packages:

* CRAN package ErlangC 0.1.0 (https://rdocumentation.org/packages/ErlangC/versions/0.1.0):
  traffic intensity 10; with 14 agents wait probability 0.1741319, service level 0.88835, average speed
  of answer 7.83593701177724 s, occupancy 0.7142857; 14 agents required; with 11 agents the wait
  probability is 0.6821182.
* pyworkforce 0.1.0 on PyPI (https://pypi.org/project/pyworkforce/0.1.0/): raw_positions 14,
  service_level 0.8883500191794669, waiting_probability 0.1741319335950498.
"""

from __future__ import annotations

import math

import pytest
from scipy import stats

from capacity.erlang import (
    erlang_b,
    erlang_c,
    evaluate,
    mean_wait,
    servers_for,
    service_level,
    wait_exceeds_probability,
)
from capacity.exceptions import ModelError, UnreachableError

LOAD = 100 * 180 / 1800  # 100 calls per 1800 s, 180 s each: 10 Erlangs
AHT = 180.0


def test_published_call_centre_example() -> None:
    assert pytest.approx(10.0) == LOAD
    result = evaluate(14, LOAD, AHT)
    assert result.wait_probability == pytest.approx(0.1741319335950498, rel=1e-12)
    assert service_level(14, LOAD, AHT, 20.0) == pytest.approx(0.8883500191794669, rel=1e-12)
    assert result.mean_wait == pytest.approx(7.83593701177724, rel=1e-12)
    assert result.occupancy == pytest.approx(0.7142857, abs=1e-7)
    assert erlang_c(11, LOAD) == pytest.approx(0.6821182, abs=1e-7)
    assert servers_for(LOAD, AHT, wait=20.0, max_wait_exceeds_probability=0.2) == 14


def _erlang_c_by_factorials(c: int, a: float) -> float:
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("c", "a"), [(1, 0.5), (2, 1.5), (8, 4.0), (20, 17.3), (60, 41.0)])
def test_recursion_agrees_with_the_textbook_formula(c: int, a: float) -> None:
    assert erlang_c(c, a) == pytest.approx(_erlang_c_by_factorials(c, a), rel=1e-10)


def test_erlang_b_matches_the_poisson_ratio_for_large_pools() -> None:
    # B(c, A) = P(K = c)/P(K ≤ c) for K ~ Poisson(A): an independent computation in log space.
    c, a = 5000, 4900.0
    assert erlang_b(c, a) == pytest.approx(stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a), rel=1e-8)
    assert 0.0 < erlang_c(c, a) < 1.0
    assert erlang_b(1, 3.0) == pytest.approx(3.0 / 4.0)


def test_wait_tail_and_mean() -> None:
    assert wait_exceeds_probability(14, LOAD, AHT, 0.0) == pytest.approx(erlang_c(14, LOAD))
    assert mean_wait(14, LOAD, AHT) == pytest.approx(erlang_c(14, LOAD) * AHT / 4)
    assert erlang_c(3, 0.0) == 0.0


def test_servers_for_each_kind_of_target_is_the_smallest_pool_that_meets_it() -> None:
    c = servers_for(LOAD, AHT, max_wait_probability=0.2)
    assert erlang_c(c, LOAD) <= 0.2 < erlang_c(c - 1, LOAD)
    c = servers_for(LOAD, AHT, max_mean_wait=10.0)
    assert mean_wait(c, LOAD, AHT) <= 10.0 < mean_wait(c - 1, LOAD, AHT)
    c = servers_for(0.3, 0.05, max_wait_probability=0.01)
    assert erlang_c(c, 0.3) <= 0.01


def test_overloaded_pools_and_bad_targets_are_refused() -> None:
    with pytest.raises(UnreachableError, match=r"offered_load: 10\.0 Erlangs needs more than servers=10"):
        erlang_c(10, 10.0)
    with pytest.raises(ModelError, match="servers: must be an integer >= 1, got 0"):
        erlang_b(0, 1.0)
    with pytest.raises(ModelError, match="give exactly one of"):
        servers_for(LOAD, AHT, max_wait_probability=0.1, max_mean_wait=5.0)
    with pytest.raises(ModelError, match="give both"):
        servers_for(LOAD, AHT, wait=20.0)
    with pytest.raises(ModelError, match=r"max_wait_probability: must lie in \(0, 1\), got 0"):
        servers_for(LOAD, AHT, max_wait_probability=0)


def test_pdq_bank_with_four_tellers() -> None:
    """N. J. Gunther, *Analyzing Computer System Performance with Perl::PDQ* (2nd ed., Springer 2011),
    the multiserver bank (M/M/4): customers arrive at λ = 0.35 per minute, a teller serves one in
    S = 10 minutes on average; PDQ reports a mean waiting time of 14.7572 minutes in the queue (and a
    residence time of 24.7572 minutes, the wait plus the service)."""
    arrivals_per_min, service_min, tellers = 0.35, 10.0, 4
    load = arrivals_per_min * service_min  # 3.5 Erlangs
    result = evaluate(tellers, load, service_min)
    assert result.mean_wait == pytest.approx(14.7572, abs=5e-5)
    assert result.mean_wait + service_min == pytest.approx(24.7572, abs=5e-5)
    assert result.occupancy == pytest.approx(0.875)
    # Little's law on the queue: Lq = λ·W.
    assert arrivals_per_min * result.mean_wait == pytest.approx(5.16504, abs=5e-5)
