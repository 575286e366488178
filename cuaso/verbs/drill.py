"""``cuaso drill SCENARIO``: run a surge drill with real Locust and write its results document.

Starts the local reference stack (or uses ``--host``, loopback only unless ``--allow-host``), runs
Locust headless (one process, or ``--workers K``: one master and K workers), prints progress every few
seconds and writes ``OUT/results.json`` with Locust's CSV and HTML beside it. ``--locustfile FILE`` runs
the HttpUser/FastHttpUser classes of your own Locust file instead of cuaso's journeys, measured the
same way (docs/own-portal.md).

Exit codes: without ``--slo``, 0 when the drill ran (valid or not: the validity is in the document and
printed), 1 when it could not run, 2 on bad input or a refused target. With ``--slo EXPR`` (repeatable,
``cuaso gate``'s syntax, judged over the run and in every phase as ``cuaso report`` does): 0 when every
SLO is met on a valid run, 1 when one is breached (each breach printed), 2 when the run is invalid (its
figures may describe the generator, not the portal) or on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cuaso.verbs._locustfile import add_locustfile_option, locustfile_changes
from cuaso.verbs._types import Subparsers
from cuaso.verbs.stack import add_tuning_options, options_from
from results.exceptions import ConfigError

if TYPE_CHECKING:
    from results.slo import Threshold
    from scenarios.drill.config import DrillConfig
    from scenarios.drill.prom_resources import PrometheusResources
    from scenarios.drill.runner import DrillRequest

SCENARIOS = (
    "steady",
    "office-day",
    "phase1-cutover",
    "phase2-cutover",
    "filing-deadline-rush",
    "soak",
    "arrivals",
    "spike",
)
"""The scenario names of :data:`scenarios.shapes.registry.SHAPES` (a test keeps the two in step; listed
here so that ``cuaso --help`` does not import the shapes)."""

DRILLS_DIR = Path("var/drills")


def default_out(name: str) -> Path:
    return DRILLS_DIR / f"{name}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--host`` and ``--allow-host``: where load goes, and the only non-loopback hosts it may reach."""
    parser.add_argument(
        "--host", default=None, help="portal base URL of a running stack (default: start one)"
    )
    parser.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="allow requests to this non-loopback host (repeatable): the target's, and every host it "
        "redirects to (e-ID, payment partners); nothing else is allowed",
    )


