"""Candidate against baseline: throughput and error rate (run and journeys).

- **Throughput** (requests/s; journeys: completions/s): with two or more runs per side, Welch's t
  interval (``scipy.stats.ttest_ind``) of the difference of the per-run rates and Cliff's delta over the
  runs; with one, a Poisson interval of the rate ratio from the counts. Noise: the range across repeats,
  else the stated floor. Absolute floor: ``throughput_floor`` per second.
- **Error rate**: the absolute change (percentage points); with repeats Welch's t interval over the
  per-run rates and Cliff's delta over the runs, with one run a Wald interval of the difference of two
  proportions. Noise: the range across repeats in points, else the stated floor.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

from scipy import stats

from gate.compare import CompareRules, noise_of, pct, repeated, signed_pct, skipped
from gate.decide import Evidence, Limits, decide
from gate.distribution import cliffs_delta_values
from gate.model import CheckResult
from gate.side import Side
from results.targets import Target


def _pp(value: float) -> str:
    return f"{value * 100:.2f} pp"


def welch_interval(
    base: Sequence[float], cand: Sequence[float], confidence: float
) -> tuple[float, float] | None:
    """Welch's t interval of mean(cand) − mean(base) over runs; None below two runs a side."""
    if len(base) < 2 or len(cand) < 2:
        return None
    if len(set(base)) == 1 and len(set(cand)) == 1:
        diff = cand[0] - base[0]
        return diff, diff
    with warnings.catch_warnings():  # near-identical repeats: scipy warns of precision loss, harmlessly
        warnings.simplefilter("ignore", RuntimeWarning)
        test = stats.ttest_ind(cand, base, equal_var=False)
        low, high = test.confidence_interval(confidence_level=confidence)
    return float(low), float(high)


def _run_effect(base: Side, cand: Side, b: list[float], c: list[float]) -> tuple[float | None, str]:
    if not repeated(base, cand):
        return None, ""
    return cliffs_delta_values(b, c), f"runs ({len(b)}×{len(c)})"


def compare_throughput(base: Side, cand: Side, target: Target, rules: CompareRules) -> CheckResult:
    name = f"throughput({target.label})"
    pb, pc = base.pooled(target), cand.pooled(target)
    if min(pb.completed, pc.completed) < rules.min_samples:
        return skipped(name, "/s", "completions", pb.completed, pc.completed, rules.min_samples)
    b_runs = [m.throughput for m in base.per_run(target)]
    c_runs = [m.throughput for m in cand.per_run(target)]
    change = pc.throughput / pb.throughput - 1.0
    mean_b = sum(b_runs) / len(b_runs)
    ci: tuple[float, float] | None
    if repeated(base, cand):
        diff = welch_interval(b_runs, c_runs, rules.confidence)
        ci = None if diff is None or mean_b <= 0 else (diff[0] / mean_b, diff[1] / mean_b)
    else:
        z = float(stats.norm.ppf(0.5 + rules.confidence / 2))
        half = z * math.sqrt(1.0 / pb.completed + 1.0 / pc.completed)
        log_ratio = math.log(pc.throughput / pb.throughput)
        ci = (math.exp(log_ratio - half) - 1.0, math.exp(log_ratio + half) - 1.0)
    noise, source = noise_of([b_runs, c_runs], rules.stated_throughput_floor(), relative=True)
    effect, level = _run_effect(base, cand, b_runs, c_runs)
    evidence = Evidence(change, ci, noise, source, pc.throughput - pb.throughput, effect, level)
    limits = Limits(rules.tolerance, rules.throughput_floor, pct, lambda v: f"{v:+.2f}/s")
    verdict = decide(evidence, limits, "lower_is_worse")
    shown_ci = "" if ci is None else f", {rules.confidence:.0%} CI {signed_pct(ci[0])} … {signed_pct(ci[1])}"
    message = (
        f"{pb.throughput:.2f} → {pc.throughput:.2f}/s ({signed_pct(change)}{shown_ci}): {verdict.reason}"
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
        effect,
        level,
    )


def compare_error_rate(base: Side, cand: Side, target: Target, rules: CompareRules) -> CheckResult:
    name = f"error_rate({target.label})"
    pb, pc = base.pooled(target), cand.pooled(target)
    if min(pb.requests, pc.requests) < rules.min_samples:
        return skipped(name, "%", "requests", pb.requests, pc.requests, rules.min_samples)
    rb, rc = pb.error_rate, pc.error_rate
    change = rc - rb
    b_runs = [m.error_rate for m in base.per_run(target)]
    c_runs = [m.error_rate for m in cand.per_run(target)]
    ci = welch_interval(b_runs, c_runs, rules.confidence) if repeated(base, cand) else None
    if ci is None:
        z = float(stats.norm.ppf(0.5 + rules.confidence / 2))
        half = z * math.sqrt(rb * (1 - rb) / pb.requests + rc * (1 - rc) / pc.requests)
        ci = (change - half, change + half)
    noise, source = noise_of([b_runs, c_runs], rules.error_rate_noise_floor, relative=False)
    effect, level = _run_effect(base, cand, b_runs, c_runs)
    evidence = Evidence(change, ci, noise, source, change, effect, level)
    limits = Limits(rules.error_rate_tolerance, 0.0, _pp, _pp)
    verdict = decide(evidence, limits, "higher_is_worse")
    message = f"{rb:.2%} → {rc:.2%} ({change * 100:+.2f} pp): {verdict.reason}"
    return CheckResult(
        name,
        "comparison",
        verdict.status,
        verdict.verdict,
        message,
        "%",
        rb,
        rc,
        change,
        ci,
        noise,
        effect,
        level,
    )
