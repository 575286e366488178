"""Scenario names → load shapes: the shapes of :mod:`scenarios.shapes.registry` plus the sweep's staircase."""

from __future__ import annotations

from typing import Any

from scenarios.drill.config import DrillConfig
from scenarios.shapes.base import Shape
from scenarios.sweep import Staircase


def scenario_names() -> tuple[str, ...]:
    """Every scenario a drill can run."""
    from scenarios.shapes.registry import SHAPES

    return (*SHAPES, Staircase.name)


def build_shape(config: DrillConfig) -> Shape:
    """The shape ``config.scenario`` with the config's population, scale, duration and extra parameters,
    played open (:class:`~scenarios.shapes.open_variant.OpenVariant`) when ``config.open``; a bad name
    or parameter raises ``ValueError`` naming it. An open model's mean session S defaults to the
    drill's own mix's."""
    from scenarios.mix import mean_session_s
    from scenarios.shapes.open_variant import OPEN_PARAMS, OpenVariant
    from scenarios.shapes.registry import shape_by_name

    kwargs: dict[str, Any] = config.shape_kwargs()
    session_s = mean_session_s(config.effective_mix())
    if config.scenario == "arrivals":  # always open
        kwargs.setdefault("mean_session_s", session_s)
        return shape_by_name(config.scenario, **kwargs)
    open_params = {key: kwargs.pop(key) for key in OPEN_PARAMS if key in kwargs}
    if open_params and not config.open:
        raise ValueError(f"{config.scenario}.{next(iter(open_params))}: an open-model parameter; add --open")
    if config.scenario == Staircase.name:
        if "levels" in kwargs:
            kwargs["levels"] = tuple(kwargs["levels"])
        for ignored in ("modelled_users", "scale", "duration_s"):  # derived from the levels
            kwargs.pop(ignored, None)
        shape: Shape = Staircase(**kwargs)
    else:
        shape = shape_by_name(config.scenario, **kwargs)
    if not config.open:
        return shape
    open_params.setdefault("mean_session_s", session_s)
    return OpenVariant.of(shape, **open_params)
