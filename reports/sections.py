"""The measured sections of a report: phases, endpoints, journeys, resources, bottleneck, validity.

Each function turns one part of a results document into a :class:`~reports.model.Section` of worded,
rounded tables. Simulated figures (what this machine ran) and modelled figures (the real portal they
stand for) are labelled in every header where both appear.
"""

from __future__ import annotations

from reports import fmt
from reports.bottleneck import ERROR_SPIKE_RATE, MACHINE_SATURATED, SATURATED_UTILISATION, Bottleneck
from reports.model import Block, Image, Section, Table, bullets, flagged, image, paragraph, passed, table
from reports.summary import (
    Latency,
    endpoint_phase_p95,
    endpoint_rows,
    journey_rows,
    phase_rows,
    resource_kinds,
    resource_rows,
    whole_run,
)
from results.document import ResultsDocument
from scenarios.drill.validity import GENERATOR_CPU_LIMIT

MAX_ERROR_KINDS = 3
"""Error kinds named per endpoint row; the rest are summed as "others"."""


def _latency_cells(latency: Latency) -> tuple[str, str, str]:
    if latency.samples == 0:
        return (fmt.DASH, fmt.DASH, fmt.DASH)
    return (fmt.ms_bare(latency.p50_ms), fmt.ms_bare(latency.p95_ms), fmt.ms_bare(latency.p99_ms))


def _window(start: float, end: float) -> str:
    return f"{fmt.clock(start)}–{fmt.clock(end)}"


def _error_kinds(errors: tuple[tuple[str, int], ...]) -> str:
    if not errors:
        return ""
    shown = [f"{kind} × {fmt.count(n)}" for kind, n in errors[:MAX_ERROR_KINDS]]
    rest = sum(n for _, n in errors[MAX_ERROR_KINDS:])
    return ", ".join(shown + ([f"others × {fmt.count(rest)}"] if rest else []))


def phases_section(doc: ResultsDocument) -> Section:
    rows = [*phase_rows(doc), whole_run(doc)]
    compressed = doc.run.scale.time_compression != 1.0
    headers = (
        "phase", "drill time, m:ss", "modelled time, m:ss", "simulated users, mean / max",
        "modelled users, mean", "requests", "req/s", "errors", "p50 ms", "p95 ms", "p99 ms",
    )  # fmt: skip
    cells = tuple(
        (
            r.name,
            _window(r.start_s, r.end_s),
            _window(r.modelled_start_s, r.modelled_end_s) if compressed else "same",
            f"{fmt.number(r.users_mean)} / {fmt.count(r.users_max)}",
            fmt.count(r.modelled_users_mean),
            fmt.count(r.requests),
            fmt.rate(r.throughput_rps, ""),
            fmt.percent(r.error_rate),
            *_latency_cells(r.latency),
        )
        for r in rows
    )
    text = (
        "Each phase of the load shape, then the whole run. Latency percentiles are of every request in the "
        "phase, from the merged HDR histograms. Modelled users = simulated users ÷ the run's scale "
        f"({fmt.ratio(doc.run.scale.scale)})"
        + (
            f"; modelled time = drill time × {fmt.number(doc.run.scale.time_compression)}."
            if compressed
            else "."
        )
    )
    t = Table(headers, cells, numeric=(False, False, False, True, True, True, True, True, True, True, True))
    return Section("phases", "Phases", (paragraph(text), table(t)))


