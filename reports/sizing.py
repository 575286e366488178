"""The sizing section: what ``cuaso size --out DIR`` concluded, with its uncertainty, for the report.

Reads ``sizing.json`` (schema ``cuaso.sizing``, :mod:`capacity.sizing.render`) tolerantly: a key this
reader does not know is ignored and a missing one prints as a dash, so a newer sizing still renders.
Every figure here is **modelled** (the planned portal), not measured; the section says so. The PNG plots
``cuaso size --out`` writes next to ``sizing.json`` are embedded when present.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any

from reports import fmt
from reports.model import (
    Block,
    Image,
    Section,
    Table,
    VerdictStatus,
    bullets,
    image,
    paragraph,
    passed,
    table,
)
from results.exceptions import CuasoError

SCHEMA = "cuaso.sizing"
PLOTS = (
    ("nodes.png", "App nodes against concurrent users (P50, P90)"),
    ("utilization.png", "Utilization per failure mode"),
    ("usl.png", "Throughput against concurrency: measured node and USL fit"),
)


class SizingFileError(CuasoError):
    """A ``--sizing`` file that cannot be read as a cuaso sizing."""

    exit_code = 2


def read_sizing(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SizingFileError(f"--sizing={str(path)!r}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise SizingFileError(f"--sizing={str(path)!r}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        got = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise SizingFileError(
            f"--sizing={str(path)!r}: schema={got!r}: expected {SCHEMA!r} (cuaso size --out)"
        )
    return data


def _get(data: Any, *keys: str | int) -> Any:
    """``data[k1][k2]...`` or None where any step is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _param(data: dict[str, Any], name: str) -> float | None:
    return _num(_get(data, "parameters", name, "value"))


def _n(data: Any, *keys: str | int) -> float | None:
    """The number at ``keys`` or None."""
    return _num(_get(data, *keys))


def _headline(data: dict[str, Any]) -> str:
    target = _n(data, "load", "target_users") or _param(data, "target_users")
    p50, p90 = (
        _n(data, "app_nodes", "installed", "p50", "total"),
        _n(data, "app_nodes", "installed", "p90", "total"),
    )
    pct, slo = _param(data, "slo_percentile"), _param(data, "slo_ms")
    return (
        f"Modelled: for {fmt.count(target)} concurrent users, planned as "
        f"{fmt.count(_n(data, 'load', 'planned_users'))} users at peak "
        f"({fmt.rate(_n(data, 'load', 'requests_per_s'))}), the portal needs {fmt.count(p50)} app nodes of "
        f"{fmt.count(_n(data, 'app_nodes', 'node_shape', 'cores'))} cores at P50 and {fmt.count(p90)} at P90 "
        f"of the fit's and the repeats' uncertainty, to keep p{fmt.number(pct)} ≤ {fmt.ms(slo)}."
    )


def sizing_banner(
    data: dict[str, Any] | None, modelled_users: float, scale: float
) -> tuple[str, VerdictStatus]:
    """The report's second banner: what the sizing says for the modelled population, and whether it may.

    Only a sizing whose held-out validation held and whose operating point lies inside the validated
    range speaks for the modelled users (status ``pass``); any other sizing is an indication
    (``inconclusive``), and without a sizing nothing is claimed for them.
    """
    if data is None:
        return (
            f"Modelled: this drill stands for {fmt.count(modelled_users)} users at {fmt.ratio(scale)}; "
            "no sizing was given, so nothing is claimed for them.",
            "inconclusive",
        )
    target = _n(data, "load", "target_users") or _param(data, "target_users")
    p50 = _n(data, "app_nodes", "installed", "p50", "total")
    p90 = _n(data, "app_nodes", "installed", "p90", "total")
    cores = _n(data, "app_nodes", "node_shape", "cores")
    status = _get(data, "validation", "status") or "unknown"
    inside = _get(data, "within_validated_range") is True
    answer = f"{fmt.count(p50)} app nodes of {fmt.count(cores)} cores at P50, {fmt.count(p90)} at P90"
    basis = str(_get(data, "parameters", "capacity_model", "value") or "usl")
    worst = _n(data, "validation", "errors", basis, "max_abs")
    core_scale = _n(data, "load", "core_scale")
    scaled = (
        f"; per-node capacity extrapolated × {fmt.number(core_scale)} in cores from the measured machine"
        if core_scale is not None and abs(core_scale - 1.0) > 1e-9
        else ""
    )
    scale_out = _get(data, "scale_out")
    if isinstance(scale_out, dict) and _num(_get(scale_out, "error")) is not None:
        scaled += f" (scale-out check: {_signed(_num(_get(scale_out, 'error')))} error)"
    if status == "held" and inside:
        return (
            f"Modelled: sizing for {fmt.count(target)} users: {answer}; VALIDATED (held-out error "
            f"{fmt.percent(worst)}, operating point inside the validated range){scaled}.",
            "pass",
        )
    why = f"validation {status}" + ("" if inside else ", operating point beyond the validated range")
    return (
        f"Modelled: sizing for {fmt.count(target)} users NOT VALIDATED ({why}): {answer} is an "
        f"indication, not a capacity claim{scaled}.",
        "inconclusive",
    )


