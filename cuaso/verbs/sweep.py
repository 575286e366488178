"""``cuaso sweep``: measure throughput at a staircase of concurrency levels, for ``cuaso fit``.

One Locust run plays a staircase (``scenarios/sweep.py``): per level a warm-up window, then
``--repeats`` steady windows, each a phase (``level-016-r1``) of ONE results document whose offered
users are the level. Writes ``OUT/results.json`` (with Locust's CSV/HTML beside it) and
``OUT/sweep.csv`` (``concurrency,throughput`` + details), which ``cuaso fit OUT/sweep.csv`` reads. By
default users do not think (``--think-scale 0``): each keeps one request outstanding, the concurrency
N of the Universal Scalability Law.

``--open`` plays the staircase as an open model: each level N becomes an arrival rate N / S (S the
mix's mean session, Little's law), so the sweep measures response time and goodput against offered
arrivals/s (columns ``offered_arrivals_per_s`` and ``goodput_rps`` of ``sweep.csv``); past capacity the
sessions pile up instead of the arrivals slowing down.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
from typing import TYPE_CHECKING

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_load_options, base_config, default_out, drill_request
from results.exceptions import ConfigError

IDLE_S = 5.0  # scenarios.sweep.IDLE_S (not imported here: the command line starts without pydantic)

if TYPE_CHECKING:
    from stack.cgroups import CpuLimit


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "sweep",
        help="throughput at a staircase of concurrency levels (one Locust run) → results.json + sweep.csv",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--levels",
        default="1,2,4,8,16,32,48,64",
        metavar="N,N,...",
        help="concurrency levels in simulated users, increasing (default 1,2,4,8,16,32,48,64)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="warm-up window at each level, not measured as a point (default 10)",
    )
    parser.add_argument(
        "--steady", type=float, default=30.0, metavar="SECONDS", help="each measured window (default 30)"
    )
    parser.add_argument("--repeats", type=int, default=2, help="measured windows per level (default 2)")
    parser.add_argument(
        "--idle",
        type=float,
        default=None,
        metavar="SECONDS",
        help=f"a first window without users: the stack's background CPU, which the scale-out check of "
        f"cuaso size subtracts (default {IDLE_S:g} against the local stack, 0 with --host: a running "
        "system's background is in its Prometheus; 0: none)",
    )
    parser.add_argument(
        "--interleave",
        action="store_true",
        help="play the repeats as passes over all levels (1..top, then again), each window after its own "
        "warm-up, so that a level's repeats lie minutes apart and their spread shows what drifts on the "
        "machine (default: a level's repeats back to back)",
    )
    confine = parser.add_argument_group(
        "CPU allotments (cgroups v1 cpu/cpuset or v2; root or a delegated cgroup)",
        "By default, on a machine with 2 or more CPUs, Locust runs on CPU 0 and the stack on the others, "
        "so that the generator does not take the cores it measures; without usable cgroups the sweep says "
        "so and runs unconfined. The allotments are recorded in results.json (run.allotments).",
    )
    confine.add_argument("--sut-cpus", metavar="LIST", help="CPUs of the stack, e.g. 1 or 1-3")
    confine.add_argument(
        "--sut-cores", type=float, metavar="X", help="CPU quota of the stack in cores, e.g. 0.5"
    )
    confine.add_argument("--generator-cpus", metavar="LIST", help="CPUs of Locust, e.g. 0")
    confine.add_argument(
        "--no-confine", action="store_true", help="no allotments: everything shares the CPUs"
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="an arrival-rate staircase: each level N arrives at N / mean session sessions/s (open model)",
    )
    add_load_options(parser)
    # None: the portal gets one uvicorn worker per allotted core (the sizing's workers_per_core = 1).
    parser.set_defaults(func=_sweep, think_scale=0.0, stack_workers=None)


def _sweep(args: argparse.Namespace) -> int:
    from scenarios.drill.runner import run_drill
    from scenarios.sweep import Staircase, parse_levels, sweep_points, write_sweep_csv

    try:
        levels = parse_levels(args.levels)
    except ValueError as exc:
        raise ConfigError("--levels", args.levels, str(exc)) from exc
    params = {
        "levels": list(levels),
        "warmup_s": args.warmup,
        "steady_s": args.steady,
        "repeats": args.repeats,
        "interleave": args.interleave,
        "idle_s": args.idle if args.idle is not None else (IDLE_S if args.host is None else 0.0),
    }
    # closed: every user draws each session's journey by session share, so that every level runs the
    # same mix (scenarios/journeys/registry.py); open: the schedule draws them anyway
    config = base_config(
        args, Staircase.name, shape_params=params, open=bool(args.open), session_mix=not args.open
    )
    out = args.out or default_out("sweep")
    limits = confine_limits(args, local=args.host is None)
    if args.stack_workers is None:
        sut = (limits or {}).get("sut")
        cores = sut.effective_cores if sut is not None else None
        args.stack_workers = max(1, math.ceil(cores - 1e-9)) if cores else os.cpu_count() or 1
    request = drill_request(args, config, out)
    outcome = run_drill(dataclasses.replace(request, confine=limits), say=_say)
    points = sweep_points(outcome.document)
    path = write_sweep_csv(points, outcome.path.parent / "sweep.csv")
    _say(f"sweep: {len(points)} points (concurrency, throughput) in {path}")
    for p in points:
        offered = "" if p.arrivals_per_s is None else f"  offered {p.arrivals_per_s:7.2f} sessions/s"
        _say(
            f"  N={p.concurrency:<4} r{p.repeat}{offered}  {p.throughput_rps:8.1f} req/s  "
            f"goodput {p.goodput_rps:8.1f} req/s  p95 {p.p95_ms:7.1f} ms  failures {p.failures}"
        )
    _say(f"fit them with: cuaso fit {path}")
    return 0


def confine_limits(args: argparse.Namespace, *, local: bool) -> dict[str, CpuLimit] | None:
    """The allotments asked for, or the default split (Locust on CPU 0, the stack on the rest)."""
    from stack.cgroups import CgroupUnavailableError, Confinement, CpuLimit, detect, parse_cpus

    explicit = any(v is not None for v in (args.sut_cpus, args.sut_cores, args.generator_cpus))
    if args.no_confine:
        if explicit:
            raise ConfigError(
                "--no-confine", True, "cannot be combined with --sut-cpus/--sut-cores/--generator-cpus"
            )
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if not explicit and (len(cpus) < 2 or not local):
        return None
    try:
        detect()
    except CgroupUnavailableError as exc:
        if explicit:
            raise
        _say(f"{exc}; the sweep runs unconfined (the generator shares the stack's cores)")
        return None
    generator = parse_cpus(args.generator_cpus) if args.generator_cpus else (cpus[0],)
    sut_cpus = parse_cpus(args.sut_cpus) if args.sut_cpus else tuple(c for c in cpus if c not in generator)
    limits = {"generator": CpuLimit(cpus=generator)}
    if local:
        limits["sut"] = CpuLimit(cpus=sut_cpus or None, cores=args.sut_cores)
    if not explicit:
        try:  # a trial: a delegated cgroup v2 may refuse controllers that detect() cannot foresee
            with Confinement(limits):
                pass
        except CgroupUnavailableError as exc:
            _say(f"{exc}; the sweep runs unconfined (the generator shares the stack's cores)")
            return None
    return limits


def _say(message: str) -> None:
    print(message, flush=True)
