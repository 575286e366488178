"""What limited the run: a saturated load generator, a saturated tier, the shared machine, or nothing.

Decided in this order, from the document's per-phase resource samples (psutil, per process kind) and
its timeline, and the report prints the rule with the evidence:

1. **The load generator**, when a Locust process averaged more than the drill's own validity limit
   (:data:`scenarios.drill.validity.GENERATOR_CPU_LIMIT`) in some phase: it then delays its own
   requests and measures itself.
2. **The busiest tier**, when some process kind averaged at least :data:`SATURATED_UTILISATION` of a
   core *per process* in some phase (a uvicorn worker and Redis each serve requests on one thread, so a
   kind at 100% per process cannot go faster without more processes).
3. **The machine's CPU**, when the system under test and the generator together kept at least
   :data:`MACHINE_SATURATED` of the machine's cores busy: everything shared them, so no single tier
   saturated but none could get more CPU either.
4. Otherwise **nothing saturated**: the portal had headroom at this load, and the busiest tier is named.

Independently, an **error spike** is reported: the first timeline point whose error rate reached
:data:`ERROR_SPIKE_RATE`, with its phase and the error kinds of that phase.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Literal

from results.document import Phase, ResultsDocument
from scenarios.drill.validity import GENERATOR_CPU_LIMIT

SATURATED_UTILISATION = 0.8
"""Assumption: a process kind busy 80% of one core per process is saturated (queueing grows steeply
above it: the residence time of an M/M/1 server is 5× its service time at 80%)."""

MACHINE_SATURATED = 0.85
"""Assumption: the machine is CPU-bound when 85% of all its cores are busy on average."""

ERROR_SPIKE_RATE = 0.05
"""Assumption: a timeline point where 5% or more of requests failed is an error spike."""

Culprit = Literal["generator", "tier", "machine", "none"]


@dataclass(frozen=True)
class TierLoad:
    """One process kind in one phase."""

    phase: str
    kind: str
    processes: int
    cpu_cores_mean: float
    rss_bytes_max: int

    @property
    def utilisation(self) -> float:
        """Mean share of one core per process."""
        return self.cpu_cores_mean / self.processes if self.processes else 0.0


@dataclass(frozen=True)
class ErrorSpike:
    t_s: float
    phase: str
    error_rate: float
    peak_error_rate: float
    kinds: tuple[tuple[str, int], ...]  # the phase's error kinds, most frequent first


@dataclass(frozen=True)
class Bottleneck:
    culprit: Culprit
    summary: str
    phase: str | None
    tiers: tuple[TierLoad, ...]  # in ``phase``, busiest per process first
    machine_cores: int
    machine_busy_cores: float
    generator_cpu_percent: float | None  # busiest generator process, mean in ``phase``
    spike: ErrorSpike | None

    @property
    def machine_busy_share(self) -> float:
        return self.machine_busy_cores / self.machine_cores if self.machine_cores else 0.0


def _tiers(phase: Phase) -> tuple[TierLoad, ...]:
    tiers = (
        TierLoad(phase.name, r.kind, r.processes, r.cpu_cores_mean, r.rss_bytes_max) for r in phase.resources
    )
    return tuple(sorted(tiers, key=lambda t: (-t.utilisation, t.kind)))


def _busy_cores(phase: Phase) -> float:
    system = sum(r.cpu_cores_mean for r in phase.resources)
    generator = phase.generator.cpu_percent_mean * phase.generator.processes / 100 if phase.generator else 0
    return system + generator


def _spike(doc: ResultsDocument) -> ErrorSpike | None:
    hits = [p for p in doc.timeline if p.error_rate >= ERROR_SPIKE_RATE]
    if not hits:
        return None
    first = hits[0]
    kinds: Counter[str] = Counter()
    for phase in doc.phases:
        if phase.name == first.phase:
            for endpoint in phase.endpoints:
                for error in endpoint.errors:
                    kinds[error.kind] += error.count
    return ErrorSpike(
        t_s=first.t_s,
        phase=first.phase,
        error_rate=first.error_rate,
        peak_error_rate=max(p.error_rate for p in hits),
        kinds=tuple(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def find_bottleneck(doc: ResultsDocument) -> Bottleneck:
    """Apply the rules of this module's docstring to ``doc``."""
    cores = doc.environment.cores
    spike = _spike(doc)
    measured = [p for p in doc.phases if p.requests > 0]
    if not measured:
        return Bottleneck(
            "none", "no phase served requests: nothing to judge", None, (), cores, 0.0, None, spike
        )

    def generator_of(phase: Phase) -> float | None:
        return phase.generator.cpu_percent_mean if phase.generator else None

    loaded = [p for p in measured if p.generator is not None]
    if loaded:
        busiest_gen = max(loaded, key=lambda p: (generator_of(p) or 0.0, p.throughput_rps))
        percent = generator_of(busiest_gen) or 0.0
        if percent > GENERATOR_CPU_LIMIT:
            return Bottleneck(
                "generator",
                f"the load generator: a Locust process averaged {percent:.0f}% of a core in phase "
                f"{busiest_gen.name} (limit {GENERATOR_CPU_LIMIT:.0f}%), so it delayed its own requests; "
                "add Locust workers (--workers) before reading the portal's figures",
                busiest_gen.name,
                _tiers(busiest_gen),
                cores,
                _busy_cores(busiest_gen),
                percent,
                spike,
            )

    # The phase and tier with the highest per-process utilisation (ties: the busier phase).
    with_tiers = [p for p in measured if p.resources]
    if not with_tiers:
        busiest = max(measured, key=lambda p: p.throughput_rps)
        return Bottleneck(
            "none",
            "resources of the system under test were not measured (a run against --host): "
            "the bottleneck cannot be named",
            busiest.name,
            (),
            cores,
            _busy_cores(busiest),
            generator_of(busiest),
            spike,
        )
    phase = max(with_tiers, key=lambda p: (_tiers(p)[0].utilisation, p.throughput_rps))
    tiers = _tiers(phase)
    top = tiers[0]
    busy = _busy_cores(phase)
    where = f"in phase {phase.name}"
    if top.utilisation >= SATURATED_UTILISATION:
        culprit: Culprit = "tier"
        summary = (
            f"the {top.kind} tier: its {top.processes} process(es) averaged {top.utilisation:.0%} of a core "
            f"each {where} (saturated from {SATURATED_UTILISATION:.0%}); more {top.kind} processes or "
            "faster code raise the ceiling"
        )
    elif cores and busy / cores >= MACHINE_SATURATED:
        culprit = "machine"
        summary = (
            f"the machine's CPU: the portal, its simulators and the generator kept {busy:.2f} of "
            f"{cores} cores busy {where} ({busy / cores:.0%}, saturated from {MACHINE_SATURATED:.0%}); "
            f"the busiest tier, {top.kind}, averaged {top.utilisation:.0%} of a core per process"
        )
    else:
        culprit = "none"
        summary = (
            f"nothing saturated: the busiest tier, {top.kind}, averaged {top.utilisation:.0%} of a core per "
            f"process {where} and the machine was {busy / cores if cores else 0:.0%} busy, so the portal "
            "had headroom at this load"
        )
    return Bottleneck(culprit, summary, phase.name, tiers, cores, busy, generator_of(phase), spike)
