"""What a simulated outside system does wrong, on purpose: the fault configuration.

Every simulator (e-ID provider, population database, ...) serves its requests through the fault
injector (:mod:`stack.sims.middleware`), which reads one immutable :class:`FaultConfig`:

- ``latency_ms`` ± ``jitter_ms``: added to every request (uniform, clamped at zero), a slow link;
- ``error_rate``: the share of requests answered ``error_status`` (with ``Retry-After``) instead;
- ``outages``: windows ``[start_s, end_s)`` in seconds since the simulator started, during which the
  system is down; ``outage_mode`` says how: ``error`` answers 503 at once (a refused connection, a
  load balancer with no healthy node), ``hang`` holds each request until the window ends (a link that
  black-holes packets: the nastier case, since callers pile up waiting).

The configuration is set from command-line flags at start and replaced at run time through
``PUT /_sim/faults``; :meth:`FaultConfig.from_mapping` validates such a JSON document and names the bad
key and value in :class:`FaultConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, cast

OutageMode = Literal["error", "hang"]
OUTAGE_MODES: tuple[OutageMode, ...] = ("error", "hang")

DEFAULT_LATENCY_MS = 20.0
"""Assumption: a national system answering over the government network in ~20 ms when healthy."""

DEFAULT_JITTER_MS = 5.0
"""Assumption: ±5 ms of variation around :data:`DEFAULT_LATENCY_MS`."""

DEFAULT_ERROR_STATUS = 503
"""The status of an injected error (Service Unavailable: the usual answer of an overloaded system)."""

FIELDS = ("latency_ms", "jitter_ms", "error_rate", "error_status", "outages", "outage_mode")


class FaultConfigError(ValueError):
    """A fault setting with a bad value; ``key`` names it (``outages[1].end_s`` for nested values)."""

    def __init__(self, key: str, value: object, reason: str) -> None:
        super().__init__(f"{key}={value!r}: {reason}")
        self.key = key
        self.value = value
        self.reason = reason


def _number(key: str, value: object) -> float:
    """``value`` as a finite float; booleans and strings are refused (JSON ``true`` is not 1)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultConfigError(key, value, "must be a number")
    if not math.isfinite(value):
        raise FaultConfigError(key, value, "must be finite")
    return float(value)


@dataclass(frozen=True, slots=True)
class Outage:
    """A window ``[start_s, end_s)`` in seconds since the simulator started, during which it is down."""

    start_s: float
    end_s: float

    def __post_init__(self) -> None:
        start = _number("start_s", self.start_s)
        end = _number("end_s", self.end_s)
        if start < 0:
            raise FaultConfigError("start_s", self.start_s, "must be >= 0 (seconds since start)")
        if start >= end:
            raise FaultConfigError("end_s", self.end_s, f"must be greater than start_s={self.start_s!r}")
        object.__setattr__(self, "start_s", start)
        object.__setattr__(self, "end_s", end)

    def contains(self, t: float) -> bool:
        """Whether ``t`` (seconds since start) falls inside the window."""
        return self.start_s <= t < self.end_s

    @classmethod
    def parse(cls, text: str) -> Outage:
        """An outage from the command-line form ``START:END`` (seconds, e.g. ``30:90``)."""
        start, sep, end = text.partition(":")
        if not sep:
            raise FaultConfigError("outage", text, "expected START:END in seconds, e.g. 30:90")
        try:
            return cls(float(start), float(end))
        except ValueError as exc:
            if isinstance(exc, FaultConfigError):
                raise FaultConfigError("outage", text, exc.reason) from exc
            raise FaultConfigError("outage", text, "START and END must be numbers of seconds") from exc

    def to_dict(self) -> dict[str, float]:
        return {"start_s": self.start_s, "end_s": self.end_s}


