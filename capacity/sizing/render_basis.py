"""The measured basis of a sizing as JSON and Markdown: the P50/P90 sources, the per-tier service demands,
the measured curve beside USL and MVA, and the scale-out check (used by :mod:`capacity.sizing.render`)."""

from __future__ import annotations

import math
from typing import Any

from capacity.sizing.plan import Sizing

SIGNIFICANT_DIGITS = 6
"""Numbers in the sizing's JSON are rounded to this many significant digits (stable across platforms)."""


def _r(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{SIGNIFICANT_DIGITS}g}")


def _n(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def uncertainty_json(s: Sizing) -> dict[str, Any] | None:
    u = s.nodes.uncertainty
    if u is None:
        return None
    return {
        "pooled": "P50/P90 over the covariance draws and the bootstrap draws together",
        "covariance": {
            "p50": u.covariance_p50,
            "p90": u.covariance_p90,
            "draws": s.params.samples if u.covariance_p50 is not None else 0,
        },
        "bootstrap": {
            "p50": u.bootstrap_p50,
            "p90": u.bootstrap_p90,
            "method": u.bootstrap_method,
            "draws": u.bootstrap_draws,
        },
    }


def demands_json(s: Sizing) -> dict[str, Any] | None:
    d = s.demands
    if d is None:
        return None
    return {
        "basis": "utilization law: CPU seconds per successful request per process kind, median over levels",
        "cores": _r(d.cores),
        "tiers": {t.kind: {"cpu_s_per_request": _r(t.demand_s), "share": _r(t.share)} for t in d.tiers},
        "total_cpu_s_per_request": _r(d.total_s),
        "bottleneck": d.bottleneck,
        "max_throughput_rps": _r(d.max_throughput),
    }


def curve_json(s: Sizing) -> list[dict[str, Any]]:
    return [
        {
            "concurrency": _r(c.concurrency),
            "repeats": c.repeats,
            "measured_rps": _r(c.measured),
            "spread_between_repeats": _r(c.spread),
            "usl_rps": _r(c.usl),
            "mva_rps": _r(c.mva),
            "usl_error": _r(c.error("usl")),
            "mva_error": _r(c.error("mva")),
            "models_disagree": c.disagree,
        }
        for c in s.curve
    ]


def scale_out_json(s: Sizing) -> dict[str, Any] | None:
    c = s.scale_out
    if c is None:
        return None
    return {
        "method": "capacity (mean goodput of the saturated windows) = slope × (cores − background) fitted "
        "on the smaller allotments, predicting the largest; background measured without users when "
        "background_measured; the sizing scales the measured node along the same line",
        "allotments": [
            {
                "source": p.source,
                "cores": _r(p.cores),
                "concurrency": _r(p.concurrency),
                "capacity_rps": _r(p.capacity_rps),
            }
            for p in c.points
        ],
        "slope_rps_per_core": _r(c.slope_rps_per_core),
        "background_cores": _r(c.background_cores),
        "background_measured": c.background_measured,
        "core_scale": _r(s.load.core_scale),
        "predicted_rps": _r(c.predicted_rps),
        "measured_rps": _r(c.largest.capacity_rps),
        "error": _r(c.error),
        "tolerance": c.tolerance,
        "held": c.held,
        "extrapolation_to_node": _r(c.extrapolation(s.params.node_cores)),
    }


def uncertainty_rows(s: Sizing) -> list[str]:
    u = s.nodes.uncertainty
    if u is None:
        return []
    rows = []
    if u.covariance_p50 is not None:
        rows.append(f"| base nodes, fit covariance only | {u.covariance_p50} | {u.covariance_p90} | "
                    f"{s.params.samples} draws of (λ, σ, κ) |")  # fmt: skip
    if u.bootstrap_p50 is not None:
        rows.append(
            f"| base nodes, bootstrap only | {u.bootstrap_p50} | {u.bootstrap_p90} | {u.bootstrap_draws} "
            f"refits, resampling the {u.bootstrap_method} |"
        )
    return rows


def curve_rows(s: Sizing) -> list[str]:
    d, check = s.demands, s.scale_out
    rows: list[str] = []
    if check is not None:
        shown = ", ".join(f"{p.cores:g} core(s) {_n(p.capacity_rps)} req/s" for p in check.points)
        rows += [
            f"Scale-out check: **{'held' if check.held else 'failed'}**: {shown}; the line through the "
            f"smaller allotments (capacity = {_n(check.slope_rps_per_core)} req/s per core × (cores − "
            f"{check.background_cores:.3g} core of background, "
            f"{'measured without users' if check.background_measured else 'fitted'})) predicts "
            f"{_n(check.predicted_rps)} req/s at "
            f"{check.largest.cores:g} core(s), error {check.error:+.1%} (tolerance {check.tolerance:.0%}); "
            f"a {s.params.node_cores}-core node lies × {check.extrapolation(s.params.node_cores):.3g} "
            f"beyond it and carries × {s.load.core_scale:.3g} the measured node.",
            "",
        ]
    if d is not None and d.tiers:
        tiers = ", ".join(f"{t.kind} {t.demand_s * 1000:.3g} ms" for t in d.tiers if t.share >= 0.01)
        rows += [
            f"Service demands (CPU per request, {_n(d.cores)} core(s) measured): {tiers}; total "
            f"{d.total_s * 1000:.3g} ms, bottleneck {d.bottleneck}, demand bound "
            f"{_n(d.max_throughput)} req/s.",
            "",
        ]
    rows += [
        "| N | repeats | measured req/s | spread | USL | MVA | models |",
        "|---:|---:|---:|---:|---:|---:|---|",
    ]
    for c in s.curve:
        rows.append(
            f"| {c.concurrency:g} | {c.repeats} | {_n(c.measured)} | {c.spread:.1%} | {_n(c.usl)} "
            f"({c.error('usl'):+.1%}) | {_n(c.mva)} ({c.error('mva'):+.1%}) | "
            f"{'DISAGREE' if c.disagree else 'agree'} |"
        )
    return rows
