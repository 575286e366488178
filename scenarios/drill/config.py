"""One drill's settings, as Locust sees them: ``CUASO_DRILL_*`` variables and ``--cuaso-*`` options.

The drill runner (``cuaso drill``) builds a :class:`DrillConfig`, writes it as environment variables
(:meth:`DrillConfig.to_env`) for the Locust processes it starts, and the locustfile registers the same
names as Locust command-line options (:func:`register_options`), so that

* every Locust process reads them the way it reads its own options (CLI, environment, config file);
* in distributed mode the master forwards them to its workers with each spawn message (Locust sends
  every non-standard option), so a worker started by hand on another machine
  (``locust -f scenarios/locustfile.py --worker --master-host H``) needs none of them.

Only what Locust has no option for lives here: the scenario (shape) and its parameters, the modelled
population and scale, the seed, the journey mix (or a user's own Locust file instead), think-time
scaling, retry behaviour, a fixed number of journeys per user, request timeout and the abort
threshold. Host, users' spawning, CSV/HTML output and distributed mode are Locust's own settings
(``LOCUST_*``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from scenarios.mix import JourneyMix
from scenarios.retry import PRESETS, RetryPolicy
from scenarios.shapes.base import DEFAULT_SCALE, DESIGNED_CAPACITY

ENV_PREFIX = "CUASO_DRILL_"

REQUEST_TIMEOUT_S = 30.0
"""Assumption: a citizen waits at most 30 s for a page before giving up on it (then retries or leaves,
per the retry policy); also the generator's network timeout."""

ABORT_ERROR_RATE = 0.5
"""Assumption: a drill whose error rate passes 50% measures nothing more but the outage; stop it."""

ABORT_MIN_REQUESTS = 200
"""Assumption: the error rate is judged only after this many requests (a few early errors are noise)."""

DEFAULT_RETRY = "patient"
"""Citizens are patient by default (see :mod:`scenarios.retry`; an assumption like its presets)."""


class OptionParser(Protocol):
    """The part of Locust's (configargparse) parser that :func:`register_options` uses."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any: ...


@dataclass(frozen=True, slots=True)
class _Option:
    name: str  # field of DrillConfig; option --cuaso-<name with dashes>; env CUASO_DRILL_<NAME>
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--cuaso-" + self.name.replace("_", "-")

    @property
    def dest(self) -> str:
        return "cuaso_" + self.name


OPTIONS: tuple[_Option, ...] = (
    _Option("scenario", "drill scenario (load shape) name"),
    _Option("shape_params", "JSON object of extra shape parameters"),
    _Option("modelled_users", "modelled population (concurrent users of the real portal)"),
    _Option("scale", "simulated users per modelled user, in (0, 1]"),
    _Option("duration_s", "drill length in seconds (empty: the shape's default)"),
    _Option("seed", "seed of every random choice (citizens, journeys, think times)"),
    _Option("mix", "JSON of the journey mix (JourneyMix.to_dict); empty: the default mix"),
    _Option("think_scale", "multiply every think time by this factor (0: no thinking)"),
    _Option("retry", f"retry policy: {', '.join(PRESETS)}"),
    _Option("iterations", "journeys each user runs before it stops (0: until the drill ends)"),
    _Option("open", "play the scenario as an open model: sessions arrive at users/mean session (1/0)"),
    _Option("session_mix", "every user draws each session's journey by session share (1/0; sweeps)"),
    _Option("request_timeout_s", "network timeout of one request, seconds"),
    _Option("abort_error_rate", "abort the drill when the error rate passes this share"),
    _Option("abort_min_requests", "judge the error rate only after this many requests"),
    _Option("out", "folder where the master writes the drill's measurements"),
    _Option("run_id", "the run's id (idempotency keys of different runs must differ)"),
    _Option("allow_hosts", "comma-separated non-loopback hosts the journeys may be redirected to"),
    _Option("locustfile", "a user's Locust file: its User classes run instead of cuaso's journeys"),
)


def register_options(parser: OptionParser) -> None:
    """Register every ``--cuaso-*`` option (env ``CUASO_DRILL_*``) on Locust's parser."""
    for option in OPTIONS:
        parser.add_argument(
            option.flag, dest=option.dest, env_var=option.env, default="", include_in_web_ui=False,
            help=option.help,
        )  # fmt: skip


