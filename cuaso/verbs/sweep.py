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

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_load_options, base_config, default_out, drill_request
from results.exceptions import ConfigError


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
        "--open",
        action="store_true",
        help="an arrival-rate staircase: each level N arrives at N / mean session sessions/s (open model)",
    )
    add_load_options(parser)
    parser.set_defaults(func=_sweep, think_scale=0.0)


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
    }
    config = base_config(args, Staircase.name, shape_params=params, open=bool(args.open))
    out = args.out or default_out("sweep")
    outcome = run_drill(drill_request(args, config, out), say=_say)
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


def _say(message: str) -> None:
    print(message, flush=True)
