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
    """The shape ``config.scenario`` with the config's population, scale, duration and extra parameters;
    a bad name or parameter raises ``ValueError`` naming it."""
    kwargs: dict[str, Any] = config.shape_kwargs()
    if config.scenario == Staircase.name:
        if "levels" in kwargs:
            kwargs["levels"] = tuple(kwargs["levels"])
        for ignored in ("modelled_users", "scale", "duration_s"):  # derived from the levels
            kwargs.pop(ignored, None)
        return Staircase(**kwargs)
    from scenarios.shapes.registry import shape_by_name

    if config.scenario == "arrivals" and "mean_session_s" not in kwargs:
        from scenarios.mix import mean_session_s

        kwargs["mean_session_s"] = mean_session_s(config.effective_mix())  # this drill's own mix
    return shape_by_name(config.scenario, **kwargs)
