"""The spike shape of the overload drill: a pure function of run time, validated on construction."""

from __future__ import annotations

import pytest

from results.exceptions import ConfigError
from scenarios.shapes.registry import SHAPES, Spike, shape_by_name


def test_base_spike_and_back_as_a_function_of_time() -> None:
    shape = Spike(users=40, factor=5.0, scale=1.0, modelled_users=200, ramp_s=10, before_s=20, spike_s=30,
                  duration_s=100)  # fmt: skip
    assert [(p.name, p.start_s, p.end_s) for p in shape.phases()] == [
        ("ramp", 0.0, 10.0), ("before", 10.0, 30.0), ("spike", 30.0, 60.0), ("after", 60.0, 100.0),
    ]  # fmt: skip
    assert [shape.users_at(t) for t in (0, 5, 10, 29.9, 30, 59.9, 60, 99)] == [
        0,
        20,
        40,
        40,
        200,
        200,
        40,
        40,
    ]
    assert shape.tick(30.0) == (200, 160.0)  # the step is started within one tick
    assert shape.tick(100.0) is None
    assert shape.peak_users() == 200
    assert shape.phase_at(45) == "spike"


def test_the_default_base_is_the_population_over_the_factor() -> None:
    shape = shape_by_name("spike", modelled_users=1000, scale=0.1, factor="4", duration_s="200")
    assert isinstance(shape, Spike)
    assert SHAPES["spike"] is Spike
    assert (shape.base, shape.users_at(50.0)) == (250.0, 100)


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"factor": 0.5}, "spike.factor"),
        ({"spike_s": 0}, "spike.spike_s"),
        ({"before_s": -1}, "spike.before_s"),
        ({"users": 0}, "spike.users"),
        ({"duration_s": 100.0}, "spike.duration_s"),  # 10 + 30 + 60: no time left after the spike
    ],
)
def test_bad_parameters_name_the_key(params: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        shape_by_name("spike", **{"duration_s": 200.0, **params})
