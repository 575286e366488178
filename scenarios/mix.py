"""The journey mix of the surge drills: which share of sessions follows which journey.

A *journey* is what one visitor does in one session (one visit): its steps, the HTTP requests each step
makes (docs/api.md) and the think time the person spends on each step. :class:`JourneyMix` holds the
journeys, the think-time table their steps name and the attachments of a dossier, validated as a whole
(shares of the enabled journeys sum to 1, every named think time exists). Its defaults, derived from
``../shared/FACTS.md`` with every other number labelled **assumption**, are in
:mod:`scenarios.mix_defaults`; the parts are in :mod:`scenarios.mix_model`.

Shares are *per session* (the FACTS count visits). The journey named ``remainder`` (``browse_catalogue``
by default) takes whatever the other enabled journeys leave, so an override file that enables a later
journey (e.g. ``pay_fee``) stays consistent without touching the others.

Derived figures (one journey per session, uniform think times, Little's law): :func:`journey_session_s`,
:func:`mean_session_s` (the ``mean_session_s`` of ``capacity.laws``), :func:`concurrent_shares` and
:func:`logged_in_concurrent_share`, all gathered by :func:`summary`.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from results.exceptions import ConfigError
from scenarios.mix_defaults import DEFAULT_ATTACHMENTS, DEFAULT_JOURNEYS, DEFAULT_REMAINDER, DEFAULT_THINK
from scenarios.mix_model import (
    Attachments,
    CountRange,
    Journey,
    Step,
    ThinkTime,
    check_keys,
    read_str,
    read_table,
)

__all__ = [
    "DEFAULT_RESPONSE_TIME_S",
    "Attachments",
    "CountRange",
    "Journey",
    "JourneyMix",
    "Step",
    "ThinkTime",
    "concurrent_shares",
    "journey_session_s",
    "logged_in_concurrent_share",
    "mean_session_s",
    "summary",
]

DEFAULT_RESPONSE_TIME_S = 0.25
"""Assumption: mean response time of one request when the portal is healthy; it only adds request time
to think time in the session-length estimate (a drill measures the real value)."""

SHARE_TOLERANCE = 1e-9
"""How far from 1 the enabled shares may sum (floating-point rounding only)."""


@dataclass(frozen=True)
class JourneyMix:
    """Journeys with their shares of sessions, the think-time table their steps name, and attachments.

    ``remainder`` (optional) names the enabled journey whose share is derived as 1 − the other enabled
    shares when the mix is read from data (:meth:`from_dict`, :meth:`from_file`, :meth:`with_enabled`).
    """

    journeys: tuple[Journey, ...]
    think: Mapping[str, ThinkTime]
    attachments: Attachments
    remainder: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.journeys, tuple) or not self.journeys:
            raise ValueError(f"journeys: need at least one journey, got {self.journeys!r}")
        names = [j.name for j in self.journeys]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"journeys: names must be unique, got {duplicates[0]!r} twice")
        if not isinstance(self.think, Mapping):
            raise ValueError(f"think: must be a mapping of name to ThinkTime, got {self.think!r}")
        for key, value in self.think.items():
            if not isinstance(value, ThinkTime):
                raise ValueError(f"think.{key}: must be a ThinkTime, got {value!r}")
        object.__setattr__(self, "think", MappingProxyType(dict(self.think)))
        if not isinstance(self.attachments, Attachments):
            raise ValueError(f"attachments: must be Attachments, got {self.attachments!r}")
        for journey in self.journeys:
            for i, step in enumerate(journey.steps):
                if step.think not in self.think:
                    raise ValueError(
                        f"journeys.{journey.name}.steps[{i}].think: unknown think time {step.think!r}; "
                        f"known: {', '.join(self.think)}"
                    )
        enabled = self.enabled()
        if not enabled:
            raise ValueError("journeys: need at least one enabled journey, got none")
        if self.remainder is not None and self.remainder not in {j.name for j in enabled}:
            raise ValueError(f"remainder: must name an enabled journey, got {self.remainder!r}")
        total = math.fsum(j.share for j in enabled)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            detail = ", ".join(f"{j.name}={j.share:.6g}" for j in enabled)
            raise ValueError(
                f"journeys: shares of the enabled journeys must sum to 1 (within {SHARE_TOLERANCE}), "
                f"got {total!r} ({detail})"
            )

    # --- construction ---------------------------------------------------------------------------------

    @classmethod
    def default(cls) -> JourneyMix:
        """The default mix of :mod:`scenarios.mix_defaults` (FACTS-derived shares, labelled assumptions)."""
        return cls(
            journeys=DEFAULT_JOURNEYS,
            think=DEFAULT_THINK,
            attachments=DEFAULT_ATTACHMENTS,
            remainder=DEFAULT_REMAINDER,
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JourneyMix:
        """A mix from the plain data :meth:`to_dict` writes; errors name the dotted key and value."""
        check_keys("mix", data, ("journeys", "think", "attachments"), ("remainder",))
        remainder = data.get("remainder") or None  # "" (TOML has no null) means none
        if remainder is not None:
            remainder = read_str("remainder", remainder)
        journeys_data = read_table("journeys", data["journeys"])
        think_data = read_table("think", data["think"])
        if remainder is not None and remainder not in journeys_data:
            raise ValueError(f"remainder: must name a journey, got {remainder!r}")
        parsed = {
            name: Journey.from_dict(name, value) for name, value in journeys_data.items() if name != remainder
        }
        if remainder is not None:
            rest = 1.0 - math.fsum(j.share for j in parsed.values() if j.enabled)
            if rest < 0:
                raise ValueError(
                    f"journeys.{remainder}.share: the remainder 1 - (other enabled shares) is {rest:.6g}, "
                    "below 0; lower the other enabled shares"
                )
            parsed[remainder] = Journey.from_dict(remainder, journeys_data[remainder], share=rest)
        return cls(
            journeys=tuple(parsed[name] for name in journeys_data),
            think={key: ThinkTime.from_dict(f"think.{key}", value) for key, value in think_data.items()},
            attachments=Attachments.from_dict(data["attachments"]),
            remainder=remainder,
        )

    @classmethod
    def from_file(cls, path: str | Path) -> JourneyMix:
        """The default mix with a JSON (``.json``) or TOML (``.toml``) override file laid over it.

        The file has the shape of :meth:`to_dict` and holds only the keys it changes, e.g.
        ``[journeys.pay_fee]`` / ``enabled = true`` (the remainder journey's share then shrinks by the
        pay share). Raises :class:`results.exceptions.ConfigError` naming the file and the bad key.
        """
        data = _read_table(Path(path))
        try:
            return cls.from_dict(_merge(cls.default().to_dict(), data))
        except ValueError as exc:
            raise ConfigError("mix file", str(path), str(exc)) from exc

    def with_enabled(self, *names: str) -> JourneyMix:
        """This mix with the journeys ``names`` enabled; the remainder journey gives up their shares."""
        if self.remainder is None:
            raise ValueError(
                "remainder: with_enabled needs a remainder journey to take shares from, got None"
            )
        data = self.to_dict()
        for name in names:
            if name not in data["journeys"]:
                raise ValueError(f"journeys: unknown journey {name!r}; known: {', '.join(data['journeys'])}")
            data["journeys"][name]["enabled"] = True
        return JourneyMix.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON/TOML-ready); the remainder journey is written without its derived share."""
        return {
            "remainder": self.remainder or "",
            "think": {key: value.to_dict() for key, value in self.think.items()},
            "attachments": self.attachments.to_dict(),
            "journeys": {j.name: j.to_dict(with_share=j.name != self.remainder) for j in self.journeys},
        }

    # --- queries --------------------------------------------------------------------------------------

    def enabled(self) -> tuple[Journey, ...]:
        return tuple(j for j in self.journeys if j.enabled)

    def journey(self, name: str) -> Journey:
        for journey in self.journeys:
            if journey.name == name:
                return journey
        raise ValueError(f"journey: unknown {name!r}; known: {', '.join(j.name for j in self.journeys)}")

    @property
    def login_share(self) -> float:
        """Share of sessions that log in through the e-ID."""
        return math.fsum(j.share for j in self.enabled() if j.login)


