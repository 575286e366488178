"""Operational laws: Little's law helpers (used by scenarios/), utilization, bounds, knee, bottleneck."""

from __future__ import annotations

import math

import pytest

from capacity.exceptions import ModelError
from capacity.laws import (
    AsymptoticBounds,
    arrival_rate_for_users,
    bottleneck,
    knee_population,
    littles_law_population,
    littles_law_residence_time,
    response_time_law,
    service_demand,
    service_demands,
    users_for_arrival_rate,
    utilization,
)


def test_users_and_arrivals_convert_both_ways() -> None:
    # 120,000 concurrent users (the portal's designed capacity) with 10-minute sessions.
    assert arrival_rate_for_users(120_000, 600.0) == pytest.approx(200.0)
    assert users_for_arrival_rate(200.0, 600.0) == pytest.approx(120_000)
    for users, session in [(1.0, 0.5), (50_000.0, 420.0), (0.0, 30.0)]:
        assert users_for_arrival_rate(arrival_rate_for_users(users, session), session) == pytest.approx(users)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: arrival_rate_for_users(-1.0, 60.0), "users: must be >= 0, got -1.0"),
        (lambda: arrival_rate_for_users(10.0, 0.0), "mean_session_s: must be > 0, got 0.0"),
        (lambda: users_for_arrival_rate(math.nan, 60.0), "arrivals_per_s: must be finite, got nan"),
        (lambda: users_for_arrival_rate(5.0, -2.0), "mean_session_s: must be > 0, got -2.0"),
        (lambda: arrival_rate_for_users("many", 60.0), "users: must be a number, got 'many'"),  # type: ignore[arg-type]
    ],
)
def test_littles_law_helpers_name_the_bad_key_and_value(call: object, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        call()  # type: ignore[operator]


def test_littles_law_and_utilization_law() -> None:
    assert littles_law_population(40.0, 0.25) == pytest.approx(10.0)
    assert littles_law_residence_time(10.0, 40.0) == pytest.approx(0.25)
    assert utilization(50.0, 0.012) == pytest.approx(0.6)
    # 90 CPU seconds spent while 30,000 requests completed: 3 ms of CPU per request.
    assert service_demand(90.0, 30_000) == pytest.approx(0.003)
    demands = service_demands({"app": 90.0, "redis": 12.0, "sims": 0.0}, 30_000)
    assert demands == pytest.approx({"app": 0.003, "redis": 0.0004, "sims": 0.0})
    with pytest.raises(ModelError, match="completions: must be > 0, got 0"):
        service_demand(1.0, 0)
    with pytest.raises(ModelError, match=r"busy_seconds\['app'\]: must be >= 0, got -1"):
        service_demands({"app": -1}, 10)


def test_response_time_law() -> None:
    # 100 users, 20 requests/s, 4 s think time: each request takes 100/20 − 4 = 1 s.
    assert response_time_law(100, 20.0, 4.0) == pytest.approx(1.0)
    assert response_time_law(8, 16.0) == pytest.approx(0.5)
    with pytest.raises(ModelError, match="negative response time"):
        response_time_law(100, 50.0, 4.0)


def test_asymptotic_bounds_knee_and_bottleneck() -> None:
    bounds = AsymptoticBounds({"web": 0.2, "db": 0.5}, think_time=2.0)
    assert bounds.total_demand_s == pytest.approx(0.7)
    assert bounds.bottleneck_tier == "db"
    assert bounds.max_throughput == pytest.approx(2.0)
    assert bounds.knee == pytest.approx((0.7 + 2.0) / 0.5)
    assert knee_population({"web": 0.2, "db": 0.5}, 2.0) == pytest.approx(5.4)
    assert bounds.throughput_upper(1) == pytest.approx(1 / 2.7)  # N/(D+Z) below the knee
    assert bounds.throughput_upper(10) == pytest.approx(2.0)  # 1/D_max above it
    assert bounds.response_time_lower(1) == pytest.approx(0.7)  # D below the knee
    assert bounds.response_time_lower(10) == pytest.approx(3.0)  # N·D_max − Z above it
    # At the knee both branches meet.
    assert bounds.throughput_upper(bounds.knee) == pytest.approx(bounds.max_throughput)


def test_bottleneck_ties_go_to_the_first_tier() -> None:
    assert bottleneck({"a": 0.1, "b": 0.3, "c": 0.3}) == ("b", 0.3)


def test_delay_tiers_and_server_counts_refine_the_bottleneck() -> None:
    bounds = AsymptoticBounds(
        {"app": 0.04, "idp": 0.3, "redis": 0.005}, delay_tiers={"idp"}, servers={"app": 10}
    )
    assert bounds.bottleneck_tier == "redis"  # app saturates at 10/0.04 = 250/s, redis at 200/s; idp never
    assert bounds.max_demand_s == pytest.approx(0.005)
    only_delay = AsymptoticBounds({"idp": 0.3}, delay_tiers={"idp"})
    assert only_delay.bottleneck_tier is None
    assert math.isinf(only_delay.max_throughput)
    assert only_delay.response_time_lower(1000) == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("demands", "match"),
    [
        ({}, "demands: need at least one tier"),
        ({"a": -0.2}, r"demands\['a'\]: must be >= 0, got -0.2"),
        ({"a": 0.0, "b": 0.0}, "at least one tier must have a demand > 0"),
    ],
)
def test_bad_demands_are_refused(demands: dict[str, float], match: str) -> None:
    with pytest.raises(ModelError, match=match):
        AsymptoticBounds(demands)


def test_bounds_need_at_least_one_user() -> None:
    bounds = AsymptoticBounds({"a": 0.1})
    with pytest.raises(ModelError, match=r"n: must be >= 1, got 0\.5"):
        bounds.throughput_upper(0.5)
