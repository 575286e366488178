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
    bullets,
    image,
    paragraph,
    passed,
    table,
)
from reports.sizing_basis import get, measured_basis, n_at, num, param
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


def _headline(data: dict[str, Any]) -> str:
    target = n_at(data, "load", "target_users") or param(data, "target_users")
    p50, p90 = (
        n_at(data, "app_nodes", "installed", "p50", "total"),
        n_at(data, "app_nodes", "installed", "p90", "total"),
    )
    pct, slo = param(data, "slo_percentile"), param(data, "slo_ms")
    return (
        f"Modelled: for {fmt.count(target)} concurrent users, planned as "
        f"{fmt.count(n_at(data, 'load', 'planned_users'))} users at peak "
        f"({fmt.rate(n_at(data, 'load', 'requests_per_s'))}), the portal needs {fmt.count(p50)} app nodes of "
        f"{fmt.count(n_at(data, 'app_nodes', 'node_shape', 'cores'))} cores at P50 and {fmt.count(p90)} "
        f"at P90 of the fit's and the repeats' uncertainty, to keep p{fmt.number(pct)} ≤ {fmt.ms(slo)}."
    )


def _nodes_table(data: dict[str, Any]) -> Table:
    base = get(data, "app_nodes", "base") or {}
    rows: list[tuple[str, ...]] = [
        (
            "base app nodes (one place)",
            fmt.count(num(get(base, "point"))),
            fmt.count(num(get(base, "p50"))),
            fmt.count(num(get(base, "p90"))),
        )
    ]
    for label, key, show in (
        ("installed app nodes (N+k, all sites)", "total", fmt.count),
        ("per site", "per_site", fmt.count),
        ("app cores", "cores", fmt.count),
        ("app RAM, GiB", "ram_gib", fmt.count),
    ):
        p50 = num(get(data, "app_nodes", "installed", "p50", key))
        p90 = num(get(data, "app_nodes", "installed", "p90", key))
        rows.append((label, fmt.DASH, show(p50), show(p90)))
    return Table(
        ("modelled app tier", "point estimate", "P50", "P90"),
        tuple(rows),
        numeric=(False, True, True, True),
        caption="P50/P90: node counts over draws of the USL curve from the fit's covariance and from a "
        "bootstrap over the repeats (the spread between measurements), pooled",
    )


def _modes_table(data: dict[str, Any]) -> Table | None:
    modes = get(data, "utilization")
    if not isinstance(modes, list) or not modes:
        return None
    rows = tuple(
        (
            str(get(m, "mode") or fmt.DASH),
            fmt.count(num(get(m, "serving_nodes_per_site"))),
            fmt.rate(num(get(m, "requests_per_s_per_node"))),
            fmt.percent(num(get(m, "utilization"))),
            fmt.percent(num(get(m, "cpu_utilization"))),
            {True: "yes", False: "no"}.get(get(m, "within_headroom"), fmt.DASH),
        )
        for m in modes
    )
    status = tuple(passed(get(m, "within_headroom") is True) for m in modes)
    return Table(
        ("mode", "serving nodes per site", "per node", "utilization", "CPU", "within headroom"),
        rows,
        numeric=(False, True, True, True, True, False),
        status=status,
        status_column=5,
        caption=f"headroom: at most {fmt.percent(param(data, 'max_utilization'))} utilization (assumption)",
    )


def _other_table(data: dict[str, Any]) -> Table:
    rows = (
        ("Redis shards (primaries)", fmt.count(num(get(data, "redis", "shards"))),
         f"{get(data, 'redis', 'bound') or fmt.DASH} bound"),
        ("Redis instances", fmt.count(num(get(data, "redis", "instances"))), "with replicas"),
        ("bandwidth out", f"{fmt.number(num(get(data, 'bandwidth', 'out_gbit_s')))} Gbit/s", "at peak"),
        ("bandwidth in", f"{fmt.number(num(get(data, 'bandwidth', 'in_gbit_s')))} Gbit/s", "at peak"),
        ("storage kept", f"{fmt.count(num(get(data, 'storage', 'retained_tb')))} TB", "over the retention"),
        ("load generators (Locust workers)", fmt.count(n_at(data, "load_generators", "workers")),
         f"on {fmt.count(n_at(data, 'load_generators', 'machines'))} machine(s)"),
    )  # fmt: skip
    return Table(("modelled resource", "value", "basis"), rows, numeric=(False, True, False))


def _validation(data: dict[str, Any]) -> list[Block]:
    status = get(data, "validation", "status") or "unknown"
    reason = get(data, "validation", "reason") or "no reason given"
    inside = get(data, "within_validated_range")
    top = n_at(data, "validation", "validated_up_to")
    at = n_at(data, "operating_point", "concurrency")
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
    fit = get(data, "fit") or {}
    if num(get(fit, "r_squared")) is not None:
        lines.append(
            f"USL fit: λ = {fmt.number(n_at(fit, 'lambda'))} req/s, σ = {fmt.number(n_at(fit, 'sigma'))}, "
            f"κ = {fmt.number(n_at(fit, 'kappa'))}, R² = {fmt.number(n_at(fit, 'r_squared'), 4)}, "
            f"on {fmt.count(n_at(fit, 'n_points'))} measured points."
        )
    lines += measured_basis(data)
    warnings = [str(w) for w in (get(data, "warnings") or []) if w]
    blocks = [bullets(lines)]
    if warnings:
        blocks.append(bullets([f"Warning: {w}" for w in warnings]))
    return blocks


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    number = num(value)
    if number is not None:
        return fmt.number(number, 6)
    return "from the data" if value is None else str(value)


def _assumptions(data: dict[str, Any]) -> Table | None:
    params = get(data, "parameters")
    if not isinstance(params, dict):
        return None
    rows = tuple(
        (name, _value(get(entry, "value")), str(get(entry, "note") or ""))
        for name, entry in params.items()
        if str(get(entry, "note") or "").startswith(("assumption", "FACTS"))
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
    status = get(data, "validation", "status") or "unknown"
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
