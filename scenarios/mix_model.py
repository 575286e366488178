"""The parts a journey mix is built from: think times, count ranges, steps, journeys and attachments.

Immutable values with validating constructors; ``from_dict(key, data)`` parses one part from a plain
dict (JSON/TOML) and names the dotted key of any bad value (``journeys.submit_dossier.steps[2].think``),
``to_dict()`` writes it back in the same shape. The mix itself is :class:`scenarios.mix.JourneyMix`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from scenarios.rng import Rng

# --- plain-data readers: each names the dotted key of a bad value ------------------------------------


def check_keys(key: str, data: object, required: Sequence[str], optional: Sequence[str] = ()) -> None:
    """``data`` must be a table with all of ``required`` and nothing outside ``required + optional``."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{key}: must be a table/object, got {data!r}")
    missing = [k for k in required if k not in data]
    if missing:
        raise ValueError(f"{key}: missing {', '.join(missing)}")
    unknown = sorted(set(data) - set(required) - set(optional))
    if unknown:
        raise ValueError(f"{key}: unknown key {unknown[0]!r}; known: {', '.join([*required, *optional])}")


def read_table(key: str, value: object) -> Mapping[str, Any]:
    """A table/object with string keys."""
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise ValueError(f"{key}: must be a table/object, got {value!r}")
    return value


def read_number(key: str, value: object) -> float:
    """A finite int or float (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key}: must be a finite number, got {value!r}")
    return float(value)


def read_int(key: str, value: object) -> int:
    """An int (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key}: must be an integer, got {value!r}")
    return value


def read_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key}: must be true or false, got {value!r}")
    return value


def read_str(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{key}: must be a string, got {value!r}")
    return value


def read_pair(key: str, value: object) -> tuple[object, object]:
    """A ``[min, max]`` list."""
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"{key}: must be a [min, max] pair, got {value!r}")
    return value[0], value[1]


# --- parts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ThinkTime:
    """A think time drawn uniformly between ``min_s`` and ``max_s`` seconds."""

    min_s: float
    max_s: float

    def __post_init__(self) -> None:
        read_number("min_s", self.min_s)
        read_number("max_s", self.max_s)
        if self.min_s < 0:
            raise ValueError(f"min_s: must be >= 0, got {self.min_s!r}")
        if self.max_s < self.min_s:
            raise ValueError(f"max_s: must be >= min_s={self.min_s!r}, got {self.max_s!r}")

    @property
    def mean(self) -> float:
        return (self.min_s + self.max_s) / 2

    def sample(self, rng: Rng) -> float:
        """Draws from ``rng`` only when there is a choice (a fixed time draws nothing)."""
        return self.min_s if self.min_s == self.max_s else rng.uniform(self.min_s, self.max_s)

    @classmethod
    def from_dict(cls, key: str, value: object) -> ThinkTime:
        lo, hi = read_pair(key, value)
        lo_s, hi_s = read_number(f"{key}[0]", lo), read_number(f"{key}[1]", hi)
        try:
            return cls(lo_s, hi_s)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from exc

    def to_dict(self) -> list[float]:
        return [self.min_s, self.max_s]


@dataclass(frozen=True, slots=True)
class CountRange:
    """A whole number drawn uniformly from ``min..max`` inclusive."""

    min: int
    max: int

    def __post_init__(self) -> None:
        read_int("min", self.min)
        read_int("max", self.max)
        if self.min < 0:
            raise ValueError(f"min: must be >= 0, got {self.min!r}")
        if self.max < self.min:
            raise ValueError(f"max: must be >= min={self.min!r}, got {self.max!r}")

    @property
    def mean(self) -> float:
        return (self.min + self.max) / 2

    def sample(self, rng: Rng) -> int:
        """Draws from ``rng`` only when there is a choice (a fixed count draws nothing)."""
        return self.min if self.min == self.max else rng.randint(self.min, self.max)

    @classmethod
    def from_dict(cls, key: str, value: object) -> CountRange:
        lo, hi = read_pair(key, value)
        lo_n, hi_n = read_int(f"{key}[0]", lo), read_int(f"{key}[1]", hi)
        try:
            return cls(lo_n, hi_n)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from exc

    def to_dict(self) -> list[int]:
        return [self.min, self.max]


_ONCE = CountRange(1, 1)