def endpoints_section(doc: ResultsDocument) -> Section:
    rows = endpoint_rows(doc)
    main = Table(
        (
            "endpoint",
            "requests",
            "req/s",
            "failures",
            "failed",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "max ms",
            "error kinds",
        ),
        tuple(
            (
                r.name,
                fmt.count(r.requests),
                fmt.rate(r.throughput_rps, ""),
                fmt.count(r.failures),
                fmt.percent(r.error_rate),
                *_latency_cells(r.latency),
                fmt.ms_bare(r.latency.max_ms) if r.latency.samples else fmt.DASH,
                _error_kinds(r.errors),
            )
            for r in rows
        ),
        numeric=(False, True, True, True, True, True, True, True, True, False),
        status=tuple(flagged(r.failures > 0, "fail") for r in rows),
        status_column=9,
        caption="Whole run, busiest endpoint first; req/s over the whole measured span.",
    )
    matrix = endpoint_phase_p95(doc)
    names = [p.name for p in doc.phases]
    by_phase = Table(
        ("endpoint", *(f"{n} p95 ms" for n in names)),
        tuple((name, *(fmt.ms_bare(row[n]) for n in names)) for name, row in matrix.items()),
        numeric=(False, *(True for _ in names)),
        caption="p95 per phase: where an endpoint slowed down (– : no request in that phase).",
    )
    return Section("endpoints", "Endpoints", (table(main), table(by_phase, in_summary=False)))


def journeys_section(doc: ResultsDocument) -> Section | None:
    rows = journey_rows(doc)
    if not rows:
        return None
    t = Table(
        ("journey", "started", "completed", "failed", "abandoned", "retries", "p50 s", "p95 s", "p99 s"),
        tuple(
            (
                r.name,
                fmt.count(r.started),
                fmt.count(r.completed),
                fmt.count(r.failed),
                fmt.count(r.abandoned),
                fmt.count(r.retries),
                *(
                    fmt.number(v / 1000.0) if r.duration.samples else fmt.DASH
                    for v in (r.duration.p50_ms, r.duration.p95_ms, r.duration.p99_ms)
                ),
            )
            for r in rows
        ),
        numeric=(False, True, True, True, True, True, True, True, True),
        status=tuple(flagged(r.failed > 0, "fail") for r in rows),
        caption="What a citizen did, whole run; durations of whole journeys including think time, seconds.",
    )
    return Section("journeys", "Journeys", (table(t),))


def _resource_table(doc: ResultsDocument) -> Table:
    """Process kinds (rows) × phases (CPU columns), then the busiest per-process share and peak RSS."""
    rows = resource_rows(doc)
    phases = [p.name for p in doc.phases if p.resources]
    cells, status = [], []
    for kind in resource_kinds(doc):
        mine = [r for r in rows if r.kind == kind]
        by_phase = {r.phase: r for r in mine}
        busiest = max(r.per_process_utilisation for r in mine)
        cells.append(
            (
                kind,
                fmt.count(max(r.processes for r in mine)),
                *(f"{by_phase[n].cpu_cores_mean:.2f}" if n in by_phase else fmt.DASH for n in phases),
                fmt.percent(busiest),
                fmt.mib(max(r.rss_bytes_max for r in mine)),
            )
        )
        status.append(flagged(busiest >= SATURATED_UTILISATION))
    caption = (
        "CPU: mean cores in each phase; busiest: highest mean share of one core per process in any phase "
        f"(highlighted from {SATURATED_UTILISATION:.0%}); RSS: peak resident memory of all the kind's "
        "processes together."
    )
    return Table(
        ("process kind", "processes", *(f"{n}, cores" for n in phases), "busiest, per process", "RSS max"),
        tuple(cells),
        numeric=(False, True, *(True for _ in phases), True, True),
        status=tuple(status),
        caption=caption,
    )


def _generator_table(doc: ResultsDocument) -> Table:
    return Table(
        ("phase", "Locust processes", "CPU per process, mean", "max"),
        tuple(
            (
                p.name,
                fmt.count(p.generator.processes),
                fmt.percent(p.generator.cpu_percent_mean / 100),
                fmt.percent(p.generator.cpu_percent_max / 100),
            )
            for p in doc.phases
            if p.generator is not None
        ),
        numeric=(False, True, True, True),
        status=tuple(
            flagged(p.generator.cpu_percent_mean > GENERATOR_CPU_LIMIT, "fail")
            for p in doc.phases
            if p.generator is not None
        ),
        caption=f"The load generator's own CPU (100% = one core; valid up to {GENERATOR_CPU_LIMIT:.0f}%).",
    )


