"""The figures a report shows, computed once from a results document (no formatting here).

Percentiles always come from the merged HDR histograms of the document (never from pre-computed
percentiles, which cannot be averaged): an endpoint's whole-run p95 is the p95 of its histograms of
every phase merged. Simulated figures are what the drill did; modelled figures are the simulated ones
divided by the run's ``scale`` (users) or multiplied by its ``time_compression`` (time).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from results.document import EndpointStats, JourneyStats, Phase, ResultsDocument
from results.histogram import LatencyHistogram

PERCENTILES = (50.0, 95.0, 99.0)
"""The latency percentiles every table shows."""


@dataclass(frozen=True)
class Latency:
    """Percentiles of one merged histogram, in ms (all 0.0 when it holds no samples)."""

    samples: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, histogram: LatencyHistogram) -> Latency:
        return cls(
            samples=histogram.count,
            p50_ms=histogram.percentile_ms(50.0),
            p95_ms=histogram.percentile_ms(95.0),
            p99_ms=histogram.percentile_ms(99.0),
            max_ms=histogram.max_ms(),
        )


@dataclass(frozen=True)
class PhaseRow:
    name: str
    start_s: float
    end_s: float
    modelled_start_s: float
    modelled_end_s: float
    users_mean: float
    users_max: int
    modelled_users_mean: float
    requests: int
    failures: int
    throughput_rps: float
    latency: Latency

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class EndpointRow:
    name: str
    requests: int
    failures: int
    throughput_rps: float
    latency: Latency
    errors: tuple[tuple[str, int], ...]  # (kind, count), most frequent first

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class JourneyRow:
    name: str
    started: int
    completed: int
    failed: int
    abandoned: int
    retries: int
    duration: Latency

    @property
    def failure_rate(self) -> float:
        return self.failed / self.started if self.started else 0.0


@dataclass(frozen=True)
class ResourceRow:
    """One process kind of the system under test in one phase."""

    phase: str
    kind: str
    processes: int
    cpu_cores_mean: float
    rss_bytes_max: int

    @property
    def per_process_utilisation(self) -> float:
        """Mean share of one core per process: 1.0 means every process of the kind was always busy
        (uvicorn workers and Redis each run their requests on one thread)."""
        return self.cpu_cores_mean / self.processes if self.processes else 0.0


def _latency(encoded: Iterable[str]) -> Latency:
    return Latency.of(LatencyHistogram.merged(encoded))


def run_duration_s(doc: ResultsDocument) -> float:
    """The measured span: from the first phase's start to the last phase's end."""
    if not doc.phases:
        return 0.0
    return max(max(p.end_s for p in doc.phases) - min(p.start_s for p in doc.phases), 1e-9)


def phase_rows(doc: ResultsDocument) -> tuple[PhaseRow, ...]:
    scale = doc.run.scale
    return tuple(
        PhaseRow(
            name=p.name,
            start_s=p.start_s,
            end_s=p.end_s,
            modelled_start_s=p.start_s * scale.time_compression,
            modelled_end_s=p.end_s * scale.time_compression,
            users_mean=p.offered.users_mean,
            users_max=p.offered.users_max,
            modelled_users_mean=p.offered.users_mean / scale.scale,
            requests=p.requests,
            failures=p.failures,
            throughput_rps=p.throughput_rps,
            latency=_latency(e.histogram for e in p.endpoints),
        )
        for p in doc.phases
    )


def whole_run(doc: ResultsDocument) -> PhaseRow:
    """Every phase together, as one row (name ``all phases``)."""
    scale = doc.run.scale
    duration = run_duration_s(doc)
    requests = sum(p.requests for p in doc.phases)
    weighted_users = sum(p.offered.users_mean * p.duration_s for p in doc.phases)
    users_mean = weighted_users / duration if doc.phases else 0.0
    start = min((p.start_s for p in doc.phases), default=0.0)
    return PhaseRow(
        name="all phases",
        start_s=start,
        end_s=start + duration,
        modelled_start_s=start * scale.time_compression,
        modelled_end_s=(start + duration) * scale.time_compression,
        users_mean=users_mean,
        users_max=max((p.offered.users_max for p in doc.phases), default=0),
        modelled_users_mean=users_mean / scale.scale,
        requests=requests,
        failures=sum(p.failures for p in doc.phases),
        throughput_rps=requests / duration if doc.phases else 0.0,
        latency=_latency(e.histogram for p in doc.phases for e in p.endpoints),
    )


def _norm(name: str) -> str:
    return " ".join(name.split())


def endpoints_by_name(phases: Sequence[Phase]) -> dict[str, list[EndpointStats]]:
    """Each endpoint's stats across ``phases``, keyed by its name (whitespace normalised), sorted."""
    found: dict[str, list[EndpointStats]] = {}
    for phase in phases:
        for endpoint in phase.endpoints:
            found.setdefault(_norm(endpoint.name), []).append(endpoint)
    return dict(sorted(found.items()))