@dataclass(frozen=True, slots=True)
class FaultConfig:
    """The faults a simulator injects; validated on construction (see the module docstring)."""

    latency_ms: float = DEFAULT_LATENCY_MS
    jitter_ms: float = DEFAULT_JITTER_MS
    error_rate: float = 0.0
    error_status: int = DEFAULT_ERROR_STATUS
    outages: tuple[Outage, ...] = ()
    outage_mode: OutageMode = "error"

    def __post_init__(self) -> None:
        for key in ("latency_ms", "jitter_ms"):
            value = _number(key, getattr(self, key))
            if value < 0:
                raise FaultConfigError(key, getattr(self, key), "must be >= 0")
            object.__setattr__(self, key, value)
        rate = _number("error_rate", self.error_rate)
        if not 0.0 <= rate <= 1.0:
            raise FaultConfigError("error_rate", self.error_rate, "must be in [0, 1]")
        object.__setattr__(self, "error_rate", rate)
        status = self.error_status
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
            raise FaultConfigError("error_status", status, "must be an HTTP error status in 400..599")
        if not isinstance(self.outages, tuple) or not all(isinstance(o, Outage) for o in self.outages):
            raise FaultConfigError("outages", self.outages, "must be a tuple of Outage")
        if self.outage_mode not in OUTAGE_MODES:
            raise FaultConfigError("outage_mode", self.outage_mode, f"must be one of {list(OUTAGE_MODES)}")

    def outage_at(self, t: float) -> Outage | None:
        """The outage window containing ``t`` (seconds since start), if any (the one ending last)."""
        hits = [outage for outage in self.outages if outage.contains(t)]
        return max(hits, key=lambda outage: outage.end_s) if hits else None

    def to_dict(self) -> dict[str, object]:
        """The JSON form, accepted back by :meth:`from_mapping` (``GET``/``PUT /_sim/faults``)."""
        return {
            "latency_ms": self.latency_ms,
            "jitter_ms": self.jitter_ms,
            "error_rate": self.error_rate,
            "error_status": self.error_status,
            "outages": [outage.to_dict() for outage in self.outages],
            "outage_mode": self.outage_mode,
        }

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], base: FaultConfig | None = None) -> FaultConfig:
        """A configuration from a JSON object; keys it lacks keep their value in ``base`` (the defaults
        when None). Unknown keys are refused, so that a typo does not silently do nothing."""
        if not isinstance(data, Mapping):
            raise FaultConfigError("body", data, "must be a JSON object")
        for key in data:
            if key not in FIELDS:
                raise FaultConfigError(str(key), data[key], f"unknown fault setting; known: {list(FIELDS)}")
        base = base if base is not None else cls()
        outages = base.outages
        if "outages" in data:
            outages = _outages_from_json(data["outages"])
        status = data.get("error_status", base.error_status)
        if isinstance(status, float) and status.is_integer():
            status = int(status)
        mode = data.get("outage_mode", base.outage_mode)
        if mode not in OUTAGE_MODES:
            raise FaultConfigError("outage_mode", mode, f"must be one of {list(OUTAGE_MODES)}")
        return cls(
            latency_ms=_number("latency_ms", data.get("latency_ms", base.latency_ms)),
            jitter_ms=_number("jitter_ms", data.get("jitter_ms", base.jitter_ms)),
            error_rate=_number("error_rate", data.get("error_rate", base.error_rate)),
            error_status=cast(int, status),
            outages=outages,
            outage_mode=mode,
        )


def _outages_from_json(value: object) -> tuple[Outage, ...]:
    if not isinstance(value, list):
        raise FaultConfigError("outages", value, 'must be a list of {"start_s", "end_s"} objects')
    outages: list[Outage] = []
    for i, item in enumerate(value):
        key = f"outages[{i}]"
        if not isinstance(item, Mapping) or set(item) != {"start_s", "end_s"}:
            raise FaultConfigError(key, item, 'must be an object with exactly "start_s" and "end_s"')
        try:
            outages.append(Outage(cast(float, item["start_s"]), cast(float, item["end_s"])))
        except FaultConfigError as exc:
            raise FaultConfigError(f"{key}.{exc.key}", exc.value, exc.reason) from exc
    return tuple(outages)