def _nodes_table(data: dict[str, Any]) -> Table:
    base = _get(data, "app_nodes", "base") or {}
    rows: list[tuple[str, ...]] = [
        (
            "base app nodes (one place)",
            fmt.count(_num(_get(base, "point"))),
            fmt.count(_num(_get(base, "p50"))),
            fmt.count(_num(_get(base, "p90"))),
        )
    ]
    for label, key, show in (
        ("installed app nodes (N+k, all sites)", "total", fmt.count),
        ("per site", "per_site", fmt.count),
        ("app cores", "cores", fmt.count),
        ("app RAM, GiB", "ram_gib", fmt.count),
    ):
        p50 = _num(_get(data, "app_nodes", "installed", "p50", key))
        p90 = _num(_get(data, "app_nodes", "installed", "p90", key))
        rows.append((label, fmt.DASH, show(p50), show(p90)))
    return Table(
        ("modelled app tier", "point estimate", "P50", "P90"),
        tuple(rows),
        numeric=(False, True, True, True),
        caption="P50/P90: node counts over draws of the USL curve from the fit's covariance and from a "
        "bootstrap over the repeats (the spread between measurements), pooled",
    )


def _modes_table(data: dict[str, Any]) -> Table | None:
    modes = _get(data, "utilization")
    if not isinstance(modes, list) or not modes:
        return None
    rows = tuple(
        (
            str(_get(m, "mode") or fmt.DASH),
            fmt.count(_num(_get(m, "serving_nodes_per_site"))),
            fmt.rate(_num(_get(m, "requests_per_s_per_node"))),
            fmt.percent(_num(_get(m, "utilization"))),
            fmt.percent(_num(_get(m, "cpu_utilization"))),
            {True: "yes", False: "no"}.get(_get(m, "within_headroom"), fmt.DASH),
        )
        for m in modes
    )
    status = tuple(passed(_get(m, "within_headroom") is True) for m in modes)
    return Table(
        ("mode", "serving nodes per site", "per node", "utilization", "CPU", "within headroom"),
        rows,
        numeric=(False, True, True, True, True, False),
        status=status,
        status_column=5,
        caption=f"headroom: at most {fmt.percent(_param(data, 'max_utilization'))} utilization (assumption)",
    )


def _other_table(data: dict[str, Any]) -> Table:
    rows = (
        ("Redis shards (primaries)", fmt.count(_num(_get(data, "redis", "shards"))),
         f"{_get(data, 'redis', 'bound') or fmt.DASH} bound"),
        ("Redis instances", fmt.count(_num(_get(data, "redis", "instances"))), "with replicas"),
        ("bandwidth out", f"{fmt.number(_num(_get(data, 'bandwidth', 'out_gbit_s')))} Gbit/s", "at peak"),
        ("bandwidth in", f"{fmt.number(_num(_get(data, 'bandwidth', 'in_gbit_s')))} Gbit/s", "at peak"),
        ("storage kept", f"{fmt.count(_num(_get(data, 'storage', 'retained_tb')))} TB", "over the retention"),
        ("load generators (Locust workers)", fmt.count(_n(data, "load_generators", "workers")),
         f"on {fmt.count(_n(data, 'load_generators', 'machines'))} machine(s)"),
    )  # fmt: skip
    return Table(("modelled resource", "value", "basis"), rows, numeric=(False, True, False))


def _validation(data: dict[str, Any]) -> list[Block]:
    status = _get(data, "validation", "status") or "unknown"
    reason = _get(data, "validation", "reason") or "no reason given"
    inside = _get(data, "within_validated_range")
    top = _n(data, "validation", "validated_up_to")
    at = _n(data, "operating_point", "concurrency")
    lines = [f"Validation on held-out levels: {status}: {reason}."]
    if inside is True:
        lines.append(
            f"The operating point (N = {fmt.number(at)} per measured node) lies at or below the highest "
            f"level where held-out prediction held (N = {fmt.number(top)})."
        )
    elif inside is False:
        lines.append(
            f"The operating point (N = {fmt.number(at)} per measured node) lies BEYOND the range where "
            "held-out prediction held: treat the node counts as an extrapolation."
        )
    fit = _get(data, "fit") or {}
    if _num(_get(fit, "r_squared")) is not None:
        lines.append(
            f"USL fit: λ = {fmt.number(_n(fit, 'lambda'))} req/s, σ = {fmt.number(_n(fit, 'sigma'))}, "
            f"κ = {fmt.number(_n(fit, 'kappa'))}, R² = {fmt.number(_n(fit, 'r_squared'), 4)}, "
            f"on {fmt.count(_n(fit, 'n_points'))} measured points."
        )
    lines += _measured_basis(data)
    warnings = [str(w) for w in (_get(data, "warnings") or []) if w]
    blocks = [bullets(lines)]
    if warnings:
        blocks.append(bullets([f"Warning: {w}" for w in warnings]))
    return blocks


