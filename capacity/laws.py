"""Operational laws of queueing networks (Denning & Buzen, 1978; Lazowska et al., *Quantitative System
Performance*, 1984, ch. 3 and 5).

These laws hold for any system in steady state, whatever its service-time distributions; they need only
measured averages. They turn raw measurements of a drill (CPU seconds per tier, completed requests,
concurrent users, session length) into the service demands and bounds the other models use:

* utilization law      U = X·D, so D = U/X = busy seconds / completions;
* Little's law         N = X·R (users in system = arrival rate × time each spends there);
* response-time law    R = N/X − Z for an interactive (closed) system with think time Z;
* asymptotic bounds    X(N) ≤ min(N/(D+Z), 1/D_max),  R(N) ≥ max(D, N·D_max − Z);
* the knee             N* = (D + Z)/D_max, where the two throughput bounds cross;
* the bottleneck       the tier with the largest demand D_max.

All functions are pure and validate their inputs; errors name the key and the bad value.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from capacity._validate import at_least_one, non_negative, positive
from capacity.exceptions import ModelError

# --- Little's law -----------------------------------------------------------------------------------


def arrival_rate_for_users(users: float, mean_session_s: float) -> float:
    """Arrivals per second that keep ``users`` concurrent users when each stays ``mean_session_s``.

    Little's law N = λ·R solved for λ: a target of 120,000 concurrent users with 600 s sessions needs
    200 new sessions per second.
    """
    n = non_negative("users", users)
    r = positive("mean_session_s", mean_session_s)
    return n / r


def users_for_arrival_rate(arrivals_per_s: float, mean_session_s: float) -> float:
    """Concurrent users in the system when sessions arrive at ``arrivals_per_s`` and last ``mean_session_s``.

    Little's law N = λ·R; the inverse of :func:`arrival_rate_for_users`.
    """
    rate = non_negative("arrivals_per_s", arrivals_per_s)
    r = positive("mean_session_s", mean_session_s)
    return rate * r


def littles_law_population(throughput: float, residence_time_s: float) -> float:
    """Mean number in a system, N = X·R, from its throughput (per s) and mean residence time (s)."""
    return non_negative("throughput", throughput) * non_negative("residence_time_s", residence_time_s)


def littles_law_residence_time(population: float, throughput: float) -> float:
    """Mean residence time R = N/X (s) from the mean number in the system and its throughput."""
    return non_negative("population", population) / positive("throughput", throughput)


# --- Utilization law --------------------------------------------------------------------------------


def utilization(throughput: float, service_demand_s: float) -> float:
    """Utilization U = X·D of a resource (may exceed 1 for a multi-core tier: it is busy cores)."""
    return non_negative("throughput", throughput) * non_negative("service_demand_s", service_demand_s)


def service_demand(busy_seconds: float, completions: float) -> float:
    """Service demand D = B/C: resource-busy seconds (e.g. CPU seconds) per completed request.

    Equivalent to U/X over the same measurement window, without needing the window's length.
    """
    busy = non_negative("busy_seconds", busy_seconds)
    done = positive("completions", completions)
    return busy / done


def service_demands(busy_seconds: Mapping[str, float], completions: float) -> dict[str, float]:
    """Per-tier service demands from each tier's busy (CPU) seconds and the requests completed.

    ``busy_seconds`` maps a tier name (app worker, Redis, a simulator) to the CPU seconds it used while
    the system completed ``completions`` requests.
    """
    if not busy_seconds:
        raise ModelError("busy_seconds: need at least one tier, got none")
    positive("completions", completions)
    return {
        tier: service_demand(non_negative(f"busy_seconds[{tier!r}]", busy), completions)
        for tier, busy in busy_seconds.items()
    }


# --- Interactive response-time law ------------------------------------------------------------------


def response_time_law(users: float, throughput: float, think_time: float = 0.0) -> float:
    """Mean response time R = N/X − Z of a closed system with N users, throughput X and think time Z.

    A negative result means the measurements are inconsistent (e.g. throughput over-counted) and is an
    error, not a number to use.
    """
    n = at_least_one("users", users)
    x = positive("throughput", throughput)
    z = non_negative("think_time", think_time)
    r = n / x - z
    if r < 0:
        raise ModelError(
            f"throughput: {throughput!r}/s with {users!r} users and think_time={think_time!r} "
            f"gives a negative response time ({r:.6g} s); the measurements are inconsistent"
        )
    return r


# --- Bounds -----------------------------------------------------------------------------------------


def _validated_demands(demands: Mapping[str, float]) -> dict[str, float]:
    if not demands:
        raise ModelError("demands: need at least one tier, got none")
    checked = {str(tier): non_negative(f"demands[{tier!r}]", d) for tier, d in demands.items()}
    if max(checked.values()) <= 0:
        raise ModelError(f"demands: at least one tier must have a demand > 0, got {dict(demands)!r}")
    return checked


def bottleneck(demands: Mapping[str, float]) -> tuple[str, float]:
    """The bottleneck tier and its demand: the tier with the largest service demand.

    Ties go to the first tier in the mapping's order, so the answer is deterministic.
    """
    checked = _validated_demands(demands)
    name = max(checked, key=lambda tier: checked[tier])
    return name, checked[name]


@dataclass(frozen=True)
class AsymptoticBounds:
    """Asymptotic bounds of a closed, single-class network with think time.

    Built from per-tier service demands ``demands`` (seconds per request) and the think time
    ``think_time`` (Z, seconds). ``throughput_upper(n)`` and ``response_time_lower(n)`` bound any such
    system, whatever its scheduling or service-time distribution, so a measured curve above them is a
    measurement error and an MVA solution must stay under them.

    Optional refinements, both still exact bounds: ``delay_tiers`` never saturate (they add to D but
    not to D_max), and a tier with ``servers[k]`` = c servers saturates at c/D_k, so it enters D_max as
    D_k/c. With neither, D_max is simply the largest demand.
    """

    demands: Mapping[str, float]
    think_time: float = 0.0
    delay_tiers: Collection[str] = frozenset()
    servers: Mapping[str, int] = field(default_factory=dict)
    total_demand_s: float = field(init=False)
    max_demand_s: float = field(init=False)
    bottleneck_tier: str | None = field(init=False)

    def __post_init__(self) -> None:
        checked = _validated_demands(self.demands)
        delay = frozenset(self.delay_tiers)
        unknown = sorted((delay | set(self.servers)) - checked.keys())
        if unknown:
            raise ModelError(f"delay_tiers/servers: name tiers not in demands: {unknown!r}")
        for tier, count in self.servers.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ModelError(f"servers[{tier!r}]: must be an integer >= 1, got {count!r}")
        object.__setattr__(self, "demands", MappingProxyType(checked))
        object.__setattr__(self, "think_time", non_negative("think_time", self.think_time))
        object.__setattr__(self, "delay_tiers", delay)
        object.__setattr__(self, "servers", MappingProxyType(dict(self.servers)))
        saturating = {t: d / self.servers.get(t, 1) for t, d in checked.items() if t not in delay}
        object.__setattr__(self, "total_demand_s", math.fsum(checked.values()))
        if saturating and max(saturating.values()) > 0:
            name = max(saturating, key=lambda tier: saturating[tier])
            object.__setattr__(self, "max_demand_s", saturating[name])
            object.__setattr__(self, "bottleneck_tier", name)
        else:
            object.__setattr__(self, "max_demand_s", 0.0)
            object.__setattr__(self, "bottleneck_tier", None)

    @property
    def knee(self) -> float:
        """N* = (D + Z)/D_max: the population past which the bottleneck, not the users, limits X."""
        if self.max_demand_s == 0.0:
            return math.inf
        return (self.total_demand_s + self.think_time) / self.max_demand_s

    @property
    def max_throughput(self) -> float:
        """1/D_max: the throughput no population can exceed (the bottleneck saturates)."""
        return math.inf if self.max_demand_s == 0.0 else 1.0 / self.max_demand_s

    def throughput_upper(self, n: float) -> float:
        """X(N) ≤ min(N/(D+Z), 1/D_max)."""
        users = at_least_one("n", n)
        return min(users / (self.total_demand_s + self.think_time), self.max_throughput)

    def response_time_lower(self, n: float) -> float:
        """R(N) ≥ max(D, N·D_max − Z)."""
        users = at_least_one("n", n)
        return max(self.total_demand_s, users * self.max_demand_s - self.think_time)


def asymptotic_bounds(demands: Mapping[str, float], think_time: float = 0.0) -> AsymptoticBounds:
    """Convenience constructor for :class:`AsymptoticBounds`."""
    return AsymptoticBounds(demands=demands, think_time=think_time)


def knee_population(demands: Mapping[str, float], think_time: float = 0.0) -> float:
    """N* = (D + Z)/D_max for the given demands and think time."""
    return AsymptoticBounds(demands=demands, think_time=think_time).knee
