"""From results documents to the measured profile a sizing rests on.

A ``cuaso sweep`` writes one results document whose phases are the steady windows of its concurrency
levels (``level-016-r1``: 16 users, first repeat; ``offered.users_mean`` = the level). Each such phase
becomes one :class:`LevelMeasurement`: concurrency, goodput (successful requests/s), mean and percentile
latency from the merged HDR histograms, CPU seconds and peak RSS per process kind of the system under
test, the generator's CPU and the response bytes. :class:`MeasuredProfile` holds them all, sorted by
concurrency, with the figures the models need (per-kind service demands by the utilization law, the
percentile-to-mean latency ratio per level).

Reading is strict: a document without level phases, a phase without successful requests or without the
CPU seconds of the ``app`` and ``redis`` process kinds, or a run marked invalid, is refused with a
:class:`SizingInputError` naming the file, the phase and the key.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np

from capacity.exceptions import ModelError
from results.document import Phase, ResultsDocument, ResultsError, load_results
from scenarios.sweep import IDLE_PHASE

APP_KIND = "app"
"""Process kind of the portal's uvicorn workers in a results document."""

REDIS_KIND = "redis"
"""Process kind of Redis."""

REQUIRED_KINDS: tuple[str, str] = (APP_KIND, REDIS_KIND)

APP_NODE_KINDS: tuple[str, ...] = (APP_KIND, "forwarder")
"""Process kinds that run on app nodes, and whose CPU and memory the app nodes are sized for: the
portal's workers and its forwarders to the back-office systems. Every other kind (Redis, the simulated
outside systems ``sim-*``) is measured and used by the MVA cross-check, but is not app-node load."""

LEVEL_PREFIX = "level-"
"""Phase names of a sweep's steady windows start with this (``level-016-r1``)."""


class SizingInputError(ModelError):
    """A results document cannot be sized from; the message names the file, phase and key."""


class InvalidResultsError(SizingInputError):
    """The run is marked invalid (saturated generator, Little's law broken...)."""


@dataclass(frozen=True)
class LevelMeasurement:
    """One steady window at one concurrency level (one repeat)."""

    source: str
    phase: str
    users: float
    duration_s: float
    requests: int
    failures: int
    mean_ms: float
    percentile_ms: float
    cpu_seconds: Mapping[str, float]
    processes: Mapping[str, int]
    rss_bytes_max: Mapping[str, int]
    bytes_received: int
    generator_processes: int | None = None
    generator_cpu_percent: float | None = None
    generator_on_machine: bool = False

    def __post_init__(self) -> None:
        where = f"{self.source}: phases.{self.phase}"
        if not (math.isfinite(self.users) and self.users > 0):
            raise SizingInputError(f"{where}.offered.users_mean: must be > 0, got {self.users!r}")
        if self.requests - self.failures <= 0:
            raise SizingInputError(
                f"{where}.endpoints: no successful requests ({self.requests} requests, {self.failures} "
                "failures); a level that served nothing cannot be fitted"
            )
        if self.mean_ms <= 0:
            raise SizingInputError(f"{where}.endpoints: histograms are empty (mean latency 0 ms)")
        object.__setattr__(self, "cpu_seconds", MappingProxyType(dict(self.cpu_seconds)))
        object.__setattr__(self, "processes", MappingProxyType(dict(self.processes)))
        object.__setattr__(self, "rss_bytes_max", MappingProxyType(dict(self.rss_bytes_max)))

    @property
    def good(self) -> int:
        return self.requests - self.failures

    @property
    def throughput(self) -> float:
        """Goodput: successful requests per second (fast errors must not count as capacity)."""
        return self.good / self.duration_s

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests

    @property
    def percentile_ratio(self) -> float:
        """Measured latency percentile / mean (empirical; maps a percentile SLO onto mean latency)."""
        return self.percentile_ms / self.mean_ms

    def demand_s(self, kind: str) -> float:
        """CPU seconds of ``kind`` per successful request (utilization law, D = B / C)."""
        return self.cpu_seconds.get(kind, 0.0) / self.good

    @property
    def machine_cpu_s(self) -> float:
        """CPU seconds per successful request of everything measured on the machine: every process
        kind, plus the generator when it ran on the same machine (a local stack)."""
        total = sum(self.cpu_seconds.values())
        if self.generator_on_machine and self.generator_processes and self.generator_cpu_percent:
            total += self.generator_processes * self.generator_cpu_percent / 100.0 * self.duration_s
        return total / self.good

    @property
    def generator_rps_per_core(self) -> float | None:
        """Requests the generator sent per second per core it used (None when not recorded)."""
        if not self.generator_processes or not self.generator_cpu_percent:
            return None
        return self.requests / self.duration_s / (self.generator_processes * self.generator_cpu_percent / 100)