def _read_table(file: Path) -> Mapping[str, Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("mix file", str(file), f"cannot read it: {exc.strerror or exc}") from exc
    suffix = file.suffix.lower()
    if suffix not in (".json", ".toml"):
        raise ConfigError("mix file", str(file), "must end in .json or .toml")
    try:
        data: Any = tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError("mix file", str(file), f"not valid {suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, Mapping):
        raise ConfigError("mix file", str(file), "must hold a table/object at the top level")
    return data


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` laid over ``base``: tables merge key by key, every other value replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


# --- derived figures ----------------------------------------------------------------------------------


def journey_session_s(
    mix: JourneyMix, journey: Journey | str, response_time_s: float = DEFAULT_RESPONSE_TIME_S
) -> float:
    """Mean length (s) of one session of ``journey``: per step, mean repeats × (mean think + requests ×
    ``response_time_s``); attachment steps count once per mean attachment."""
    if response_time_s < 0:
        raise ValueError(f"response_time_s: must be >= 0, got {response_time_s!r}")
    chosen = mix.journey(journey) if isinstance(journey, str) else journey
    total = 0.0
    for step in chosen.steps:
        times = step.repeat.mean * (mix.attachments.count.mean if step.per_attachment else 1.0)
        total += times * (mix.think[step.think].mean + step.requests * response_time_s)
    return total


def mean_session_s(mix: JourneyMix, response_time_s: float = DEFAULT_RESPONSE_TIME_S) -> float:
    """Mean session length (s) of the mix: the share-weighted mean of its enabled journeys' lengths.

    This is the ``mean_session_s`` of Little's law (``capacity.laws``): concurrent users = arrivals/s ×
    mean session length.
    """
    return sum(j.share * journey_session_s(mix, j, response_time_s) for j in mix.enabled())


def concurrent_shares(mix: JourneyMix, response_time_s: float = DEFAULT_RESPONSE_TIME_S) -> dict[str, float]:
    """Journey → share of *concurrent* users in it: share × its session length / mean session length.

    Long journeys (submitting a dossier) hold many more of the users online at any instant than their
    share of sessions.
    """
    lengths = {j.name: j.share * journey_session_s(mix, j, response_time_s) for j in mix.enabled()}
    total = sum(lengths.values())
    return {name: value / total for name, value in lengths.items()}


def logged_in_concurrent_share(mix: JourneyMix, response_time_s: float = DEFAULT_RESPONSE_TIME_S) -> float:
    """Share of concurrent users who are in a logged-in journey (they must log in again after a
    cutover redirects them); see :func:`concurrent_shares`."""
    shares = concurrent_shares(mix, response_time_s)
    return sum(shares[j.name] for j in mix.enabled() if j.login)


def summary(mix: JourneyMix, response_time_s: float = DEFAULT_RESPONSE_TIME_S) -> dict[str, Any]:
    """The derived figures of a mix, for the results document and the report."""
    return {
        "response_time_s": response_time_s,
        "login_share": mix.login_share,
        "mean_session_s": mean_session_s(mix, response_time_s),
        "journey_session_s": {j.name: journey_session_s(mix, j, response_time_s) for j in mix.enabled()},
        "concurrent_shares": concurrent_shares(mix, response_time_s),
        "logged_in_concurrent_share": logged_in_concurrent_share(mix, response_time_s),
    }