@dataclass(frozen=True, slots=True)
class Step:
    """One step of a journey: ``requests`` HTTP requests to ``endpoint`` (docs/api.md), then the think
    time named ``think`` (a key of the mix's think table) that the person spends on the step's page.

    ``repeat`` is how many times the step happens in one session; a ``per_attachment`` step happens once
    per attachment of the dossier (the mix's attachment count) instead.
    """

    name: str
    endpoint: str
    think: str
    requests: int = 1
    repeat: CountRange = _ONCE
    per_attachment: bool = False

    def __post_init__(self) -> None:
        if not read_str("name", self.name):
            raise ValueError("name: must not be empty, got ''")
        read_str("endpoint", self.endpoint)
        read_str("think", self.think)
        if read_int("requests", self.requests) < 1:
            raise ValueError(f"requests: must be >= 1, got {self.requests!r}")
        if not isinstance(self.repeat, CountRange):
            raise ValueError(f"repeat: must be a CountRange, got {self.repeat!r}")
        read_bool("per_attachment", self.per_attachment)

    @classmethod
    def from_dict(cls, key: str, data: object) -> Step:
        check_keys(key, data, ("name", "endpoint", "think"), ("requests", "repeat", "per_attachment"))
        assert isinstance(data, Mapping)
        try:
            return cls(
                name=read_str(f"{key}.name", data["name"]),
                endpoint=read_str(f"{key}.endpoint", data["endpoint"]),
                think=read_str(f"{key}.think", data["think"]),
                requests=read_int(f"{key}.requests", data.get("requests", 1)),
                repeat=CountRange.from_dict(f"{key}.repeat", data.get("repeat", [1, 1])),
                per_attachment=read_bool(f"{key}.per_attachment", data.get("per_attachment", False)),
            )
        except ValueError as exc:
            message = str(exc)
            raise ValueError(message if message.startswith(key) else f"{key}.{message}") from exc

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "endpoint": self.endpoint,
            "think": self.think,
            "requests": self.requests,
            "repeat": self.repeat.to_dict(),
            "per_attachment": self.per_attachment,
        }


@dataclass(frozen=True, slots=True)
class Journey:
    """What one visitor does in one session, and the share of sessions that do it.

    ``enabled`` journeys take part in the mix; a disabled one keeps its share for when it is enabled
    (its API is still to come). ``login`` says whether the journey logs in through the e-ID.
    """

    name: str
    share: float
    steps: tuple[Step, ...]
    login: bool
    enabled: bool = True
    description: str = ""
    by_name: Mapping[str, Step] = field(init=False, repr=False, compare=False)
    """The steps by name (derived; journeys look a step up at every step of every session)."""

    def __post_init__(self) -> None:
        if not read_str("name", self.name):
            raise ValueError("name: must not be empty, got ''")
        prefix = f"journeys.{self.name}"
        share = read_number(f"{prefix}.share", self.share)
        if share < 0:
            raise ValueError(f"{prefix}.share: must be >= 0, got {self.share!r}")
        if not isinstance(self.steps, tuple) or not self.steps:
            raise ValueError(f"{prefix}.steps: need at least one step, got {self.steps!r}")
        names = [step.name for step in self.steps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"{prefix}.steps: step names must be unique, got {duplicates[0]!r} twice")
        read_bool(f"{prefix}.login", self.login)
        read_bool(f"{prefix}.enabled", self.enabled)
        read_str(f"{prefix}.description", self.description)
        object.__setattr__(self, "by_name", {step.name: step for step in self.steps})

    @classmethod
    def from_dict(cls, name: str, data: object, share: float | None = None) -> Journey:
        """Parse ``journeys.<name>``; ``share`` given means it is derived (the remainder) and must not be
        in ``data``."""
        key = f"journeys.{name}"
        optional = ("enabled", "description") if share is not None else ("enabled", "description", "share")
        required = ("login", "steps") if share is not None else ("login", "steps", "share")
        if share is not None and isinstance(data, Mapping) and "share" in data:
            raise ValueError(
                f"{key}.share: is derived (the remainder journey), do not set it; got {data['share']!r}"
            )
        check_keys(key, data, required, optional)
        assert isinstance(data, Mapping)
        steps = data["steps"]
        if not isinstance(steps, list | tuple):
            raise ValueError(f"{key}.steps: must be a list of steps, got {steps!r}")
        return cls(
            name=name,
            share=read_number(f"{key}.share", data["share"]) if share is None else share,
            steps=tuple(Step.from_dict(f"{key}.steps[{i}]", step) for i, step in enumerate(steps)),
            login=read_bool(f"{key}.login", data["login"]),
            enabled=read_bool(f"{key}.enabled", data.get("enabled", True)),
            description=read_str(f"{key}.description", data.get("description", "")),
        )

    def to_dict(self, with_share: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"share": self.share} if with_share else {}
        out |= {
            "enabled": self.enabled,
            "login": self.login,
            "description": self.description,
            "steps": [step.to_dict() for step in self.steps],
        }
        return out


@dataclass(frozen=True, slots=True)
class Attachments:
    """How many documents a dossier carries and how large each is (uniform in both ranges)."""

    count: CountRange
    size_bytes: CountRange

    def __post_init__(self) -> None:
        if not isinstance(self.count, CountRange):
            raise ValueError(f"attachments.count: must be a CountRange, got {self.count!r}")
        if not isinstance(self.size_bytes, CountRange):
            raise ValueError(f"attachments.size_bytes: must be a CountRange, got {self.size_bytes!r}")
        if self.size_bytes.min < 1:
            raise ValueError(f"attachments.size_bytes: must be >= 1 byte, got {self.size_bytes.to_dict()!r}")

    @classmethod
    def from_dict(cls, data: object) -> Attachments:
        check_keys("attachments", data, ("count", "size_bytes"))
        assert isinstance(data, Mapping)
        return cls(
            count=CountRange.from_dict("attachments.count", data["count"]),
            size_bytes=CountRange.from_dict("attachments.size_bytes", data["size_bytes"]),
        )

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count.to_dict(), "size_bytes": self.size_bytes.to_dict()}
