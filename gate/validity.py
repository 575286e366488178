"""Runs the gate refuses to judge (exit 2, with the reason): the evidence itself is not trustworthy.

- the drill marked the run invalid (``validity.valid`` false; its failed checks are the reasons);
- the load generator was saturated in a chosen phase (it then measured itself, not the system);
- too few requests in the chosen phases to say anything about a distribution;
- baseline and candidate ran different scenarios (they are not the same experiment).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gate.defaults import MAX_GENERATOR_CPU_PERCENT, MIN_RUN_SAMPLES
from gate.errors import InvalidRunError
from gate.measure import RunDoc, measure
from results.document import Phase
from results.targets import Target


@dataclass(frozen=True, slots=True)
class ValidityRules:
    max_generator_cpu_percent: float = MAX_GENERATOR_CPU_PERCENT
    min_samples: int = MIN_RUN_SAMPLES

    def __post_init__(self) -> None:
        if not self.max_generator_cpu_percent > 0:
            raise ValueError(f"max_generator_cpu_percent={self.max_generator_cpu_percent!r}: must be > 0")
        if self.min_samples < 1:
            raise ValueError(f"min_samples={self.min_samples!r}: must be >= 1")


def run_problems(
    run: RunDoc, phases: Sequence[Phase], rules: ValidityRules, *, exclude: frozenset[str] = frozenset()
) -> list[str]:
    """Why ``run`` cannot be judged (empty when it can)."""
    problems = []
    if not run.doc.validity.valid:
        reasons = "; ".join(run.doc.validity.reasons) or "no reason given"
        problems.append(f"{run.label}: the drill marked the run invalid: {reasons}")
    for phase in phases:
        gen = phase.generator
        if gen is not None and gen.cpu_percent_mean > rules.max_generator_cpu_percent:
            problems.append(
                f"{run.label}: phase {phase.name!r}: load generator saturated: CPU mean "
                f"{gen.cpu_percent_mean:.0f}% > {rules.max_generator_cpu_percent:.0f}% per process"
            )
    requests = measure(phases, Target("run"), exclude=exclude).requests
    if requests < rules.min_samples:
        problems.append(f"{run.label}: too few samples: {requests} requests (need >= {rules.min_samples})")
    return problems


def comparability_problems(baselines: Sequence[RunDoc], candidates: Sequence[RunDoc]) -> list[str]:
    scenarios = {r.label: r.doc.run.scenario for r in (*baselines, *candidates)}
    if len(set(scenarios.values())) > 1:
        listed = ", ".join(f"{label}: {name!r}" for label, name in scenarios.items())
        return [f"the runs are not the same experiment: scenarios differ ({listed})"]
    return []


def refuse_if_invalid(problems: Sequence[str]) -> None:
    if problems:
        raise InvalidRunError("refusing to judge invalid runs:\n  " + "\n  ".join(problems))