def add_load_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``drill`` and ``sweep``: target, generator, mix, safety, output."""
    add_target_options(parser)
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        metavar="K",
        help="Locust distributed mode: 1 master + K worker processes (default 0: one process)",
    )
    parser.add_argument(
        "--remote-workers",
        type=int,
        default=0,
        metavar="R",
        help="also wait for R workers started by hand on other machines (see docs/drills.md)",
    )
    parser.add_argument(
        "--master-bind-host",
        default="127.0.0.1",
        metavar="ADDR",
        help="address the Locust master listens on (default 127.0.0.1; remote workers need a reachable one)",
    )
    parser.add_argument(
        "--master-port", type=int, default=0, metavar="PORT", help="master port (default: a free port)"
    )
    parser.add_argument(
        "--resources-prometheus",
        default=None,
        metavar="URL",
        help="read the target's CPU and memory per phase from this Prometheus, with the tier queries of "
        "the project file's [resources] table (docs/own-portal.md); default: its 'prometheus' key",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of citizens, journeys and think times")
    parser.add_argument(
        "--mix",
        type=Path,
        default=None,
        metavar="FILE",
        help="journey mix override (.toml or .json, see docs/scenarios.md)",
    )
    parser.add_argument(
        "--think-scale",
        type=float,
        default=None,
        metavar="F",
        help="multiply every think time by F (0: users never think)",
    )
    parser.add_argument(
        "--retry",
        choices=("patient", "impatient", "well_behaved"),
        default=None,
        help="how users retry failed requests (scenarios/retry.py; default patient)",
    )
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="a user gives up on a request after this long (then retries per --retry; default 30)",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=0,
        metavar="N",
        help="each user runs N journeys then stops (exact totals; use a flat shape)",
    )
    parser.add_argument(
        "--abort-error-rate",
        type=float,
        default=0.5,
        metavar="R",
        help="abort when the error rate of the last 30 s passes R (default 0.5)",
    )
    parser.add_argument(
        "--abort-min-requests",
        type=int,
        default=200,
        metavar="N",
        help="judge the error rate only after N requests in that window (default 200)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where results.json and Locust's CSV/HTML go (default var/drills/NAME-TIME)",
    )
    stack = parser.add_argument_group("local stack (without --host)")
    stack.add_argument(
        "--stack-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="uvicorn worker processes of the portal (default: cores)",
    )
    add_tuning_options(stack)


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "drill",
        help="run a surge drill (Locust) against the local stack or --host; write results.json",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("scenario", metavar="SCENARIO", help=f"one of: {', '.join(SCENARIOS)}")
    parser.add_argument(
        "--users",
        type=int,
        default=None,
        help="simulated users at the modelled population (sets the scale: users / modelled)",
    )
    parser.add_argument(
        "--scale", type=float, default=None, help="simulated per modelled user (default 0.01)"
    )
    parser.add_argument(
        "--modelled-users",
        type=int,
        default=120_000,
        help="modelled population (default 120,000: the portal's designed capacity)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=None,
        metavar="SECONDS",
        help="drill length (default: the scenario's)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a shape parameter, e.g. --param ramp_s=5 (repeatable)",
    )
    parser.add_argument(
        "--open",
        action="store_true",
        help="play the scenario as an open model: sessions arrive at (the shape's users / mean session) "
        "per second on a seeded schedule, whatever the portal does (arrivals is always open; "
        "see docs/drills.md)",
    )
    add_load_options(parser)
    add_locustfile_option(parser)
    parser.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR|FILE",
        help="a service-level objective in cuaso gate's syntax, e.g. 'p95(run) <= 800ms' or "
        "'error_rate(journey:submit_dossier) < 1%%', or a file of them (repeatable): the drill exits 1 "
        "when one is breached, 2 when the run is invalid",
    )
    parser.add_argument(
        "--prometheus",
        action="store_true",
        help="also run a real Prometheus on 127.0.0.1 scraping the target while the drill runs "
        "(needs the prometheus binary; see docs/dashboards.md)",
    )
    parser.set_defaults(func=_drill)


def parse_params(items: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a value that parses as JSON is taken as such, else as a string."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError("--param", item, "must look like KEY=VALUE, e.g. ramp_s=5")
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params


def base_config(args: argparse.Namespace, scenario: str, **changes: Any) -> DrillConfig:
    """The drill config of the shared options; ``changes`` override fields."""
    from scenarios.drill.config import DrillConfig
    from scenarios.mix import JourneyMix

    mix = JourneyMix.from_file(args.mix) if args.mix is not None else JourneyMix.default()
    values: dict[str, Any] = {
        "scenario": scenario,
        "seed": args.seed,
        "mix": mix,
        "iterations": args.iterations,
        "abort_error_rate": args.abort_error_rate,
        "abort_min_requests": args.abort_min_requests,
    }
    if args.retry is not None:
        values["retry"] = args.retry
    if args.think_scale is not None:
        values["think_scale"] = args.think_scale
    if args.request_timeout is not None:
        values["request_timeout_s"] = args.request_timeout
    values.update(changes)
    try:
        return DrillConfig(**values)
    except ValueError as exc:
        raise ConfigError("drill", scenario, str(exc)) from exc


def drill_request(args: argparse.Namespace, config: DrillConfig, out: Path) -> DrillRequest:
    from scenarios.drill.locust_procs import MasterBinding
    from scenarios.drill.runner import DrillRequest

    stack = options_from(args, port=0, workers=args.stack_workers, redis_url=None)
    return DrillRequest(
        config=config,
        out=out,
        host=args.host,
        allow_hosts=tuple(args.allow_host),
        workers=args.workers,
        stack=stack,
        binding=MasterBinding(host=args.master_bind_host, port=args.master_port, remote=args.remote_workers),
        prometheus=bool(getattr(args, "prometheus", False)),
        resources=prometheus_resources(args),
    )


def prometheus_resources(args: argparse.Namespace) -> PrometheusResources | None:
    """The target's resources source: the project file's ``[resources]``, ``--resources-prometheus``."""
    from cuaso.project import Project
    from scenarios.drill.prom_resources import PrometheusResources

    project: Project = getattr(args, "project_file", None) or Project(None, {})
    return PrometheusResources.from_table(project.table("resources"), args.resources_prometheus)


def _drill(args: argparse.Namespace) -> int:
    from scenarios.drill.runner import run_drill

    if args.scenario not in SCENARIOS:
        raise ConfigError("SCENARIO", args.scenario, f"unknown scenario; known: {', '.join(SCENARIOS)}")
    changes: dict[str, Any] = {
        "modelled_users": args.modelled_users,
        "shape_params": parse_params(args.param),
    }
    if args.users is not None:
        if not 1 <= args.users <= args.modelled_users:
            raise ConfigError(
                "--users", args.users, f"must be between 1 and --modelled-users={args.modelled_users}"
            )
        changes["scale"] = args.users / args.modelled_users
    elif args.scale is not None:
        changes["scale"] = args.scale
    if args.duration is not None:
        changes["duration_s"] = args.duration
    if args.open:
        changes["open"] = True
    changes.update(locustfile_changes(args))
    config = base_config(args, args.scenario, **changes)
    slos = _slos(args.slo)  # parsed before the drill starts: a typo must not cost a run
    outcome = run_drill(drill_request(args, config, args.out or default_out(args.scenario)), say=_say)
    if not slos:
        return 0
    from reports.verdict import judge_all, verdict_lines

    verdict = judge_all(slos, outcome.document)
    for line in verdict_lines(verdict):
        _say(line)
    return {"pass": 0, "fail": 1, "inconclusive": 2}[verdict.status]


def _slos(values: list[str]) -> tuple[Threshold, ...]:
    if not values:
        return ()
    from reports.verdict import choose_slos

    return choose_slos(values)


def _say(message: str) -> None:
    print(message, flush=True)
