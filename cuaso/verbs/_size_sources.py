"""What ``cuaso size`` sizes from: sweep results documents, and measurements made elsewhere.

Results documents are the positional arguments; measurements made with other tools come with
``--measurements FILE.csv`` (cuaso's measurements CSV), ``--locust-csv PREFIX`` (Locust's
``PREFIX_stats_history.csv``, written with ``--csv-full-history``) and ``--k6-summary FILE.json`` (one
k6 end-of-test summary per level), with ``--cpu FILE.csv`` for those that carry no CPU per tier. All
given are pooled into one profile (docs/sizing.md, "Measurements made elsewhere").
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capacity.sizing.inputs import MeasuredProfile
    from capacity.sizing.params import SizingParameters


def add_source_options(parser: argparse.ArgumentParser) -> None:
    """The positional results files and the options naming measurements made elsewhere."""
    parser.add_argument(
        "results", metavar="RESULTS", nargs="*", type=Path, help="results.json files of cuaso sweeps"
    )
    group = parser.add_argument_group("measurements made elsewhere (docs/sizing.md)")
    group.add_argument(
        "--measurements",
        action="extend",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE.csv",
        help="cuaso's measurements CSV: one row per window (users, duration_s, requests, failures, "
        "mean_ms, p95_ms, cpu_app_cores, cpu_redis_cores...)",
    )
    group.add_argument(
        "--locust-csv",
        action="extend",
        nargs="+",
        type=Path,
        default=[],
        metavar="PREFIX",
        help="Locust's PREFIX_stats_history.csv of a stepped run (locust --csv PREFIX --csv-full-history)",
    )
    group.add_argument(
        "--k6-summary",
        action="extend",
        nargs="+",
        type=Path,
        default=[],
        metavar="FILE.json",
        help="k6 end-of-test summaries (--summary-export or handleSummary JSON), one per level",
    )
    group.add_argument(
        "--cpu",
        type=Path,
        default=None,
        metavar="FILE.csv",
        help="CPU per tier for sources without it: per level (users column) or a time series (timestamp)",
    )
    group.add_argument(
        "--warmup",
        type=float,
        default=None,
        metavar="S",
        help="seconds left out at the start of each Locust plateau (default 10, as a sweep's warm-up; "
        "capacity.sizing.external.locust.LOCUST_WARMUP_S)",
    )
    group.add_argument(
        "--repeats",
        type=int,
        default=1,
        metavar="N",
        help="windows each Locust plateau is cut into, as a sweep's repeats (default 1)",
    )


def read_profile(
    args: argparse.Namespace, params: SizingParameters, say: Callable[[str], None]
) -> MeasuredProfile:
    """The pooled profile of every source given; raises :class:`ModelError` subclasses on bad input."""
    from capacity.sizing.external import ExternalSources, pooled_profile, read_external
    from capacity.sizing.inputs import load_profile

    external = ExternalSources(
        measurements=tuple(args.measurements),
        locust=tuple(args.locust_csv),
        k6=tuple(args.k6_summary),
        cpu=args.cpu,
        repeats=args.repeats,
    )
    if args.warmup is not None:
        external = replace(external, warmup_s=args.warmup)
    documents = None
    if args.results:
        say(f"reading {len(args.results)} results file(s)")
        documents = load_profile(
            args.results,
            percentile=params.slo_percentile,
            phase_prefix=args.phase_prefix,
            allow_invalid=args.allow_invalid,
        )
    levels = None
    if external:
        count = len(external.measurements) + len(external.locust) + len(external.k6)
        say(f"reading {count} file(s) of measurements made elsewhere")
        levels = read_external(external, percentile=params.slo_percentile)
        for line in levels.said:
            say(line)
    elif args.cpu is not None:
        say(f"--cpu {args.cpu} is only read with --measurements, --locust-csv or --k6-summary")
    return pooled_profile(
        documents, levels, percentile=params.slo_percentile, reference_cores=params.reference_cores
    )
