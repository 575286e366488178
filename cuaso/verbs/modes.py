"""``cuaso modes --out DIR``: the sizing's failure modes measured on a multi-node topology.

Starts the topology (default 4 nodes, 2 sites, a 3-primary Redis Cluster), runs the same steady drill
(fixed users and think time) in normal mode, with one app node down and with one site down, and prints
per mode the goodput, p95/p99 and the busiest node's load beside the per-node load and utilization that
``cuaso size``'s mode table predicts for this layout, and the difference. Writes DIR/modes.json and
DIR/modes.md. See docs/topology.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from cuaso.verbs._types import Subparsers
from cuaso.verbs.stack import add_tuning_options, options_from
from results.exceptions import ConfigError

DEFAULT_TOPOLOGY = "nodes=4,sites=2,shards=3"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "modes",
        help="measure normal / one node down / one site down on a multi-node topology beside the sizing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where modes.json goes")
    parser.add_argument("--duration", type=float, default=30.0, metavar="SECONDS", help="per mode (30)")
    parser.add_argument("--users", type=int, default=8, help="simulated users in every mode (default 8)")
    parser.add_argument("--think-scale", type=float, default=0.1, help="think-time factor (default 0.1)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the drills")
    stack = parser.add_argument_group("local stack (every tuning option of `cuaso stack up`)")
    stack.add_argument("--stack-workers", type=int, default=1, help="uvicorn workers (default 1)")
    add_tuning_options(stack)
    parser.set_defaults(func=_modes, topology=DEFAULT_TOPOLOGY, appendfsync="always")


def _modes(args: argparse.Namespace) -> int:
    from capacity.sizing.mode_check import check_modes, render
    from scenarios.chaos.modes import ModesRequest, run_modes

    stack = options_from(args, workers=args.stack_workers)
    topology = stack.topology
    if topology is None:
        raise ConfigError("--topology", args.topology, "the modes drill needs several nodes and sites")
    request = ModesRequest(
        out=args.out, duration_s=args.duration, users=args.users, think_scale=args.think_scale,
        seed=args.seed, stack=stack,
    )  # fmt: skip
    measures = run_modes(request, say=lambda m: print(m, flush=True))
    checks = check_modes(topology.nodes, topology.sites, measures)
    table = render(checks)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    (out / "modes.json").write_text(
        json.dumps({"measured": [m.to_dict() for m in measures], "checks": [c.to_dict() for c in checks]},
                   indent=2) + "\n"
    )  # fmt: skip
    (out / "modes.md").write_text(f"# Modes: {topology.describe()}\n\n{table}")
    print(table, end="", flush=True)
    return 0
