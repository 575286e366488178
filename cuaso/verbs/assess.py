"""``cuaso assess``: the main job. A short sweep and the phase-1 cutover drill against the local
reference stack, a sizing for 120,000 concurrent users from what was measured, and a report.

Each step is the verb of the same name, run in order with the figures below; every default is sized to
finish in a few minutes on a 2-core machine (an assumption about the machine, not about the portal).

With --host URL (loopback, or allowed with --allow-host) the sweep and the drill go to that running
system instead; the scale-out sweeps are skipped (they set the local stack's CPU quota, which cuaso
cannot do to another system), and the sizing takes each tier's CPU and memory from your Prometheus
(--resources-prometheus URL with the project file's [resources] queries, docs/own-portal.md): without
one assess refuses to start, unless --no-sizing. OUT/assess.md says what was measured, against which
host, and what was skipped and why.
"""

from __future__ import annotations

import argparse
import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cuaso.verbs._types import Subparsers
from cuaso.verbs.drill import add_target_options, parse_params
from results.exceptions import ConfigError, CuasoError

# Assumptions that make the whole job fit a few minutes on a small machine:
SWEEP_LEVELS = "1,2,3,4,6,8"  # concurrency levels (users without think time); one confined core
# saturates by N = 3 or 4, so the levels are dense below and just past the knee
SWEEP_WARMUP_S = 3
SWEEP_STEADY_S = 10  # the drill's validity checks Little's law on windows of 10 s or more
SWEEP_REPEATS = 2  # windows per level, in passes over all levels (--interleave): each level's own noise,
# drift on the machine included, is measured, and the bootstrap uses it
# The scale-out check: the same stack at smaller CPU quotas than the main sweep's one core; their
# capacities predict the one-core capacity (capacity/sizing/scaleout.py). One level that saturates both
# quotas, measured in five back-to-back windows: their mean is the allotment's capacity, so five windows
# halve its noise against the two of one level (the prediction from two allotments amplifies it).
SCALE_OUT_CORES = (0.25, 0.5)
SCALE_OUT_LEVELS = "4"
SCALE_OUT_REPEATS = 5
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


@dataclass(frozen=True)
class Plan:
    """What assess does, decided before it starts; :meth:`summary` says it afterwards (``assess.md``)."""

    host: str | None
    flags: list[str]  # what sends a step's load to the host, and where its resources come from
    drill_params: dict[str, str]
    resources: str | None  # the Prometheus the resources come from, when not sampled here
    sizing: bool
    scale_out: bool

    def summary(self, args: argparse.Namespace, out: Path) -> str:
        where = (
            f"{self.host}, a running system (load sent from this machine)"
            if self.host
            else "the local reference stack, started by each step on this machine"
        )
        if self.resources:
            resources = f"from the Prometheus at {self.resources}, per tier and phase"
        elif self.host:
            resources = "not measured (no Prometheus named: --resources-prometheus)"
        else:
            resources = "sampled on this machine (psutil), per process and phase"
        params = ", ".join(f"{k}={v}" for k, v in self.drill_params.items())
        lines = [
            "# cuaso assess",
            "",
            f"Target: {where}",
            "",
            "Measured:",
            f"- sweep: levels {args.levels} (users who do not think), {SWEEP_REPEATS} windows of "
            f"{args.steady} s each after {args.warmup} s of warm-up: {out / 'sweep'}/",
            f"- phase-1 cutover drill: scale {args.scale:g}, {args.duration} s ({params}): {out / 'drill'}/",
            f"- CPU and memory: {resources}",
        ]
        if self.scale_out:
            cores = " and ".join(f"{c:g}" for c in SCALE_OUT_CORES)
            lines.append(
                f"- scale-out sweeps at {cores} core (level {SCALE_OUT_LEVELS}, {SCALE_OUT_REPEATS} "
                f"windows): {out}/sweep-*-core/"
            )
        if self.sizing:
            lines.append(f"- sizing for {args.target_users:,} concurrent users: {out / 'sizing'}/")
        lines += ["", "Skipped:"]
        if self.host and self.sizing:
            lines.append(
                "- scale-out sweeps: they run the local stack under smaller CPU quotas (cgroups), which "
                f"cuaso cannot set on {self.host}; the sizing's scaling with cores is not checked"
            )
        if not self.sizing:
            lines.append("- scale-out sweeps and sizing: --no-sizing")
        if lines[-1] == "Skipped:":
            lines[-1] = "Skipped: nothing"
        lines += ["", f"Report: {out / 'report' / 'report.html'}"]
        return "\n".join(lines) + "\n"


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "assess",
        help="the main job: sweep + phase-1 cutover drill on the local stack or --host, sizing, HTML report",
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
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a shape parameter of the cutover drill, over assess's own: "
        + ", ".join(DRILL_PARAMS)
        + " (repeatable)",
    )
    add_target_options(parser)
    parser.add_argument(
        "--resources-prometheus",
        default=None,
        metavar="URL",
        help="with --host: the Prometheus that has the target's CPU and memory per tier, queried as the "
        "project file's [resources] table says (default: its 'prometheus' key); sizing needs it",
    )
    parser.add_argument(
        "--reference-cores",
        type=float,
        default=None,
        metavar="X",
        help="cores of the machines the app tier ran on during the sweep, which the sizing scales from "
        "(default: this machine's; set it with --host, where cuaso cannot see them)",
    )
    parser.add_argument(
        "--no-sizing",
        action="store_true",
        help="sweep, drill and report only: no scale-out sweeps, no sizing",
    )
    parser.set_defaults(func=_assess)


