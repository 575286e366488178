"""Thin Locust ``LoadTestShape`` wrappers around the pure shapes of :mod:`scenarios.shapes.registry`.

Each class's ``tick()`` is ``self.spec.tick(self.get_run_time())``: the spec (a :class:`~scenarios.
shape_base.Shape`) is built once, on the first tick, from the drill's settings, and the answer is a pure
function of Locust's run time — so a run stops by itself at ``duration_s``.

**How the drill runner passes the scenario, modelled users and scale.** The same names as the drill
configuration (``scenarios.drill.config``), read in this order:

1. Locust's parsed options, ``self.runner.environment.parsed_options``: ``cuaso_scenario``,
   ``cuaso_shape_params`` (a JSON object of extra shape parameters), ``cuaso_modelled_users``,
   ``cuaso_scale``, ``cuaso_duration_s`` — the locustfile registers them as ``--cuaso-*`` options, so
   they also come from the command line, a Locust config file or their environment variables;
2. otherwise the environment variables ``CUASO_DRILL_SCENARIO``, ``CUASO_DRILL_SHAPE_PARAMS``,
   ``CUASO_DRILL_MODELLED_USERS``, ``CUASO_DRILL_SCALE``, ``CUASO_DRILL_DURATION_S``;
3. an empty or missing value means the shape's own default.

A locustfile imports exactly one of these classes (Locust runs the first shape class it finds):
:class:`ScenarioShape` picks the shape by ``cuaso_scenario``; the others are fixed to one shape (a
``cuaso_scenario`` that names another shape is an error). Values are strings and are converted to each
parameter's type by :func:`scenarios.shapes.shape_by_name`. Importing ``locust`` monkey-patches the
process with gevent unless ``LOCUST_SKIP_MONKEY_PATCH=1`` is set (``tests/conftest.py`` sets it).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, cast

from locust import LoadTestShape

from results.exceptions import ConfigError
from scenarios.shapes.base import Shape
from scenarios.shapes.registry import shape_by_name

ENV_PREFIX = "CUASO_DRILL_"
"""Prefix of the environment variables read when Locust's parsed options do not carry a setting."""

OPTION_PREFIX = "cuaso_"
"""Prefix of the attributes of Locust's parsed options (``--cuaso-scale`` → ``cuaso_scale``)."""

SETTINGS: tuple[str, ...] = ("scenario", "shape_params", "modelled_users", "scale", "duration_s")
"""The settings a shape reads: the scenario name, then what :func:`shape_by_name` takes."""


def read_settings(options: object | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Each of :data:`SETTINGS` that is set, as a string: from ``options`` (Locust's parsed options)
    when it holds a non-empty value, else from ``environ`` (``CUASO_DRILL_*``)."""
    found: dict[str, str] = {}
    for name in SETTINGS:
        value = getattr(options, OPTION_PREFIX + name, None) if options is not None else None
        if value is None or value == "":
            value = environ.get(ENV_PREFIX + name.upper())
        if value is not None and value != "":
            found[name] = str(value)
    return found


def build_shape(settings: Mapping[str, str], fixed_name: str | None = None) -> Shape:
    """The shape the settings describe; ``fixed_name`` (a wrapper fixed to one shape) wins over the
    ``scenario`` setting, which must then name the same shape or be absent."""
    scenario = settings.get("scenario")
    if fixed_name is not None and scenario is not None and scenario != fixed_name:
        raise ConfigError(ENV_PREFIX + "SCENARIO", scenario, f"this locustfile's shape is {fixed_name!r}")
    name = fixed_name or scenario
    if name is None:
        raise ConfigError(ENV_PREFIX + "SCENARIO", "", "no scenario named (--cuaso-scenario)")
    params: dict[str, Any] = {}
    if "shape_params" in settings:
        try:
            extra = json.loads(settings["shape_params"])
        except json.JSONDecodeError as exc:
            raise ConfigError(
                ENV_PREFIX + "SHAPE_PARAMS", settings["shape_params"], f"not JSON: {exc}"
            ) from exc
        if not isinstance(extra, dict):
            raise ConfigError(ENV_PREFIX + "SHAPE_PARAMS", settings["shape_params"], "must be a JSON object")
        params.update(extra)
    for key in ("modelled_users", "scale", "duration_s"):
        if key in settings:
            params[key] = settings[key]
    return shape_by_name(name, **params)


class DrillShape(LoadTestShape):
    """Base of the wrappers: ``tick()`` returns ``self.spec.tick(self.get_run_time())``."""

    abstract: ClassVar[bool] = True
    shape_name: ClassVar[str | None] = None
    """The shape this class is fixed to; None means the ``cuaso_scenario`` setting names it."""

    _spec: Shape | None = None

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # Locust's __init__ is not annotated

    def build_spec(self) -> Shape:
        """The pure shape, from the runner's parsed options or the environment (see the module
        docstring); override to build shapes :func:`shape_by_name` does not know."""
        runner = self.runner
        options = runner.environment.parsed_options if runner is not None else None
        return build_shape(read_settings(options, os.environ), self.shape_name)

    @property
    def spec(self) -> Shape:
        """The pure shape, built on first use and kept."""
        if self._spec is None:
            self._spec = self.build_spec()
        return self._spec

    def tick(self) -> tuple[int, float] | None:
        run_time = cast(Callable[[], float], self.get_run_time)()
        return self.spec.tick(run_time)


class ScenarioShape(DrillShape):
    """Any shape of :data:`scenarios.shapes.registry.SHAPES`, named by the ``cuaso_scenario`` setting."""


class SteadyShape(DrillShape):
    shape_name = "steady"


class OfficeDayShape(DrillShape):
    shape_name = "office-day"


class Phase1CutoverShape(DrillShape):
    shape_name = "phase1-cutover"


class Phase2CutoverShape(DrillShape):
    shape_name = "phase2-cutover"


class FilingDeadlineRushShape(DrillShape):
    shape_name = "filing-deadline-rush"


class SoakShape(DrillShape):
    shape_name = "soak"


class ArrivalsShape(DrillShape):
    """The open-model :class:`~scenarios.shapes.registry.ArrivalShape`; Locust holds the equivalent users."""

    shape_name = "arrivals"


class SpikeShape(DrillShape):
    """A base level, a step to ``factor`` times it, and back (the overload drill)."""

    shape_name = "spike"
