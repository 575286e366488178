"""``cuaso assess``: the main job. A short sweep and the phase-1 cutover drill against the local
reference stack, a sizing for 120,000 concurrent users from what was measured, and a report.

Each step is the verb of the same name, run in order with the figures below; every default is sized to
finish in a few minutes on a 2-core machine (an assumption about the machine, not about the portal).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path

from cuaso.verbs._types import Subparsers
from results.exceptions import CuasoError

# Assumptions that make the whole job fit a few minutes on a small machine:
SWEEP_LEVELS = "1,2,3,4,6,8"  # concurrency levels (users without think time); one confined core
# saturates by N = 3 or 4, so the levels are dense below and just past the knee
SWEEP_WARMUP_S = 3
SWEEP_STEADY_S = 10  # the drill's validity checks Little's law on windows of 10 s or more
SWEEP_REPEATS = 2  # windows per level, in passes over all levels (--interleave): each level's own noise,
# drift on the machine included, is measured, and the bootstrap uses it
# The scale-out check: the same stack at smaller CPU quotas than the main sweep's one core; their
# capacities predict the one-core capacity (capacity/sizing/scaleout.py). Two saturated levels each.
SCALE_OUT_CORES = (0.25, 0.5)
SCALE_OUT_LEVELS = "2,4"
# The sizing rests on MVA from the measured CPU demands per request: they hold when a neighbour takes CPU
# from a window, where the fitted USL follows whatever throughput each window happened to get.
SIZING_MODEL = "mva"
DRILL_SCALE = 0.005  # 120,000 modelled users -> 600 simulated users
DRILL_DURATION_S = 180
# The phase-1 cutover compressed to fit: 20 s warm-up, cutover at 60 s, provincial users redirected over
# 20 s, growth to the plateau over 40 s, then 60 s of plateau (see scenarios/shapes/cutover.py).
DRILL_PARAMS = ("warmup_s=20", "cutover_s=60", "redirect_window_s=20", "growth_s=40")
# The shape compresses time 10x (one drill second stands for ten real ones), so think times are compressed
# the same way: each simulated user then offers the load of a real one over the compressed timeline.
DRILL_THINK_SCALE = 0.1
TARGET_USERS = 120_000  # FACTS: the portal's designed capacity


class StepFailed(CuasoError):
    exit_code = 1


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "assess",
        help="the main job: sweep + phase-1 cutover drill on the local stack, sizing, HTML report",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="folder for everything (default reports/out/…)"
    )
    parser.add_argument("--levels", default=SWEEP_LEVELS, help=f"sweep levels (default {SWEEP_LEVELS})")
    parser.add_argument("--steady", type=int, default=SWEEP_STEADY_S, help="seconds per sweep level")
    parser.add_argument("--warmup", type=int, default=SWEEP_WARMUP_S, help="warm-up seconds per level")
    parser.add_argument("--scale", type=float, default=DRILL_SCALE, help="drill users per modelled user")
    parser.add_argument("--duration", type=int, default=DRILL_DURATION_S, help="drill seconds")
    parser.add_argument("--target-users", type=int, default=TARGET_USERS, help="users to size for")
    parser.add_argument("--seed", type=int, default=1, help="seed of citizens and journeys")
    parser.set_defaults(func=_assess)


def _step(title: str, argv: list[str]) -> None:
    from cuaso.cli import main

    print(f"\n=== assess: {title}: cuaso {' '.join(argv)}", flush=True)
    start = time.monotonic()
    code = main(argv)
    if code != 0:
        raise StepFailed(f"step '{title}' failed with exit code {code}: cuaso {' '.join(argv)}")
    print(f"=== assess: {title} done in {time.monotonic() - start:.0f} s", flush=True)


def _assess(args: argparse.Namespace) -> int:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out: Path = args.out or Path("reports/out") / f"assess-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    seed = str(args.seed)
    sweep = ["--warmup", str(args.warmup), "--steady", str(args.steady), "--repeats", str(SWEEP_REPEATS),
             "--interleave", "--seed", seed]  # fmt: skip
    _step("sweep", ["sweep", "--levels", args.levels, *sweep, "--out", str(out / "sweep")])
    scale_out = [out / "sweep" / "results.json"]
    for cores in SCALE_OUT_CORES:
        folder = out / f"sweep-{cores:g}-core"
        quota = ["--sut-cores", f"{cores:g}", "--out", str(folder)]
        _step(f"scale-out sweep at {cores:g} core", ["sweep", "--levels", SCALE_OUT_LEVELS, *sweep, *quota])
        scale_out.append(folder / "results.json")
    _step("phase-1 cutover drill", ["drill", "phase1-cutover", "--scale", str(args.scale),
                                    "--duration", str(args.duration), "--seed", seed,
                                    "--think-scale", str(DRILL_THINK_SCALE),
                                    *[a for p in DRILL_PARAMS for a in ("--param", p)],
                                    "--out", str(out / "drill")])  # fmt: skip
    _step("sizing", ["size", str(out / "sweep" / "results.json"), "--target-users", str(args.target_users),
                     "--capacity-model", SIZING_MODEL, "--scale-out", *map(str, scale_out),
                     "--out", str(out / "sizing")])  # fmt: skip
    _step("report", ["report", str(out / "drill" / "results.json"), "--sizing",
                     str(out / "sizing" / "sizing.json"), "--out", str(out / "report")])  # fmt: skip
    print(f"\nassess: done. Open {out / 'report' / 'report.html'}", flush=True)
    print(f"assess: everything is in {out}/ (sweep*/, drill/, sizing/, report/)", flush=True)
    return 0
