"""Machine speed cancels out: a per-document speed factor from a calibration endpoint in the same run.

Each document's factor is the calibration endpoint's median latency in that run divided by the
reference (the median of the baseline runs' medians). A machine twice as slow doubles the factor;
the gate divides that run's latencies by it, so baseline and candidate are compared in the units of
the reference machine, and a threshold in ``x`` reads "times the calibration endpoint's median".

Pick an endpoint the change under test does not touch (``GET /healthz``: no Redis, no simulator, and
outside ``/api/`` so the stack's injected delay skips it). Its median is used because it is the
quantile least moved by queueing; a change that makes the whole server CPU-bound still moves it a
little, which then hides that part of the slowdown (documented in docs/gate.md).
Throughput is not rescaled: in a drill with fixed users and think times it is set by the offered
load, not by machine speed, until the system saturates.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gate.defaults import MIN_CALIBRATION_SAMPLES
from gate.errors import GateInputError, InvalidRunError
from gate.measure import measure
from results.document import Phase
from results.targets import Target

CALIBRATION_PERCENT = 50.0
"""The calibration endpoint's quantile that defines machine speed (the median: least queue-sensitive)."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Speed factor per document label (1.0 = the reference machine) and the reference median in ms."""

    endpoint: str
    reference_ms: float
    medians_ms: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.reference_ms > 0:
            raise ValueError(f"reference_ms={self.reference_ms!r}: must be > 0")

    def factor(self, label: str) -> float:
        return self.medians_ms[label] / self.reference_ms

    @classmethod
    def identity(cls) -> Calibration:
        return cls(endpoint="", reference_ms=1.0)

    @property
    def active(self) -> bool:
        return bool(self.endpoint)


def calibrate(
    runs: Sequence[tuple[str, Sequence[Phase]]],
    reference_labels: Sequence[str],
    endpoint: str,
    *,
    min_samples: int = MIN_CALIBRATION_SAMPLES,
) -> Calibration:
    """Measure ``endpoint``'s median in every run; the reference is the median over ``reference_labels``."""
    target = Target.parse(endpoint)
    if target.kind != "endpoint":
        raise GateInputError(f"--calibrate={endpoint!r}: must name an endpoint, e.g. 'GET /healthz'")
    medians: dict[str, float] = {}
    for label, phases in runs:
        try:
            latency = measure(phases, target).latency
        except KeyError as exc:
            raise GateInputError(f"--calibrate={endpoint!r}: {label}: {exc.args[0]}") from None
        if latency.count < min_samples:
            raise InvalidRunError(
                f"{label}: calibration endpoint {target.name!r} has {latency.count} samples "
                f"(need >= {min_samples} for a stable median)"
            )
        medians[label] = latency.quantile(CALIBRATION_PERCENT)
    reference = statistics.median(medians[label] for label in reference_labels)
    return Calibration(endpoint=target.name, reference_ms=reference, medians_ms=medians)
