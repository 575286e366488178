"""Evaluate absolute thresholds (:mod:`results.slo`) on the candidate runs, pooled.

Latencies in ms are compared as measured; a limit in ``x`` is compared with the latency divided by
the calibration endpoint's median (normalised, so it is the same on a fast and a slow machine).
A threshold that names an endpoint or journey the candidate lacks is an input error, not a pass.
"""

from __future__ import annotations

from gate.errors import GateInputError
from gate.model import CheckResult
from gate.side import Side
from results.slo import Threshold

_UNIT_TEXT = {"ms": "ms", "x": "x calibration", "ratio": "%", "per_s": "/s"}


def _show(value: float, unit: str) -> str:
    if unit == "ratio":
        return f"{value:.2%}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f} {_UNIT_TEXT[unit]}"


def _value(threshold: Threshold, cand: Side) -> tuple[float, int]:
    """The candidate's figure in the threshold's unit and the number of samples behind it."""
    metric, target = threshold.metric, threshold.target
    pooled = cand.pooled(target)
    if metric.kind == "error_rate":
        return pooled.error_rate, pooled.requests
    if metric.kind == "throughput":
        return pooled.throughput, pooled.completed
    if threshold.unit == "x":
        latency = cand.pooled_latency(target, normalised=True)
        divisor = cand.calibration.reference_ms
    else:
        latency, divisor = pooled.latency, 1.0
    if metric.kind == "mean":
        value = latency.mean()
    elif metric.kind == "max":
        value = latency.max()
    else:
        assert metric.quantile is not None  # a quantile metric always has one (Metric validates it)
        value = latency.quantile(metric.quantile)
    return value / divisor, latency.count


def evaluate(threshold: Threshold, cand: Side) -> CheckResult:
    where = f"{threshold.source}:{threshold.line_no}: {threshold.name}"
    if threshold.unit == "x" and not cand.calibration.active:
        raise GateInputError(f"{where}: a limit in x needs --calibrate ENDPOINT")
    try:
        value, samples = _value(threshold, cand)
    except KeyError as exc:
        raise GateInputError(f"{where}: {exc.args[0]}") from None
    unit = _UNIT_TEXT[threshold.unit]
    if samples == 0:
        return CheckResult(
            threshold.name,
            "threshold",
            "fail",
            "no samples",
            "the candidate has no samples for this target",
            unit,
        )
    met = threshold.holds(value)
    message = (
        f"{_show(value, threshold.unit)} {'meets' if met else 'breaks'} {threshold.op} "
        f"{_show(threshold.limit, threshold.unit)} ({samples} samples)"
    )
    return CheckResult(
        threshold.name,
        "threshold",
        "pass" if met else "fail",
        "met" if met else "breached",
        message,
        unit,
        None,
        value,
    )
