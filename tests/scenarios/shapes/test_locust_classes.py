"""The Locust wrappers: settings from parsed options or the environment, tick from a patched clock."""

from __future__ import annotations

import argparse
import inspect
from types import SimpleNamespace
from typing import Any, cast

import pytest

from results.exceptions import ConfigError
from scenarios.shapes import locust_classes
from scenarios.shapes.locust_classes import (
    DrillShape,
    Phase1CutoverShape,
    ScenarioShape,
    SteadyShape,
    read_settings,
)
from scenarios.shapes.registry import SHAPES, Phase1Cutover, Soak, Steady


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in locust_classes.SETTINGS:
        monkeypatch.delenv(locust_classes.ENV_PREFIX + name.upper(), raising=False)


def with_options(shape: DrillShape, **options: str) -> DrillShape:
    """Attach a stand-in runner whose environment carries these parsed options."""
    namespace = argparse.Namespace(**{"cuaso_" + key: value for key, value in options.items()})
    shape.runner = cast(Any, SimpleNamespace(environment=SimpleNamespace(parsed_options=namespace)))
    return shape


def at(monkeypatch: pytest.MonkeyPatch, shape: DrillShape, run_time: float) -> tuple[int, float] | None:
    monkeypatch.setattr(shape, "get_run_time", lambda: run_time)
    return shape.tick()


def test_tick_follows_the_spec_on_a_patched_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    shape = with_options(
        Phase1CutoverShape(), scale="0.02", modelled_users="100000", shape_params='{"cutover_s": 200}'
    )
    spec = Phase1Cutover(scale=0.02, modelled_users=100_000, cutover_s=200.0)
    assert shape.spec == spec
    for t in (0.0, 100.0, 199.0, 215.0, 400.0, 599.0):
        assert at(monkeypatch, shape, t) == spec.tick(t)
    users, rate = at(monkeypatch, shape, 215.0) or (0, 0.0)
    assert users == round((50_000 + 50_000 / 2) * 0.02)
    assert rate == pytest.approx(1_000 / 30)  # 1,000 simulated users in 30 s
    assert at(monkeypatch, shape, 600.0) is None


def test_environment_is_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUASO_DRILL_SCALE", "0.5")
    monkeypatch.setenv("CUASO_DRILL_DURATION_S", "120")
    shape = SteadyShape()  # no runner: settings come from the environment only
    assert shape.spec == Steady(scale=0.5, duration_s=120.0)
    assert at(monkeypatch, shape, 119.0) == (60_000, 1.0)
    assert at(monkeypatch, shape, 120.0) is None


def test_options_win_over_the_environment_and_empty_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUASO_DRILL_SCALE", "0.5")
    monkeypatch.setenv("CUASO_DRILL_MODELLED_USERS", "1000")
    options = argparse.Namespace(cuaso_scale="0.25", cuaso_modelled_users="", cuaso_duration_s=None)
    assert read_settings(options, {"CUASO_DRILL_SCALE": "0.5", "CUASO_DRILL_MODELLED_USERS": "1000"}) == {
        "scale": "0.25",
        "modelled_users": "1000",
    }
    assert with_options(SteadyShape(), scale="0.25", modelled_users="").spec == Steady(
        scale=0.25, modelled_users=1000
    )


def test_scenario_shape_picks_the_shape_by_name() -> None:
    shape = with_options(ScenarioShape(), scenario="soak", shape_params='{"ramp_s": 30}', duration_s="60")
    assert shape.spec == Soak(ramp_s=30.0, duration_s=60.0)


@pytest.mark.parametrize(
    ("cls", "options", "message"),
    [
        (ScenarioShape, {}, r"CUASO_DRILL_SCENARIO='': no scenario named"),
        (
            SteadyShape,
            {"scenario": "soak"},
            r"CUASO_DRILL_SCENARIO='soak': this locustfile's shape is 'steady'",
        ),
        (SteadyShape, {"shape_params": "[1]"}, r"CUASO_DRILL_SHAPE_PARAMS='\[1\]': must be a JSON object"),
        (SteadyShape, {"shape_params": "{"}, r"CUASO_DRILL_SHAPE_PARAMS='{': not JSON"),
        (SteadyShape, {"scale": "2"}, r"steady.scale: must be <= 1, got 2.0"),
    ],
)
def test_bad_settings_are_config_errors(cls: type[DrillShape], options: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        _ = with_options(cls(), **options).spec


def test_one_concrete_wrapper_per_shape() -> None:
    wrappers = [
        cls
        for _, cls in inspect.getmembers(locust_classes, inspect.isclass)
        if issubclass(cls, DrillShape) and not cls.abstract
    ]
    named = {cls.shape_name for cls in wrappers if cls.shape_name is not None}
    assert named == set(SHAPES)
    assert DrillShape.abstract
    assert not ScenarioShape.abstract
