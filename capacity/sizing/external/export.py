"""A sweep's results document as a measurements CSV: ``python -m capacity.sizing.external export``.

Each level phase becomes one row with exactly what ``cuaso size`` reads from it (the same checks:
level phases, the ``app`` and ``redis`` tiers, a valid run unless ``--allow-invalid``), so sizing from
the CSV gives what sizing from the document gives: the format's reference example, and a way to hand
one's measurements to a planner without cuaso's results document. Numbers are written at full precision.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

from capacity.sizing.inputs import profile_from_documents
from results.document import ResultsDocument

DEFAULT_PERCENTILES: tuple[float, ...] = (50.0, 90.0, 95.0, 99.0)
"""Percentiles written by default: the usual SLO percentiles."""


def _cell(value: float | int | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def export_csv(
    document: ResultsDocument,
    source: str,
    *,
    percentiles: Sequence[float] = DEFAULT_PERCENTILES,
    phase_prefix: str = "level-",
    allow_invalid: bool = False,
) -> str:
    """The measurements CSV of ``document``'s level phases (see the module doc)."""
    profile = profile_from_documents(
        [(source, document)],
        percentile=percentiles[0],
        phase_prefix=phase_prefix,
        allow_invalid=allow_invalid,
    )
    phases = {p.name: p for p in document.phases}
    started = datetime.fromisoformat(document.run.started_at.replace("Z", "+00:00")).timestamp()
    kinds = profile.kinds
    header = ["window", "users", "duration_s", "requests", "failures", "mean_ms"]
    header += [f"p{p:g}_ms" for p in percentiles]
    header += ["response_bytes", "machine_cores", "start", "end"]
    header += ["generator_processes", "generator_cpu_percent", "generator_on_machine"]
    for kind in kinds:
        header += [f"cpu_{kind}_s", f"rss_{kind}_bytes", f"processes_{kind}"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for m in sorted(profile.levels, key=lambda level: phases[level.phase].start_s):
        phase = phases[m.phase]
        latency = phase.latency()
        row: list[float | int | str | None] = [
            m.phase,
            m.users,
            m.duration_s,
            m.requests,
            m.failures,
            m.mean_ms,
        ]
        row += [latency.percentile_ms(p) for p in percentiles]
        row += [m.bytes_received / m.requests, profile.reference_cores]
        row += [started + phase.start_s, started + phase.end_s]
        row += [m.generator_processes, m.generator_cpu_percent, m.generator_on_machine]
        for kind in kinds:
            row += [m.cpu_seconds.get(kind), m.rss_bytes_max.get(kind), m.processes.get(kind)]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
