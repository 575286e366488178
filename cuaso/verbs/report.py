"""``cuaso report RESULTS``: an HTML report a person opens, plus a Markdown summary.

Reads one results document (``cuaso drill`` or ``cuaso sweep``), judges it against the SLOs, and writes
``OUT/report.html`` (one self-contained file: plots and CSS inline, no script, no network) and
``OUT/report.md``: the verdict first, then what was run, the timeline with the phase changes and the
cutover marked, per-phase, per-endpoint and per-journey tables, resource use per process kind, the
bottleneck, the run's validity checks and, with ``--sizing``, the sizing with its uncertainty.

SLOs: ``--slo EXPR`` or ``--slo FILE`` (repeatable) in ``cuaso gate``'s threshold syntax
(``p95(run) <= 1000ms``, ``error_rate(run) < 1%``, ``p99(GET /api/v1/procedures) < 2s``,
``error_rate(journey:NAME) < 2%``), and/or ``--slo-p95-ms N`` and ``--slo-error-rate X``; with none,
p95 ≤ 1,000 ms and errors ≤ 1% (assumptions). Exit 0 when the report was written (whatever the
verdict), 2 on bad input.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from cuaso.verbs._types import Subparsers
from results.exceptions import CuasoError

REPORTS_DIR = Path("reports/out")
"""Where reports go by default (git-ignored): ``reports/out/RUN_ID/``."""


class ReportInputError(CuasoError):
    """A results document that cannot be read."""

    exit_code = 2


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report (verdict, timelines, tables, bottleneck, sizing) and a Markdown summary",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "results", metavar="RESULTS", type=Path, help="a results.json of cuaso drill or sweep"
    )
    parser.add_argument(
        "--sizing",
        type=Path,
        default=None,
        metavar="FILE",
        help="a sizing.json of cuaso size --out DIR (its plots beside it are embedded too)",
    )
    parser.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="EXPR|FILE",
        help="an SLO in cuaso gate's syntax, e.g. 'p95(run) <= 800ms', or a file of them, one per line "
        "(repeatable)",
    )
    parser.add_argument(
        "--slo-p95-ms",
        type=float,
        default=None,
        metavar="N",
        help="p95 of all requests ≤ N ms (default 1000)",
    )
    parser.add_argument(
        "--slo-error-rate",
        type=float,
        default=None,
        metavar="X",
        help="failed share of all requests ≤ X, a fraction (default 0.01 = 1%%)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"folder for report.html and report.md (default {REPORTS_DIR}/RUN_ID)",
    )
    parser.set_defaults(func=_report)


def _say(message: str) -> None:
    print(f"cuaso report: {message}", file=sys.stderr, flush=True)


def _report(args: argparse.Namespace) -> int:
    from reports.builder import ReportInputs, build_report, write_report
    from reports.sizing import read_sizing
    from reports.verdict import choose_slos
    from results.document import ResultsError, load_results

    slos = choose_slos(args.slo, args.slo_p95_ms, args.slo_error_rate)
    _say(f"reading {args.results}")
    try:
        doc = load_results(args.results)
    except ResultsError as exc:
        raise ReportInputError(str(exc)) from None
    sizing = read_sizing(args.sizing) if args.sizing is not None else None
    _say(f"judging {len(slos)} SLO(s), drawing the figures")
    report = build_report(
        ReportInputs(
            doc=doc,
            source=str(args.results),
            slos=slos,
            sizing=sizing,
            sizing_dir=args.sizing.parent if args.sizing is not None else None,
        )
    )
    out = args.out if args.out is not None else REPORTS_DIR / re.sub(r"[^\w.-]", "_", doc.run.id)
    html_path, md_path = write_report(report, out)
    print(report.headline)
    if report.modelled_headline:
        print(report.modelled_headline)
    print(f"wrote {html_path}")
    print(f"wrote {md_path}")
    return 0
