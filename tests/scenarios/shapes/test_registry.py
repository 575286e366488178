"""Every shape's contract, the flat shapes (steady, soak, arrivals) and the name registry."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from capacity.laws import users_for_arrival_rate
from results.exceptions import ConfigError
from scenarios.shapes.base import MIN_SPAWN_RATE, interpolate
from scenarios.shapes.registry import (
    DEFAULT_MEAN_SESSION_S,
    SHAPES,
    ArrivalShape,
    Phase1Cutover,
    Shape,
    Soak,
    Steady,
    shape_by_name,
)


@pytest.fixture(params=sorted(SHAPES))
def shape(request: pytest.FixtureRequest) -> Shape:
    return SHAPES[request.param]()


def test_phases_are_contiguous_and_cover_the_run(shape: Shape) -> None:
    phases = shape.phases()
    assert phases[0].start_s == 0.0
    assert phases[-1].end_s == shape.duration_s
    for before, after in itertools.pairwise(phases):
        assert before.end_s == after.start_s
        assert before.name != after.name
    assert all(p.duration_s > 0 for p in phases)


def test_phase_at_agrees_with_phases(shape: Shape) -> None:
    for phase in shape.phases():
        assert shape.phase_at(phase.start_s) == phase.name
        assert shape.phase_at((phase.start_s + phase.end_s) / 2) == phase.name
    assert shape.phase_at(shape.duration_s) == "ended"


def test_tick_stops_the_run_at_the_end(shape: Shape) -> None:
    assert shape.tick(shape.duration_s) is None
    assert shape.tick(shape.duration_s + 3600) is None
    assert shape.users_at(shape.duration_s + 1) == 0
    last = shape.tick(shape.duration_s - 0.5)
    assert last is not None
    assert last[0] == shape.users_at(shape.duration_s - 0.5)


def test_ticks_are_sane_over_the_whole_run(shape: Shape) -> None:
    step = max(1.0, shape.duration_s / 500)
    peak = shape.peak_users()
    t = 0.0
    while t < shape.duration_s:
        tick = shape.tick(t)
        assert tick is not None
        users, rate = tick
        assert 0 <= users <= peak
        assert rate >= MIN_SPAWN_RATE
        t += step
    if isinstance(shape, ArrivalShape):  # the open model's pool: headroom × the modelled sessions
        assert peak <= math.ceil(shape.pool_headroom * shape.modelled_users * shape.scale)
    else:
        assert peak <= round(shape.modelled_users * shape.scale)


def test_to_dict_is_json_and_reports_time_compression(shape: Shape) -> None:
    data = json.loads(json.dumps(shape.to_dict()))
    assert data["shape"] == shape.name
    assert data["time_compression"] == shape.time_compression
    assert data["real_duration_s"] == shape.duration_s * shape.time_compression
    assert [p["name"] for p in data["phases"]] == [p.name for p in shape.phases()]
    assert data["phases"][-1]["real_end_s"] == data["real_duration_s"]


def test_negative_time_is_an_error(shape: Shape) -> None:
    with pytest.raises(ValueError, match="t: must be >= 0, got -1"):
        shape.users_at(-1)


def test_steady_ramps_monotonically_then_holds() -> None:
    shape = Steady(users=40_000, ramp_s=100.0, scale=0.01, duration_s=300.0)
    users = [shape.users_at(t) for t in range(0, 101)]
    assert users == sorted(users)
    assert (users[0], users[50], users[100]) == (0, 200, 400)
    assert {shape.users_at(t) for t in range(100, 300)} == {400}
    assert (shape.phase_at(99.9), shape.phase_at(100)) == ("ramp", "steady")
    assert shape.spawn_rate_at(50) == pytest.approx(4.0)  # 400 users over 100 s
    assert shape.spawn_rate_at(200) == MIN_SPAWN_RATE


def test_scale_is_applied_and_rounded() -> None:
    assert Steady(scale=0.01).users_at(100) == 1_200  # default: the designed capacity, 120,000
    assert Steady(scale=0.5, modelled_users=1_001).users_at(100) == round(1_001 * 0.5)
    assert Steady(scale=1.0, users=7).users_at(100) == 7


def test_default_ramps_fit_the_duration_asked_for() -> None:
    assert Steady(duration_s=45).ramp == 11.25  # a quarter: 45 s drills are no longer refused
    assert Steady(duration_s=600).ramp == 60.0  # at most a minute
    assert Soak(duration_s=120).ramp == 30.0
    assert Soak().ramp == 600.0
    assert [p.name for p in Steady(duration_s=45).phases()] == ["ramp", "steady"]
    with pytest.raises(ValueError, match="leave it unset for a ramp that fits"):
        Steady(duration_s=45, ramp_s=60)


def test_steady_without_ramp() -> None:
    shape = Steady(users=1_000, ramp_s=0.0, scale=1.0)
    assert shape.users_at(0) == 1_000
    assert [p.name for p in shape.phases()] == ["steady"]


def test_soak_defaults() -> None:
    soak = Soak()
    assert soak.duration_s == 4 * 3600
    assert soak.users_at(soak.duration_s - 1) == round(0.7 * 120_000 * soak.scale)
    assert [p.name for p in soak.phases()] == ["ramp", "soak"]


def test_arrivals_and_users_follow_littles_law() -> None:
    shape = ArrivalShape(arrivals_per_s=42.0, mean_session_s=100.0, scale=0.1, ramp_s=10.0)
    assert shape.arrivals_at(5.0) == pytest.approx(2.1)  # half way up the ramp, × scale
    assert shape.arrivals_at(20.0) == pytest.approx(4.2)
    online = users_for_arrival_rate(42.0, 100.0) * 0.1
    assert round(shape.modelled_users_at(20.0) * 0.1) == round(online) == 420
    assert shape.users_at(20.0) == 840  # Locust's pool: POOL_HEADROOM (2) × the 420 sessions online
    assert shape.arrivals_at(shape.duration_s) == 0.0
    data = shape.to_dict()
    assert (data["modelled_arrivals_per_s"], data["equivalent_modelled_users"]) == (42.0, 4_200.0)


def test_arrivals_default_rate_holds_the_modelled_population() -> None:
    shape = ArrivalShape(modelled_users=60_000)
    assert shape.mean_session_s == DEFAULT_MEAN_SESSION_S
    assert shape.rate == pytest.approx(60_000 / DEFAULT_MEAN_SESSION_S)
    assert round(shape.modelled_users_at(shape.duration_s - 1) * shape.scale) == round(60_000 * shape.scale)
    assert shape.users_at(shape.duration_s - 1) == 2 * round(60_000 * shape.scale)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scale": 0.0}, r"steady.scale: must be > 0, got 0.0"),
        ({"scale": 1.5}, r"steady.scale: must be <= 1, got 1.5"),
        ({"modelled_users": 0}, r"steady.modelled_users: must be >= 1, got 0"),
        ({"duration_s": -5.0}, r"steady.duration_s: must be > 0, got -5.0"),
        ({"ramp_s": 600.0}, r"steady.ramp_s: must be < duration_s=600, got 600.0"),
        ({"users": 2.5}, r"steady.users: must be an integer, got 2.5"),
        ({"time_compression": 0}, r"steady.time_compression: must be > 0, got 0"),
    ],
)
def test_bad_parameters_name_key_and_value(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Steady(**kwargs)  # type: ignore[arg-type]


def test_shape_by_name_converts_strings() -> None:
    shape = shape_by_name("phase1-cutover", cutover_s="200", scale="0.02", modelled_users="100000")
    assert shape == Phase1Cutover(cutover_s=200.0, scale=0.02, modelled_users=100_000)
    assert shape_by_name("steady", users="none") == Steady()
    assert shape_by_name("arrivals", arrivals_per_s="12.5") == ArrivalShape(arrivals_per_s=12.5)


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("tsunami", {}, r"shape='tsunami': unknown shape; known: steady"),
        ("steady", {"colour": "red"}, r"steady.colour: unknown parameter"),
        ("steady", {"modelled_users": "lots"}, r"steady.modelled_users: must be an integer, got 'lots'"),
        ("soak", {"ramp_s": "-1"}, r"soak.ramp_s: must be >= 0, got -1.0"),
    ],
)
def test_shape_by_name_errors(name: str, params: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        shape_by_name(name, **params)


def test_interpolate_steps_are_right_continuous() -> None:
    knots = ((0.0, 0.0), (10.0, 10.0), (10.0, 50.0), (20.0, 50.0))
    assert interpolate(knots, 5.0) == 5.0
    assert interpolate(knots, 10.0) == 50.0
    assert interpolate(knots, 99.0) == 50.0
    assert math.isclose(interpolate(knots, 9.999), 9.999)
