"""``cuaso gate``: pass or fail a candidate run against a baseline and thresholds, for CI.

Exit 0: every check passed. Exit 1: a regression or a breached threshold. Exit 2: the runs cannot be
judged (marked invalid, generator saturated, too few samples, different scenarios) or the input is
bad (a threshold that does not parse, a missing file); the reason is printed. Exit 3: inconclusive: no
check failed, but a material change could not be told from the noise between runs (neither pass nor
fail; give repeats). ``--history DIR`` finds change points in a series of past runs instead.
``--junit`` and ``--markdown`` write reports for the CI job page and say where.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from cuaso.verbs._types import Subparsers
from gate import defaults as d
from gate.defaults import SCOPES

_QUANTILES_TEXT = ",".join(f"{q:g}" for q in d.QUANTILES)


def _fraction(text: str) -> float:
    """``10%`` or ``0.1`` → 0.1."""
    raw = text.strip()
    try:
        value = float(raw[:-1]) / 100.0 if raw.endswith("%") else float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a percentage (10%) or fraction (0.1)") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 0")
    return value


def _confidence(text: str) -> float:
    value = _fraction(text)
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"{text!r}: must lie strictly between 0 and 1 (e.g. 0.95)")
    return value


def _quantiles(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part.strip().lstrip("p")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected quantiles such as 50,95,99") from None
    if not values or any(not 0.0 < q < 100.0 for q in values):
        raise argparse.ArgumentTypeError(f"{text!r}: each quantile must lie strictly between 0 and 100")
    return values


def _scopes(text: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [v for v in values if v not in SCOPES]
    if bad or not values:
        raise argparse.ArgumentTypeError(f"{text!r}: a comma-separated list of {', '.join(SCOPES)}")
    return values


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a number") from None
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 0")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 1")
    return value


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "gate",
        help="pass/fail a candidate run against a baseline and thresholds (exit 0 pass, 1 regression, "
        "2 invalid, 3 inconclusive), or find change points in a history of runs",
        description="Judges candidate results documents against baseline ones (several of each = repeats) "
        "and absolute thresholds. A latency quantile, throughput or error rate is a regression only when "
        "its change is larger than --tolerance and the absolute floor, significant, larger than the noise "
        "floor (measured between repeats, or stated with one run per side: --noise-floor) and of a "
        "non-negligible effect size; a material change that cannot be told from the noise is "
        "inconclusive. With --history DIR, finds change points (E-divisive means) in a series of past "
        "runs instead. Exit 0 pass, 1 regression or breached threshold, 2 runs that cannot be judged "
        "(invalid, generator saturated, too few samples) or bad input, 3 inconclusive (nothing failed). "
        "See docs/gate.md.",
    )
    files = parser.add_argument_group("documents and reports")
    files.add_argument(
        "--baseline",
        nargs="+",
        action="extend",
        type=Path,
        default=[],
        metavar="FILE",
        help="baseline results.json (repeat runs of the same code: more measure the noise)",
    )
    files.add_argument(
        "--candidate",
        nargs="+",
        action="extend",
        type=Path,
        default=[],
        metavar="FILE",
        help="candidate results.json (one or more repeats)",
    )
    files.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="find change points in the runs of DIR (every results.json below it, else every *.json in it), "
        "ordered by start time, instead of comparing a candidate",
    )
    files.add_argument(
        "--thresholds",
        type=Path,
        metavar="FILE",
        help="absolute thresholds, one per line, e.g. 'p95(GET /api/v1/procedures) < 150ms'",
    )
    files.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML (one testcase per check)")
    files.add_argument("--markdown", type=Path, metavar="FILE", help="write a Markdown summary")
    how = parser.add_argument_group("comparison")
    how.add_argument(
        "--calibrate",
        metavar="ENDPOINT",
        help="normalise latencies by this endpoint's median in each run, e.g. 'GET /healthz'",
    )
    how.add_argument(
        "--max-speed-factor",
        type=float,
        default=d.MAX_SPEED_FACTOR,
        metavar="X",
        help="with --calibrate: a run whose calibration median is more than X times (or under 1/X) the "
        "reference makes failing comparisons inconclusive (default: %(default)s)",
    )
    how.add_argument(
        "--phase",
        action="append",
        default=[],
        metavar="NAME",
        help="judge only this phase (repeatable; default: all phases)",
    )
    how.add_argument(
        "--scope",
        type=_scopes,
        default=SCOPES,
        metavar="LIST",
        help="what to compare: run,journeys,endpoints (default: all three)",
    )
    how.add_argument(
        "--quantiles",
        type=_quantiles,
        default=d.QUANTILES,
        metavar="LIST",
        help=f"latency quantiles to compare, e.g. 50,95,99 (default: {_QUANTILES_TEXT})",
    )
    how.add_argument(
        "--tolerance",
        type=_fraction,
        default=d.TOLERANCE,
        metavar="PCT",
        help="smallest relative change of latency/throughput that matters (default: %(default)s)",
    )
    how.add_argument(
        "--error-rate-tolerance",
        type=_fraction,
        default=d.ERROR_RATE_TOLERANCE,
        metavar="PCT",
        help="smallest rise of the error rate that matters, absolute (default: %(default)s)",
    )
    how.add_argument(
        "--confidence",
        type=_confidence,
        default=d.CONFIDENCE,
        metavar="LEVEL",
        help="confidence level of the intervals (default: %(default)s)",
    )
    how.add_argument(
        "--min-samples",
        type=_positive_int,
        default=d.MIN_COMPARE_SAMPLES,
        metavar="N",
        help="compare a target only with at least N samples per side (default: %(default)s)",
    )
    how.add_argument(
        "--noise-floor",
        type=_fraction,
        default=None,
        metavar="PCT",
        help="stated run-to-run noise of latency quantiles and throughput, used when it is not measured "
        f"(one run per side) (default: latency {d.NOISE_FLOOR_LATENCY * 100:.0f}%%, "
        f"{d.NOISE_FLOOR_LATENCY_CALIBRATED * 100:.0f}%% with --calibrate; "
        f"throughput {d.NOISE_FLOOR_THROUGHPUT * 100:.0f}%%)",
    )
    how.add_argument(
        "--latency-floor",
        type=_non_negative,
        default=d.LATENCY_FLOOR_MS,
        metavar="MS",
        help="smallest latency change that is actionable, in ms (default: %(default)s)",
    )
    how.add_argument(
        "--throughput-floor",
        type=_non_negative,
        default=d.THROUGHPUT_FLOOR_PER_S,
        metavar="PER_S",
        help="smallest throughput change that is actionable, per second (default: %(default)s)",
    )
    how.add_argument("--seed", type=int, default=0, help="bootstrap and permutation seed (default: 0)")
    refuse = parser.add_argument_group("refusing invalid runs (exit 2)")
    refuse.add_argument(
        "--min-run-samples",
        type=_positive_int,
        default=d.MIN_RUN_SAMPLES,
        metavar="N",
        help="refuse a run with fewer requests (default: %(default)s)",
    )
    refuse.add_argument(
        "--max-generator-cpu",
        type=float,
        default=d.MAX_GENERATOR_CPU_PERCENT,
        metavar="PCT",
        help="refuse a run whose generator CPU mean exceeds PCT of a core (default: %(default)s)",
    )
    parser.set_defaults(func=_gate)


def _gate(args: argparse.Namespace) -> int:
    from gate.compare import CompareRules
    from gate.engine import GateOptions, run_gate
    from gate.errors import GateInputError
    from gate.junit import write_junit
    from gate.markdown import write_markdown
    from gate.measure import RunDoc
    from gate.validity import ValidityRules
    from results.slo import read_thresholds

    if not args.max_generator_cpu > 0:
        raise GateInputError(f"--max-generator-cpu={args.max_generator_cpu!r}: must be > 0")
    if not args.max_speed_factor > 1:
        raise GateInputError(f"--max-speed-factor={args.max_speed_factor!r}: must be > 1")
    options = GateOptions(
        thresholds=read_thresholds(args.thresholds) if args.thresholds else (),
        phases=tuple(args.phase),
        calibrate=args.calibrate,
        scopes=tuple(args.scope),
        compare=CompareRules(
            tolerance=args.tolerance,
            error_rate_tolerance=args.error_rate_tolerance,
            confidence=args.confidence,
            quantiles=args.quantiles,
            min_samples=args.min_samples,
            seed=args.seed,
            noise_floor=args.noise_floor,
            latency_floor_ms=args.latency_floor,
            throughput_floor=args.throughput_floor,
        ),
        max_speed_factor=args.max_speed_factor,
        validity=ValidityRules(
            max_generator_cpu_percent=args.max_generator_cpu, min_samples=args.min_run_samples
        ),
    )
    if args.history is not None:
        if args.baseline or args.candidate or options.thresholds:
            raise GateInputError("--history: give it alone (no --baseline, --candidate or --thresholds)")
        from gate.history import load_history, run_history

        runs = load_history(args.history)
        print(f"cuaso gate: history of {len(runs)} run(s) in {args.history}, oldest first", flush=True)
        report = run_history(runs, options)
    else:
        baselines = [RunDoc.load(p) for p in args.baseline]
        candidates = [RunDoc.load(p) for p in args.candidate]
        print(
            f"cuaso gate: {len(baselines)} baseline and {len(candidates)} candidate run(s), "
            f"{len(options.thresholds)} threshold(s)",
            flush=True,
        )
        report = run_gate(baselines, candidates, options)
    marks = {"pass": "ok  ", "fail": "FAIL", "inconclusive": "????", "skipped": "skip"}
    for check in report.checks:
        print(f"  {marks[check.status]}  {check.name}: {check.verdict}: {check.message}")
    if args.junit:
        print(f"cuaso gate: wrote JUnit XML to {write_junit(report, args.junit)}")
    if args.markdown:
        print(f"cuaso gate: wrote Markdown summary to {write_markdown(report, args.markdown)}")
    print(f"cuaso gate: {report.headline()}")
    return report.exit_code
