"""``cuaso size RESULTS... --target-users 120000``: hardware for the planned load, from measured sweeps.

Reads the level phases (``level-*``) of one or more ``cuaso sweep`` results documents, or measurements
made elsewhere (a measurements CSV, Locust's CSV history, k6's summaries: :mod:`._size_sources`), fits the USL
with its uncertainty, validates it on held-out levels, cross-checks it against MVA and linear scaling,
and prints the sizing as Markdown (or ``--format json``). ``--out DIR`` also writes ``sizing.json``,
``sizing.md`` and four plots there and says where. Exit 0 on success, 2 on bad input (too few levels,
no resources in the document, an invalid run, an unreachable SLO, a bad option), 3 with
``--require-validated`` when the sizing lies beyond the range where validation held.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cuaso.verbs._size_sources import add_source_options, read_profile
from cuaso.verbs._types import Subparsers
from results.exceptions import CuasoError

if TYPE_CHECKING:
    from capacity.sizing.params import SizingParameters

USERS_GRID_POINTS = 40
"""Points of the nodes-against-users plot, from a tenth of the target to twice it."""


class SizeInputError(CuasoError):
    """The results cannot be sized from, or an option is bad."""

    exit_code = 2


class NotValidatedError(CuasoError):
    """``--require-validated`` and the sizing lies beyond the range where validation held."""

    exit_code = 3


# (option, field, type, help) for the numeric parameters; defaults come from SizingParameters.
_NUMERIC: tuple[tuple[str, str, type, str], ...] = (
    ("--target-users", "target_users", float, "concurrent users to size for"),
    ("--think-time", "think_time_s", float, "mean think time between requests of a real user, s"),
    ("--surge", "surge", float, "surge multiplier over the target"),
    ("--slo-ms", "slo_ms", float, "latency objective at --slo-percentile, ms"),
    ("--slo-percentile", "slo_percentile", float, "percentile of the latency objective"),
    ("--max-utilization", "max_utilization", float, "utilization headroom: plan at most this share"),
    ("--spares-per-site", "spares_per_site", int, "redundancy N+k: spare app nodes per site"),
    ("--sites", "sites", int, "data-center sites"),
    ("--node-cores", "node_cores", int, "app node shape: cores"),
    ("--node-ram-gib", "node_ram_gib", float, "app node shape: RAM in GiB"),
    ("--reference-cores", "reference_cores", float, "cores of the measured machine"),
    ("--horizon-years", "horizon_years", float, "planning horizon in years"),
    ("--growth", "growth_per_year", float, "yearly growth of load and volumes (0.1 = 10%%)"),
    ("--users-per-generator", "users_per_generator", int, "simulated users per Locust worker process"),
    ("--redis-replicas", "redis_replicas", int, "replicas per Redis shard"),
    ("--retention-years", "retention_years", float, "years dossiers and attachments are kept"),
    ("--max-extrapolation", "max_extrapolation", float, "operate at most this multiple of the top level"),
    ("--samples", "samples", int, "draws of the USL parameters for P50/P90"),
    ("--bootstrap-samples", "bootstrap_samples", int, "USL refits bootstrapped over the repeats (0: off)"),
    ("--seed", "seed", int, "seed of those draws"),
    ("--validation-tolerance", "validation_tolerance", float, "largest held-out error that validates"),
    ("--holdout-share", "holdout_share", float, "share of the highest levels held out"),
    ("--capacity-model", "capacity_model", str, "usl (the fitted curve) or mva (from the CPU demands)"),
)


def register(subparsers: Subparsers) -> None:
    from capacity.sizing.params import SizingParameters

    defaults = SizingParameters()
    parser = subparsers.add_parser(
        "size",
        help="size app nodes, Redis, bandwidth, storage and the generator fleet from sweep results",
        description="Reads the level-* phases of cuaso sweep results documents, or measurements made "
        "elsewhere (--measurements CSV, --locust-csv, --k6-summary, with --cpu), fits the Universal "
        "Scalability Law with its uncertainty, finds the concurrency per node that meets the latency SLO "
        "(percentiles mapped through the measured, empirical percentile-to-mean ratios), and sizes app "
        "nodes (point, P50, P90; N+k per site; utilization in normal, one-node-down and one-site-down "
        "modes), RAM, Redis shards, bandwidth, storage growth (FACTS volumes) and the load-generator "
        "fleet. Validates itself on held-out levels and cross-checks USL, MVA and linear scaling. "
        "Every default not from FACTS is an assumption (see docs/sizing.md). Exit 0 on success, 2 on "
        "bad input, 3 with --require-validated when the sizing lies beyond the validated range.",
    )
    add_source_options(parser)
    for option, field, kind, text in _NUMERIC:
        default = getattr(defaults, field)
        shown = "from the journey mix" if default is None and field == "think_time_s" else default
        shown = "environment.cores" if default is None and field == "reference_cores" else shown
        parser.add_argument(
            option,
            dest=field,
            type=kind,
            default=argparse.SUPPRESS,  # not given: the --params file's value, else the default
            metavar="N" if kind is int else "X",
            help=f"{text} (default {shown})",
        )
    parser.add_argument(
        "--site-failover",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="each remaining site carries the whole load when one is lost (default on)",
    )
    parser.add_argument(
        "--params",
        type=Path,
        default=None,
        metavar="FILE.toml",
        help="sizing parameters from a TOML file (keys: the names in docs/sizing.md, e.g. os_reserved_gib, "
        "redis_session_bytes, workers_per_core, storage_copies); the command line overrides it",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set any sizing parameter, e.g. --param os_reserved_gib=4 (repeatable; overrides --params)",
    )
    parser.add_argument(
        "--scale-out",
        nargs="+",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="results.json of sweeps of the same stack at 3 or more CPU allotments (cuaso sweep --sut-cores "
        "0.25, 0.5, 1): the core scaling is checked by predicting the largest from the others",
    )
    parser.add_argument("--phase-prefix", default="level-", help="phases to size from (default level-)")
    parser.add_argument("--allow-invalid", action="store_true", help="size from runs marked invalid")
    parser.add_argument(
        "--require-validated", action="store_true", help="exit 3 when beyond the validated range"
    )
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown", help="stdout format")
    parser.add_argument("--out", type=Path, default=None, help="also write sizing.json, sizing.md, plots")
    parser.set_defaults(func=_size)


def _say(message: str) -> None:
    print(f"cuaso size: {message}", file=sys.stderr, flush=True)


def _write(out: Path, sizing: object, document: dict[str, object], markdown: str) -> list[Path]:
    from capacity.plots import plot_nodes_vs_users, plot_usl, plot_usl_latency, plot_utilization_modes
    from capacity.sizing.plan import Sizing, nodes_curve

    assert isinstance(sizing, Sizing)
    out.mkdir(parents=True, exist_ok=True)
    (out / "sizing.json").write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")
    (out / "sizing.md").write_text(markdown, encoding="utf-8")
    target = sizing.params.target_users
    grid = [target * (0.1 + 1.9 * i / (USERS_GRID_POINTS - 1)) for i in range(USERS_GRID_POINTS)]
    curve = nodes_curve(sizing.profile, sizing.params, grid, scale_out=sizing.scale_out)
    return [
        out / "sizing.json",
        out / "sizing.md",
        plot_usl(sizing.usl, out / "usl.png", title="Throughput against concurrency (measured node)"),
        plot_usl_latency(sizing.usl, out / "latency.png", think_time=sizing.measured_think_time_s),
        plot_nodes_vs_users(curve, out / "nodes.png", target_users=target),
        plot_utilization_modes(sizing.modes, sizing.params.max_utilization, out / "utilization.png"),
    ]


def _parameters(args: argparse.Namespace) -> tuple[SizingParameters, dict[str, str]]:
    """Defaults < ``--params FILE`` < the command line (named options and ``--param``)."""
    from capacity.exceptions import ModelError
    from capacity.sizing.param_sources import (
        merge_parameters,
        parameter_origins,
        parse_assignments,
        read_parameter_file,
    )

    named = {field: getattr(args, field) for _, field, _, _ in _NUMERIC if hasattr(args, field)}
    if hasattr(args, "site_failover"):
        named["site_failover"] = args.site_failover
    try:
        from_file = read_parameter_file(args.params) if args.params is not None else {}
        assigned = parse_assignments(args.param)
        for key, value in assigned.items():
            if key in named and named[key] != value:
                raise SizeInputError(
                    f"--param {key}={value!r}: the same parameter is also given as an option ({named[key]!r})"
                )
        line = {**named, **assigned}
        return merge_parameters(file=from_file, command_line=line), parameter_origins(
            file=from_file, command_line=line
        )
    except ModelError as exc:
        source = "" if str(exc).startswith(("--param", str(args.params))) else "option "
        raise SizeInputError(f"{source}{exc}") from None


def _size(args: argparse.Namespace) -> int:
    from capacity.exceptions import ModelError
    from capacity.sizing.inputs import InvalidResultsError, load_profile
    from capacity.sizing.plan import size
    from capacity.sizing.render import to_json, to_markdown

    named = [*args.results, *args.measurements, *args.locust_csv, *args.k6_summary]
    if not named:
        raise SizeInputError(
            "RESULTS: give results.json files of cuaso sweeps, or measurements made elsewhere with "
            "--measurements FILE.csv, --locust-csv PREFIX or --k6-summary FILE.json"
        )
    sources = ", ".join(str(p) for p in named)
    params, origins = _parameters(args)
    try:
        profile = read_profile(args, params, _say)
        check = None
        if args.scale_out:
            from capacity.sizing.scaleout import scale_out_check

            allotments = [
                load_profile([path], percentile=params.slo_percentile, phase_prefix=args.phase_prefix,
                             allow_invalid=args.allow_invalid)
                for path in args.scale_out
            ]  # fmt: skip
            check = scale_out_check(allotments, params.validation_tolerance)
            _say(f"scale-out check: {len(check.points)} allotments, error {check.error:+.1%} at "
                 f"{check.largest.cores:g} core(s)")  # fmt: skip
        _say(f"fitting {len(profile.levels)} points on {len(profile.distinct_levels)} levels, validating")
        sizing = size(profile, params, scale_out=check)
    except InvalidResultsError as exc:
        raise SizeInputError(f"{exc} (--allow-invalid sizes from it anyway)") from None
    except ModelError as exc:
        message = str(exc)
        said = any(message.startswith((str(path), "--")) for path in named)
        raise SizeInputError(message if said else f"{sources}: {message}") from None
    document = to_json(sizing, origins)
    markdown = to_markdown(sizing)
    if args.out is not None:
        _say(f"writing sizing and plots to {args.out}")
        for path in _write(args.out, sizing, document, markdown):
            _say(f"wrote {path}")
    print(json.dumps(document, indent=2, allow_nan=False) if args.format == "json" else markdown, end="")
    if args.format == "json":
        print()
    if args.require_validated and not sizing.within_validated_range:
        raise NotValidatedError(
            f"the sizing lies beyond the range where validation held ({sizing.validation.reason})"
        )
    return 0
