"""How good is the gate on this machine? False positives over A/A pairs, detection of injected delays.

Reads a folder of drill results laid out by ``scripts/gate-calibrate.sh``::

    DIR/delay-0/run-1/results.json   DIR/delay-0/run-2/results.json ...   (A/A: the same code)
    DIR/delay-5/run-1/results.json ...                                   (the stack's injected delay)

and runs the gate (the same options as ``cuaso gate``) over

- every pair of delay-0 runs, one against the other: the **false-positive rate** (share flagged, exit 1);
- every split of the delay-0 runs into two halves of ``--repeats`` runs: the same with repeats;
- every (delay-0 run, delay-d run) pair: the **detection rate** of a d ms delay, one run per side;
- up to ``--max-pairs`` (delay-0 group, delay-d group) pairs of ``--repeats`` runs each (every group of
  delayed runs, each against another group of delay-0 runs): the detection rate with repeats.

Each row also counts the inconclusive verdicts (exit 3: neither pass nor fail). Pairs share runs, so
they are not independent (a rate over them is a description, not a binomial sample).

``python -m gate.study DIR [--calibrate 'GET /healthz'] [--tolerance 10%]`` prints a Markdown
table; ``--json FILE`` also writes the figures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from gate.compare import CompareRules
from gate.engine import GateOptions, run_gate
from gate.errors import InvalidRunError
from gate.measure import RunDoc
from gate.model import EXIT_INCONCLUSIVE, EXIT_REGRESSION

_DELAY_DIR = re.compile(r"delay-(\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class StudyRow:
    """One kind of comparison: how many were made, flagged (exit 1), refused (exit 2), and by what."""

    comparison: str
    pairs: int
    flagged: int
    refused: int
    top_checks: tuple[str, ...]
    inconclusive: int = 0

    @property
    def rate(self) -> float:
        judged = self.pairs - self.refused
        return self.flagged / judged if judged else 0.0


def _natural(path: Path) -> list[int | str]:
    """Sort key that orders numbers by value: run-9 before run-10, as the runs were made."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def load_study(directory: Path) -> dict[float, list[RunDoc]]:
    """Runs per injected delay (ms), in a stable order."""
    found: dict[float, list[RunDoc]] = {}
    for path in sorted(directory.glob("delay-*/**/results.json"), key=_natural):  # run-2 before run-10
        match = _DELAY_DIR.fullmatch(path.relative_to(directory).parts[0])
        if match:
            found.setdefault(float(match.group(1)), []).append(RunDoc.load(path))
    if 0.0 not in found or len(found[0.0]) < 2:
        raise SystemExit(f"{directory}: need at least 2 runs under delay-0/ (A/A pairs)")
    return found


def _judge(
    comparison: str, pairs: Sequence[tuple[Sequence[RunDoc], Sequence[RunDoc]]], options: GateOptions
) -> StudyRow:
    flagged = refused = inconclusive = 0
    names: Counter[str] = Counter()
    for base, cand in pairs:
        try:
            report = run_gate(base, cand, options)
        except InvalidRunError:
            refused += 1
            continue
        if report.exit_code == EXIT_REGRESSION:
            flagged += 1
            names.update(c.name for c in report.failed)
        elif report.exit_code == EXIT_INCONCLUSIVE:
            inconclusive += 1
    top = tuple(n for n, _ in names.most_common(3))
    return StudyRow(comparison, len(pairs), flagged, refused, top, inconclusive)


def group_pairs(
    same: Sequence[RunDoc], delayed: Sequence[RunDoc], repeats: int, max_pairs: int
) -> list[tuple[list[RunDoc], list[RunDoc]]]:
    """Each group of ``repeats`` delayed runs against a different group of delay-0 runs (cycling)."""
    base_groups = [list(g) for g in itertools.combinations(same, repeats)]
    cand_groups = [list(g) for g in itertools.combinations(delayed, repeats)]
    if not base_groups or not cand_groups:
        return []
    return [(base_groups[i % len(base_groups)], cand) for i, cand in enumerate(cand_groups[:max_pairs])]


def study(
    runs: dict[float, list[RunDoc]], options: GateOptions, repeats: int, max_pairs: int = 20
) -> list[StudyRow]:
    same = runs[0.0]
    rows = [_judge("A/A, 1 run vs 1", [([a], [b]) for a, b in itertools.combinations(same, 2)], options)]
    if len(same) >= 2 * repeats:
        splits = []
        for chosen in itertools.combinations(range(len(same)), repeats):
            rest = [i for i in range(len(same)) if i not in chosen][:repeats]
            if chosen[0] == 0:  # each split once (the half holding run 0 is the baseline)
                splits.append(([same[i] for i in chosen], [same[i] for i in rest]))
        rows.append(_judge(f"A/A, {repeats} runs vs {repeats}", splits, options))
    for delay in sorted(d for d in runs if d > 0):
        pairs = [([a], [b]) for a in same for b in runs[delay]]
        rows.append(_judge(f"+{delay:g} ms injected, 1 run vs 1", pairs, options))
        grouped = group_pairs(same, runs[delay], repeats, max_pairs)
        if grouped:
            rows.append(_judge(f"+{delay:g} ms injected, {repeats} runs vs {repeats}", grouped, options))
    return rows


def markdown_table(rows: Sequence[StudyRow]) -> str:
    lines = [
        "| comparison | pairs | flagged (exit 1) | inconclusive (exit 3) | refused | rate flagged "
        "| most failed checks |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        checks = ", ".join(f"`{n}`" for n in r.top_checks)
        lines.append(
            f"| {r.comparison} | {r.pairs} | {r.flagged} | {r.inconclusive} | {r.refused} | {r.rate:.0%} "
            f"| {checks} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gate.study", description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--calibrate", default=None, metavar="ENDPOINT")
    parser.add_argument(
        "--tolerance", type=float, default=CompareRules().tolerance, help="fraction, e.g. 0.1"
    )
    parser.add_argument("--scope", default="run,journeys,endpoints")
    parser.add_argument("--phase", action="append", default=[], metavar="NAME", help="judge only this phase")
    parser.add_argument("--repeats", type=int, default=3, help="runs per side for the repeated comparisons")
    parser.add_argument("--max-pairs", type=int, default=20, help="pairs of groups per delay with repeats")
    parser.add_argument("--noise-floor", type=float, default=None, help="stated noise floor, e.g. 0.5")
    parser.add_argument("--min-run-samples", type=int, default=None)
    parser.add_argument("--json", type=Path, default=None, metavar="FILE")
    args = parser.parse_args(argv)
    from gate.validity import ValidityRules

    validity = (
        ValidityRules() if args.min_run_samples is None else ValidityRules(min_samples=args.min_run_samples)
    )
    options = GateOptions(
        phases=tuple(args.phase),
        calibrate=args.calibrate,
        scopes=tuple(args.scope.split(",")),
        compare=CompareRules(tolerance=args.tolerance, noise_floor=args.noise_floor),
        validity=validity,
    )
    rows = study(load_study(args.directory), options, args.repeats, args.max_pairs)
    print(markdown_table(rows), end="")
    if args.json:
        data = [{**asdict(r), "rate": r.rate} for r in rows]
        args.json.write_text(
            json.dumps({"options": options.settings(), "rows": data}, indent=2), encoding="utf-8"
        )
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