SATURATED_SHARE = 0.8
"""Assumption: a level whose measured processes kept 80 % or more of the node's cores busy is in the
saturated regime whose CPU per request sets the capacity bound (see :attr:`MeasuredProfile.demand_levels`)."""


@dataclass(frozen=True)
class MeasuredProfile:
    """All level measurements of the sized documents, sorted by concurrency then phase name."""

    levels: tuple[LevelMeasurement, ...]
    reference_cores: float
    sources: tuple[str, ...]
    percentile: float
    invalid_reasons: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    """Caveats of the sources (a tier without RSS...), repeated as the sizing's warnings."""
    idle_cores: float | None = None
    """CPU (cores) the measured processes used in the sweep's window without users (phase ``idle``,
    ``cuaso sweep --idle``), mean over the documents that have one: the stack's background."""

    def __post_init__(self) -> None:
        if not self.levels:
            raise SizingInputError("levels: no level measurements to size from")
        ordered = tuple(sorted(self.levels, key=lambda m: (m.users, m.source, m.phase)))
        object.__setattr__(self, "levels", ordered)

    @property
    def concurrency(self) -> tuple[float, ...]:
        return tuple(m.users for m in self.levels)

    @property
    def throughput(self) -> tuple[float, ...]:
        return tuple(m.throughput for m in self.levels)

    @property
    def distinct_levels(self) -> tuple[float, ...]:
        return tuple(sorted({m.users for m in self.levels}))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted({k for m in self.levels for k in m.cpu_seconds}))

    @property
    def app_node_kinds(self) -> tuple[str, ...]:
        """The measured kinds that run on app nodes (:data:`APP_NODE_KINDS`)."""
        return tuple(k for k in self.kinds if k in APP_NODE_KINDS)

    def subset(self, max_users: float) -> MeasuredProfile:
        """The levels at or below ``max_users`` (for held-out validation)."""
        kept = tuple(m for m in self.levels if m.users <= max_users)
        return MeasuredProfile(
            kept, self.reference_cores, self.sources, self.percentile, self.invalid_reasons, self.notes,
            self.idle_cores,
        )  # fmt: skip

    @property
    def demand_levels(self) -> tuple[LevelMeasurement, ...]:
        """The levels the service demands are read from: those whose measured processes kept at least
        :data:`SATURATED_SHARE` of the node's cores busy, or every level when none did.

        CPU per request falls as load rises (at low load an idle event loop pays a wake-up per request,
        a busy one serves several per wake-up: measured here 0.47 ms at N = 1 against 0.36-0.42 ms at
        N = 2-4 on one core), and the demand bound the models extrapolate to, cores / D, is set by the
        busy regime. The lowest level still calibrates the MVA's non-CPU delay.
        """
        return self.saturated_levels or self.levels

    @property
    def saturated_levels(self) -> tuple[LevelMeasurement, ...]:
        """The windows whose measured processes kept at least :data:`SATURATED_SHARE` of the node's cores
        busy (possibly none)."""
        floor = SATURATED_SHARE * self.reference_cores
        return tuple(m for m in self.levels if m.machine_cpu_s * m.throughput >= floor)

    def machine_demand_s(self) -> float:
        """Median over :attr:`demand_levels` of :attr:`LevelMeasurement.machine_cpu_s`."""
        return float(statistics.median(m.machine_cpu_s for m in self.demand_levels))

    def demand_s(self, kind: str) -> float:
        """Median over :attr:`demand_levels` of the CPU seconds per request of ``kind`` (robust to one
        odd window)."""
        return float(statistics.median(m.demand_s(kind) for m in self.demand_levels))

    def ratio_table(self) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """Per distinct level, the percentile-to-mean latency ratio (repeats averaged)."""
        levels = self.distinct_levels
        ratios = [statistics.fmean(m.percentile_ratio for m in self.levels if m.users == n) for n in levels]
        return levels, tuple(ratios)

    def ratio_at(self, users: float) -> float:
        """Percentile-to-mean ratio at ``users``: interpolated linearly between measured levels and held
        flat beyond the measured range."""
        levels, ratios = self.ratio_table()
        return float(np.interp(users, levels, ratios))

    def mean_latency_s(self, users: float) -> float:
        """Measured mean latency (s) at a level, repeats averaged; ``users`` must be a measured level."""
        chosen = [m.mean_ms for m in self.levels if m.users == users]
        if not chosen:
            raise SizingInputError(f"users: {users!r} is not a measured level ({list(self.distinct_levels)})")
        return statistics.fmean(chosen) / 1000.0

    def level_throughput(self, users: float) -> float:
        """Mean goodput of the repeats at a measured level."""
        return statistics.fmean(m.throughput for m in self.levels if m.users == users)

    def rss_per_process(self, kind: str) -> float:
        """Largest peak RSS per process of ``kind`` seen at any level (bytes): the results document's
        ``rss_bytes_max`` is the peak of the kind's summed RSS, shared out over its processes."""
        return max(m.rss_bytes_max.get(kind, 0) / max(1, m.processes.get(kind, 1)) for m in self.levels)

    def processes(self, kind: str) -> int:
        return max(m.processes.get(kind, 0) for m in self.levels)


