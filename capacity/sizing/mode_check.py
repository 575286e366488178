"""The sizing's failure modes beside what a modes drill measured (``cuaso modes``): for each mode, the
per-node load ``cuaso size``'s mode table predicts for this topology at the drill's load
(:func:`capacity.sizing.app.modes`), the load the busiest node really served, the goodput and the tail
latency, and the differences. The drill's normal mode gives the load (the same users and think time
are offered in every mode) and the node capacity the utilizations are read against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from capacity.sizing.app import Layout, ModeUtilization, TargetLoad, modes
from capacity.sizing.params import SizingParameters


class Measured(Protocol):
    @property
    def mode(self) -> str: ...
    @property
    def serving_nodes(self) -> int: ...
    @property
    def goodput_rps(self) -> float: ...
    @property
    def balanced_rps(self) -> float: ...
    @property
    def hottest_node_rps(self) -> float: ...
    @property
    def p95_ms(self) -> float: ...
    @property
    def p99_ms(self) -> float: ...


@dataclass(frozen=True)
class ModeCheck:
    mode: str
    predicted: ModeUtilization
    measured_node_rps: float
    goodput_rps: float
    offered_rps: float
    p95_ms: float
    p99_ms: float

    @property
    def node_load_difference(self) -> float:
        """Measured busiest node's load over the predicted per-node load, minus 1."""
        return self.measured_node_rps / self.predicted.requests_per_s_per_node - 1

    @property
    def goodput_difference(self) -> float:
        """Goodput over the offered load (the sizing plans every mode to serve it all), minus 1."""
        return self.goodput_rps / self.offered_rps - 1

    def to_dict(self) -> dict[str, object]:
        return {
            "mode": self.mode,
            "predicted_node_rps": self.predicted.requests_per_s_per_node,
            "predicted_utilization": self.predicted.utilization,
            "measured_node_rps": self.measured_node_rps,
            "node_load_difference": self.node_load_difference,
            "goodput_rps": self.goodput_rps,
            "goodput_difference": self.goodput_difference,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
        }


def check_modes(nodes: int, sites: int, measured: Sequence[Measured]) -> list[ModeCheck]:
    """Each measured mode beside the sizing's prediction for ``nodes`` app nodes over ``sites`` sites."""
    normal = next(m for m in measured if m.mode == "normal")
    layout = Layout(base=nodes - sites, sites=sites, per_site=nodes // sites)
    balanced = TargetLoad(
        planned_users=0.0, think_time_s=0.0, requests_per_s=normal.balanced_rps, core_scale=1.0
    )
    params = SizingParameters(sites=sites)
    # A node's capacity read so that normal mode sits at the planned ceiling (max_utilization): the
    # utilizations then say how far past it each failure mode pushes a node.
    capacity = max(normal.balanced_rps / nodes, 1e-9) / params.max_utilization
    predicted = {m.mode: m for m in modes(layout, balanced, capacity, 0.0, params)}
    offered = normal.goodput_rps  # the same users and think time in every mode
    return [
        ModeCheck(m.mode, predicted[m.mode], m.hottest_node_rps, m.goodput_rps, offered, m.p95_ms, m.p99_ms)
        for m in measured
        if m.mode in predicted
    ]


def render(checks: Sequence[ModeCheck]) -> str:
    """A markdown table of the checks."""
    lines = [
        "| mode | predicted req/s per node | predicted utilization | busiest node req/s | difference "
        "| goodput req/s | vs offered | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in checks:
        lines.append(
            f"| {c.mode} | {c.predicted.requests_per_s_per_node:.1f} | {c.predicted.utilization:.0%} "
            f"| {c.measured_node_rps:.1f} | {c.node_load_difference:+.0%} | {c.goodput_rps:.1f} "
            f"| {c.goodput_difference:+.0%} | {c.p95_ms:.0f} | {c.p99_ms:.0f} |"
        )
    return "\n".join(lines) + "\n"
