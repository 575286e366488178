"""The 151 simulated back-office systems: each one's faults, behaviour and counters.

Every system (derived from the catalogue, :func:`stack.catalogue.systems.derive_systems`) has

- its own :class:`~stack.sims.middleware.FaultState`: latency ± jitter, error rate and outage windows
  (seconds since the simulator started), with its own seeded random source. Its initial latency is drawn
  once, deterministically from the seed and the system's code, within ``base ± spread`` (an assumption:
  systems of different ministries and provinces are not equally fast);
- a :class:`Behaviour`: how long after receiving a dossier it reports ``processing`` and its decision,
  the share of dossiers it returns (instead of done) and the share it decides after the deadline, and
  whether it reports status at all (a silent system models "data not synchronised");
- counters: requests in flight, deliveries received.

Both configurations are immutable values replaced whole at run time (``PUT /_sim/systems/...``).
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from starlette.responses import Response

from stack.catalogue.catalogue import Catalogue
from stack.catalogue.model import BackOfficeSystem
from stack.sims.faults import FaultConfig, FaultConfigError
from stack.sims.middleware import RETRY_AFTER_S, FaultState
from stack.sims.responses import error_response

DEFAULT_PROCESSING_AFTER_S = 0.5
"""Assumption, time-compressed: a system starts processing 0.5 s after it received a dossier."""
DEFAULT_DECISION_AFTER_S = 1.0
"""Assumption, time-compressed: and decides 1 s after that (really: days, see the procedure's deadline)."""
DEFAULT_RETURN_RATE = 0.05
"""Assumption: 5 % of dossiers are returned to the citizen (incomplete papers) instead of done."""
DEFAULT_LATE_RATE = 0.1
"""Assumption: 10 % of decisions come after the processing deadline."""
DEFAULT_LATENCY_MS = 30.0
"""Assumption: a back-office system acknowledges a delivery in ~30 ms when healthy."""
DEFAULT_SPREAD = 0.5
"""Assumption: systems' latencies spread uniformly over ±50 % of :data:`DEFAULT_LATENCY_MS`."""
JITTER_SHARE = 0.25
"""Each system's jitter is this share of its latency (assumption)."""


def _derived_random(seed: int, *parts: str) -> random.Random:
    """A random source that depends only on ``seed`` and ``parts`` (order of events does not matter)."""
    digest = hashlib.blake2b("|".join((str(seed), *parts)).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "big"))


def _share(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultConfigError(key, value, "must be a number")
    if not 0.0 <= value <= 1.0:
        raise FaultConfigError(key, value, "must be in [0, 1]")
    return float(value)


def _seconds(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultConfigError(key, value, "must be a number of seconds")
    if value < 0:
        raise FaultConfigError(key, value, "must be >= 0")
    return float(value)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How a system handles the dossiers it received (see the module docstring)."""

    processing_after_s: float = DEFAULT_PROCESSING_AFTER_S
    decision_after_s: float = DEFAULT_DECISION_AFTER_S
    return_rate: float = DEFAULT_RETURN_RATE
    late_rate: float = DEFAULT_LATE_RATE
    status_updates: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "processing_after_s", _seconds("processing_after_s", self.processing_after_s)
        )
        object.__setattr__(self, "decision_after_s", _seconds("decision_after_s", self.decision_after_s))
        object.__setattr__(self, "return_rate", _share("return_rate", self.return_rate))
        object.__setattr__(self, "late_rate", _share("late_rate", self.late_rate))
        if not isinstance(self.status_updates, bool):
            raise FaultConfigError("status_updates", self.status_updates, "must be true or false")

    @classmethod
    def from_mapping(cls, data: object, base: Behaviour | None = None) -> Behaviour:
        """A behaviour from JSON: keys left out keep ``base``'s values; unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise FaultConfigError("body", data, "must be a JSON object")
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise FaultConfigError(str(key), data[key], f"unknown behaviour setting; known: {known}")
        current = (base or cls()).to_dict()
        return cls(**{**current, **data})

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def decide(self, seed: int, code: str) -> tuple[str, bool]:
        """This system's decision on dossier ``code``: ``("done" | "returned", late)``, a pure function
        of the seed and the code (the same dossier always gets the same decision)."""
        rng = _derived_random(seed, "decision", code)
        final = "returned" if rng.random() < self.return_rate else "done"
        return final, rng.random() < self.late_rate


class SystemState:
    """One simulated system: its faults, behaviour and counters (mutated by the one event loop)."""

    def __init__(self, system: BackOfficeSystem, faults: FaultState, behaviour: Behaviour) -> None:
        self.system = system
        self.faults = faults
        self.behaviour = behaviour
        self.in_flight = 0
        self.deliveries = 0

    async def refuse_during_outage(self) -> Response | None:
        """503 at once in an ``error`` outage; held until the window ends in a ``hang`` one."""
        config = self.faults.config
        stats = self.faults.stats
        stats.requests += 1
        outage = config.outage_at(self.faults.uptime_s())
        if outage is None:
            return None
        if config.outage_mode == "error":
            stats.outage_error += 1
            retry_after = max(1, math.ceil(outage.end_s - self.faults.uptime_s()))
            return error_response(
                503, "outage", f"{self.system.code} is down (simulated outage)", None,
                {"Retry-After": str(retry_after)},
            )  # fmt: skip
        stats.outage_hang += 1
        await self.faults.hold_during_hang_outage()
        return None

    def latency_s(self) -> float:
        return self.faults.draw_latency_s(self.faults.config)

    def injected_error(self) -> Response | None:
        """An injected error with the configured probability, else None (the request passes)."""
        config = self.faults.config
        if self.faults.draw_error(config):
            self.faults.stats.injected_error += 1
            return error_response(
                config.error_status, "injected_fault", f"{self.system.code}: simulated error", None,
                {"Retry-After": str(RETRY_AFTER_S)},
            )  # fmt: skip
        self.faults.stats.passed += 1
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.system.to_dict(),
            "faults": self.faults.config.to_dict(),
            "behaviour": self.behaviour.to_dict(),
            "in_flight": self.in_flight,
            "deliveries": self.deliveries,
            "stats": self.faults.snapshot(),
        }


class Registry:
    """Every system of the catalogue, by code, with its initial faults and behaviour."""

    def __init__(
        self,
        catalogue: Catalogue,
        *,
        seed: int = 0,
        latency_ms: float = DEFAULT_LATENCY_MS,
        spread: float = DEFAULT_SPREAD,
        behaviour: Behaviour | None = None,
    ) -> None:
        if not 0.0 <= spread <= 1.0:
            raise ValueError(f"spread: need a share in [0, 1], got {spread!r}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms: need >= 0, got {latency_ms!r}")
        self.catalogue = catalogue
        self.seed = seed
        self.systems: dict[str, SystemState] = {}
        for code, system in catalogue.systems.items():
            rng = _derived_random(seed, "latency", code)
            latency = latency_ms * rng.uniform(1.0 - spread, 1.0 + spread)
            config = FaultConfig(latency_ms=latency, jitter_ms=latency * JITTER_SHARE)
            faults = FaultState(config, seed=rng.randrange(2**31))
            self.systems[code] = SystemState(system, faults, behaviour or Behaviour())

    def get(self, code: str) -> SystemState | None:
        return self.systems.get(code)

    def select(self, code: str) -> list[SystemState]:
        """The system ``code``, or every system for ``*``; empty when unknown."""
        if code == "*":
            return list(self.systems.values())
        state = self.systems.get(code)
        return [state] if state is not None else []
