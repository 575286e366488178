"""Build a report from a results document (and optionally a sizing), and write it as HTML + Markdown.

:func:`build_report` decides what the report says, in the order a reader needs it: the verdict against
the SLOs first, then what was run, the timeline, phases, endpoints, journeys, resources, the
bottleneck, the run's validity, the sizing, and how the figures were computed. :func:`write_report`
writes ``report.html`` (one self-contained file: CSS and plots inline, no script, no network) and
``report.md`` (the summary, without figures) into a folder. Same inputs, same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reports import fmt
from reports.bottleneck import find_bottleneck
from reports.model import Block, Report, Section, Table, bullets, image, paragraph, passed, table
from reports.plots import markers, resources_figure, timeline_figure
from reports.sections import (
    bottleneck_section,
    endpoints_section,
    journeys_section,
    phases_section,
    resources_section,
    validity_section,
)
from reports.sizing import sizing_section
from reports.sizing_basis import sizing_banner
from reports.summary import run_duration_s, whole_run
from reports.verdict import MIN_PHASE_SAMPLES, Verdict, judge_all
from results.document import ResultsDocument
from results.slo import Threshold
from results.version import __version__

SCENARIO_TITLES = {
    "phase1-cutover": "Phase-1 cutover drill (1 July 2025: the provincial portals close)",
    "phase2-cutover": "Phase-2 cutover drill (ministry portals close)",
    "office-day": "Office-day drill",
    "filing-deadline-rush": "Filing-deadline rush drill",
    "soak": "Soak drill",
    "steady": "Steady-load drill",
    "arrivals": "Open-arrivals drill",
    "sweep": "Concurrency sweep",
}


@dataclass(frozen=True)
class ReportInputs:
    """What a report is built from; ``sizing_dir`` holds the sizing's PNG plots when there are any."""

    doc: ResultsDocument
    source: str
    slos: tuple[Threshold, ...]
    sizing: dict[str, Any] | None = None
    sizing_dir: Path | None = None


def _verdict_section(v: Verdict) -> Section:
    rows, status = [], []
    for r in v.results:
        worst = r.worst
        breached = r.breached_phases
        result = "met" if r.met else "BREACHED" + (f" in {', '.join(breached)}" if breached else "")
        rows.append(
            (
                r.objective,
                r.slo.name,
                r.show(r.overall.value),
                f"{r.show(worst.figure.value)} ({worst.phase})" if worst else fmt.DASH,
                fmt.count(r.overall.samples),
                result,
            )
        )
        status.append(passed(r.met))
    t = Table(
        ("objective", "as written", "whole run", "worst phase", "samples", "result"),
        tuple(rows),
        numeric=(False, False, True, True, True, False),
        status=tuple(status),
        status_column=5,
    )
    blocks: list[Block] = [paragraph(v.headline()), table(t)]
    if not v.valid:
        blocks.append(bullets([f"Validity check failed: {reason}" for reason in v.invalid_reasons]))
    blocks.append(
        paragraph(
            "An SLO is met when it holds over the whole run and in every phase with at least "
            f"{MIN_PHASE_SAMPLES} samples (throughput: whole run only); a dash: no phase had that many. "
            "Figures are simulated-scale measurements of this run."
        )
    )
    return Section("verdict", "Verdict against the SLOs", tuple(blocks))


def _shape_text(doc: ResultsDocument) -> str:
    params = doc.run.shape.get("params", {})
    if not isinstance(params, dict):
        return str(doc.run.shape.get("shape", doc.run.scenario))
    shown = ", ".join(
        f"{k}={fmt.number(v, 4) if isinstance(v, float) else v}"
        for k, v in sorted(params.items())
        if k not in ("modelled_users", "scale")
    )
    return f"{doc.run.shape.get('shape', doc.run.scenario)} ({shown})" if shown else doc.run.scenario


