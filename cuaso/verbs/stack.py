"""``cuaso stack up``: run the reference stack in the foreground until SIGINT/SIGTERM."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from cuaso.verbs._types import Subparsers
from results.exceptions import ConfigError

if TYPE_CHECKING:
    from stack.launcher import StackOptions


def add_stack_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every verb that runs the local stack by itself: where, and how it is tuned."""
    parser.add_argument("--port", type=int, default=8000, help="portal port on 127.0.0.1 (0: free port)")
    parser.add_argument(
        "--stack-workers",
        "--workers",  # the former name, kept working; --workers means Locust processes in drill and sweep
        dest="workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes of the portal (default: cores), as in drill's --stack-workers",
    )
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of starting one")
    add_tuning_options(parser)


def add_tuning_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """How the local stack is tuned and what it is made to suffer: shared by ``stack up``, ``walk`` and
    the verbs that start a stack for a drill (``drill``, ``sweep``, ``chaos``, ``overload``)."""
    add = parser.add_argument
    add("--data-dir", type=Path, default=None, help="keep Redis AOF, blobs and logs here")
    add("--appendfsync", choices=("always", "everysec", "no"), default="everysec", help="Redis AOF fsync")
    add("--inject-delay-ms", type=float, default=0.0, help="sleep this long in every API request")
    add("--inject-cpu-ms", type=float, default=0.0,
        help="burn this much CPU in every API request (a known, CPU-bound capacity)")  # fmt: skip
    add("--eid-latency-ms", type=float, default=20.0, help="simulated e-ID latency")
    add("--eid-error-rate", type=float, default=0.0, help="share of e-ID requests failing")
    add("--population-latency-ms", type=float, default=15.0, help="population DB latency")
    add("--payments-latency-ms", type=float, default=30.0, help="payment partners' latency")
    add("--backoffice-latency-ms", type=float, default=30.0, help="back-office systems' mean latency")
    add("--forwarders", type=int, default=2, help="outbox forwarder processes (default 2)")
    add("--admission", choices=("on", "off"), default=None, help="per-worker admission control (default: on)")
    add(
        "--max-in-flight", type=int, default=None, metavar="N", help="requests served at once per worker (64)"
    )
    add("--queue", type=int, default=None, metavar="N", help="requests waiting for a slot per worker (64)")
    add("--rate-limit", type=float, default=None, metavar="PER_S", help="requests/s per citizen, 0: off (20)")
    add("--topology", default=None, metavar="nodes=K,sites=2,shards=S",
        help="K app nodes over two sites behind HAProxy, a Redis Cluster of S primaries with a replica "
        "each in the other site (also workers=, forwarders= per node); default: one node "
        "(docs/topology.md)")  # fmt: skip
    add("--loop", choices=("uvloop", "asyncio"), default="uvloop",
        help="uvicorn's event loop (default uvloop; docs/overload.md on bursts of connections)")  # fmt: skip


def options_from(args: argparse.Namespace, **fixed: Any) -> StackOptions:
    """The stack options of the parsed flags; ``fixed`` sets fields the verb decides itself (a drill's
    stack always takes a free port, for instance)."""
    from stack.launcher import SimFaults, StackOptions
    from stack.topology.spec import parse_topology

    values: dict[str, Any] = dict(
        data_dir=args.data_dir,
        appendfsync=args.appendfsync,
        inject_delay_ms=args.inject_delay_ms,
        inject_cpu_ms=args.inject_cpu_ms,
        eid=SimFaults(latency_ms=args.eid_latency_ms, jitter_ms=args.eid_latency_ms / 2,
                      error_rate=args.eid_error_rate),
        population=SimFaults(latency_ms=args.population_latency_ms, jitter_ms=args.population_latency_ms / 3),
        payments=SimFaults(latency_ms=args.payments_latency_ms, jitter_ms=args.payments_latency_ms / 3),
        backoffice_latency_ms=args.backoffice_latency_ms,
        forwarders=args.forwarders,
        admission=None if args.admission is None else args.admission == "on",
        max_in_flight=args.max_in_flight,
        admission_queue=args.queue,
        rate_limit_per_s=args.rate_limit,
        loop=args.loop,
        topology=parse_topology(args.topology),
    )  # fmt: skip
    for name in ("port", "workers", "redis_url"):
        if hasattr(args, name):
            values[name] = getattr(args, name)
    values.update(fixed)
    try:
        return StackOptions(**values)
    except ValueError as exc:
        raise ConfigError("stack", "options", str(exc)) from exc


def register(subparsers: Subparsers) -> None:
    stack = subparsers.add_parser("stack", help="run the local reference stack")
    sub = stack.add_subparsers(dest="stack_verb", metavar="ACTION", required=True)
    up = sub.add_parser(
        "up",
        help="start Redis, the simulators and the portal; stop them all on Ctrl-C / SIGTERM",
        description="Starts the whole reference stack on 127.0.0.1 and keeps it in the foreground until "
        "SIGINT or SIGTERM, then stops every process it started and exits 0.",
    )
    add_stack_options(up)
    up.set_defaults(func=_up)


def _up(args: argparse.Namespace) -> int:
    from stack.launcher import LocalStack

    options = options_from(args)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with LocalStack(options, on_event=lambda m: print(f"stack: {m}", flush=True)) as stack:
            print("stack: ready", flush=True)
            for name, url in stack.urls().items():
                print(f"  {name:<20} {url}", flush=True)
            print("stack: press Ctrl-C to stop", flush=True)
            while not stop.wait(0.5):
                for proc in stack.processes.values():
                    if not proc.running:
                        print(f"stack: {proc.name} exited with {proc.returncode}; stopping", flush=True)
                        print(proc.log_tail(), flush=True)
                        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stack: stopped", flush=True)
    return 0
