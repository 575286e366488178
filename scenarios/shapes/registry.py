"""Load shapes of the surge drills: what the crowd does over the drill's run time.

Every shape is pure data (a frozen dataclass of named parameters, each documented as FACTS or
assumption) with pure functions of run time ``t`` (drill seconds): ``users_at``, ``spawn_rate_at``,
``phase_at``, ``phases`` and ``tick`` (None from ``duration_s`` on, so the run stops by itself). The base
and its conventions (modelled vs simulated users, ``scale``, ``time_compression``) are in
:mod:`scenarios.shapes.base`. No Locust import here; :mod:`scenarios.shapes.locust_classes` wraps them.

=======================  ================================================================================
name                     shape
=======================  ================================================================================
``steady``               :class:`Steady` — ramp, then hold ``users``
``office-day``           :class:`OfficeDay` — working hours compressed into the drill, lunch dip, night floor
``phase1-cutover``       :class:`Phase1Cutover` — provincial portals close (1 July 2025)
``phase2-cutover``       :class:`Phase2Cutover` — ministry portals close (end of Feb 2026)
``filing-deadline-rush`` :class:`FilingDeadlineRush` — a rush to a multiple of the baseline, then a drop
``soak``                 :class:`Soak` — long steady load
``arrivals``             :class:`ArrivalShape` — open model: arrivals/s and the equivalent users
``spike``                :class:`Spike` — a base level, a step to ``factor`` times it, back (overload)
=======================  ================================================================================

:func:`shape_by_name` builds one from the command line or Locust options (string values are converted
to the parameter's type).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from results.exceptions import ConfigError
from scenarios.shapes.base import (
    DEFAULT_SCALE,
    DESIGNED_CAPACITY,
    HIGHEST_OBSERVED,
    Phase,
    PhaseLogins,
    Shape,
)
from scenarios.shapes.cutover import DEFAULT_RELOGIN_SHARE, Phase1Cutover, Phase2Cutover
from scenarios.shapes.day import FilingDeadlineRush, OfficeDay
from scenarios.shapes.spike import Spike
from scenarios.shapes.steady import DEFAULT_MEAN_SESSION_S, ArrivalShape, Soak, Steady

__all__ = [
    "DEFAULT_MEAN_SESSION_S",
    "DEFAULT_RELOGIN_SHARE",
    "DEFAULT_SCALE",
    "DESIGNED_CAPACITY",
    "HIGHEST_OBSERVED",
    "SHAPES",
    "ArrivalShape",
    "FilingDeadlineRush",
    "OfficeDay",
    "Phase",
    "Phase1Cutover",
    "Phase2Cutover",
    "PhaseLogins",
    "Shape",
    "Soak",
    "Spike",
    "Steady",
    "shape_by_name",
]

SHAPES: Mapping[str, type[Shape]] = types.MappingProxyType(
    {
        cls.name: cls
        for cls in (
            Steady,
            OfficeDay,
            Phase1Cutover,
            Phase2Cutover,
            FilingDeadlineRush,
            Soak,
            ArrivalShape,
            Spike,
        )
    }
)
"""Shape classes by the name the command line and the drill runner use."""


def _convert(key: str, value: object, hint: Any) -> object:
    """A string from the command line or the environment as the parameter's type (int, float, or
    either of them or None); every other value is passed through for the shape to validate."""
    if not isinstance(value, str):
        return value
    options = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    text = value.strip()
    if type(None) in options and text.lower() in ("", "none", "null"):
        return None
    for option in (int, float):
        if option in options:
            try:
                return option(text)
            except ValueError:
                if option is int and float in options:
                    continue
                raise ValueError(
                    f"{key}: must be {'an integer' if option is int else 'a number'}, got {value!r}"
                ) from None
    return value


def shape_by_name(name: str, **params: object) -> Shape:
    """The shape ``name`` (a key of :data:`SHAPES`) built with ``params``; strings are converted to the
    parameter's type. Raises :class:`results.exceptions.ConfigError` naming the bad key and value."""
    cls = SHAPES.get(name)
    if cls is None:
        raise ConfigError("shape", name, f"unknown shape; known: {', '.join(SHAPES)}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    try:
        converted: dict[str, Any] = {}
        for key, value in params.items():
            if key not in known:
                raise ValueError(f"{name}.{key}: unknown parameter; known: {', '.join(known)}")
            converted[key] = _convert(f"{name}.{key}", value, hints[key])
        return cls(**converted)
    except ValueError as exc:
        raise ConfigError("shape", name, str(exc)) from exc
