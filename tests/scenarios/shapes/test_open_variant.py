"""Any closed shape played open: arrivals at users / mean session, the closed shape's phases, a pool that
never shrinks; the drill's config carries ``--open`` and refuses what an open model cannot do."""

from __future__ import annotations

import pytest

from scenarios.drill.config import DrillConfig
from scenarios.drill.scenario import build_shape
from scenarios.shapes.open_variant import OpenVariant
from scenarios.shapes.registry import Phase1Cutover, Spike, Steady
from scenarios.shapes.schedule import OpenModel

JOURNEYS = (("browse_catalogue", 1.0),)


def test_a_spike_played_open_arrives_at_its_users_over_the_mean_session() -> None:
    closed = Spike(users=1_000, factor=3, scale=0.01, ramp_s=10, before_s=30, spike_s=60, duration_s=150)
    shape = OpenVariant.of(closed, mean_session_s=5.0)
    assert shape.phases() == closed.phases()
    assert shape.arrivals_at(20) == pytest.approx(10 / 5)  # 10 simulated users / 5 s sessions
    assert shape.arrivals_at(50) == pytest.approx(30 / 5)  # the spike: three times the arrivals
    assert shape.arrivals_at(150) == 0.0
    knots = dict(shape.arrival_knots())
    assert knots[40.0] == pytest.approx(6.0)  # the step at the spike stays a step
    assert knots[40.0 - 1e-6] == pytest.approx(2.0)
    # the pool: twice the closed shape's peak so far, 5 s ahead; it never shrinks after the spike
    assert shape.users_at(20) == 20
    assert shape.users_at(36) == 60
    assert shape.users_at(120) == 60
    assert shape.tick(150) is None
    schedule = shape.schedule(JOURNEYS, seed=1)
    assert schedule.expected(40, 100) == pytest.approx(6.0 * 60, rel=1e-3)
    assert isinstance(shape, OpenModel)
    assert not isinstance(closed, OpenModel)
    data = shape.to_dict()
    assert (data["shape"], data["open_model"], data["params"]["factor"]) == ("spike", True, 3)


def test_the_cutover_played_open_keeps_its_phases_and_relogins() -> None:
    closed = Phase1Cutover(scale=0.001)
    shape = OpenVariant.of(closed, process="constant", max_users=50)
    assert [p.name for p in shape.phases()] == [p.name for p in closed.phases()]
    assert shape.relogins_by_phase() == closed.relogins_by_phase()
    assert shape.peak_users() == 50
    with pytest.raises(ValueError, match=r"open\.pool_headroom"):
        OpenVariant.of(closed, pool_headroom=0.5)
    with pytest.raises(ValueError, match=r"open\.burst"):
        OpenVariant.of(closed, burst=1)


def test_the_drill_config_plays_a_scenario_open_on_request() -> None:
    config = DrillConfig(scenario="steady", duration_s=60, open=True, shape_params={"pool_headroom": 3})
    assert DrillConfig.from_env(config.to_env()) == config
    shape = build_shape(config)
    assert isinstance(shape, OpenVariant)
    assert isinstance(shape.closed, Steady)
    assert shape.pool_headroom == 3
    assert isinstance(build_shape(DrillConfig(scenario="steady", duration_s=60)), Steady)
    with pytest.raises(ValueError, match="an open-model parameter; add --open"):
        build_shape(DrillConfig(scenario="steady", shape_params={"pool_headroom": 3}))
    with pytest.raises(ValueError, match="CUASO_DRILL_ITERATIONS"):
        DrillConfig(scenario="arrivals", iterations=2)
    with pytest.raises(ValueError, match="CUASO_DRILL_OPEN"):
        DrillConfig.from_env({"CUASO_DRILL_OPEN": "maybe"})


def test_an_open_sweep_is_an_arrival_rate_staircase() -> None:
    params = {"levels": [2, 8], "warmup_s": 3, "steady_s": 10, "repeats": 1, "mean_session_s": 4.0}
    shape = build_shape(DrillConfig(scenario="staircase", open=True, shape_params=params))
    assert isinstance(shape, OpenVariant)
    levels = {p.name: (p.start_s + p.end_s) / 2 for p in shape.phases()}
    assert shape.arrivals_at(levels["level-002-r1"]) == pytest.approx(2 / 4)
    assert shape.arrivals_at(levels["level-008-r1"]) == pytest.approx(8 / 4)
