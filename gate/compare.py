"""Candidate against baseline: latency quantiles, with evidence judged at the right level.

- **One run per side** (or one candidate run): the relative change of the pooled quantile, a seeded
  bootstrap interval over the requests (:func:`~gate.distribution.bootstrap_quantile_change`), Cliff's
  delta over the requests. Requests within one run are not independent draws of the run-to-run
  variation, so that interval only says whether the change is distinguishable at all: the noise floor
  decides: measured when the baseline has repeats (A/A runs kept with it), else stated
  (:mod:`gate.defaults`, ``--noise-floor``).
- **Repeats on both sides**: run-level statistics: the change of the mean per-run quantile, a
  hierarchical bootstrap interval (runs, then requests:
  :func:`~gate.distribution.hierarchical_quantile_change`), Cliff's delta over the runs, and the noise
  measured between repeats.

Throughput and error rate are in :mod:`gate.compare_rates`. Every verdict goes through
:func:`gate.decide.decide`: a FAIL needs a material, significant change beyond the noise floor and the
absolute floor, with a non-negligible effect; what cannot be decided is inconclusive.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from gate.decide import Evidence, Limits, NoiseSource, decide
from gate.defaults import (
    CONFIDENCE,
    ERROR_RATE_TOLERANCE,
    LATENCY_FLOOR_MS,
    MIN_COMPARE_SAMPLES,
    N_RESAMPLES,
    NOISE_FLOOR_ERROR_RATE,
    NOISE_FLOOR_LATENCY,
    NOISE_FLOOR_LATENCY_CALIBRATED,
    NOISE_FLOOR_THROUGHPUT,
    QUANTILES,
    THROUGHPUT_FLOOR_PER_S,
    TOLERANCE,
)
from gate.distribution import (
    bootstrap_quantile_change,
    cliffs_delta,
    cliffs_delta_values,
    effect_magnitude,
    hierarchical_quantile_change,
)
from gate.model import CheckResult
from gate.side import Side, spread
from results.targets import Target


@dataclass(frozen=True, slots=True)
class CompareRules:
    """``noise_floor`` (None: the stated defaults) overrides the stated floor of latency and throughput."""

    tolerance: float = TOLERANCE
    error_rate_tolerance: float = ERROR_RATE_TOLERANCE
    confidence: float = CONFIDENCE
    quantiles: tuple[float, ...] = QUANTILES
    min_samples: int = MIN_COMPARE_SAMPLES
    n_resamples: int = N_RESAMPLES
    seed: int = 0
    noise_floor: float | None = None
    latency_floor_ms: float = LATENCY_FLOOR_MS
    throughput_floor: float = THROUGHPUT_FLOOR_PER_S
    error_rate_noise_floor: float = NOISE_FLOOR_ERROR_RATE

    def __post_init__(self) -> None:
        for key, value in (
            ("tolerance", self.tolerance),
            ("error_rate_tolerance", self.error_rate_tolerance),
            ("noise_floor", 0.0 if self.noise_floor is None else self.noise_floor),
            ("latency_floor_ms", self.latency_floor_ms),
            ("throughput_floor", self.throughput_floor),
            ("error_rate_noise_floor", self.error_rate_noise_floor),
        ):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{key}={value!r}: must be a finite number >= 0")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence={self.confidence!r}: must lie strictly between 0 and 1")
        if not self.quantiles or any(not 0.0 < q < 100.0 for q in self.quantiles):
            raise ValueError(f"quantiles={self.quantiles!r}: need one or more, each in (0, 100)")
        if self.min_samples < 1 or self.n_resamples < 100:
            raise ValueError(f"min_samples={self.min_samples!r} n_resamples={self.n_resamples!r}: too small")

    def stated_latency_floor(self, calibrated: bool) -> float:
        if self.noise_floor is not None:
            return self.noise_floor
        return NOISE_FLOOR_LATENCY_CALIBRATED if calibrated else NOISE_FLOOR_LATENCY

    def stated_throughput_floor(self) -> float:
        return NOISE_FLOOR_THROUGHPUT if self.noise_floor is None else self.noise_floor


def pct(value: float) -> str:
    return f"{value:.1%}"


def signed_pct(value: float) -> str:
    return f"{value:+.1%}"


def repeated(base: Side, cand: Side) -> bool:
    """Run-level statistics need several runs on both sides."""
    return len(base.runs) >= 2 and len(cand.runs) >= 2


def noise_of(per_side: list[list[float]], stated: float, *, relative: bool) -> tuple[float, NoiseSource]:
    """The larger spread between repeats of either side; the stated floor when neither has repeats."""
    spreads = [s for s in (spread(v, relative=relative) for v in per_side) if s is not None]
    return (max(spreads), "measured") if spreads else (stated, "stated")


def skipped(name: str, unit: str, what: str, b: int, c: int, need: int) -> CheckResult:
    return CheckResult(
        name,
        "comparison",
        "skipped",
        "too few samples",
        f"{b} baseline and {c} candidate {what} (need >= {need} each)",
        unit,
    )


def compare_quantile(
    base: Side, cand: Side, target: Target, percent: float, rules: CompareRules
) -> CheckResult:
    name = f"p{percent:g}({target.label})"
    normalised = base.calibration.active and target.kind != "journey"
    unit = "ms (calibrated)" if normalised else "ms"
    pooled_b = base.pooled_latency(target, normalised=normalised, percent=percent)
    pooled_c = cand.pooled_latency(target, normalised=normalised, percent=percent)
    if min(pooled_b.count, pooled_c.count) < rules.min_samples:
        return skipped(name, unit, "samples", pooled_b.count, pooled_c.count, rules.min_samples)
    runs_b = base.latencies(target, normalised=normalised, percent=percent)
    runs_c = cand.latencies(target, normalised=normalised, percent=percent)
    per_run = [[d.quantile(percent) for d in runs] for runs in (runs_b, runs_c)]
    noise, source = noise_of(per_run, rules.stated_latency_floor(normalised), relative=True)
    if repeated(base, cand) and all(d.count for d in (*runs_b, *runs_c)):
        b, c = statistics.fmean(per_run[0]), statistics.fmean(per_run[1])
        ci = hierarchical_quantile_change(
            runs_b,
            runs_c,
            percent,
            confidence=rules.confidence,
            n_resamples=rules.n_resamples,
            seed=rules.seed,
        )
        delta, level = cliffs_delta_values(per_run[0], per_run[1]), f"runs ({len(runs_b)}×{len(runs_c)})"
        how = "mean of the runs' quantiles, hierarchical bootstrap"
    else:
        b, c = pooled_b.quantile(percent), pooled_c.quantile(percent)
        ci = bootstrap_quantile_change(
            pooled_b,
            pooled_c,
            percent,
            confidence=rules.confidence,
            n_resamples=rules.n_resamples,
            seed=rules.seed,
        )
        delta, level = cliffs_delta(pooled_b, pooled_c), "requests"
        how = "pooled, bootstrap over requests"
    change = c / b - 1.0 if b > 0 else 0.0
    evidence = Evidence(change, ci, noise, source, c - b, delta, level)
    limits = Limits(rules.tolerance, rules.latency_floor_ms, pct, lambda v: f"{v:+.2f} ms")
    verdict = decide(evidence, limits, "higher_is_worse")
    message = (
        f"{b:.2f} → {c:.2f} {unit} ({signed_pct(change)}; {how}, {rules.confidence:.0%} CI "
        f"{signed_pct(ci[0])} … {signed_pct(ci[1])}; Cliff's δ over {level} {delta:+.2f}, "
        f"{effect_magnitude(delta)}): {verdict.reason}"
    )
    return CheckResult(
        name,
        "comparison",
        verdict.status,
        verdict.verdict,
        message,
        unit,
        b,
        c,
        change,
        ci,
        noise,
        delta,
        level,
    )