def resources_section(doc: ResultsDocument, figure: Image | None) -> Section:
    title = "Resource use per process kind"
    blocks: list[Block] = [image(figure)] if figure is not None else []
    if not resource_rows(doc):
        blocks.append(
            paragraph("The system under test's resources were not measured (a run against --host).")
        )
        return Section("resources", title, tuple(blocks))
    env = doc.environment
    blocks += [
        paragraph(
            f"Simulated scale, measured on the machine the drill ran on ({env.cores} cores, "
            f"{fmt.mib(env.memory_bytes)} RAM), sampled with psutil per process kind of the system under "
            "test."
        ),
        table(_resource_table(doc)),
    ]
    generator = _generator_table(doc)
    if generator.rows:
        blocks.append(table(generator))
    return Section("resources", title, tuple(blocks))


def _evidence(b: Bottleneck) -> list[str]:
    evidence = []
    if b.phase is not None and b.tiers:
        top = ", ".join(f"{t.kind} {t.utilisation:.0%}" for t in b.tiers[:4])
        evidence.append(f"Busiest phase for CPU: {b.phase}; per-process CPU there: {top}.")
        evidence.append(
            f"Machine: {fmt.number(b.machine_busy_cores)} of {b.machine_cores} cores busy on average in that "
            f"phase ({fmt.percent(b.machine_busy_share)}): portal, simulators and generator together (other "
            "programs on the machine are not counted)."
        )
    if b.spike is not None:
        s = b.spike
        kinds = _error_kinds(s.kinds) or "no error kinds recorded"
        evidence.append(
            f"Error spike: from {fmt.seconds(s.t_s)} of drill time (phase {s.phase}) "
            f"{fmt.percent(s.error_rate)} of requests failed, peaking at {fmt.percent(s.peak_error_rate)}; "
            f"errors in that phase: {kinds}."
        )
    else:
        evidence.append(f"No error spike: no timeline point reached {fmt.percent(ERROR_SPIKE_RATE)} errors.")
    return evidence


def bottleneck_section(b: Bottleneck) -> Section:
    rule = (
        "How it was decided (the first rule that applies): (1) the load generator, when a Locust "
        f"process averaged over {GENERATOR_CPU_LIMIT:.0f}% of a core; (2) the busiest tier, when a process "
        f"kind averaged at least {SATURATED_UTILISATION:.0%} of a core per process; (3) the machine's CPU, "
        f"when at least {MACHINE_SATURATED:.0%} of all cores were busy; (4) otherwise nothing saturated. "
        f"An error spike is a timeline point with at least {ERROR_SPIKE_RATE:.0%} failed requests. These "
        "limits are assumptions."
    )
    blocks = (paragraph(f"Bottleneck: {b.summary}."), bullets(_evidence(b)), paragraph(rule))
    return Section("bottleneck", "Bottleneck", blocks)


def validity_section(doc: ResultsDocument) -> Section:
    checks = doc.validity.checks
    t = Table(
        ("check", "result", "value", "limit", "why"),
        tuple(
            (c.name, "ok" if c.ok else "FAILED", fmt.number(c.value), fmt.number(c.threshold), c.reason)
            for c in checks
        ),
        numeric=(False, False, True, True, False),
        status=tuple(passed(c.ok) for c in checks),
        status_column=1,
    )
    verdict = (
        "The run is a valid measurement: every check passed."
        if doc.validity.valid
        else "The run is NOT a valid measurement: its figures may describe the load generator or an "
        "interrupted run rather than the portal. Failed: " + "; ".join(doc.validity.reasons) + "."
    )
    return Section("validity", "Validity of the run", (paragraph(verdict), table(t)))