def _behaviour(mix: dict[str, Any]) -> str:
    """The journey mix's knobs the drill was run with (think-time scale, retry policy, iterations), or
    the user's own Locust file its users came from."""
    parts = []
    source = mix.get("locustfile")
    if isinstance(source, dict):
        users = ", ".join(
            f"{u.get('name')} (weight {fmt.number(u.get('weight', 0))})" for u in source.get("users", [])
        )
        parts.append(
            f"your locustfile {source.get('path')} (sha256 {str(source.get('sha256'))[:12]}…): {users}"
        )
    think = mix.get("think_scale")
    if isinstance(think, int | float) and not isinstance(think, bool):
        if think == 1:
            parts.append("think times as modelled")
        elif think > 0:
            parts.append(
                f"think times × {fmt.number(think)} (a simulated user asks about {fmt.number(1 / think)}× as "
                "often as a real one, so the request rate stands for more users than the user count)"
            )
        else:
            parts.append("no think time (each user keeps one request outstanding)")
    if mix.get("retry"):
        parts.append(f"retry policy {mix['retry']}")
    iterations = mix.get("iterations")
    if isinstance(iterations, int) and iterations > 0:
        parts.append(f"{iterations} journeys per user")
    return "; ".join(parts) or "the default journey mix"


def _run_section(doc: ResultsDocument, source: str) -> Section:
    run, env, scale = doc.run, doc.environment, doc.run.scale
    duration = run_duration_s(doc)
    settings = run.stack_settings
    stack = (
        f"local reference stack started by the drill: {settings.get('workers', '?')} uvicorn worker(s), "
        f"Redis appendfsync {settings.get('appendfsync', '?')}"
        if run.local_stack
        else "an already running stack"
    )
    generator = (
        "one Locust process"
        if run.workers == 0
        else f"Locust: 1 master + {run.workers} worker{'s' if run.workers > 1 else ''}"
    )
    versions = ", ".join(f"{k} {v}" for k, v in sorted(env.versions.items()))
    modelled_span = fmt.seconds(duration * scale.time_compression)
    modelled = f"{fmt.count(scale.modelled_users)} concurrent users over {modelled_span}"
    simulated = (
        f"{fmt.count(scale.simulated_users_peak)} users at peak over {fmt.seconds(duration)} of drill time"
    )
    compression = f"1 drill second = {fmt.number(scale.time_compression)} modelled seconds"
    machine = f"{env.hostname}: {env.cpu_model}, {env.cores} cores, {fmt.mib(env.memory_bytes)} RAM, {env.os}"
    rows = (
        ("scenario", run.scenario),
        ("load shape", _shape_text(doc)),
        ("modelled (the real portal)", modelled),
        ("simulated (this run)", simulated),
        ("scale", f"{fmt.ratio(scale.scale)} users; {compression}"),
        ("target", f"{run.target} ({stack})"),
        ("load generator", f"{generator}, seed {run.seed}"),
        ("users' behaviour", _behaviour(run.mix)),
        ("started", fmt.timestamp(run.started_at)),
        ("machine", machine),
        ("versions", f"Python {env.python}; {versions}" if versions else f"Python {env.python}"),
        ("revision", env.git_revision or "not in a git checkout"),
        ("results", f"{source} (run {run.id})"),
    )
    t = Table(("", "value"), rows)
    return Section("run", "What was run", (table(t),))


def _timeline_section(doc: ResultsDocument, slos: Sequence[Threshold]) -> Section:
    def limit(metric: str, quantile: float | None = None) -> float | None:
        for s in slos:
            if s.target.kind == "run" and s.metric.kind == metric and s.metric.quantile == quantile:
                return s.limit
        return None

    figure = timeline_figure(doc, latency_slo_ms=limit("quantile", 95.0), error_slo=limit("error_rate"))
    found = markers(doc)
    compression = doc.run.scale.time_compression
    changes = [
        f"{fmt.seconds(m.t_s)} drill time"
        + (f" ({fmt.seconds(m.t_s * compression)} modelled): " if compression != 1 else ": ")
        + ("CUTOVER: the closing portals start redirecting their users" if m.cutover else "")
        + (" and " if m.cutover and m.phase else "")
        + (f"phase {m.phase} starts" if m.phase else "")
        for m in found
    ]
    text = (
        "Sampled every few seconds during the run (the latency of each interval's requests). Vertical "
        "lines mark the phase changes (dashed) and the cutover (red); dotted red lines are the SLO limits."
        if doc.timeline
        else "No timeline was recorded: one point per phase is drawn instead."
    )
    blocks: list[Block] = [paragraph(text, in_summary=False), image(figure)]
    if changes:
        blocks.append(bullets(changes))
    return Section("timeline", "Timeline", tuple(blocks))


