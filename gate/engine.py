"""The gate from documents to report: refuse invalid runs, calibrate, check thresholds, compare.

:func:`run_gate` is what ``cuaso gate`` calls; tests call it with documents built in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gate.calibrate import Calibration, calibrate
from gate.compare import CompareRules, compare_quantile
from gate.compare_rates import compare_error_rate, compare_throughput
from gate.defaults import MAX_SPEED_FACTOR, MIN_CALIBRATION_SAMPLES, SCOPES
from gate.errors import GateInputError
from gate.measure import RunDoc, endpoint_names, journey_names, select_phases
from gate.model import CheckResult, GateReport
from gate.side import RunPhases, Side
from gate.thresholds import evaluate
from gate.validity import ValidityRules, comparability_problems, refuse_if_invalid, run_problems
from results.slo import Threshold
from results.targets import Target


@dataclass(frozen=True, slots=True)
class GateOptions:
    thresholds: tuple[Threshold, ...] = ()
    phases: tuple[str, ...] = ()
    calibrate: str | None = None
    scopes: tuple[str, ...] = SCOPES
    compare: CompareRules = field(default_factory=CompareRules)
    validity: ValidityRules = field(default_factory=ValidityRules)
    min_calibration_samples: int = MIN_CALIBRATION_SAMPLES
    max_speed_factor: float = MAX_SPEED_FACTOR

    def __post_init__(self) -> None:
        if not self.max_speed_factor > 1.0:
            raise ValueError(f"max_speed_factor={self.max_speed_factor!r}: must be > 1")
        unknown = [s for s in self.scopes if s not in SCOPES]
        if unknown:
            raise ValueError(f"scopes={unknown[0]!r}: must be one of {', '.join(SCOPES)}")

    def settings(self) -> dict[str, str]:
        rules = self.compare
        return {
            "tolerance": f"{rules.tolerance:.1%}",
            "error rate tolerance": f"{rules.error_rate_tolerance * 100:.2f} pp",
            "confidence": f"{rules.confidence:.0%}",
            "quantiles": ", ".join(f"p{q:g}" for q in rules.quantiles),
            "min samples": str(rules.min_samples),
            "noise floor (one run per side)": "stated defaults"
            if rules.noise_floor is None
            else f"{rules.noise_floor:.1%}",
            "absolute floors": f"{rules.latency_floor_ms:g} ms, {rules.throughput_floor:g}/s",
            "calibration": self.calibrate or "none",
            "phases": ", ".join(self.phases) or "all",
            "scopes": ", ".join(self.scopes),
            "seed": str(rules.seed),
            **({"max speed factor": f"{self.max_speed_factor:g}"} if self.calibrate else {}),
        }


def _common(names_per_run: Sequence[Sequence[str]]) -> tuple[list[str], list[str]]:
    """Names in every run, and names in some runs only."""
    sets = [set(n) for n in names_per_run]
    every = set.intersection(*sets) if sets else set()
    some = set.union(*sets) if sets else set()
    return sorted(every), sorted(some - every)


def common_targets(
    runs: Sequence[RunPhases], scopes: Sequence[str], exclude: frozenset[str]
) -> tuple[list[Target], list[Target]]:
    """The targets in every run (within ``scopes``), and those in some runs only."""
    targets: list[Target] = []
    missing: list[Target] = []
    if "run" in scopes:
        targets.append(Target("run"))
    if "journeys" in scopes:
        every, some = _common([journey_names(r.phases) for r in runs])
        targets += [Target("journey", n) for n in every]
        missing += [Target("journey", n) for n in some]
    if "endpoints" in scopes:
        every, some = _common([endpoint_names(r.phases) for r in runs])
        targets += [Target("endpoint", n) for n in every if n not in exclude]
        missing += [Target("endpoint", n) for n in some if n not in exclude]
    return targets, missing


def _comparisons(base: Side, cand: Side, options: GateOptions) -> list[CheckResult]:
    rules = options.compare
    checks: list[CheckResult] = []
    all_runs = (*base.runs, *cand.runs)
    targets, missing = common_targets(all_runs, options.scopes, base.exclude)
    for target in targets:
        if target.kind != "endpoint":
            checks.append(compare_throughput(base, cand, target, rules))
            checks.append(compare_error_rate(base, cand, target, rules))
        checks += [compare_quantile(base, cand, target, q, rules) for q in rules.quantiles]
    for target in missing:
        have = [
            r.label for r in all_runs if target.name in (*journey_names(r.phases), *endpoint_names(r.phases))
        ]
        checks.append(
            CheckResult(
                f"presence({target.label})",
                "comparison",
                "skipped",
                "not in every run",
                f"only in {', '.join(have)}: not compared",
            )
        )
    return checks


def _machine_too_different(
    checks: list[CheckResult], factors: Mapping[str, float], candidates: Sequence[str], limit: float
) -> list[CheckResult]:
    """Failed comparisons become inconclusive when the machine could have made the regression: a
    candidate run more than ``limit`` times slower than the reference, or a baseline run more than
    ``limit`` times faster. (A candidate on a much faster machine, or a baseline on a much slower one,
    could only hide a regression: a FAIL then stands.)"""
    off = {
        label: f for label, f in factors.items() if (f > limit if label in candidates else f < 1.0 / limit)
    }
    if not off:
        return checks
    shown = ", ".join(f"{label} {f:.2f}" for label, f in off.items())
    why = (
        f"; but the machine was much busier for the candidate than for the baseline (speed factors "
        f"{shown}, limit {limit:g}x): calibration does not cancel all the queueing of a busy machine: "
        "not decided"
    )
    return [
        dataclasses.replace(
            c, status="inconclusive", verdict="machine speed differs", message=c.message + why
        )
        if c.kind == "comparison" and c.status == "fail"
        else c
        for c in checks
    ]


def run_gate(baselines: Sequence[RunDoc], candidates: Sequence[RunDoc], options: GateOptions) -> GateReport:
    """Judge ``candidates`` against ``baselines`` (repeats of each) and the thresholds."""
    if not candidates:
        raise GateInputError("--candidate: give at least one candidate results document")
    if not baselines and not options.thresholds:
        raise GateInputError("nothing to check: give --baseline documents, --thresholds, or both")
    exclude = frozenset({Target.parse(options.calibrate).name}) if options.calibrate else frozenset()
    runs = {r.label: RunPhases(r.label, select_phases(r, options.phases)) for r in (*baselines, *candidates)}
    if len(runs) != len(baselines) + len(candidates):
        raise GateInputError("the same document is given twice; give each run once")
    problems = [
        p
        for r in (*baselines, *candidates)
        for p in run_problems(r, runs[r.label].phases, options.validity, exclude=exclude)
    ]
    refuse_if_invalid(problems + comparability_problems(baselines, candidates))
    calibration = Calibration.identity()
    if options.calibrate:
        reference = [r.label for r in (baselines or candidates)]
        calibration = calibrate(
            [(label, rp.phases) for label, rp in runs.items()],
            reference,
            options.calibrate,
            min_samples=options.min_calibration_samples,
        )
    cand = Side(tuple(runs[r.label] for r in candidates), calibration, exclude)
    checks = [evaluate(t, cand) for t in options.thresholds]
    if baselines:
        base = Side(tuple(runs[r.label] for r in baselines), calibration, exclude)
        checks += _comparisons(base, cand, options)
    factors = {label: calibration.factor(label) for label in runs} if calibration.active else {}
    checks = _machine_too_different(checks, factors, [r.label for r in candidates], options.max_speed_factor)
    return GateReport(
        baselines=tuple(r.label for r in baselines),
        candidates=tuple(r.label for r in candidates),
        checks=tuple(checks),
        settings=options.settings(),
        calibration=factors,
    )
