"""Exact MVA: a model solved by hand, the asymptotic bounds, and the conservation laws."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import pytest

from capacity.exceptions import ModelError, UnreachableError
from capacity.laws import AsymptoticBounds
from capacity.mva import MVAModel

# Worked by hand: two queueing tiers, D_cpu = 0.2 s, D_disk = 0.1 s, think time Z = 1 s.
#
# n = 1: Q(0) = 0, so R_cpu = 0.2, R_disk = 0.1, R = 0.3;  X = 1/(1 + 0.3) = 10/13 = 0.769231
#        Q_cpu = X·R_cpu = 2/13 = 0.153846, Q_disk = 1/13 = 0.076923
# n = 2: R_cpu = 0.2·(1 + 2/13) = 3/13 = 0.230769, R_disk = 0.1·(1 + 1/13) = 7/65 = 0.107692
#        R = 22/65 = 0.338462;  X = 2/(1 + 22/65) = 130/87 = 1.494253
#        Q_cpu = 130/87 · 3/13 = 10/29 = 0.344828, Q_disk = 130/87 · 7/65 = 14/87 = 0.160920
# n = 3: R_cpu = 0.2·(1 + 10/29) = 39/145 = 0.268966, R_disk = 0.1·(1 + 14/87) = 101/870 = 0.116092
#        R = 335/870 = 0.385057;  X = 3/(1 + 335/870) = 522/241 = 2.165975
#        U_cpu = X·D_cpu = 0.433195, U_disk = 0.216598
HAND = {
    1: (Fraction(10, 13), Fraction(1, 5), Fraction(1, 10)),
    2: (Fraction(130, 87), Fraction(3, 13), Fraction(7, 65)),
    3: (Fraction(522, 241), Fraction(39, 145), Fraction(101, 870)),
}


def _two_tier() -> MVAModel:
    return MVAModel({"cpu": 0.2, "disk": 0.1}, think_time=1.0)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_two_tier_model_matches_the_hand_computation(n: int) -> None:
    x, r_cpu, r_disk = HAND[n]
    result = _two_tier().solve(n)
    assert result.throughput == pytest.approx(float(x), rel=1e-12)
    assert result.residence_times["cpu"] == pytest.approx(float(r_cpu), rel=1e-12)
    assert result.residence_times["disk"] == pytest.approx(float(r_disk), rel=1e-12)
    assert result.response_time == pytest.approx(float(r_cpu + r_disk), rel=1e-12)
    assert result.utilizations["cpu"] == pytest.approx(float(x) * 0.2, rel=1e-12)
    assert result.queue_lengths["disk"] == pytest.approx(float(x * r_disk), rel=1e-12)


MODELS = [
    _two_tier(),
    MVAModel({"app": 0.004, "redis": 0.0007, "db": 0.002}, think_time=3.0),
    MVAModel({"app": 0.004, "redis": 0.0007, "idp": 0.08}, think_time=5.0, delay_tiers={"idp"}),
    MVAModel({"app": 0.02, "redis": 0.001}, think_time=1.0, servers={"app": 4}),
    MVAModel({"only": 0.05}),
]


@pytest.mark.parametrize("model", MODELS)
def test_solutions_respect_the_asymptotic_bounds_for_every_population(model: MVAModel) -> None:
    bounds = model.bounds
    for result in model.curve(300):
        n = result.population
        assert result.throughput <= bounds.throughput_upper(n) * (1 + 1e-12)
        assert result.response_time >= bounds.response_time_lower(n) * (1 - 1e-12)
        # Little's law over the whole loop: users queued at tiers plus users thinking make n.
        assert sum(result.queue_lengths.values()) + result.throughput * model.think_time == pytest.approx(n)


def test_plain_model_obeys_the_bounds_of_laws_py_directly() -> None:
    bounds = AsymptoticBounds({"cpu": 0.2, "disk": 0.1}, think_time=1.0)
    for n in range(1, 60):
        result = _two_tier().solve(n)
        assert result.throughput <= bounds.throughput_upper(n) + 1e-12
        assert result.response_time >= bounds.response_time_lower(n) - 1e-12
    # Far past the knee N* = 6.5 the bottleneck saturates: X → 1/D_max, U_cpu → 1.
    far = _two_tier().solve(200)
    assert far.throughput == pytest.approx(5.0, rel=1e-9)
    assert far.utilizations["cpu"] == pytest.approx(1.0, rel=1e-9)


def test_single_queue_without_think_time_is_saturated_from_the_first_user() -> None:
    model = MVAModel({"only": 0.05})
    for n in (1, 7, 40):
        assert model.throughput_at_concurrency(n) == pytest.approx(20.0)
        assert model.response_time_at_concurrency(n) == pytest.approx(0.05 * n)


def test_curve_equals_solve_and_one_server_equals_no_server_count() -> None:
    model = MODELS[1]
    curve = model.curve(25)
    assert [r.population for r in curve] == list(range(1, 26))
    assert curve[-1] == model.solve(25)
    same = dataclasses.replace(model, servers={"app": 1})
    assert same.solve(25).throughput == pytest.approx(model.solve(25).throughput, rel=1e-12)


def test_more_servers_raise_the_saturation_throughput() -> None:
    one = MVAModel({"app": 0.02, "redis": 0.001}, think_time=1.0)
    four = MVAModel({"app": 0.02, "redis": 0.001}, think_time=1.0, servers={"app": 4})
    assert one.throughput_at_concurrency(500) == pytest.approx(50.0, rel=1e-6)
    assert four.throughput_at_concurrency(500) > 3.5 * one.throughput_at_concurrency(500)
    assert four.bounds.max_throughput == pytest.approx(200.0)


def test_delay_tier_adds_latency_but_never_saturates() -> None:
    model = MVAModel({"app": 0.01, "idp": 0.5}, think_time=0.0, delay_tiers={"idp"})
    result = model.solve(1000)
    assert result.residence_times["idp"] == pytest.approx(0.5)
    assert "idp" not in result.utilizations
    assert result.throughput == pytest.approx(100.0, rel=1e-6)


def test_max_population_for_response_time_is_the_last_population_within_the_slo() -> None:
    model = MODELS[1]
    slo = 0.05
    best = model.max_population_for_response_time(slo, max_n=10_000)
    assert model.response_time_at_concurrency(best) <= slo
    assert model.response_time_at_concurrency(best + 1) > slo
    with pytest.raises(UnreachableError, match="slo_s"):
        model.max_population_for_response_time(0.001)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"demands": {}}, "demands: need at least one tier"),
        ({"demands": {"a": -0.1}}, r"demands\['a'\]: must be >= 0, got -0.1"),
        ({"demands": {"a": 0.0}}, "at least one tier must have a demand > 0"),
        ({"demands": {"a": 0.1}, "think_time": -1.0}, "think_time: must be >= 0, got -1.0"),
        ({"demands": {"a": 0.1}, "delay_tiers": {"b"}}, r"not in demands: \['b'\]"),
        ({"demands": {"a": 0.1}, "servers": {"a": 0}}, r"servers\['a'\]: must be an integer >= 1, got 0"),
    ],
)
def test_invalid_models_are_refused_with_the_key_and_value(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(ModelError, match=match):
        MVAModel(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_populations_must_be_positive_integers(n: object) -> None:
    with pytest.raises(ModelError, match="n: must"):
        _two_tier().solve(n)  # type: ignore[arg-type]


def test_results_are_immutable() -> None:
    result = _two_tier().solve(2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.throughput = 3.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.residence_times["cpu"] = 1.0  # type: ignore[index]