def _measure(source: str, phase: Phase, percentile: float, local: bool) -> LevelMeasurement:
    where = f"{source}: phases.{phase.name}"
    if not phase.resources:
        raise SizingInputError(
            f"{where}.resources: empty; the sizing needs the CPU seconds of each process kind "
            f"({', '.join(REQUIRED_KINDS)}): run the sweep against the local stack, which samples them"
        )
    kinds = {r.kind: r for r in phase.resources}
    missing = [k for k in REQUIRED_KINDS if k not in kinds]
    if missing:
        raise SizingInputError(f"{where}.resources: no {missing[0]!r} entry (have {sorted(kinds)})")
    latency = phase.latency()
    generator = phase.generator
    return LevelMeasurement(
        source=source,
        phase=phase.name,
        users=phase.offered.users_mean,
        duration_s=phase.duration_s,
        requests=phase.requests,
        failures=phase.failures,
        mean_ms=latency.mean_ms(),
        percentile_ms=latency.percentile_ms(percentile),
        cpu_seconds={k: r.cpu_seconds for k, r in kinds.items()},
        processes={k: r.processes for k, r in kinds.items()},
        rss_bytes_max={k: r.rss_bytes_max for k, r in kinds.items()},
        bytes_received=sum(e.bytes_received for e in phase.endpoints),
        generator_processes=generator.processes if generator else None,
        generator_cpu_percent=generator.cpu_percent_mean if generator else None,
        generator_on_machine=local,
    )


def measured_cores(doc: ResultsDocument) -> float:
    """Cores the system under test could use: its allotment (``run.allotments``, the ``app`` kind's
    group) when it was confined, else every core of the machine."""
    allotment = doc.run.allotment_of(APP_KIND)
    if allotment is not None and allotment.cores is not None:
        return min(float(allotment.cores), float(doc.environment.cores))
    return float(doc.environment.cores)


def profile_from_documents(
    documents: Sequence[tuple[str, ResultsDocument]],
    *,
    percentile: float = 95.0,
    phase_prefix: str = LEVEL_PREFIX,
    allow_invalid: bool = False,
) -> MeasuredProfile:
    """The profile of ``documents`` (pairs of a name for messages and the document)."""
    if not documents:
        raise SizingInputError("results: give at least one results document")
    levels: list[LevelMeasurement] = []
    invalid: list[str] = []
    cores: set[float] = set()
    idle: list[float] = []
    for source, doc in documents:
        if not doc.validity.valid:
            reasons = "; ".join(doc.validity.reasons) or "no reason given"
            if not allow_invalid:
                raise InvalidResultsError(f"{source}: validity: the run is marked invalid: {reasons}")
            invalid.append(f"{source}: {reasons}")
        chosen = [p for p in doc.phases if p.name.startswith(phase_prefix)]
        if not chosen:
            raise SizingInputError(
                f"{source}: phases: none named {phase_prefix}* (have {[p.name for p in doc.phases]}); "
                "size from the results document of a `cuaso sweep`"
            )
        # A generator confined to its own CPUs (run.allotments) is not load on the measured node.
        shared = doc.run.local_stack and not doc.run.allotments
        levels.extend(_measure(source, p, percentile, shared) for p in chosen)
        cores.add(measured_cores(doc))
        quiet = next((p for p in doc.phases if p.name == IDLE_PHASE and p.resources), None)
        if quiet is not None:
            idle.append(math.fsum(r.cpu_cores_mean for r in quiet.resources))
    return MeasuredProfile(
        levels=tuple(levels),
        reference_cores=min(cores),
        sources=tuple(s for s, _ in documents),
        percentile=percentile,
        invalid_reasons=tuple(invalid),
        idle_cores=statistics.fmean(idle) if idle else None,
    )


def load_profile(
    paths: Iterable[str | Path],
    *,
    percentile: float = 95.0,
    phase_prefix: str = LEVEL_PREFIX,
    allow_invalid: bool = False,
) -> MeasuredProfile:
    """Read and validate the results files, then :func:`profile_from_documents`."""
    documents: list[tuple[str, ResultsDocument]] = []
    for path in paths:
        try:
            documents.append((str(path), load_results(path)))
        except ResultsError as exc:
            raise SizingInputError(str(exc)) from None
    return profile_from_documents(
        documents, percentile=percentile, phase_prefix=phase_prefix, allow_invalid=allow_invalid
    )
