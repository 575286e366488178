"""The report's figures as PNG bytes (matplotlib, Agg canvas, no display, no global pyplot state).

* :func:`timeline_figure` — users, requests/s, p50/p95/p99 and error rate against drill time, with every
  phase change drawn as a dashed vertical line and named, the cutover (when the shape has one) in red,
  and the SLO limits as horizontal lines. Modelled users and modelled time are on the second axes.
* :func:`resources_figure` — CPU cores per process kind in each phase, stacked, with the generator's own
  CPU and the machine's core count.

Output is deterministic: same document, same bytes (no timestamps in the PNG metadata).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from reports.model import Image
from reports.summary import phase_rows, resource_kinds
from results.document import ResultsDocument, TimelinePoint

DPI = 100
"""Assumption: pixels per inch of the PNGs (a 10-inch figure is 1,000 px, the page's width)."""

TIMELINE_SIZE_IN = (10.0, 9.0)
RESOURCES_ROW_IN = 0.45
"""Assumption: figure sizes that read well at the page's 1,000 px width."""

LOG_LATENCY_SPREAD = 50.0
"""Assumption: latency is drawn on a log axis when p99's maximum is over 50× p50's minimum."""

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
CUTOVER_COLOUR = "#d62728"


@dataclass(frozen=True)
class Marker:
    """A vertical line on the timeline: a phase change or the cutover."""

    t_s: float
    label: str
    cutover: bool = False
    phase: str | None = None  # the phase that starts here, if any


def _png(figure: Figure, title: str, alt: str) -> Image:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    width, height = figure.get_size_inches()
    return Image(title, alt, buffer.getvalue(), round(width * DPI), round(height * DPI))


def markers(doc: ResultsDocument) -> tuple[Marker, ...]:
    """Phase changes (every phase start but the first) and the shape's cutover instant, if any."""
    found = [Marker(p.start_s, p.name, phase=p.name) for p in doc.phases[1:]]
    params = doc.run.shape.get("params", {})
    cutover = params.get("cutover_s") if isinstance(params, dict) else None
    if isinstance(cutover, int | float) and not isinstance(cutover, bool):
        same = next((m for m in found if abs(m.t_s - cutover) <= 1e-6), None)
        found = [m for m in found if m is not same]
        phase = same.phase if same is not None else None
        label = f"cutover · {phase}" if phase else "cutover"
        found.append(Marker(float(cutover), label, cutover=True, phase=phase))
    return tuple(sorted(found, key=lambda m: (m.t_s, m.label)))


def _points(doc: ResultsDocument) -> tuple[TimelinePoint, ...]:
    """The timeline; without one, a point per phase at its middle (coarse, but still a picture)."""
    if doc.timeline:
        return doc.timeline
    return tuple(
        TimelinePoint(
            t_s=(r.start_s + r.end_s) / 2,
            phase=r.name,
            users=round(r.users_mean),
            rps=r.throughput_rps,
            error_rate=min(1.0, r.error_rate),
            p50_ms=r.latency.p50_ms,
            p95_ms=r.latency.p95_ms,
            p99_ms=r.latency.p99_ms,
        )
        for r in phase_rows(doc)
    )


def _mark(axes: Sequence[Axes], found: Sequence[Marker], end_s: float) -> None:
    for ax in axes:
        for m in found:
            ax.axvline(
                m.t_s,
                color=CUTOVER_COLOUR if m.cutover else "#555555",
                linestyle="-" if m.cutover else "--",
                linewidth=1.6 if m.cutover else 0.9,
                zorder=1,
            )
    top = axes[0]
    for m in found:
        top.annotate(
            m.label,
            xy=(m.t_s, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            rotation=90,
            va="top",
            ha="left",
            fontsize=8,
            color=CUTOVER_COLOUR if m.cutover else "#333333",
            fontweight="bold" if m.cutover else "normal",
        )
    for ax in axes:
        ax.set_xlim(0, max(end_s, 1e-6))
        ax.grid(True, alpha=0.3)


def timeline_figure(
    doc: ResultsDocument, *, latency_slo_ms: float | None = None, error_slo: float | None = None
) -> Image:
    points = _points(doc)
    scale = doc.run.scale
    t = [p.t_s for p in points]
    end_s = max([*t, *(p.end_s for p in doc.phases)], default=1.0)
    figure = Figure(figsize=TIMELINE_SIZE_IN, layout="constrained")
    users_ax, rps_ax, lat_ax, err_ax = figure.subplots(4, 1, sharex=True)

    users_ax.plot(t, [p.users for p in points], color=COLOURS[0], drawstyle="steps-post")
    users_ax.set_ylabel("simulated users")
    users_ax.set_ylim(bottom=0)
    modelled = users_ax.secondary_yaxis(
        "right", functions=(lambda u: u / scale.scale, lambda m: m * scale.scale)
    )
    modelled.set_ylabel("modelled users")
    modelled.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    if scale.time_compression != 1.0:
        c = scale.time_compression
        top = users_ax.secondary_xaxis("top", functions=(lambda s: s * c / 60.0, lambda m: m * 60.0 / c))
        top.set_xlabel(f"modelled time, min (1 drill s = {c:g} modelled s)")

    rps_ax.plot(t, [p.rps for p in points], color=COLOURS[1])
    rps_ax.set_ylabel("requests/s")
    rps_ax.set_ylim(bottom=0)

    series = (("p50", [p.p50_ms for p in points]), ("p95", [p.p95_ms for p in points]),
              ("p99", [p.p99_ms for p in points]))  # fmt: skip
    for (label, values), colour in zip(series, (COLOURS[2], COLOURS[1], COLOURS[3]), strict=True):
        lat_ax.plot(t, values, label=label, color=colour)
    positive = [v for _, values in series for v in values if v > 0]
    if positive and max(positive) > LOG_LATENCY_SPREAD * min(positive):
        lat_ax.set_yscale("log")
    else:
        lat_ax.set_ylim(bottom=0)
    if latency_slo_ms is not None:
        lat_ax.axhline(latency_slo_ms, color=CUTOVER_COLOUR, linestyle=":", linewidth=1.2, label="p95 SLO")
    lat_ax.set_ylabel("latency, ms")
    lat_ax.legend(loc="upper left", fontsize=8, ncol=4)

    err_ax.plot(t, [p.error_rate * 100 for p in points], color=CUTOVER_COLOUR)
    if error_slo is not None:
        err_ax.axhline(error_slo * 100, color=CUTOVER_COLOUR, linestyle=":", linewidth=1.2, label="SLO")
        err_ax.legend(loc="upper left", fontsize=8)
    err_ax.set_ylabel("errors, % of requests")
    err_ax.set_ylim(bottom=0, top=max([1.0, *(p.error_rate * 110 for p in points)]))
    err_ax.set_xlabel("drill time, s")

    _mark([users_ax, rps_ax, lat_ax, err_ax], markers(doc), end_s)
    return _png(
        figure,
        "Timeline",
        "Users, requests per second, latency percentiles and error rate over the drill, "
        "with phase changes as vertical lines",
    )


def resources_figure(doc: ResultsDocument) -> Image | None:
    """Stacked CPU cores per process kind and phase; None when no resources were measured."""
    kinds = resource_kinds(doc)
    phases = [p for p in doc.phases if p.resources or p.generator]
    if not kinds or not phases:
        return None
    height = max(2.6, 1.4 + RESOURCES_ROW_IN * len(phases))
    figure = Figure(figsize=(TIMELINE_SIZE_IN[0], height), layout="constrained")
    ax = figure.subplots()
    y = list(range(len(phases)))
    left = [0.0] * len(phases)
    for i, kind in enumerate([*kinds, "load generator"]):
        if kind == "load generator":
            values = [
                p.generator.cpu_percent_mean * p.generator.processes / 100 if p.generator else 0.0
                for p in phases
            ]
            colour, hatch = "#cccccc", "//"
        else:
            values = [sum(r.cpu_cores_mean for r in p.resources if r.kind == kind) for p in phases]
            colour, hatch = COLOURS[i % len(COLOURS)], ""
        ax.barh(y, values, left=left, color=colour, hatch=hatch, edgecolor="white", label=kind)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.axvline(doc.environment.cores, color=CUTOVER_COLOUR, linestyle="--", linewidth=1.2)
    ax.annotate(
        f"machine: {doc.environment.cores} cores",
        xy=(doc.environment.cores, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(-4, -4),
        textcoords="offset points",
        ha="right",
        va="top",
        fontsize=8,
        color=CUTOVER_COLOUR,
    )
    ax.set_yticks(y, [p.name for p in phases])
    ax.invert_yaxis()
    ax.set_xlim(0, max(doc.environment.cores, *left) * 1.05)
    ax.set_xlabel("CPU, cores (mean over the phase)")
    figure.legend(loc="outside lower center", fontsize=8, ncol=min(5, len(kinds) + 1))
    ax.grid(True, axis="x", alpha=0.3)
    return _png(figure, "CPU per process kind", "Mean CPU cores used by each kind of process in each phase")
