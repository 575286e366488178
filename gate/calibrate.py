"""Machine speed cancels out: per-document speed factors from a calibration endpoint in the same run.

Each document's **speed factor** is the calibration endpoint's median latency in that run divided by
the reference (the median of the baseline runs' medians). A machine twice as slow doubles the factor;
thresholds in ``x`` read "times the calibration endpoint's median".

A latency **quantile** q is normalised by the calibration endpoint's own quantile q in that run
(quantile-matched: :meth:`Calibration.factor` with ``percent``): a busy machine stretches the tails far
more than the median (scheduling delays), and it stretches them alike for every endpoint served by
the same process. Measured on this project's smoke drills: p95 of the run over the median of
``GET /healthz`` ranged 4.5 to 13.8 between runs of the same code on a loaded 2-core machine, p95 of
the run over p95 of ``GET /healthz`` 1.6 to 2.3 (docs/gate.md).

Pick an endpoint the change under test does not touch (``GET /healthz``: no Redis, no simulator, and
outside ``/api/`` so the stack's injected delay skips it). A change that makes the whole server
CPU-bound still moves it, more in the tail than in the median, which then hides that part of the
slowdown (documented in docs/gate.md). Throughput is not rescaled: in a drill with fixed users and
think times it is set by the offered load, not by machine speed, until the system saturates.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from gate.defaults import MIN_CALIBRATION_SAMPLES
from gate.distribution import Distribution
from gate.errors import GateInputError, InvalidRunError
from gate.measure import measure
from results.document import Phase
from results.targets import Target

CALIBRATION_PERCENT = 50.0
"""The calibration endpoint's quantile that defines machine speed (the median: least queue-sensitive)."""


@dataclass(frozen=True, slots=True)
class Calibration:
    """Speed factor per document label (1.0 = the reference machine) and the reference median in ms.

    ``latencies`` holds each run's calibration-endpoint distribution and ``reference_labels`` the runs
    whose median quantile is the reference, for quantile-matched factors."""

    endpoint: str
    reference_ms: float
    medians_ms: Mapping[str, float] = field(default_factory=dict)
    latencies: Mapping[str, Distribution] = field(default_factory=dict)
    reference_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.reference_ms > 0:
            raise ValueError(f"reference_ms={self.reference_ms!r}: must be > 0")

    def factor(self, label: str, percent: float = CALIBRATION_PERCENT) -> float:
        """The run's speed factor at quantile ``percent`` (the median by default)."""
        if percent == CALIBRATION_PERCENT or not self.latencies:
            return self.medians_ms[label] / self.reference_ms
        reference = statistics.median(self.latencies[r].quantile(percent) for r in self.reference_labels)
        value = self.latencies[label].quantile(percent)
        return value / reference if reference > 0 and value > 0 else self.factor(label)

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
    latencies: dict[str, Distribution] = {}
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
        latencies[label] = latency
    reference = statistics.median(medians[label] for label in reference_labels)
    return Calibration(target.name, reference, medians, latencies, tuple(reference_labels))
