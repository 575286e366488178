"""Self-validation: fit on the lower levels, predict the held-out higher ones, report the error.

The highest ``holdout_share`` of the measured concurrency levels (at least one) are held out; the three
models of :mod:`capacity.sizing.models` are built from the rest alone and asked for the held-out levels'
goodput. The USL's prediction *held* when its relative error at every held-out level is within the
tolerance. ``validated_up_to`` is the highest concurrency up to which every held-out prediction held (the
range a sizing may rely on); a sizing whose operating point lies past it is marked as an extrapolation.

When there are too few levels to hold any out and still fit (the USL needs at least 6 points on 3
levels), validation is *skipped* with the reason: nothing is claimed.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from capacity.exceptions import ModelError
from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.models import MODEL_NAMES, ModelName, build_predictors
from capacity.usl import MIN_LEVELS, MIN_POINTS

Status = Literal["held", "failed", "skipped"]


@dataclass(frozen=True)
class HeldOutLevel:
    """One held-out level: measured goodput (repeats averaged) and each model's prediction."""

    concurrency: float
    measured: float
    predicted: Mapping[str, float]

    def error(self, model: str) -> float:
        """Relative error (predicted − measured) / measured."""
        return (self.predicted[model] - self.measured) / self.measured


@dataclass(frozen=True)
class PredictionError:
    """Summary of one model's held-out errors."""

    mean_abs: float
    max_abs: float


@dataclass(frozen=True)
class Validation:
    status: Status
    reason: str
    tolerance: float
    training_levels: tuple[float, ...] = ()
    held_out: tuple[HeldOutLevel, ...] = ()
    errors: Mapping[str, PredictionError] = field(default_factory=lambda: MappingProxyType({}))
    validated_up_to: float | None = None

    @property
    def held(self) -> bool:
        return self.status == "held"


def _split(profile: MeasuredProfile, holdout_share: float) -> tuple[float, int] | str:
    """The highest training level and the number of levels held out, or why no split works."""
    levels = profile.distinct_levels
    wanted = max(1, round(len(levels) * holdout_share))
    for held in range(wanted, 0, -1):
        top = levels[-held - 1] if held < len(levels) else None
        if top is None:
            continue
        training = profile.subset(top)
        if len(training.levels) >= MIN_POINTS and len(training.distinct_levels) >= MIN_LEVELS:
            return top, held
    return (
        f"too few levels to validate: {len(profile.levels)} points on {len(levels)} levels; holding out "
        f"the highest level must leave at least {MIN_POINTS} points on {MIN_LEVELS} levels to fit"
    )


def validate(
    profile: MeasuredProfile, *, tolerance: float, holdout_share: float, model: ModelName = "usl"
) -> Validation:
    """Hold out the highest levels, fit the three models on the others, compare their predictions; the
    verdict is ``model``'s (the one the sizing rests on)."""
    split = _split(profile, holdout_share)
    if isinstance(split, str):
        return Validation(status="skipped", reason=split, tolerance=tolerance)
    top, held_count = split
    training = profile.subset(top)
    try:
        predictors = build_predictors(training)
    except ModelError as exc:
        return Validation(
            status="skipped", reason=f"fit on the lower levels failed: {exc}", tolerance=tolerance
        )
    held_out = tuple(
        HeldOutLevel(
            concurrency=n,
            measured=profile.level_throughput(n),
            predicted=MappingProxyType({name: predictors.throughput(name, n) for name in MODEL_NAMES}),
        )
        for n in profile.distinct_levels[-held_count:]
    )
    errors: dict[str, PredictionError] = {name: _summary(held_out, name) for name in MODEL_NAMES}
    validated: float | None = None
    for level in held_out:
        if abs(level.error(model)) > tolerance:
            break
        validated = level.concurrency
    status: Status = "held" if validated == held_out[-1].concurrency else "failed"
    worst = errors[model].max_abs
    built = "fitted" if model == "usl" else "built"
    name = model.upper()
    reason = (
        f"{name} {built} on {len(training.levels)} points up to N={top:g} predicts the {held_count} held-out "
        f"level(s) up to N={held_out[-1].concurrency:g} within {worst:.1%} (tolerance {tolerance:.0%})"
        if status == "held"
        else f"{name} {built} on {len(training.levels)} points up to N={top:g} misses a held-out level by "
        f"{worst:.1%} (tolerance {tolerance:.0%}); the measured curve does not follow the {name} there"
    )
    return Validation(
        status=status,
        reason=reason,
        tolerance=tolerance,
        training_levels=training.distinct_levels,
        held_out=held_out,
        errors=MappingProxyType(errors),
        validated_up_to=validated,
    )


def _summary(held_out: tuple[HeldOutLevel, ...], model: ModelName) -> PredictionError:
    errors = [abs(level.error(model)) for level in held_out]
    return PredictionError(mean_abs=statistics.fmean(errors), max_abs=max(errors))


@dataclass(frozen=True)
class CrossCheck:
    """The three models at the sizing's operating point: per-node goodput, node counts, their spread."""

    concurrency: float
    throughput: Mapping[str, float]
    nodes: Mapping[str, int]

    @property
    def spread(self) -> float:
        """Largest over smallest node count, minus 1 (0 = the models agree)."""
        counts = list(self.nodes.values())
        return max(counts) / min(counts) - 1.0 if min(counts) > 0 else math.inf
