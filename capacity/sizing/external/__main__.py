"""``python -m capacity.sizing.external export RESULTS.json [-o levels.csv]``: a sweep as a measurements CSV.

Exit 0 on success, 2 on bad input (an unreadable document, no level phases, an invalid run, a bad
option), with the reason on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from capacity.exceptions import ModelError
from capacity.sizing.external.export import DEFAULT_PERCENTILES, export_csv
from results.document import ResultsError, load_results


def _percentiles(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: comma-separated numbers such as 50,95,99") from None
    if not values or any(not 0 < v <= 100 for v in values):
        raise argparse.ArgumentTypeError(f"{text!r}: percentiles between 0 and 100")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m capacity.sizing.external")
    verbs = parser.add_subparsers(dest="verb", required=True)
    export = verbs.add_parser("export", help="write a sweep's level phases as a measurements CSV")
    export.add_argument("results", type=Path, metavar="RESULTS", help="results.json of a cuaso sweep")
    export.add_argument("-o", "--out", type=Path, default=None, help="write here instead of stdout")
    export.add_argument(
        "--percentiles",
        type=_percentiles,
        default=DEFAULT_PERCENTILES,
        help="latency percentiles to write (default 50,90,95,99)",
    )
    export.add_argument("--phase-prefix", default="level-", help="phases to export (default level-)")
    export.add_argument("--allow-invalid", action="store_true", help="export a run marked invalid")
    args = parser.parse_args(argv)
    try:
        text = export_csv(
            load_results(args.results),
            str(args.results),
            percentiles=args.percentiles,
            phase_prefix=args.phase_prefix,
            allow_invalid=args.allow_invalid,
        )
    except (ResultsError, ModelError) as exc:
        print(f"export: {exc}", file=sys.stderr)
        return 2
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        print(f"export: wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