def journeys_by_name(phases: Sequence[Phase]) -> dict[str, list[JourneyStats]]:
    found: dict[str, list[JourneyStats]] = {}
    for phase in phases:
        for journey in phase.journeys:
            found.setdefault(journey.name, []).append(journey)
    return dict(sorted(found.items()))


def endpoint_rows(doc: ResultsDocument) -> tuple[EndpointRow, ...]:
    """One row per endpoint over the whole run, busiest first (ties by name, so the order is stable)."""
    duration = run_duration_s(doc)
    rows = []
    for name, stats in endpoints_by_name(doc.phases).items():
        errors: Counter[str] = Counter()
        for s in stats:
            for e in s.errors:
                errors[e.kind] += e.count
        requests = sum(s.requests for s in stats)
        rows.append(
            EndpointRow(
                name=name,
                requests=requests,
                failures=sum(s.failures for s in stats),
                throughput_rps=requests / duration,
                latency=_latency(s.histogram for s in stats),
                errors=tuple(sorted(errors.items(), key=lambda kv: (-kv[1], kv[0]))),
            )
        )
    return tuple(sorted(rows, key=lambda r: (-r.requests, r.name)))


def journey_rows(doc: ResultsDocument) -> tuple[JourneyRow, ...]:
    rows = [
        JourneyRow(
            name=name,
            started=sum(s.started for s in stats),
            completed=sum(s.completed for s in stats),
            failed=sum(s.failed for s in stats),
            abandoned=sum(s.abandoned for s in stats),
            retries=sum(s.retries for s in stats),
            duration=_latency(s.histogram for s in stats if s.histogram),
        )
        for name, stats in journeys_by_name(doc.phases).items()
    ]
    return tuple(sorted(rows, key=lambda r: (-r.started, r.name)))


def endpoint_phase_p95(doc: ResultsDocument) -> dict[str, dict[str, float | None]]:
    """p95 in ms per endpoint (rows) and phase (columns); None where the endpoint had no request."""
    table: dict[str, dict[str, float | None]] = {}
    for name in endpoints_by_name(doc.phases):
        row: dict[str, float | None] = {}
        for phase in doc.phases:
            encoded = [e.histogram for e in phase.endpoints if _norm(e.name) == name and e.requests > 0]
            row[phase.name] = LatencyHistogram.merged(encoded).percentile_ms(95.0) if encoded else None
        table[name] = row
    return table


def resource_rows(doc: ResultsDocument) -> tuple[ResourceRow, ...]:
    """Per phase, per process kind of the system under test, in the document's order."""
    return tuple(
        ResourceRow(
            phase=p.name,
            kind=r.kind,
            processes=r.processes,
            cpu_cores_mean=r.cpu_cores_mean,
            rss_bytes_max=r.rss_bytes_max,
        )
        for p in doc.phases
        for r in p.resources
    )


def resource_kinds(doc: ResultsDocument) -> tuple[str, ...]:
    """Process kinds in first-seen order (``app`` first when present: it is what gets sized)."""
    kinds = list(dict.fromkeys(r.kind for p in doc.phases for r in p.resources))
    return tuple(sorted(kinds, key=lambda k: (k != "app", kinds.index(k))))