@dataclass(frozen=True)
class DrillConfig:
    """The settings one drill's Locust processes share; validated on construction (errors name the
    ``CUASO_DRILL_*`` key and the bad value)."""

    scenario: str = "steady"
    shape_params: Mapping[str, Any] = field(default_factory=dict)
    modelled_users: int = DESIGNED_CAPACITY
    scale: float = DEFAULT_SCALE
    duration_s: float | None = None
    seed: int = 1
    mix: JourneyMix = field(default_factory=JourneyMix.default)
    think_scale: float = 1.0
    retry: str = DEFAULT_RETRY
    iterations: int = 0
    open: bool = False
    session_mix: bool = False  # one user class drawing journeys per session (a sweep's stationary mix)
    request_timeout_s: float = REQUEST_TIMEOUT_S
    abort_error_rate: float = ABORT_ERROR_RATE
    abort_min_requests: int = ABORT_MIN_REQUESTS
    out: str = ""
    run_id: str = ""
    allow_hosts: tuple[str, ...] = ()
    locustfile: str = ""  # a user's Locust file (scenarios/drill/user_file.py); empty: cuaso's journeys

    def __post_init__(self) -> None:
        def bad(name: str, reason: str) -> ValueError:
            return ValueError(f"{ENV_PREFIX}{name.upper()}={getattr(self, name)!r}: {reason}")

        if not self.scenario:
            raise bad("scenario", "must name a scenario")
        if not isinstance(self.shape_params, Mapping):
            raise bad("shape_params", "must be a JSON object")
        if self.modelled_users < 1:
            raise bad("modelled_users", "must be >= 1")
        if not 0 < self.scale <= 1:
            raise bad("scale", "must be in (0, 1]")
        if self.duration_s is not None and not (math.isfinite(self.duration_s) and self.duration_s > 0):
            raise bad("duration_s", "must be > 0 seconds")
        if not (math.isfinite(self.think_scale) and self.think_scale >= 0):
            raise bad("think_scale", "must be >= 0")
        if self.retry not in PRESETS:
            raise bad("retry", f"must be one of {', '.join(PRESETS)}")
        if self.iterations < 0:
            raise bad("iterations", "must be >= 0")
        if self.iterations and (self.open or self.scenario == "arrivals"):
            raise bad("iterations", "an open model starts sessions on a schedule, not per user; use 0")
        if not (math.isfinite(self.request_timeout_s) and self.request_timeout_s > 0):
            raise bad("request_timeout_s", "must be > 0 seconds")
        if not 0 < self.abort_error_rate <= 1:
            raise bad("abort_error_rate", "must be in (0, 1]")
        if self.abort_min_requests < 1:
            raise bad("abort_min_requests", "must be >= 1")
        if any(not h or "," in h or h != h.strip() for h in self.allow_hosts):
            raise bad("allow_hosts", "each host must be a non-empty name without commas or spaces")
        if self.locustfile and (self.open or self.scenario == "arrivals"):
            raise bad("locustfile", "an open model schedules cuaso's journeys; a locustfile's users run "
                      "closed (use a closed scenario, without --open)")  # fmt: skip
        if self.locustfile and self.session_mix:
            raise bad("locustfile", "a user's locustfile runs its own classes; drop the session mix")
        if self.locustfile and self.iterations:
            raise bad("locustfile", "a fixed number of journeys per user applies to cuaso's journeys only")

    @property
    def retry_policy(self) -> RetryPolicy:
        return PRESETS[self.retry]

    def effective_mix(self) -> JourneyMix:
        """The mix with every think time multiplied by ``think_scale``."""
        if self.think_scale == 1.0:
            return self.mix
        data = self.mix.to_dict()
        data["think"] = {
            k: [v[0] * self.think_scale, v[1] * self.think_scale] for k, v in data["think"].items()
        }
        return JourneyMix.from_dict(data)

    def shape_kwargs(self) -> dict[str, Any]:
        """Parameters for the shape: the extra ones, then population, scale and duration."""
        out: dict[str, Any] = dict(self.shape_params)
        out["modelled_users"] = self.modelled_users
        out["scale"] = self.scale
        if self.duration_s is not None:
            out["duration_s"] = self.duration_s
        return out

    def with_changes(self, **changes: Any) -> DrillConfig:
        return replace(self, **changes)

    # --- to and from strings ----------------------------------------------------------------------

    def to_env(self) -> dict[str, str]:
        """``CUASO_DRILL_*`` variables for the Locust processes."""
        values: dict[str, str] = {
            "scenario": self.scenario,
            "shape_params": json.dumps(dict(self.shape_params), sort_keys=True),
            "modelled_users": str(self.modelled_users),
            "scale": repr(self.scale),
            "duration_s": "" if self.duration_s is None else repr(self.duration_s),
            "seed": str(self.seed),
            "mix": json.dumps(self.mix.to_dict()),
            "think_scale": repr(self.think_scale),
            "retry": self.retry,
            "iterations": str(self.iterations),
            "open": "1" if self.open else "",
            "session_mix": "1" if self.session_mix else "",
            "request_timeout_s": repr(self.request_timeout_s),
            "abort_error_rate": repr(self.abort_error_rate),
            "abort_min_requests": str(self.abort_min_requests),
            "out": self.out,
            "run_id": self.run_id,
            "allow_hosts": ",".join(self.allow_hosts),
            "locustfile": self.locustfile,
        }
        return {option.env: values[option.name] for option in OPTIONS}

    @classmethod
    def from_lookup(cls, get: Callable[[str], str | None]) -> DrillConfig:
        """Read from ``get(option name)`` (an empty or missing value means the default)."""
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for option in OPTIONS:
            raw = get(option.name)
            if raw is None or raw == "":
                continue
            kwargs[option.name] = _parse(option, raw, getattr(defaults, option.name))
        return cls(**kwargs)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> DrillConfig:
        return cls.from_lookup(lambda name: environ.get(ENV_PREFIX + name.upper()))

    @classmethod
    def from_options(cls, options: object) -> DrillConfig:
        """From Locust's parsed options (``environment.parsed_options``)."""
        return cls.from_lookup(lambda name: _str_or_none(getattr(options, "cuaso_" + name, None)))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _parse(option: _Option, raw: str, default: object) -> object:
    key = f"{option.env}={raw if len(raw) < 80 else raw[:77] + '...'!r}"
    try:
        if option.name == "mix":
            return JourneyMix.from_dict(json.loads(raw))
        if option.name == "shape_params":
            value = json.loads(raw)
            if not isinstance(value, dict):
                raise ValueError("must be a JSON object")
            return value
        if option.name == "allow_hosts":
            return tuple(h.strip() for h in raw.split(",") if h.strip())
        if isinstance(default, bool):
            if raw.strip().lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError("must be 1 or 0")
            return raw.strip().lower() in ("1", "true", "yes")
        if option.name == "duration_s" or isinstance(default, float):
            return float(raw)
        if isinstance(default, int):
            return int(raw)
        return raw
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{key}: {exc}") from exc
