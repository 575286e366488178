"""Exact Mean Value Analysis of a closed, single-class, product-form queueing network.

Reiser & Lavenberg (1980); Lazowska et al., *Quantitative System Performance* (1984), ch. 6. N users
cycle between thinking (mean think time Z) and one request that visits every tier k, which needs a
total service demand D_k (seconds per request, visits × service time; see
:func:`capacity.laws.service_demands`). For n = 1, 2, …, N:

    R_k(n) = D_k · (1 + Q_k(n−1))      queueing tier (one server, FCFS/PS)
    R_k(n) = D_k                       delay tier (infinite servers: no queue, e.g. an external call)
    X(n)   = n / (Z + Σ_k R_k(n))      response-time law
    Q_k(n) = X(n) · R_k(n)             Little's law, per tier
    U_k(n) = X(n) · D_k                utilization law

A tier served by c identical servers (the worker processes of an app node, the cores of Redis's I/O
threads) is approximated after Seidmann, Schweitzer & Shalev-Oren (1987): a queueing tier with demand
D/c followed by a delay tier with demand D·(c−1)/c. This is an approximation (exact for c = 1); say so
when a sizing relies on it.

The model answers the sizing questions "what throughput and mean response time at n users?" and "how
many users can this shape carry before the mean response time passes an SLO?".
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from capacity._validate import non_negative, positive
from capacity.exceptions import ModelError, UnreachableError
from capacity.laws import AsymptoticBounds

MAX_POPULATION = 10_000_000
"""Assumption: the largest population solved (an O(N·K) recursion); beyond it use the asymptotic bounds."""


@dataclass(frozen=True)
class MVAResult:
    """The network's steady state at one population.

    ``residence_times`` and ``queue_lengths`` are per tier (seconds; mean requests there, waiting or in
    service); ``utilizations`` is the busy fraction of one server of each queueing tier (X·D/c).
    """

    population: int
    throughput: float
    response_time: float
    residence_times: Mapping[str, float]
    queue_lengths: Mapping[str, float]
    utilizations: Mapping[str, float]

    @property
    def cycle_time(self) -> float:
        """Response time plus think time: n / X."""
        return self.population / self.throughput


def _check_population(key: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise ModelError(f"{key}: must be an integer number of users, got {n!r}")
    if not 1 <= n <= MAX_POPULATION:
        raise ModelError(f"{key}: must lie in [1, {MAX_POPULATION}], got {n!r}")
    return int(n)


@dataclass(frozen=True)
class MVAModel:
    """A closed network: per-tier service demands (s), think time Z (s), delay tiers and server counts.

    ``delay_tiers`` names tiers that never queue (pure latency: a remote identity provider, a network
    hop). ``servers`` gives a tier more than one server (Seidmann's approximation; see module doc).
    """

    demands: Mapping[str, float]
    think_time: float = 0.0
    delay_tiers: Collection[str] = frozenset()
    servers: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.demands:
            raise ModelError("demands: need at least one tier, got none")
        demands = {str(t): non_negative(f"demands[{t!r}]", d) for t, d in self.demands.items()}
        if max(demands.values()) <= 0:
            raise ModelError(f"demands: at least one tier must have a demand > 0, got {dict(self.demands)!r}")
        delay = frozenset(self.delay_tiers)
        unknown = sorted(delay - demands.keys()) + sorted(set(self.servers) - demands.keys())
        if unknown:
            raise ModelError(f"delay_tiers/servers: name tiers not in demands: {unknown!r}")
        servers: dict[str, int] = {}
        for tier, count in self.servers.items():
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ModelError(f"servers[{tier!r}]: must be an integer >= 1, got {count!r}")
            if tier in delay:
                raise ModelError(f"servers[{tier!r}]: a delay tier has no servers to count")
            servers[tier] = count
        object.__setattr__(self, "demands", MappingProxyType(demands))
        object.__setattr__(self, "think_time", non_negative("think_time", self.think_time))
        object.__setattr__(self, "delay_tiers", delay)
        object.__setattr__(self, "servers", MappingProxyType(servers))

    @property
    def bounds(self) -> AsymptoticBounds:
        """The asymptotic bounds of this network (delay tiers and server counts included)."""
        return AsymptoticBounds(
            demands=self.demands,
            think_time=self.think_time,
            delay_tiers=self.delay_tiers,
            servers=self.servers,
        )

    # --- the recursion -------------------------------------------------------------------------------

    def _stations(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Per tier: its queueing demand and its pure-delay demand (after the multi-server split)."""
        tiers = list(self.demands)
        queueing = np.zeros(len(tiers))
        delay = np.zeros(len(tiers))
        for i, tier in enumerate(tiers):
            d = self.demands[tier]
            if tier in self.delay_tiers:
                delay[i] = d
            else:
                c = self.servers.get(tier, 1)
                queueing[i] = d / c
                delay[i] = d * (c - 1) / c
        return tiers, queueing, delay

    def _result(self, n: int, tiers: list[str], residence: np.ndarray, x: float) -> MVAResult:
        queue = x * residence
        return MVAResult(
            population=n,
            throughput=x,
            response_time=float(residence.sum()),
            residence_times=MappingProxyType({t: float(r) for t, r in zip(tiers, residence, strict=True)}),
            queue_lengths=MappingProxyType({t: float(q) for t, q in zip(tiers, queue, strict=True)}),
            utilizations=MappingProxyType(
                {t: x * self.demands[t] / self.servers.get(t, 1) for t in tiers if t not in self.delay_tiers}
            ),
        )

    def curve(self, max_n: int) -> tuple[MVAResult, ...]:
        """Solutions for every population 1..max_n (one pass of the recursion)."""
        last = _check_population("max_n", max_n)
        tiers, queueing, delay = self._stations()
        queue = np.zeros(len(tiers))
        results: list[MVAResult] = []
        for n in range(1, last + 1):
            residence = queueing * (1.0 + queue) + delay
            x = n / (self.think_time + float(residence.sum()))
            queue = x * queueing * (1.0 + queue)  # only the queueing part holds customers that others wait on
            results.append(self._result(n, tiers, residence, x))
        return tuple(results)

    def solve(self, n: int) -> MVAResult:
        """The steady state with n users (runs the recursion from 1 to n, keeping only the last step)."""
        last = _check_population("n", n)
        tiers, queueing, delay = self._stations()
        queue = np.zeros(len(tiers))
        residence = queueing + delay
        x = 0.0
        for k in range(1, last + 1):
            residence = queueing * (1.0 + queue) + delay
            x = k / (self.think_time + float(residence.sum()))
            queue = x * queueing * (1.0 + queue)
        return self._result(last, tiers, residence, x)

    # --- convenience queries -------------------------------------------------------------------------

    def throughput_at_concurrency(self, n: int) -> float:
        """X(n), requests per second with n users."""
        return self.solve(n).throughput

    def response_time_at_concurrency(self, n: int) -> float:
        """Mean response time R(n) in seconds with n users (think time excluded)."""
        return self.solve(n).response_time

    def max_population_for_response_time(self, slo_s: float, max_n: int = 100_000) -> int:
        """The largest n ≤ max_n whose mean response time stays ≤ ``slo_s``.

        R(n) never decreases with n in this network, so the search stops at the first n past the SLO.
        Raises :class:`UnreachableError` when even one user exceeds it.
        """
        slo = positive("slo_s", slo_s)
        last = _check_population("max_n", max_n)
        tiers, queueing, delay = self._stations()
        queue = np.zeros(len(tiers))
        best = 0
        for n in range(1, last + 1):
            residence = queueing * (1.0 + queue) + delay
            if float(residence.sum()) > slo:
                break
            best = n
            x = n / (self.think_time + float(residence.sum()))
            queue = x * queueing * (1.0 + queue)
        if best == 0:
            raise UnreachableError(
                f"slo_s: {slo_s!r} s is below the response time of a single user "
                f"({float((queueing + delay).sum()):.6g} s, the sum of the demands)"
            )
        return best
