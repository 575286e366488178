"""The sizing's failure modes measured (``cuaso modes``): the same fixed load (a steady drill of the same
users and think time) against a multi-node topology in normal mode, with one app node down, and with one
site down (its app nodes and its Redis nodes, the survivors promoted). Per mode: goodput, p95 and p99 of
successful answers, and each node's share of the requests as the balancer counted them.

Measurement only; :mod:`capacity.sizing.mode_check` sets the figures beside ``cuaso size``'s prediction.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from results.exceptions import ConfigError
from results.histogram import LatencyHistogram
from scenarios.chaos.topology_faults import TopologyInjector
from scenarios.drill.config import DrillConfig
from scenarios.drill.runner import DrillRequest, run_drill
from stack.launcher import LocalStack, StackOptions
from stack.topology.haproxy import HAProxy
from stack.topology.spec import Topology

MODES = ("normal", "one node down", "one site down")
LOST_NODE = 1
"""The node lost in "one node down" (node 1, site a)."""
LOST_SITE = 1
"""The site lost in "one site down" (site b: the other one, so that node 1 is back and serving)."""
RESPONSE_FIELDS = ("hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other")


@dataclass(frozen=True)
class ModesRequest:
    out: Path
    duration_s: float = 30.0
    users: int = 8
    think_scale: float = 0.1
    seed: int = 1
    stack: StackOptions = field(
        default_factory=lambda: StackOptions(port=0, topology=Topology(nodes=4, sites=2, shards=3))
    )

    def __post_init__(self) -> None:
        if self.stack.topology is None:
            raise ConfigError("--topology", None, "the modes drill needs a multi-node topology")
        if not self.duration_s >= 10:
            raise ConfigError("--duration", self.duration_s, "need at least 10 s per mode")
        if self.users < 1:
            raise ConfigError("--users", self.users, "need at least 1")


@dataclass(frozen=True)
class ModeMeasure:
    """One mode's drill: what the clients got and what each node served."""

    mode: str
    serving_nodes: int
    duration_s: float
    requests: int
    failures: int
    p95_ms: float
    p99_ms: float
    per_node: dict[str, int]
    fault: str

    @property
    def goodput_rps(self) -> float:
        return (self.requests - self.failures) / self.duration_s

    @property
    def balanced_rps(self) -> float:
        """Requests/s through the balancer (the e-ID login steps go to the e-ID provider, not to it)."""
        return sum(self.per_node.values()) / self.duration_s

    @property
    def hottest_node_rps(self) -> float:
        return max(self.per_node.values(), default=0) / self.duration_s

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self) | {
            "goodput_rps": self.goodput_rps,
            "hottest_node_rps": self.hottest_node_rps,
        }


def node_responses(haproxy: HAProxy) -> dict[str, int]:
    """Responses each node sent so far, from the balancer's ``show stat``."""
    header: list[str] = []
    counts: dict[str, int] = {}
    for line in haproxy.command("show stat").splitlines():
        if line.startswith("# "):
            header = line[2:].split(",")
            continue
        cells = line.split(",")
        if header and len(cells) >= len(header) - 1 and cells[0] == "nodes" and cells[1] != "BACKEND":
            counts[cells[1]] = sum(int(cells[header.index(f)] or 0) for f in RESPONSE_FIELDS)
    return counts


def run_modes(request: ModesRequest, say: Callable[[str], None] = print) -> list[ModeMeasure]:
    out = request.out.resolve()
    options = dataclasses.replace(
        request.stack, port=0, redis_url=None, data_dir=request.stack.data_dir or out / "stack"
    )
    measures: list[ModeMeasure] = []
    with LocalStack(options, on_event=lambda m: say(f"stack: {m}")) as stack:
        runtime = stack.topology
        assert runtime is not None
        assert runtime.haproxy is not None
        faults = TopologyInjector(runtime, request.seed)
        for number, mode in enumerate(MODES, start=1):
            fault = "none"
            if mode == "one node down":
                fault = faults.lose_node(LOST_NODE)
            elif mode == "one site down":
                faults.restore_node()
                fault = faults.lose_site(LOST_SITE)
            say(f"modes: {mode}: {fault}")
            serving = sum(1 for s in runtime.haproxy.server_status().values() if s.startswith("UP"))
            before = node_responses(runtime.haproxy)
            config = DrillConfig(
                scenario="steady", shape_params={"ramp_s": 2.0}, scale=request.users / 120_000,
                duration_s=request.duration_s, seed=request.seed, think_scale=request.think_scale,
                abort_error_rate=1.0,
            )  # fmt: skip
            drill = DrillRequest(config=config, out=out / f"mode-{number}", host=stack.url)
            doc = run_drill(drill, say=lambda m: say(f"drill: {m}")).document
            after = node_responses(runtime.haproxy)
            endpoints = [e for phase in doc.phases for e in phase.endpoints if e.journey is None]
            ok = LatencyHistogram.merged(e.ok_histogram for e in endpoints if e.ok_histogram)
            duration = sum(phase.duration_s for phase in doc.phases)
            measures.append(
                ModeMeasure(
                    mode=mode, serving_nodes=serving, duration_s=duration,
                    requests=sum(e.requests for e in endpoints), failures=sum(e.failures for e in endpoints),
                    p95_ms=ok.percentile_ms(95.0), p99_ms=ok.percentile_ms(99.0),
                    per_node={n: after.get(n, 0) - before.get(n, 0) for n in after}, fault=fault,
                )
            )  # fmt: skip
            say(f"modes: {mode}: goodput {measures[-1].goodput_rps:.1f}/s, p95 {measures[-1].p95_ms:.0f} ms")
    return measures
