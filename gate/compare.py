"""Candidate against baseline: latency quantiles, throughput and error rate, with evidence.

- **Latency quantiles** (per run, endpoint and journey): the pooled histograms of each side
  (normalised by calibration when asked), the relative change of the quantile with a seeded bootstrap
  confidence interval (:func:`~gate.distribution.bootstrap_quantile_change`), Cliff's delta as
  the effect size, and the noise: the range of that quantile across repeats of each side.
- **Throughput** (run and journeys): with two or more runs per side, Welch's t interval
  (``scipy.stats.ttest_ind``) of the difference of the per-run means; with one, a Poisson interval of
  the rate ratio from the request counts. Noise: the range across repeats.
- **Error rate** (run and journeys): the absolute change with a Wald interval of the difference of
  two proportions; noise: the range across repeats, in percentage points.

Every verdict goes through :func:`gate.decide.decide`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

from scipy import stats

from gate.decide import decide
from gate.defaults import (
    CONFIDENCE,
    ERROR_RATE_TOLERANCE,
    MIN_COMPARE_SAMPLES,
    N_RESAMPLES,
    QUANTILES,
    TOLERANCE,
)
from gate.distribution import bootstrap_quantile_change, cliffs_delta, effect_magnitude
from gate.model import CheckResult
from gate.side import Side, spread
from results.targets import Target


@dataclass(frozen=True, slots=True)
class CompareRules:
    tolerance: float = TOLERANCE
    error_rate_tolerance: float = ERROR_RATE_TOLERANCE
    confidence: float = CONFIDENCE
    quantiles: tuple[float, ...] = QUANTILES
    min_samples: int = MIN_COMPARE_SAMPLES
    n_resamples: int = N_RESAMPLES
    seed: int = 0

    def __post_init__(self) -> None:
        for key, value in (
            ("tolerance", self.tolerance),
            ("error_rate_tolerance", self.error_rate_tolerance),
        ):
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{key}={value!r}: must be a finite number >= 0")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence={self.confidence!r}: must lie strictly between 0 and 1")
        if not self.quantiles or any(not 0.0 < q < 100.0 for q in self.quantiles):
            raise ValueError(f"quantiles={self.quantiles!r}: need one or more, each in (0, 100)")
        if self.min_samples < 1 or self.n_resamples < 100:
            raise ValueError(f"min_samples={self.min_samples!r} n_resamples={self.n_resamples!r}: too small")


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _pp(value: float) -> str:
    return f"{value * 100:.2f} pp"


def _signed_pct(value: float) -> str:
    return f"{value:+.1%}"


def compare_quantile(
    base: Side, cand: Side, target: Target, percent: float, rules: CompareRules
) -> CheckResult:
    name = f"p{percent:g}({target.label})"
    normalised = base.calibration.active and target.kind != "journey"
    unit = "ms (calibrated)" if normalised else "ms"
    pooled_b = base.pooled_latency(target, normalised=normalised)
    pooled_c = cand.pooled_latency(target, normalised=normalised)
    if min(pooled_b.count, pooled_c.count) < rules.min_samples:
        return CheckResult(
            name,
            "comparison",
            "skipped",
            "too few samples",
            f"{pooled_b.count} baseline and {pooled_c.count} candidate samples "
            f"(need >= {rules.min_samples} each)",
            unit,
        )
    b, c = pooled_b.quantile(percent), pooled_c.quantile(percent)
    change = c / b - 1.0
    ci = bootstrap_quantile_change(
        pooled_b,
        pooled_c,
        percent,
        confidence=rules.confidence,
        n_resamples=rules.n_resamples,
        seed=rules.seed,
    )
    spreads = [
        spread([d.quantile(percent) for d in side.latencies(target, normalised=normalised)], relative=True)
        for side in (base, cand)
    ]
    noise = max((s for s in spreads if s is not None), default=None)
    delta = cliffs_delta(pooled_b, pooled_c)
    verdict = decide(change, ci, noise, rules.tolerance, "higher_is_worse", _pct)
    message = (
        f"{b:.2f} → {c:.2f} {unit} ({_signed_pct(change)}, {rules.confidence:.0%} CI "
        f"{_signed_pct(ci[0])} … {_signed_pct(ci[1])}; Cliff's δ {delta:+.2f}, {effect_magnitude(delta)}): "
        f"{verdict.reason}"
    )
    return CheckResult(
        name, "comparison", verdict.status, verdict.verdict, message, unit, b, c, change, ci, noise, delta
    )


def _throughput_ci(base: Side, cand: Side, target: Target, confidence: float) -> tuple[float, float] | None:
    b_runs = [m.throughput for m in base.per_run(target)]
    c_runs = [m.throughput for m in cand.per_run(target)]
    mean_b = sum(b_runs) / len(b_runs)
    if mean_b <= 0:
        return None
    if len(b_runs) >= 2 and len(c_runs) >= 2:
        if len(set(b_runs)) == 1 and len(set(c_runs)) == 1:
            diff = c_runs[0] - b_runs[0]
            return diff / mean_b, diff / mean_b
        with warnings.catch_warnings():  # near-identical repeats: scipy warns of precision loss, harmlessly
            warnings.simplefilter("ignore", RuntimeWarning)
            test = stats.ttest_ind(c_runs, b_runs, equal_var=False)
            low, high = test.confidence_interval(confidence_level=confidence)
        return float(low) / mean_b, float(high) / mean_b
    pb, pc = base.pooled(target), cand.pooled(target)
    if pb.completed == 0 or pc.completed == 0:
        return None
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    log_ratio = math.log(pc.throughput / pb.throughput)
    half = z * math.sqrt(1.0 / pb.completed + 1.0 / pc.completed)
    return math.exp(log_ratio - half) - 1.0, math.exp(log_ratio + half) - 1.0


def compare_throughput(base: Side, cand: Side, target: Target, rules: CompareRules) -> CheckResult:
    name = f"throughput({target.label})"
    pb, pc = base.pooled(target), cand.pooled(target)
    if min(pb.completed, pc.completed) < rules.min_samples:
        return CheckResult(
            name,
            "comparison",
            "skipped",
            "too few samples",
            f"{pb.completed} baseline and {pc.completed} candidate completions "
            f"(need >= {rules.min_samples} each)",
            "/s",
        )
    change = pc.throughput / pb.throughput - 1.0
    ci = _throughput_ci(base, cand, target, rules.confidence)
    spreads = [spread([m.throughput for m in side.per_run(target)], relative=True) for side in (base, cand)]
    noise = max((s for s in spreads if s is not None), default=None)
    verdict = decide(change, ci, noise, rules.tolerance, "lower_is_worse", _pct)
    shown_ci = (
        "" if ci is None else f", {rules.confidence:.0%} CI {_signed_pct(ci[0])} … {_signed_pct(ci[1])}"
    )
    message = (
        f"{pb.throughput:.2f} → {pc.throughput:.2f}/s ({_signed_pct(change)}{shown_ci}): {verdict.reason}"
    )
    return CheckResult(
        name,
        "comparison",
        verdict.status,
        verdict.verdict,
        message,
        "/s",
        pb.throughput,
        pc.throughput,
        change,
        ci,
        noise,
    )


def compare_error_rate(base: Side, cand: Side, target: Target, rules: CompareRules) -> CheckResult:
    name = f"error_rate({target.label})"
    pb, pc = base.pooled(target), cand.pooled(target)
    if min(pb.requests, pc.requests) < rules.min_samples:
        return CheckResult(
            name,
            "comparison",
            "skipped",
            "too few samples",
            f"{pb.requests} baseline and {pc.requests} candidate requests (need >= {rules.min_samples} each)",
            "%",
        )
    rb, rc = pb.error_rate, pc.error_rate
    change = rc - rb
    z = float(stats.norm.ppf(0.5 + rules.confidence / 2))
    half = z * math.sqrt(rb * (1 - rb) / pb.requests + rc * (1 - rc) / pc.requests)
    ci = (change - half, change + half)
    spreads = [spread([m.error_rate for m in side.per_run(target)], relative=False) for side in (base, cand)]
    noise = max((s for s in spreads if s is not None), default=None)
    verdict = decide(change, ci, noise, rules.error_rate_tolerance, "higher_is_worse", _pp)
    message = f"{rb:.2%} → {rc:.2%} ({change * 100:+.2f} pp): {verdict.reason}"
    return CheckResult(
        name, "comparison", verdict.status, verdict.verdict, message, "%", rb, rc, change, ci, noise
    )