def _method_section() -> Section:
    items = (
        "Latency percentiles (p50, p95, p99) are read from HDR histograms (3 significant digits) merged "
        "across phases and endpoints, never averaged from percentiles.",
        "Simulated: what this machine ran (users, requests/s, CPU). Modelled: the real portal the run stands "
        "for, simulated users ÷ scale and drill time × time compression. Latency is not rescaled.",
        "Error rate = failed requests ÷ requests; a journey fails when one of its steps fails after retries.",
        "Resource use: CPU seconds and peak resident memory per process kind, sampled with psutil.",
        "The sizing is a model fitted to measured sweeps (Universal Scalability Law); its P50/P90 come "
        "from the fit's parameter uncertainty and from the spread between repeats (a bootstrap over the "
        "repeats of each level). Only a sizing whose held-out validation held, with its operating point "
        "inside the validated range, speaks for the modelled population; the drill's verdict speaks only "
        "for the simulated scale it ran at.",
    )
    return Section("method", "How the figures were computed", (bullets(items),), in_summary=False)


def build_report(inputs: ReportInputs) -> Report:
    doc = inputs.doc
    verdict = judge_all(inputs.slos, doc)
    total = whole_run(doc)
    sections = [
        _verdict_section(verdict),
        _run_section(doc, inputs.source),
        _timeline_section(doc, inputs.slos),
        phases_section(doc),
        endpoints_section(doc),
    ]
    journeys = journeys_section(doc)
    if journeys is not None:
        sections.append(journeys)
    sections += [
        resources_section(doc, resources_figure(doc)),
        bottleneck_section(find_bottleneck(doc)),
        validity_section(doc),
    ]
    if inputs.sizing is not None:
        sections.append(sizing_section(inputs.sizing, inputs.sizing_dir))
    sections.append(_method_section())
    scale, env = doc.run.scale, doc.environment
    measured = (
        f"{fmt.count(scale.simulated_users_peak)} simulated users at peak, {fmt.rate(total.throughput_rps)}"
    )
    modelled_headline, modelled_status = sizing_banner(inputs.sizing, scale.modelled_users, scale.scale)
    machine = f"{env.hostname}, {env.cores} cores" + "".join(
        f"; {a.group} ({', '.join(a.kinds[:2])}{', …' if len(a.kinds) > 2 else ''}) on "
        f"{fmt.number(a.cores)} core(s)"
        for a in doc.run.allotments
        if a.cores is not None
    )
    meta = (
        ("measured", measured),
        ("machine", machine),
        ("SLOs at simulated scale", verdict.status.upper()),
        ("requests", fmt.count(total.requests)),
        ("p95", fmt.ms(total.latency.p95_ms)),
        ("errors", fmt.percent(total.error_rate)),
        ("valid run", "yes" if doc.validity.valid else "NO"),
        ("modelled", f"{fmt.count(scale.modelled_users)} users ({fmt.ratio(scale.scale)}): see the sizing"),
    )
    return Report(
        title=SCENARIO_TITLES.get(doc.run.scenario, f"{doc.run.scenario} drill"),
        subtitle=f"Load-test report · run {doc.run.id} · started {fmt.timestamp(doc.run.started_at)} · "
        f"{doc.environment.hostname}",
        verdict=verdict.status,
        headline=f"Measured at simulated scale ({measured} on {machine}): {verdict.headline()}",
        sections=tuple(sections),
        footer=f"Made by cuaso {__version__} (cuaso report) from {inputs.source}.",
        meta=meta,
        modelled_headline=modelled_headline,
        modelled_status=modelled_status,
    )


def write_report(report: Report, out: Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` into ``out`` (created); return their paths."""
    from reports.html import render_html
    from reports.markdown import render_markdown

    out.mkdir(parents=True, exist_ok=True)
    html_path, md_path = out / "report.html", out / "report.md"
    for path, text in ((html_path, render_html(report)), (md_path, render_markdown(report))):
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    return html_path, md_path
