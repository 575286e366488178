"""The verdict against the service-level objectives: pass or fail per SLO, with the numbers.

SLOs are written exactly like ``cuaso gate``'s absolute thresholds (one per line, parsed by
:mod:`results.slo`, never ``eval``), e.g. ``p95(run) <= 1000ms``, ``error_rate(run) < 1%``,
``p99(GET /api/v1/procedures) < 2s``, ``error_rate(journey:submit_dossier) < 2%``. ``x`` limits
(multiples of a calibration endpoint) are refused: a report has no calibration.

An SLO is **met** when it holds over the whole run *and* in every phase with at least
:data:`MIN_PHASE_SAMPLES` samples: a surge that breaks the objective for one phase must not hide in
the whole-run average. Throughput objectives are judged on the whole run only (a warm-up phase is slow
by design). The overall verdict is ``pass`` (every SLO met on a valid run), ``fail`` (one breached on a
valid run) or ``inconclusive`` (the run's validity checks failed, so its figures may describe the load
generator rather than the portal; what the SLOs would say is still shown).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reports import fmt
from reports.summary import endpoints_by_name, journeys_by_name, run_duration_s
from results.document import Phase, ResultsDocument
from results.exceptions import CuasoError
from results.histogram import LatencyHistogram
from results.slo import Threshold, parse_threshold, parse_thresholds

DEFAULT_P95_MS = 1000.0
"""Assumption: p95 latency objective of every request, the same default as ``cuaso size --slo-ms``."""

DEFAULT_ERROR_RATE = 0.01
"""Assumption: at most 1% of requests may fail."""

MIN_PHASE_SAMPLES = 100
"""Assumption: a phase with fewer samples than this is shown but not judged (its p95 is too coarse)."""

Status = Literal["pass", "fail", "inconclusive"]


class SloError(CuasoError):
    """An SLO that cannot be judged: unreadable file, ``x`` unit, or a target the run does not have."""

    exit_code = 2


@dataclass(frozen=True)
class Figure:
    """An SLO's metric over some phases: its value and how many samples it rests on."""

    value: float
    samples: int


@dataclass(frozen=True)
class PhaseFigure:
    phase: str
    figure: Figure
    judged: bool
    met: bool


@dataclass(frozen=True)
class SloResult:
    slo: Threshold
    overall: Figure
    overall_met: bool
    phases: tuple[PhaseFigure, ...]

    @property
    def met(self) -> bool:
        return self.overall_met and all(p.met for p in self.phases if p.judged)

    @property
    def breached_phases(self) -> tuple[str, ...]:
        return tuple(p.phase for p in self.phases if p.judged and not p.met)

    @property
    def worst(self) -> PhaseFigure | None:
        """The judged phase with the worst value (highest for < limits, lowest for > limits); among
        equal values, the one with the most samples."""
        judged = [p for p in self.phases if p.judged]
        if not judged:
            return None
        sign = 1.0 if self.slo.op in ("<", "<=") else -1.0
        return max(judged, key=lambda p: (sign * p.figure.value, p.figure.samples))

    def show(self, value: float) -> str:
        """A value in the SLO's unit, rounded for a person."""
        if self.slo.unit == "ratio":
            return fmt.percent(value)
        if self.slo.unit == "per_s":
            return fmt.rate(value, "/s")
        return fmt.ms(value)

    @property
    def objective(self) -> str:
        """The SLO as a person reads it: ``p95 of all requests ≤ 1,000 ms``."""
        target = self.slo.target
        what = {"run": "all requests", "journey": f"journey {target.name}", "endpoint": target.name}
        op = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}[self.slo.op]
        metric = self.slo.metric
        name = {"error_rate": "error rate", "throughput": "throughput"}.get(metric.kind, metric.label)
        return f"{name} of {what[target.kind]} {op} {self.show(self.slo.limit)}"


@dataclass(frozen=True)
class Verdict:
    results: tuple[SloResult, ...]
    valid: bool
    invalid_reasons: tuple[str, ...]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results)

    @property
    def status(self) -> Status:
        if not self.valid:
            return "inconclusive"
        return "pass" if self.met else "fail"

    def headline(self) -> str:
        met = sum(1 for r in self.results if r.met)
        tally = f"{met} of {len(self.results)} SLOs met"
        if self.status == "inconclusive":
            would = "would pass" if self.met else "would fail"
            return f"INCONCLUSIVE: the run is not a valid measurement ({tally}; it {would} if it were)"
        return f"{self.status.upper()}: {tally}"


def _plain(value: float) -> str:
    """A number as the threshold grammar reads it (no exponent): 1000, 0.01."""
    return f"{value:.9f}".rstrip("0").rstrip(".") or "0"


def default_slos(p95_ms: float | None = None, error_rate: float | None = None) -> tuple[Threshold, ...]:
    """``p95(run) <= P95`` and ``error_rate(run) <= RATE`` (the assumption defaults when not given)."""
    p95 = DEFAULT_P95_MS if p95_ms is None else p95_ms
    rate = DEFAULT_ERROR_RATE if error_rate is None else error_rate
    if not p95 > 0:
        raise SloError(f"--slo-p95-ms={p95!r}: must be > 0")
    if not 0 <= rate <= 1:
        raise SloError(f"--slo-error-rate={rate!r}: must be a fraction in [0, 1] (0.01 = 1%)")
    return (
        parse_threshold(f"p95(run) <= {_plain(p95)}ms", source="--slo-p95-ms", line_no=0),
        parse_threshold(f"error_rate(run) <= {_plain(rate)}", source="--slo-error-rate", line_no=0),
    )


