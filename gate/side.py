"""One side of a comparison (the baseline runs, or the candidate runs): repeats of one experiment.

It answers per target: each run's own figures (for the noise between repeats) and the pooled figures
(histograms merged, counts and durations summed), with request latencies divided by each run's
calibration factor when ``normalised`` (quantile-matched: see :mod:`gate.calibrate`). Journey
durations are never rescaled: most of a journey is the users' think time, which does not depend on the
machine.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from gate.calibrate import CALIBRATION_PERCENT, Calibration
from gate.distribution import Distribution
from gate.measure import Measured, measure
from results.document import Phase
from results.targets import Target


@dataclass(frozen=True, slots=True)
class RunPhases:
    label: str
    phases: tuple[Phase, ...]


@dataclass(frozen=True, slots=True)
class Side:
    runs: tuple[RunPhases, ...]
    calibration: Calibration = field(default_factory=Calibration.identity)
    exclude: frozenset[str] = frozenset()
    _cache: dict[Target, tuple[Measured, ...]] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.runs:
            raise ValueError("runs=(): a side needs at least one run")

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(r.label for r in self.runs)

    def per_run(self, target: Target) -> tuple[Measured, ...]:
        """Each run's figures for ``target``; :class:`KeyError` when a run lacks it."""
        if target not in self._cache:
            found = []
            for run in self.runs:
                try:
                    found.append(measure(run.phases, target, exclude=self.exclude))
                except KeyError as exc:
                    raise KeyError(f"{run.label}: {exc.args[0]}") from None
            self._cache[target] = tuple(found)
        return self._cache[target]

    def has(self, target: Target) -> bool:
        try:
            self.per_run(target)
        except KeyError:
            return False
        return True

    def latencies(
        self, target: Target, *, normalised: bool, percent: float = CALIBRATION_PERCENT
    ) -> tuple[Distribution, ...]:
        """Each run's latencies; ``normalised``: divided by the run's speed factor at ``percent``."""
        measured = self.per_run(target)
        if not (normalised and self.calibration.active) or target.kind == "journey":
            return tuple(m.latency for m in measured)
        return tuple(
            m.latency.scaled(self.calibration.factor(run.label, percent))
            for m, run in zip(measured, self.runs, strict=True)
        )

    def pooled_latency(
        self, target: Target, *, normalised: bool, percent: float = CALIBRATION_PERCENT
    ) -> Distribution:
        return Distribution.merged(self.latencies(target, normalised=normalised, percent=percent))

    def pooled(self, target: Target) -> Measured:
        """Counts and durations summed over the runs (latency unnormalised)."""
        measured = self.per_run(target)
        return Measured(
            requests=sum(m.requests for m in measured),
            failures=sum(m.failures for m in measured),
            completed=sum(m.completed for m in measured),
            duration_s=sum(m.duration_s for m in measured),
            latency=Distribution.merged(m.latency for m in measured),
        )


def spread(values: Sequence[float], *, relative: bool) -> float | None:
    """The noise between repeats: range of ``values`` (relative to their median); None below 2 runs."""
    if len(values) < 2:
        return None
    low, high = min(values), max(values)
    if not relative:
        return high - low
    middle = statistics.median(values)
    return (high - low) / middle if middle > 0 else 0.0
