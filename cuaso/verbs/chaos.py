"""``cuaso chaos SCENARIO --duration SECONDS --out DIR``: a drill with faults, then an audit.

Starts the local reference stack, runs a drill of SCENARIO against it with a witness client beside it,
and injects on a schedule: app workers SIGKILLed repeatedly, Redis killed and restarted (AOF), the
back-office systems down for a window, the e-ID provider slow, payment partners dropping and
duplicating callbacks. After a drain period it writes DIR/audit.json and DIR/audit.md: every dossier and
payment the witness saw acknowledged, found in Redis, lost, delivered to the back office, duplicated in
effect, and the reconciliation of payments. Exit 0 when nothing was lost or duplicated, 1 otherwise, 2
on bad input. See docs/chaos.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cuaso.verbs._types import Subparsers
from cuaso.verbs.stack import add_tuning_options, options_from
from results.exceptions import ConfigError


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "chaos",
        help="run a drill with faults injected (kills, Redis restart, outages); audit what was kept",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help="a drill scenario, e.g. steady")
    parser.add_argument("--duration", type=float, required=True, metavar="SECONDS", help="drill length")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where audit.json goes")
    parser.add_argument(
        "--faults",
        default="all",
        metavar="LIST",
        help="comma-separated: worker-kill, redis-restart, backoffice-outage, eid-slow, partner-callbacks; "
        "with --topology also node-loss, primary-failover, site-loss (default all that fit the stack)",
    )
    parser.add_argument("--users", type=int, default=10, help="simulated drill users (default 10)")
    parser.add_argument(
        "--think-scale", type=float, default=0.05, help="think-time factor of the drill (default 0.05)"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of the drill, witness and victims")
    parser.add_argument(
        "--redis-stop",
        choices=("kill", "shutdown"),
        default="kill",
        help="how Redis is stopped before its restart: SIGKILL (default) or a clean shutdown",
    )
    parser.add_argument("--drain", type=float, default=30.0, metavar="SECONDS", help="outbox drain (30 s)")
    parser.add_argument(
        "--kill-every", type=float, default=10.0, metavar="SECONDS", help="worker SIGKILL period (10 s)"
    )
    stack = parser.add_argument_group("local stack (every tuning option of `cuaso stack up`)")
    stack.add_argument("--stack-workers", type=int, default=2, help="uvicorn workers (default 2)")
    add_tuning_options(stack)
    # A SIGKILLed Redis keeps every acknowledged write only with fsync on every write.
    parser.set_defaults(func=_chaos, appendfsync="always")


def _chaos(args: argparse.Namespace) -> int:
    from cuaso.verbs.drill import SCENARIOS
    from scenarios.chaos.audit import exit_code, summary
    from scenarios.chaos.runner import ChaosRequest, run_chaos
    from scenarios.chaos.schedule import parse_faults

    stack = options_from(args, workers=args.stack_workers)  # run_chaos decides port, Redis, data folder
    if args.scenario not in SCENARIOS:
        raise ConfigError("SCENARIO", args.scenario, f"unknown scenario; known: {', '.join(SCENARIOS)}")
    if args.users < 1:
        raise ConfigError("--users", args.users, "need at least 1")
    if not args.drain >= 0:
        raise ConfigError("--drain", args.drain, "need 0 or more seconds")
    if args.stack_workers < 1:
        raise ConfigError("--stack-workers", args.stack_workers, "need at least 1")
    request = ChaosRequest(
        scenario=args.scenario,
        duration_s=args.duration,
        out=args.out,
        faults=parse_faults(args.faults, topology=stack.topology is not None),
        users=args.users,
        think_scale=args.think_scale,
        seed=args.seed,
        stack=stack,
        redis_stop=args.redis_stop,
        drain_s=args.drain,
        kill_every_s=args.kill_every,
    )
    audit = run_chaos(request, say=lambda message: print(message, flush=True))
    print(summary(audit), end="", flush=True)
    return exit_code(audit)