def read_slos(path: Path) -> tuple[Threshold, ...]:
    """The SLOs of a file in ``cuaso gate``'s threshold syntax; errors name file, line and token."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SloError(f"--slo={str(path)!r}: cannot read: {exc.strerror}") from None
    slos = parse_thresholds(text, source=str(path))
    if not slos:
        raise SloError(f"--slo={str(path)!r}: holds no SLO (one per line, e.g. 'p95(run) <= 1000ms')")
    return slos


def slos_from(value: str | Path) -> tuple[Threshold, ...]:
    """One ``--slo`` value: an SLO expression (it has a parenthesis: ``p95(run) < 500ms``) or a file of
    them, one per line."""
    if isinstance(value, str) and "(" in value:
        return (parse_threshold(value, source="--slo", line_no=1),)
    return read_slos(Path(value))


def choose_slos(
    slos: str | Path | Sequence[str | Path] | None,
    p95_ms: float | None = None,
    error_rate: float | None = None,
) -> tuple[Threshold, ...]:
    """The SLOs to judge: those of the ``--slo`` values (expressions or files, :func:`slos_from`), plus
    ``--slo-p95-ms``/``--slo-error-rate`` when given; with none of them, the two assumption defaults."""
    values: Sequence[str | Path] = (slos,) if isinstance(slos, (str, Path)) else tuple(slos or ())
    if not values:
        return default_slos(p95_ms, error_rate)
    extra: list[Threshold] = []
    if p95_ms is not None or error_rate is not None:
        p95, rate = default_slos(p95_ms, error_rate)
        extra += [p95] if p95_ms is not None else []
        extra += [rate] if error_rate is not None else []
    return (*(slo for value in values for slo in slos_from(value)), *extra)


def verdict_lines(verdict: Verdict) -> list[str]:
    """The verdict for a terminal: the headline, then one line per SLO with its figure and, for a
    breached one, the phases that breached it."""
    lines = [verdict.headline()]
    for result in verdict.results:
        mark = "met     " if result.met else "BREACHED"
        line = f"  {mark} {result.objective}: {result.show(result.overall.value)} over the run"
        if result.breached_phases:
            worst = result.worst
            shown = f", worst {worst.phase} {result.show(worst.figure.value)}" if worst is not None else ""
            line += f"; breached in {', '.join(result.breached_phases)}{shown}"
        lines.append(line)
    lines += [f"  invalid run: {reason}" for reason in verdict.invalid_reasons]
    return lines


def _figure(slo: Threshold, phases: Sequence[Phase], duration_s: float) -> Figure | None:
    """The SLO's metric over ``phases``; None when its target is absent from them."""
    target, metric = slo.target, slo.metric
    if target.kind == "journey":
        journeys = journeys_by_name(phases).get(target.name)
        if not journeys:
            return None
        requests = sum(j.started for j in journeys)
        failures = sum(j.failed for j in journeys)
        completed = sum(j.completed for j in journeys)
        encoded = [j.histogram for j in journeys if j.histogram]
    else:
        if target.kind == "endpoint":
            endpoints = endpoints_by_name(phases).get(target.name)
            if not endpoints:
                return None
        else:
            endpoints = [e for p in phases for e in p.endpoints]
        requests = completed = sum(e.requests for e in endpoints)
        failures = sum(e.failures for e in endpoints)
        encoded = [e.histogram for e in endpoints]
    if metric.kind == "error_rate":
        return Figure(failures / requests if requests else 0.0, requests)
    if metric.kind == "throughput":
        return Figure(completed / max(duration_s, 1e-9), completed)
    histogram = LatencyHistogram.merged(encoded)
    if metric.kind == "mean":
        value = histogram.mean_ms()
    elif metric.kind == "max":
        value = histogram.max_ms()
    else:
        value = histogram.percentile_ms(metric.quantile or 0.0)
    return Figure(value, histogram.count)


def _names(doc: ResultsDocument, kind: str) -> list[str]:
    if kind == "journey":
        return list(journeys_by_name(doc.phases))
    return list(endpoints_by_name(doc.phases))


def judge(slo: Threshold, doc: ResultsDocument) -> SloResult:
    where = f"{slo.source}:{slo.line_no}: {slo.name}" if slo.line_no else f"{slo.source}: {slo.name}"
    if slo.unit == "x":
        raise SloError(f"{where}: a limit in x needs a calibration endpoint; state it in ms")
    overall = _figure(slo, doc.phases, run_duration_s(doc))
    if overall is None:
        raise SloError(f"{where}: the run has no {slo.target.kind} {slo.target.name!r} "
                       f"(have {_names(doc, slo.target.kind)})")  # fmt: skip
    if overall.samples == 0:
        what = "no phase served requests" if slo.target.kind == "run" else f"none for {slo.target.label}"
        raise SloError(f"{where}: the run has no samples to judge ({what})")
    phases = []
    for phase in doc.phases:
        figure = _figure(slo, (phase,), phase.duration_s)
        if figure is None:
            continue
        judged = slo.metric.kind != "throughput" and figure.samples >= MIN_PHASE_SAMPLES
        phases.append(PhaseFigure(phase.name, figure, judged, slo.holds(figure.value)))
    return SloResult(slo, overall, slo.holds(overall.value), tuple(phases))


def judge_all(slos: Sequence[Threshold], doc: ResultsDocument) -> Verdict:
    """Every SLO judged on the document, with the run's own validity."""
    return Verdict(
        results=tuple(judge(s, doc) for s in slos),
        valid=doc.validity.valid,
        invalid_reasons=doc.validity.reasons,
    )
