"""``cuaso fit FILE.csv``: fit the Universal Scalability Law to measured (concurrency, throughput) points.

Prints one JSON document on stdout: the coefficients, the peak, their standard errors and confidence
intervals, and the fit quality. ``--plot PNG`` also writes the points, the curve and its band; the path
is reported on stderr so that stdout stays machine-readable. Bad input (a missing file, a bad row,
fewer than 6 points) exits 2 with a message naming the file, line and value.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from cuaso.verbs._types import Subparsers
from results.exceptions import CuasoError

if TYPE_CHECKING:
    from capacity.usl import USLModel

FORMULA = "X(N) = lambda*N / (1 + sigma*(N-1) + kappa*N*(N-1))"


class FitInputError(CuasoError):
    """The measurements cannot be fitted: bad file, bad row, too few points, or a bad option."""

    exit_code = 2


def register(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "fit",
        help="fit the Universal Scalability Law to a CSV of (concurrency, throughput) points",
        description="Reads FILE.csv (header 'concurrency,throughput', one measurement per row; repeated "
        "levels are separate points; at least 6 points on 3 or more levels), fits "
        f"{FORMULA} by bounded nonlinear least squares, and prints JSON with lambda, sigma, kappa, "
        "peak_concurrency, max_throughput (null when unbounded), their standard errors, confidence "
        "intervals (t distribution, dof = points - 3) and the fit quality. "
        "Exit 0 on success, 2 on bad input.",
    )
    parser.add_argument("csv", metavar="FILE.csv", type=Path, help="measurements: concurrency,throughput")
    parser.add_argument("--plot", metavar="PNG", type=Path, default=None, help="also write a plot to PNG")
    parser.add_argument(
        "--confidence",
        type=float,
        default=0.95,
        metavar="LEVEL",
        help="confidence level of the intervals and the plotted band, in (0, 1) (default 0.95)",
    )
    parser.set_defaults(func=_fit)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def result_document(model: USLModel, *, source: str, confidence: float) -> dict[str, object]:
    """The JSON-ready summary of a fit (infinite values, e.g. no coherency peak, become null)."""
    intervals = {
        name: list(model.confidence_interval(name, confidence)) for name in ("lambda", "sigma", "kappa")
    }
    return {
        "file": source,
        "model": "usl",
        "formula": FORMULA,
        "lambda": model.lambda_,
        "sigma": model.sigma,
        "kappa": model.kappa,
        "peak_concurrency": _finite_or_none(model.peak_concurrency),
        "max_throughput": _finite_or_none(model.max_throughput),
        "stderr": dict(model.stderr),
        "confidence": confidence,
        "confidence_intervals": intervals,
        "r_squared": model.r_squared,
        "rmse": model.rmse,
        "residual_std_error": model.residual_std_error,
        "n_points": model.n_points,
        "dof": model.dof,
    }


def _fit(args: argparse.Namespace) -> int:
    from capacity.exceptions import ModelError
    from capacity.points import read_points_csv
    from capacity.usl import fit_usl

    confidence = args.confidence
    if not (math.isfinite(confidence) and 0.0 < confidence < 1.0):
        raise FitInputError(f"--confidence={confidence!r}: must lie strictly between 0 and 1")
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise FitInputError(f"--plot={str(args.plot)!r}: must end in .png")
    try:
        points = read_points_csv(args.csv)
        model = fit_usl(points.concurrency, points.throughput)
    except ModelError as exc:
        message = str(exc)
        raise FitInputError(
            message if message.startswith(str(args.csv)) else f"{args.csv}: {message}"
        ) from None
    document = result_document(model, source=points.source, confidence=confidence)
    if args.plot is not None:
        from capacity.plots import plot_usl

        written = plot_usl(model, args.plot, level=confidence, title=f"USL fit of {Path(points.source).name}")
        document["plot"] = str(written)
        print(f"cuaso fit: wrote plot to {written}", file=sys.stderr)
    print(json.dumps(document, indent=2, allow_nan=False))
    return 0
