"""``cuaso chaos SCENARIO --duration SECONDS --out DIR``: a drill with faults, then an audit.

Starts the local reference stack, runs a drill of SCENARIO against it with a witness client beside it,
and injects on a schedule: app workers SIGKILLed repeatedly, Redis killed and restarted (AOF), the
back-office systems down for a window, the e-ID provider slow, payment partners dropping and
duplicating callbacks. After a drain period it writes DIR/audit.json and DIR/audit.md: every dossier and
payment the witness saw acknowledged, found in Redis, lost, delivered to the back office, duplicated in
effect, and the reconciliation of payments. Exit 0 when nothing was lost or duplicated, 1 otherwise, 2
on bad input.

With --host URL (loopback, or allowed with --allow-host) it drills a running system instead: the faults
are your own commands (--fault-command NAME@SECONDS=COMMAND, run here by /bin/sh at that second, output
in DIR/faults/), the built-in faults are refused (they need the stack cuaso starts), and the audit reads
the witness's dossiers and payments back through the portal's API. See docs/chaos.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_target_options
from cuaso.verbs.stack import add_tuning_options, options_from
from results.exceptions import ConfigError

if TYPE_CHECKING:
    from scenarios.chaos.commands import FaultCommand


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
        default=None,
        metavar="LIST",
        help="comma-separated: worker-kill, redis-restart, backoffice-outage, eid-slow, partner-callbacks; "
        "with --topology also node-loss, primary-failover, site-loss; or none (default all that fit the "
        "local stack; none with --host, where they are refused)",
    )
    parser.add_argument(
        "--fault-command",
        action="append",
        default=[],
        metavar="NAME@SECONDS=COMMAND",
        help="your own fault: COMMAND run here by /bin/sh at SECONDS into the drill, e.g. "
        "'restart-app@20=ssh app1 sudo systemctl restart portal' (repeatable; output in DIR/faults/)",
    )
    parser.add_argument(
        "--fault-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a fault command still running after this long is killed and recorded as failed (60)",
    )
    add_target_options(parser)
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
    stack = parser.add_argument_group("local stack (without --host; every tuning option of `cuaso stack up`)")
    stack.add_argument("--stack-workers", type=int, default=2, help="uvicorn workers (default 2)")
    add_tuning_options(stack)
    # A SIGKILLed Redis keeps every acknowledged write only with fsync on every write.
    parser.set_defaults(func=_chaos, appendfsync="always")


def _chaos(args: argparse.Namespace) -> int:
    from cuaso.verbs.drill import SCENARIOS
    from scenarios.chaos.audit import exit_code, summary
    from scenarios.chaos.commands import COMMAND_TIMEOUT_S, FaultCommand
    from scenarios.chaos.schedule import parse_faults
    from scenarios.safety import check_target

    if args.host is not None:
        check_target(args.host, allowed=args.allow_host)  # before anything else, as every load verb
    stack = options_from(args, workers=args.stack_workers)  # run_chaos decides port, Redis, data folder
    if args.scenario not in SCENARIOS:
        raise ConfigError("SCENARIO", args.scenario, f"unknown scenario; known: {', '.join(SCENARIOS)}")
    if args.users < 1:
        raise ConfigError("--users", args.users, "need at least 1")
    if not args.drain >= 0:
        raise ConfigError("--drain", args.drain, "need 0 or more seconds")
    if args.stack_workers < 1:
        raise ConfigError("--stack-workers", args.stack_workers, "need at least 1")
    if args.host is not None and stack.topology is not None:
        raise ConfigError("--topology", args.topology, "starts a local multi-node stack; not with --host")
    faults = parse_faults(args.faults, topology=stack.topology is not None, remote=args.host is not None)
    commands = tuple(FaultCommand.parse(text) for text in args.fault_command)
    _need_a_fault(args.host, faults, commands)
    if args.fault_timeout is not None and not args.fault_timeout > 0:
        raise ConfigError("--fault-timeout", args.fault_timeout, "must be > 0 seconds")
    from scenarios.chaos.play import ChaosRequest  # Locust's modules: after every refusal
    from scenarios.chaos.remote import run_remote_chaos
    from scenarios.chaos.runner import run_chaos

    request = ChaosRequest(
        scenario=args.scenario,
        duration_s=args.duration,
        out=args.out,
        faults=faults,
        users=args.users,
        think_scale=args.think_scale,
        seed=args.seed,
        stack=stack,
        redis_stop=args.redis_stop,
        drain_s=args.drain,
        kill_every_s=args.kill_every,
        host=args.host,
        allow_hosts=tuple(args.allow_host),
        commands=commands,
        command_timeout_s=COMMAND_TIMEOUT_S if args.fault_timeout is None else args.fault_timeout,
    )
    audit = run_chaos(request, _say) if args.host is None else run_remote_chaos(request, _say)
    print(summary(audit), end="", flush=True)
    return exit_code(audit)


def _need_a_fault(host: str | None, faults: tuple[str, ...], commands: tuple[FaultCommand, ...]) -> None:
    if faults or commands:
        return
    if host is not None:
        raise ConfigError(
            "--fault-command", [], "against --host the faults are your own commands: give at least one, "
            "e.g. --fault-command 'restart-app@20=ssh app1 sudo systemctl restart portal'",
        )  # fmt: skip
    raise ConfigError("--faults", "none", "with no built-in fault, give at least one --fault-command")


def _say(message: str) -> None:
    print(message, flush=True)
