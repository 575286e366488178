"""What a sizing file says about its own footing, for the report: the banner for the modelled population
(validated or not), and the measured basis (scale-out check, service demands, where USL and MVA
disagree). The readers of ``sizing.json`` below are lenient: a missing key reads as None."""

from __future__ import annotations

from typing import Any

from reports import fmt
from reports.model import VerdictStatus


def get(data: Any, *keys: str | int) -> Any:
    """``data[k1][k2]...`` or None where any step is missing or of the wrong type."""
    for key in keys:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def param(data: dict[str, Any], name: str) -> float | None:
    return num(get(data, "parameters", name, "value"))


def n_at(data: Any, *keys: str | int) -> float | None:
    """The number at ``keys`` or None."""
    return num(get(data, *keys))


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
    target = n_at(data, "load", "target_users") or param(data, "target_users")
    p50 = n_at(data, "app_nodes", "installed", "p50", "total")
    p90 = n_at(data, "app_nodes", "installed", "p90", "total")
    cores = n_at(data, "app_nodes", "node_shape", "cores")
    status = get(data, "validation", "status") or "unknown"
    inside = get(data, "within_validated_range") is True
    answer = f"{fmt.count(p50)} app nodes of {fmt.count(cores)} cores at P50, {fmt.count(p90)} at P90"
    basis = str(get(data, "parameters", "capacity_model", "value") or "usl")
    worst = n_at(data, "validation", "errors", basis, "max_abs")
    core_scale = n_at(data, "load", "core_scale")
    scaled = (
        f"; per-node capacity extrapolated × {fmt.number(core_scale)} in cores from the measured machine"
        if core_scale is not None and abs(core_scale - 1.0) > 1e-9
        else ""
    )
    scale_out = get(data, "scale_out")
    if isinstance(scale_out, dict) and num(get(scale_out, "error")) is not None:
        scaled += f" (scale-out check: {_signed(num(get(scale_out, 'error')))} error)"
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


def _signed(share: float | None) -> str:
    return fmt.DASH if share is None else f"{share:+.1%}"


def measured_basis(data: dict[str, Any]) -> list[str]:
    """The scale-out check, the per-tier service demands and where USL and MVA disagree, when given."""
    lines = []
    basis = str(get(data, "parameters", "capacity_model", "value") or "usl")
    check = get(data, "scale_out")
    if isinstance(check, dict):
        shown = ", ".join(
            f"{fmt.number(n_at(a, 'cores'))} core(s) {fmt.rate(n_at(a, 'capacity_rps'))}"
            for a in (get(check, "allotments") or [])
        )
        lines.append(
            f"Scale-out check: {'held' if get(check, 'held') is True else 'FAILED'}: {shown}; the line "
            f"through the smaller allotments (background {fmt.number(n_at(check, 'background_cores'))} "
            f"core) predicts {fmt.rate(n_at(check, 'predicted_rps'))}, error "
            f"{_signed(n_at(check, 'error'))} (beside the held-out error "
            f"{fmt.percent(n_at(data, 'validation', 'errors', basis, 'max_abs'))}); the node shape lies "
            f"× {fmt.number(n_at(check, 'extrapolation_to_node'))} beyond the largest allotment checked."
        )
    demands = get(data, "measured", "service_demands")
    tiers = get(demands, "tiers")
    if isinstance(tiers, dict) and tiers:
        shown = ", ".join(
            f"{kind} {fmt.ms((n_at(tier, 'cpu_s_per_request') or 0.0) * 1000)}"
            for kind, tier in tiers.items()
            if (n_at(tier, "share") or 0.0) >= 0.01
        )
        lines.append(
            f"Service demands (CPU per request): {shown}; bottleneck {get(demands, 'bottleneck')}, demand "
            f"bound {fmt.rate(n_at(demands, 'max_throughput_rps'))} on {fmt.number(n_at(demands, 'cores'))} "
            "core(s)."
        )
    curve = get(data, "measured", "curve")
    if isinstance(curve, list) and curve:
        apart = [fmt.number(n_at(c, "concurrency")) for c in curve if get(c, "models_disagree") is True]
        lines.append(
            "USL and MVA agree with each other at every measured level."
            if not apart
            else f"USL and MVA disagree by more than the tolerance at N = {', '.join(apart)}."
        )
    return lines