def _signed(share: float | None) -> str:
    return fmt.DASH if share is None else f"{share:+.1%}"


def _measured_basis(data: dict[str, Any]) -> list[str]:
    """The scale-out check, the per-tier service demands and where USL and MVA disagree, when given."""
    lines = []
    basis = str(_get(data, "parameters", "capacity_model", "value") or "usl")
    check = _get(data, "scale_out")
    if isinstance(check, dict):
        shown = ", ".join(
            f"{fmt.number(_n(a, 'cores'))} core(s) {fmt.rate(_n(a, 'capacity_rps'))}"
            for a in (_get(check, "allotments") or [])
        )
        lines.append(
            f"Scale-out check: {'held' if _get(check, 'held') is True else 'FAILED'}: {shown}; capacity ∝ "
            f"cores from the smaller allotments predicts {fmt.rate(_n(check, 'predicted_rps'))}, error "
            f"{_signed(_n(check, 'error'))} (beside the held-out error "
            f"{fmt.percent(_n(data, 'validation', 'errors', basis, 'max_abs'))}); the node shape lies "
            f"× {fmt.number(_n(check, 'extrapolation_to_node'))} beyond the largest allotment checked."
        )
    demands = _get(data, "measured", "service_demands")
    tiers = _get(demands, "tiers")
    if isinstance(tiers, dict) and tiers:
        shown = ", ".join(
            f"{kind} {fmt.ms((_n(tier, 'cpu_s_per_request') or 0.0) * 1000)}"
            for kind, tier in tiers.items()
            if (_n(tier, "share") or 0.0) >= 0.01
        )
        lines.append(
            f"Service demands (CPU per request): {shown}; bottleneck {_get(demands, 'bottleneck')}, demand "
            f"bound {fmt.rate(_n(demands, 'max_throughput_rps'))} on {fmt.number(_n(demands, 'cores'))} "
            "core(s)."
        )
    curve = _get(data, "measured", "curve")
    if isinstance(curve, list) and curve:
        apart = [fmt.number(_n(c, "concurrency")) for c in curve if _get(c, "models_disagree") is True]
        lines.append(
            "USL and MVA agree with each other at every measured level."
            if not apart
            else f"USL and MVA disagree by more than the tolerance at N = {', '.join(apart)}."
        )
    return lines


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = _num(value)
    if number is not None:
        return fmt.number(number, 6)
    return "from the data" if value is None else str(value)


def _assumptions(data: dict[str, Any]) -> Table | None:
    params = _get(data, "parameters")
    if not isinstance(params, dict):
        return None
    rows = tuple(
        (name, _value(_get(entry, "value")), str(_get(entry, "note") or ""))
        for name, entry in params.items()
        if str(_get(entry, "note") or "").startswith(("assumption", "FACTS"))
    )
    if not rows:
        return None
    return Table(("parameter", "value", "source"), rows, numeric=(False, True, False))


def _plots(folder: Path) -> list[Block]:
    blocks = []
    for name, title in PLOTS:
        path = folder / name
        if path.is_file():
            png = path.read_bytes()
            try:
                width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR chunk
                blocks.append(image(Image(title, title, png, width, height)))
            except (struct.error, ValueError):
                raise SizingFileError(f"{path}: not a PNG image (cuaso size --out writes PNGs)") from None
    return blocks


def sizing_section(data: dict[str, Any], folder: Path | None) -> Section:
    """The report section for a sizing; ``folder`` holds its PNG plots (or None: tables only)."""
    blocks: list[Block] = [paragraph(_headline(data))]
    status = _get(data, "validation", "status") or "unknown"
    if status != "held":
        blocks.append(
            paragraph(
                f"Caution: the sizing's validation {status} (below), so its node counts are indicative only; "
                "a sweep on a quieter or larger machine, with more levels and repeats, narrows them."
            )
        )
    blocks.append(table(_nodes_table(data)))
    modes = _modes_table(data)
    if modes is not None:
        blocks.append(table(modes))
    blocks.append(table(_other_table(data)))
    blocks += _validation(data)
    blocks += _plots(folder) if folder is not None else []
    assumptions = _assumptions(data)
    if assumptions is not None:
        blocks.append(paragraph("The sizing's parameters from FACTS and its assumptions:", in_summary=False))
        blocks.append(table(assumptions, in_summary=False))
    return Section("sizing", "Sizing for the modelled portal", tuple(blocks))
