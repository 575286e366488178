"""History: change points in a series of past runs (e.g. a nightly drill), so that slow drifts that no
single pair of runs shows are caught.

:func:`load_history` reads a folder: every ``results.json`` below it, or when there is none every
``*.json`` directly in it (``.ci/baseline/run-*.json`` style), ordered by the run's start time
(``run.started_at``). Runs the
gate would refuse (marked invalid, generator saturated, too few samples) are left out and listed.
:func:`run_history` builds one series per metric and target (the comparison's quantiles on each run's
own histogram, calibrated when asked; throughput; error rate) and finds its change points with
E-divisive means (:mod:`gate.changepoint`). Each change point is reported with the runs it separates
and the mean of the segments on either side. The **last** change point of a series fails the gate when
the level after it is worse than the level before by more than the tolerance and the absolute floor
(the series is worse now); earlier ones are reported. With two or more change points, a last segment
worse than the first by as much fails too ("drift": steps each too small alone).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from gate.calibrate import calibrate
from gate.changepoint import e_divisive
from gate.decide import Direction
from gate.defaults import MIN_HISTORY_RUNS
from gate.distribution import cliffs_delta_values
from gate.engine import GateOptions, common_targets
from gate.errors import GateInputError
from gate.measure import RunDoc, select_phases
from gate.model import CheckResult, GateReport, Status
from gate.side import RunPhases, Side
from gate.validity import run_problems
from results.targets import Target

Metric = tuple[str, Direction, str, float, Callable[[Side, int, Target], float]]


def _started(run: RunDoc) -> datetime:
    try:
        return datetime.fromisoformat(run.doc.run.started_at.replace("Z", "+00:00"))
    except ValueError:
        raise GateInputError(
            f"{run.label}: run.started_at={run.doc.run.started_at!r}: not ISO 8601"
        ) from None


def load_history(directory: Path) -> list[RunDoc]:
    """The runs of ``directory``, oldest first; an input error when there are none."""
    if not directory.is_dir():
        raise GateInputError(f"--history={str(directory)!r}: not a folder")
    paths = sorted(directory.rglob("results.json")) or sorted(directory.glob("*.json"))
    runs = [RunDoc.load(p) for p in paths]
    if not runs:
        raise GateInputError(f"--history={str(directory)!r}: no results.json below it, no *.json in it")
    return sorted(runs, key=lambda r: (_started(r), r.label))


def _metrics(side: Side, options: GateOptions, target: Target) -> list[Metric]:
    rules = options.compare
    normalised = side.calibration.active and target.kind != "journey"
    unit = "ms (calibrated)" if normalised else "ms"

    def quantile(q: float) -> Callable[[Side, int, Target], float]:
        return lambda s, i, t: s.latencies(t, normalised=normalised, percent=q)[i].quantile(q)

    found: list[Metric] = [
        (f"p{q:g}", "higher_is_worse", unit, rules.latency_floor_ms, quantile(q)) for q in rules.quantiles
    ]
    if target.kind != "endpoint":
        found.append(
            (
                "throughput",
                "lower_is_worse",
                "/s",
                rules.throughput_floor,
                lambda s, i, t: s.per_run(t)[i].throughput,
            )
        )
        found.append(("error_rate", "higher_is_worse", "%", 0.0, lambda s, i, t: s.per_run(t)[i].error_rate))
    return found


def _segment_check(
    name: str,
    unit: str,
    direction: Direction,
    before: Sequence[float],
    after: Sequence[float],
    tolerance: float,
    floor: float,
    *,
    fails: bool,
    verdict: str,
    where: str,
) -> CheckResult:
    b, a = statistics.fmean(before), statistics.fmean(after)
    relative = unit != "%"
    change = (a / b - 1.0 if b > 0 else 0.0) if relative else a - b
    sign = 1.0 if direction == "higher_is_worse" else -1.0
    worse = sign * change > tolerance and sign * (a - b) > floor
    shown = f"{change:+.1%}" if relative else f"{change * 100:+.2f} pp"
    status: Status = "fail" if fails and worse else "pass"
    label = "worse" if worse else ("better" if sign * change < -tolerance else "not material")
    message = (
        f"{where}: {b:.4g} → {a:.4g} {unit} ({shown}, {label}; {len(before)} runs before, {len(after)} after)"
    )
    return CheckResult(
        name,
        "history",
        status,
        verdict if status == "pass" else "regression",
        message,
        unit,
        b,
        a,
        change,
        effect=cliffs_delta_values(before, after),
        effect_level=f"runs ({len(before)}×{len(after)})",
    )


def _series_checks(
    labels: Sequence[str],
    when: Sequence[datetime],
    series: list[float],
    name: str,
    metric: Metric,
    options: GateOptions,
) -> list[CheckResult]:
    _, direction, unit, floor, _ = metric
    rules = options.compare
    tolerance = rules.error_rate_tolerance if unit == "%" else rules.tolerance
    points = sorted(e_divisive(series, seed=rules.seed), key=lambda c: c.index)
    if not points:
        return [
            CheckResult(
                name, "history", "pass", "no change point", f"no change point in {len(series)} runs", unit
            )
        ]
    bounds = [0, *(p.index for p in points), len(series)]
    checks = []
    for k, point in enumerate(points):
        i = point.index
        where = (
            f"change point between {labels[i - 1]} ({when[i - 1]:%Y-%m-%d %H:%M}) and {labels[i]} "
            f"({when[i]:%Y-%m-%d %H:%M}), p={point.pvalue:.3f}"
        )
        last = k == len(points) - 1
        checks.append(
            _segment_check(
                name, unit, direction, series[bounds[k] : i], series[i : bounds[k + 2]], tolerance, floor,
                fails=last, verdict="change point", where=where,
            )
        )  # fmt: skip
    if len(points) >= 2:
        where = f"first segment against the last ({len(points)} change points)"
        checks.append(
            _segment_check(
                f"drift {name}", unit, direction, series[: bounds[1]], series[bounds[-2] :], tolerance, floor,
                fails=True, verdict="no drift", where=where,
            )
        )  # fmt: skip
    return checks


def run_history(runs: Sequence[RunDoc], options: GateOptions) -> GateReport:
    """Change points in every series of ``runs`` (oldest first)."""
    exclude = frozenset({Target.parse(options.calibrate).name}) if options.calibrate else frozenset()
    phases = {r.label: select_phases(r, options.phases) for r in runs}
    left_out = {
        r.label: p for r in runs if (p := run_problems(r, phases[r.label], options.validity, exclude=exclude))
    }
    kept = [r for r in runs if r.label not in left_out]
    checks = [
        CheckResult("history(left out)", "history", "skipped", "invalid run", "; ".join(p))
        for p in left_out.values()
    ]
    if len(kept) < MIN_HISTORY_RUNS:
        raise GateInputError(
            f"--history: {len(kept)} judgeable runs (need >= {MIN_HISTORY_RUNS} for change points)"
        )
    side_runs = tuple(RunPhases(r.label, phases[r.label]) for r in kept)
    calibration = None
    if options.calibrate:
        calibration = calibrate(
            [(r.label, r.phases) for r in side_runs], [r.label for r in side_runs], options.calibrate,
            min_samples=options.min_calibration_samples,
        )  # fmt: skip
    side = Side(side_runs, calibration, exclude) if calibration else Side(side_runs, exclude=exclude)
    labels = [r.label for r in kept]
    when = [_started(r) for r in kept]
    targets, missing = common_targets(side_runs, options.scopes, exclude)
    for target in targets:
        for metric in _metrics(side, options, target):
            series = [metric[4](side, i, target) for i in range(len(kept))]
            checks += _series_checks(labels, when, series, f"{metric[0]}({target.label})", metric, options)
    for target in missing:
        checks.append(
            CheckResult(f"presence({target.label})", "history", "skipped", "not in every run", "not analysed")
        )
    factors = {label: calibration.factor(label) for label in labels} if calibration else {}
    return GateReport(tuple(labels), (), tuple(checks), options.settings(), factors)
