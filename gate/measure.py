"""What a results document says about one target (run, journey or endpoint) over the chosen phases.

Phases are summed (requests, failures, durations) and their histograms merged; an endpoint that
appears under several journeys is one endpoint. The calibration endpoint, when there is one, is left
out of the run's figures so that it never dilutes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from gate.distribution import Distribution
from gate.errors import GateInputError
from results.document import Phase, ResultsDocument
from results.targets import Target


@dataclass(frozen=True, slots=True)
class RunDoc:
    """One results document and the name the gate shows for it (its path)."""

    label: str
    doc: ResultsDocument

    @classmethod
    def load(cls, path: Path) -> RunDoc:
        from results.document import ResultsError, load_results

        try:
            return cls(str(path), load_results(path))
        except ResultsError as exc:
            raise GateInputError(str(exc)) from None


@dataclass(frozen=True, slots=True)
class Measured:
    """Counts and latency of one target. For journeys: started, failed, completed and their durations."""

    requests: int
    failures: int
    completed: int
    duration_s: float
    latency: Distribution

    def __post_init__(self) -> None:
        if min(self.requests, self.failures, self.completed) < 0:
            raise ValueError(f"counts ({self.requests}, {self.failures}, {self.completed}): must be >= 0")
        if self.duration_s <= 0:
            raise ValueError(f"duration_s={self.duration_s!r}: must be > 0")

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    @property
    def throughput(self) -> float:
        """Requests/s; for a journey, completed journeys/s."""
        return self.completed / self.duration_s


def select_phases(run: RunDoc, names: Sequence[str]) -> tuple[Phase, ...]:
    """The named phases (all of them when ``names`` is empty); a missing name is an input error."""
    if not names:
        return run.doc.phases
    have = [p.name for p in run.doc.phases]
    missing = [n for n in names if n not in have]
    if missing:
        raise GateInputError(f"--phase={missing[0]!r}: {run.label} has no such phase (have {have})")
    return tuple(p for p in run.doc.phases if p.name in names)


def _norm(name: str) -> str:
    return " ".join(name.split())


def endpoint_names(phases: Sequence[Phase]) -> tuple[str, ...]:
    return tuple(sorted({_norm(e.name) for p in phases for e in p.endpoints}))


def journey_names(phases: Sequence[Phase]) -> tuple[str, ...]:
    return tuple(sorted({j.name for p in phases for j in p.journeys}))


def measure(phases: Sequence[Phase], target: Target, *, exclude: frozenset[str] = frozenset()) -> Measured:
    """Sum ``target`` over ``phases``; raise :class:`KeyError` naming what exists when it is absent."""
    duration = sum(p.duration_s for p in phases)
    if target.kind == "journey":
        journeys = [j for p in phases for j in p.journeys if j.name == target.name]
        if not journeys:
            raise KeyError(f"no journey {target.name!r} (have {list(journey_names(phases))})")
        return Measured(
            requests=sum(j.started for j in journeys),
            failures=sum(j.failed for j in journeys),
            completed=sum(j.completed for j in journeys),
            duration_s=duration,
            latency=Distribution.merged(Distribution.from_hdr(j.histogram) for j in journeys),
        )
    if target.kind == "endpoint":
        endpoints = [e for p in phases for e in p.endpoints if _norm(e.name) == target.name]
        if not endpoints:
            raise KeyError(f"no endpoint {target.name!r} (have {list(endpoint_names(phases))})")
    else:
        endpoints = [e for p in phases for e in p.endpoints if _norm(e.name) not in exclude]
    requests = sum(e.requests for e in endpoints)
    return Measured(
        requests=requests,
        failures=sum(e.failures for e in endpoints),
        completed=requests,
        duration_s=duration,
        latency=Distribution.merged(Distribution.from_hdr(e.histogram) for e in endpoints),
    )
