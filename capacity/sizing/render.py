"""A :class:`~capacity.sizing.plan.Sizing` as JSON (for machines) and as Markdown (for a planner to paste).

Numbers are rounded to :data:`SIGNIFICANT_DIGITS` significant digits so that the output is stable
across platforms and byte-identical for the same input. Every parameter is printed with its value and
where it comes from (FACTS, derived, assumption), and percentile latencies are labelled as mapped
through the *empirical* percentile-to-mean ratios measured by the HDR histograms.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from capacity.sizing.params import PARAMETER_NOTES
from capacity.sizing.plan import Sizing
from capacity.sizing.render_basis import (
    _n,
    _r,
    curve_json,
    curve_rows,
    demands_json,
    scale_out_json,
    uncertainty_json,
    uncertainty_rows,
)

SCHEMA = "cuaso.sizing"
SCHEMA_VERSION = 1


def _layout(s: Sizing, which: str) -> dict[str, Any]:
    layout = s.nodes.layout_p50 if which == "p50" else s.nodes.layout_p90
    return {
        "base": layout.base,
        "sites": layout.sites,
        "per_site": layout.per_site,
        "total": layout.total,
        "cores": layout.total * s.params.node_cores,
        "ram_gib": _r(layout.total * s.params.node_ram_gib),
    }


def _levels(s: Sizing) -> list[dict[str, Any]]:
    return [
        {
            "source": m.source,
            "phase": m.phase,
            "users": _r(m.users),
            "throughput_rps": _r(m.throughput),
            "error_rate": _r(m.error_rate),
            "mean_ms": _r(m.mean_ms),
            f"p{s.profile.percentile:g}_ms": _r(m.percentile_ms),
            "percentile_to_mean": _r(m.percentile_ratio),
            "cpu_s_per_request": {k: _r(m.demand_s(k)) for k in sorted(m.cpu_seconds)},
        }
        for m in s.profile.levels
    ]


def _validation(s: Sizing) -> dict[str, Any]:
    v = s.validation
    return {
        "status": v.status,
        "reason": v.reason,
        "tolerance": v.tolerance,
        "training_levels": [_r(n) for n in v.training_levels],
        "held_out": [
            {
                "concurrency": _r(level.concurrency),
                "measured_rps": _r(level.measured),
                "predicted_rps": {k: _r(x) for k, x in level.predicted.items()},
                "error": {k: _r(level.error(k)) for k in level.predicted},
            }
            for level in v.held_out
        ],
        "errors": {k: {"mean_abs": _r(e.mean_abs), "max_abs": _r(e.max_abs)} for k, e in v.errors.items()},
        "validated_up_to": _r(v.validated_up_to),
    }


def _parameters(s: Sizing, origins: Mapping[str, str] | None) -> dict[str, Any]:
    """Each parameter with its value and note, and where it came from when ``origins`` says so."""
    result: dict[str, Any] = {}
    for key, value in s.params.as_dict().items():
        entry: dict[str, Any] = {"value": value, "note": PARAMETER_NOTES[key]}
        if origins is not None:
            entry["origin"] = origins.get(key, "default")
        result[key] = entry
    return result


def to_json(s: Sizing, origins: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The whole sizing as plain JSON-ready data (stable key order, rounded numbers); ``origins``
    (``command line``, ``file`` or ``default`` per parameter) is repeated next to each parameter."""
    p, op, load, usl = s.params, s.operating, s.load, s.usl
    think_source = "option" if p.think_time_s is not None else "derived from the default journey mix"
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "sources": list(s.profile.sources),
        "parameters": _parameters(s, origins),
        "measured": {
            "reference_cores": _r(s.reference_cores),
            "effective_think_time_s": _r(s.measured_think_time_s),
            "percentile": p.slo_percentile,
            "levels": _levels(s),
            "service_demands": demands_json(s),
            "curve": curve_json(s),
        },
        "fit": {
            "model": "usl",
            "lambda": _r(usl.lambda_),
            "sigma": _r(usl.sigma),
            "kappa": _r(usl.kappa),
            "stderr": {k: _r(v) for k, v in usl.stderr.items()},
            "peak_concurrency": _r(usl.peak_concurrency),
            "max_throughput": _r(usl.max_throughput),
            "r_squared": _r(usl.r_squared),
            "n_points": usl.n_points,
        },
        "operating_point": {
            "concurrency": _r(op.concurrency),
            "throughput_rps": _r(op.throughput),
            "mean_ms": _r(op.mean_ms),
            f"p{p.slo_percentile:g}_ms": _r(op.percentile_ms),
            "percentile_to_mean": _r(op.percentile_ratio),
            "percentile_mapping": "empirical: measured percentile-to-mean ratio of the HDR histograms",
            "limited_by": op.limited_by,
            "beyond_measured": op.beyond_measured,
        },
        "load": {
            "target_users": p.target_users,
            "surge": p.surge,
            "growth_factor": _r(p.growth_factor),
            "planned_users": _r(load.planned_users),
            "think_time_s": _r(load.think_time_s),
            "think_time_source": think_source,
            "requests_per_s": _r(load.requests_per_s),
            "core_scale": _r(load.core_scale),
        },
        "app_nodes": {
            "node_shape": {"cores": p.node_cores, "ram_gib": p.node_ram_gib},
            "capacity_rps_per_node": _r(s.nodes.node_capacity_rps),
            "cpu_s_per_request": _r(s.nodes.cpu_demand_s),
            "base": {"point": s.nodes.point, "p50": s.nodes.p50, "p90": s.nodes.p90},
            "uncertainty": uncertainty_json(s),
            "installed": {"p50": _layout(s, "p50"), "p90": _layout(s, "p90")},
            "memory_per_node": {
                "workers": s.nodes.memory.workers,
                "rss_per_worker_gib": _r(s.nodes.memory.rss_per_worker_gib),
                "other_processes_gib": _r(s.nodes.memory.other_processes_gib),
                "needed_gib": _r(s.nodes.memory.needed_gib),
                "fits": s.nodes.memory.fits,
            },
        },
        "utilization": [
            {
                "mode": m.mode,
                "serving_nodes_per_site": m.serving_nodes,
                "requests_per_s_per_node": _r(m.requests_per_s_per_node),
                "utilization": _r(m.utilization),
                "cpu_utilization": _r(m.cpu_utilization),
                "within_headroom": m.within_headroom,
            }
            for m in s.modes
        ],
        "redis": {
            "cpu_s_per_request": _r(s.redis.demand_s),
            "shards_for_operations": s.redis.shards_for_operations,
            "memory_gib": _r(s.redis.memory_gib),
            "shards_for_memory": s.redis.shards_for_memory,
            "shards": s.redis.shards,
            "bound": s.redis.bound,
            "replicas_per_shard": s.redis.replicas,
            "instances": s.redis.instances,
        },
        "bandwidth": {
            "response_bytes_per_request": _r(s.bandwidth.response_bytes_per_request),
            "response_bytes_measured": s.bandwidth.response_bytes_measured,
            "request_bytes_per_request": _r(s.bandwidth.request_bytes_per_request),
            "out_gbit_s": _r(s.bandwidth.out_gbit_s),
            "in_gbit_s": _r(s.bandwidth.in_gbit_s),
            "per_site_link_gbit_s": _r(s.bandwidth.per_site_link_gbit_s),
        },
        "storage": {
            "bytes_per_dossier": _r(s.storage.bytes_per_dossier),
            "first_year_tb": _r(s.storage.first_year_tb),
            "last_year_tb": _r(s.storage.last_year_tb),
            "retained_tb": _r(s.storage.retained_tb),
            "provisioned_tb": _r(s.storage.provisioned_tb),
            "payments_per_year": _r(s.storage.payments_per_year),
            "payment_vnd_per_year": _r(s.storage.payment_vnd_per_year),
        },
        "load_generators": {
            "users": _r(s.generators.users),
            "workers_for_users": s.generators.workers_for_users,
            "rps_per_core_measured": _r(s.generators.rps_per_core),
            "workers_for_rate": s.generators.workers_for_rate,
            "workers": s.generators.workers,
            "bound": s.generators.bound,
            "machines": s.generators.machines,
        },
        "validation": _validation(s),
        "cross_check": {
            "concurrency": _r(s.cross_check.concurrency),
            "throughput_rps_per_measured_node": {k: _r(v) for k, v in s.cross_check.throughput.items()},
            "base_nodes": dict(s.cross_check.nodes),
            "spread": _r(s.cross_check.spread),
        },
        "within_validated_range": s.within_validated_range,
        "scale_out": scale_out_json(s),
        "warnings": list(s.warnings),
    }


