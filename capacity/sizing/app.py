"""App nodes: the operating point of one node, the node count with its uncertainty, and the layout.

1. **Operating point.** The highest concurrency n at which one measured node still meets the latency
   SLO: the USL gives the mean latency R(n) = n/X(n) − Z (response-time law, Z the effective think
   time of the runs), and the SLO's percentile is mapped onto it through the percentile-to-mean ratio
   the HDR histograms measured at that concurrency (**empirical**: a property of this stack and mix,
   not of any queueing model). n never passes the USL peak (past it throughput falls) nor
   ``max_extrapolation`` × the highest measured level (by default 1: stay where it was measured).
2. **Nodes.** Planned throughput X = planned users / (Z_target + R(n)); one node of the planned shape
   carries X_ref(n) · core scale at no more than ``max_utilization``: the core scale is
   (node_cores − background)/(reference_cores − background) with the background CPU the scale-out check
   measured (:mod:`capacity.sizing.scaleout`), node_cores/reference_cores without one (assumption:
   throughput scales with cores between the measured machine and the node shape). The count is computed on
   the point estimate and on every draw of the USL parameters (:meth:`USLModel.sample_parameters`,
   fixed seed); P50 and P90 are nearest-rank quantiles of the draws.
3. **Layout.** N+k per site; with site failover the surviving sites carry the whole load.
4. **Modes.** Utilization of a node at the planned peak when all nodes run, when one node is down, and
   when one site is down.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from capacity.exceptions import UnreachableError
from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.params import SizingParameters
from capacity.usl import USLParameters

SEARCH_POINTS = 20_001
"""Assumption: grid points of the operating-point search (resolution = range / 20,000)."""

Limit = Literal["slo", "usl peak", "measured range", "extrapolation limit"]


class Curve(Protocol):
    """What an operating point needs of a capacity model: X(n) on a grid and at one n, and its peak."""

    @property
    def peak_concurrency(self) -> float: ...

    def throughput_at_concurrency(self, n: float) -> float: ...

    def throughputs(self, n: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class OperatingPoint:
    """Where one measured node is run: concurrency, its goodput and latency, and what set it."""

    concurrency: float
    throughput: float
    mean_ms: float
    percentile_ms: float
    percentile_ratio: float
    limited_by: Limit
    beyond_measured: bool


def operating_point(
    usl: Curve,
    profile: MeasuredProfile,
    think_s: float,
    slo_ms: float,
    max_extrapolation: float = 1.0,
) -> OperatingPoint:
    """The highest concurrency whose predicted percentile latency meets ``slo_ms`` (see module doc)."""
    top = max(profile.distinct_levels)
    cap: float = max_extrapolation * top
    limit: Limit = "measured range" if max_extrapolation <= 1.0 else "extrapolation limit"
    if usl.peak_concurrency <= cap:
        cap, limit = usl.peak_concurrency, "usl peak"
    grid = np.linspace(1.0, max(cap, 1.0), SEARCH_POINTS)
    mean_ms = np.maximum(grid / usl.throughputs(grid) - think_s, 0.0) * 1000.0
    levels, ratios = profile.ratio_table()
    ratio = np.interp(grid, levels, ratios)
    over = np.flatnonzero(mean_ms * ratio > slo_ms)
    if over.size and over[0] == 0:
        raise UnreachableError(
            f"slo_ms: {slo_ms!r} ms at P{profile.percentile:g} is below what one user already gets "
            f"({mean_ms[0] * ratio[0]:.1f} ms predicted); no number of nodes meets it"
        )
    index = int(over[0]) - 1 if over.size else grid.size - 1
    chosen: Limit = "slo" if over.size else limit
    n = float(grid[index])
    return OperatingPoint(
        concurrency=n,
        throughput=usl.throughput_at_concurrency(n),
        mean_ms=float(mean_ms[index]),
        percentile_ms=float(mean_ms[index] * ratio[index]),
        percentile_ratio=float(ratio[index]),
        limited_by=chosen,
        beyond_measured=n > top,
    )


@dataclass(frozen=True)
class TargetLoad:
    """What the portal must serve at the planned peak."""

    planned_users: float
    think_time_s: float
    requests_per_s: float
    core_scale: float

    @classmethod
    def build(
        cls, params: SizingParameters, think_s: float, point: OperatingPoint, core_scale: float
    ) -> TargetLoad:
        """X = planned users / (Z + R at the operating point); ``core_scale``: what a node carries next to
        the measured one (node cores / reference cores, or the scale-out check's line)."""
        return cls(
            planned_users=params.planned_users,
            think_time_s=think_s,
            requests_per_s=params.planned_users / (think_s + point.mean_ms / 1000.0),
            core_scale=core_scale,
        )


def nodes_needed(curve: USLParameters, load: TargetLoad, point: OperatingPoint, utilization: float) -> int:
    """Nodes of the planned shape that carry the planned load on ``curve`` (no spares, one site)."""
    return curve.nodes_for_throughput(load.requests_per_s / load.core_scale, point.concurrency, utilization)


def nearest_rank(values: Sequence[int], quantile: float) -> int:
    """The nearest-rank quantile (an observed value, never interpolated)."""
    return int(np.quantile(np.asarray(values), quantile, method="inverted_cdf"))


@dataclass(frozen=True)
class Layout:
    """Installed app nodes: per site and in total, from a base count (the load's needs)."""

    base: int
    sites: int
    per_site: int

    @property
    def total(self) -> int:
        return self.per_site * self.sites

    @classmethod
    def build(cls, base: int, params: SizingParameters) -> Layout:
        survivors = params.sites - 1 if params.site_failover else params.sites
        return cls(base, params.sites, math.ceil(base / survivors) + params.spares_per_site)


@dataclass(frozen=True)
class ModeUtilization:
    """One node's load at the planned peak in one failure mode.

    ``utilization``: share of the node's capacity at the operating point; ``cpu_utilization``: its
    cores' busy share by the utilization law (measured CPU seconds per request of the app-node kinds).
    """

    mode: str
    serving_nodes: int
    requests_per_s_per_node: float
    utilization: float
    cpu_utilization: float
    within_headroom: bool


def modes(
    layout: Layout, load: TargetLoad, node_capacity: float, cpu_demand_s: float, params: SizingParameters
) -> tuple[ModeUtilization, ...]:
    """Normal, one node down (in one site; sites share the load equally) and one site down."""
    per_site_load = load.requests_per_s / layout.sites
    cases: list[tuple[str, int, float]] = [("normal", layout.per_site, per_site_load)]
    cases.append(("one node down", layout.per_site - 1, per_site_load))
    if layout.sites > 1:
        cases.append(("one site down", layout.per_site, load.requests_per_s / (layout.sites - 1)))
    result = []
    for mode, nodes, site_load in cases:
        per_node = site_load / nodes if nodes > 0 else math.inf
        share = per_node / node_capacity
        result.append(
            ModeUtilization(
                mode=mode,
                serving_nodes=nodes,
                requests_per_s_per_node=per_node,
                utilization=share,
                cpu_utilization=per_node * cpu_demand_s / params.node_cores,
                within_headroom=share <= params.max_utilization + 1e-9,
            )
        )
    return tuple(result)


@dataclass(frozen=True)
class NodeMemory:
    """RAM one app node needs: its workers' measured peak RSS, other app-node processes, the OS."""

    workers: int
    rss_per_worker_gib: float
    other_processes_gib: float
    needed_gib: float
    fits: bool


def node_memory(profile: MeasuredProfile, params: SizingParameters) -> NodeMemory:
    """Workers = cores × workers_per_core, each at the largest per-process RSS measured for ``app``."""
    gib = float(2**30)
    workers = max(1, math.floor(params.node_cores * params.workers_per_core))
    per_worker = profile.rss_per_process("app") / gib
    others = sum(
        profile.rss_per_process(k) * profile.processes(k) for k in profile.app_node_kinds if k != "app"
    )
    needed = workers * per_worker + others / gib + params.os_reserved_gib
    return NodeMemory(workers, per_worker, others / gib, needed, needed <= params.node_ram_gib)