def _step(title: str, argv: list[str], project: Path | None) -> None:
    """Run one step as the verb itself, through the command line, with assess's project file: that
    file's table for the verb (``[sweep]``, ``[drill]``, ``[size]``, ``[report]``) and ``[resources]``
    apply under the flags given here, exactly as when a person runs the verb. (Calling the verbs'
    functions with typed values would need that precedence rebuilt for each step; left as is.)"""
    from cuaso.cli import main

    print(f"\n=== assess: {title}: cuaso {' '.join(argv)}", flush=True)
    start = time.monotonic()
    code = main(argv if project is None else ["--project", str(project), *argv])
    if code != 0:
        raise StepFailed(f"step '{title}' failed with exit code {code}: cuaso {' '.join(argv)}")
    print(f"=== assess: {title} done in {time.monotonic() - start:.0f} s", flush=True)


def _assess(args: argparse.Namespace) -> int:
    plan = _plan(args)  # every refusal before any load
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out: Path = args.out or Path("reports/out") / f"assess-{stamp}"
    out.mkdir(parents=True, exist_ok=True)
    seed = str(args.seed)
    timing = ["--warmup", str(args.warmup), "--steady", str(args.steady), "--seed", seed, *plan.flags]
    sweep = [*timing, "--repeats", str(SWEEP_REPEATS), "--interleave"]
    step = functools.partial(_step, project=args.project_file.path if args.project_file else None)
    step("sweep", ["sweep", "--levels", args.levels, *sweep, "--out", str(out / "sweep")])
    scale_out = [out / "sweep" / "results.json"]
    for cores in SCALE_OUT_CORES if plan.scale_out else ():
        folder = out / f"sweep-{cores:g}-core"
        quota = ["--sut-cores", f"{cores:g}", "--out", str(folder)]
        more = ["--levels", SCALE_OUT_LEVELS, "--repeats", str(SCALE_OUT_REPEATS), *timing, *quota]
        step(f"scale-out sweep at {cores:g} core", ["sweep", *more])
        scale_out.append(folder / "results.json")
    params = [a for key, value in plan.drill_params.items() for a in ("--param", f"{key}={value}")]
    step("phase-1 cutover drill", ["drill", "phase1-cutover", "--scale", str(args.scale),
                                    "--duration", str(args.duration), "--seed", seed,
                                    "--think-scale", str(DRILL_THINK_SCALE), *params, *plan.flags,
                                    "--out", str(out / "drill")])  # fmt: skip
    report = ["report", str(out / "drill" / "results.json"), "--out", str(out / "report")]
    if plan.sizing:
        more = ["--scale-out", *map(str, scale_out)] if plan.scale_out else []
        if args.reference_cores is not None:
            more += ["--reference-cores", f"{args.reference_cores:g}"]
        step("sizing", ["size", str(out / "sweep" / "results.json"), "--target-users",
                         str(args.target_users), "--capacity-model", SIZING_MODEL, *more,
                         "--out", str(out / "sizing")])  # fmt: skip
        report[2:2] = ["--sizing", str(out / "sizing" / "sizing.json")]
    step("report", report)
    summary = plan.summary(args, out)
    (out / "assess.md").write_text(summary, encoding="utf-8")
    print("\n" + summary, end="", flush=True)
    print(f"\nassess: done. Open {out / 'report' / 'report.html'}", flush=True)
    print(f"assess: everything is in {out}/ (assess.md, sweep*/, drill/, sizing/, report/)", flush=True)
    return 0


def _plan(args: argparse.Namespace) -> Plan:
    """What assess will do, checked before anything runs: the target, the resources, the steps."""
    from cuaso.verbs.drill import prometheus_resources
    from scenarios.safety import check_target

    if args.host is not None:
        check_target(args.host, allowed=args.allow_host)
    if args.reference_cores is not None and not args.reference_cores > 0:
        raise ConfigError("--reference-cores", args.reference_cores, "must be > 0 cores")
    drill_params = {key: value for key, _, value in (p.partition("=") for p in DRILL_PARAMS)}
    drill_params.update({k: str(v) for k, v in parse_params(args.param).items()})
    resources = prometheus_resources(args)
    if resources is not None:
        resources.check_allowed(tuple(args.allow_host))
    remote = args.host is not None
    if remote and resources is None and not args.no_sizing:
        raise ConfigError(
            "--resources-prometheus", None, f"the sizing needs the CPU and memory of {args.host}'s tiers, "
            "which cuaso reads from your Prometheus: give its URL and a [resources] table of queries in the "
            "project file (docs/own-portal.md), or --no-sizing to sweep and drill without sizing",
        )  # fmt: skip
    flags = []
    if remote:
        flags = ["--host", args.host, *(a for h in args.allow_host for a in ("--allow-host", h))]
    if args.resources_prometheus:
        flags += ["--resources-prometheus", args.resources_prometheus]
    return Plan(
        host=args.host,
        flags=flags,
        drill_params=drill_params,
        resources=resources.url if resources is not None else None,
        sizing=not args.no_sizing,
        scale_out=not args.no_sizing and not remote,
    )