def _summary(s: Sizing) -> str:
    p, load, pct = s.params, s.load, f"P{s.params.slo_percentile:g}"
    sites = "each able to carry the whole load" if p.site_failover else "sharing the load"
    return (
        f"Planned peak: {_n(load.planned_users)} users (× {p.surge:g} surge, × {p.growth_factor:.3g} "
        f"growth over {p.horizon_years:g} years) = {_n(load.requests_per_s)} requests/s at "
        f"{load.think_time_s:.3g} s think time per request. SLO: {pct} ≤ {p.slo_ms:g} ms, mapped to the "
        f"mean through the empirical {pct}/mean ratio {s.operating.percentile_ratio:.2f}. "
        f"Sites: {p.sites}, {sites}."
        + (
            " Capacity model: MVA from the measured CPU seconds per request (service demands)."
            if p.capacity_model == "mva"
            else ""
        )
    )


def _app_rows(s: Sizing) -> list[str]:
    p, nodes = s.params, s.nodes
    lo, hi = nodes.layout_p50, nodes.layout_p90
    return [
        "| app tier | P50 | P90 | basis |",
        "|---|---:|---:|---|",
        f"| app nodes ({p.node_cores} cores, {p.node_ram_gib:g} GiB) | {lo.total} | {hi.total} | "
        f"{lo.per_site} / {hi.per_site} per site: base {nodes.p50} / {nodes.p90} + {p.spares_per_site} |",
        f"| app cores | {lo.total * p.node_cores} | {hi.total * p.node_cores} | "
        f"{_n(nodes.node_capacity_rps)} req/s per node at the operating point |",
        f"| app RAM, GiB | {_n(lo.total * p.node_ram_gib)} | {_n(hi.total * p.node_ram_gib)} | "
        f"{nodes.memory.needed_gib:.1f} GiB needed per node |",
        *uncertainty_rows(s),
    ]


def _other_rows(s: Sizing) -> list[str]:
    r, b, st, g, p = s.redis, s.bandwidth, s.storage, s.generators, s.params
    return [
        "| resource | value | basis |",
        "|---|---:|---|",
        f"| Redis shards (primaries) | {r.shards} | {r.bound} bound: operations {r.shards_for_operations}, "
        f"memory {r.shards_for_memory} ({r.memory_gib:.0f} GiB) |",
        f"| Redis instances | {r.instances} | {r.replicas} replica(s) per shard |",
        f"| bandwidth out, Gbit/s | {b.out_gbit_s:.2f} | "
        f"{b.response_bytes_per_request:,.0f} B per response |",
        f"| bandwidth in, Gbit/s | {b.in_gbit_s:.2f} | {b.request_bytes_per_request:,.0f} B per request |",
        f"| link per site, Gbit/s | {b.per_site_link_gbit_s:.2f} | peak / {p.max_utilization:g} |",
        f"| storage kept, TB | {st.retained_tb:,.0f} | "
        f"{st.first_year_tb:,.0f}-{st.last_year_tb:,.0f} TB/year, {p.retention_years:g} years kept |",
        f"| storage provisioned, TB | {st.provisioned_tb:,.0f} | × {p.storage_copies} copies / "
        f"{p.max_utilization:g} |",
        f"| load generators (Locust workers) | {g.workers} | {g.bound} bound, "
        f"{g.machines} machine(s) of the node shape |",
    ]


def _mode_rows(s: Sizing) -> list[str]:
    rows = [
        "| mode | nodes per site | req/s per node | utilization | CPU | within headroom |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for m in s.modes:
        rows.append(
            f"| {m.mode} | {m.serving_nodes} | {_n(m.requests_per_s_per_node)} | {m.utilization:.0%} | "
            f"{m.cpu_utilization:.0%} | {'yes' if m.within_headroom else 'no'} |"
        )
    return rows


def _validation_rows(s: Sizing) -> list[str]:
    v, c = s.validation, s.cross_check
    rows = [f"Validation: **{v.status}**: {v.reason}.", ""]
    if v.errors:
        rows += ["| model | mean abs error | max abs error |", "|---|---:|---:|"]
        rows += [f"| {k} | {e.mean_abs:.1%} | {e.max_abs:.1%} |" for k, e in v.errors.items()]
        rows.append("")
    counts = ", ".join(f"{k} {n}" for k, n in c.nodes.items())
    rows.append(f"Cross-check at N={c.concurrency:.1f}: base nodes {counts} (spread {c.spread:.0%}).")
    rows.append("Within the validated range: " + ("yes." if s.within_validated_range else "**no**."))
    return rows


def to_markdown(s: Sizing) -> str:
    """The sizing as Markdown tables a planner can paste into a document."""
    lines = [f"## Sizing for {_n(s.params.target_users)} concurrent users", "", _summary(s), ""]
    lines += [*_app_rows(s), "", *_other_rows(s), "", *_mode_rows(s), "", *_validation_rows(s)]
    lines += ["", *curve_rows(s)]
    if s.warnings:
        lines += ["", "Warnings:", *[f"- {w}" for w in s.warnings]]
    return "\n".join(lines) + "\n"
