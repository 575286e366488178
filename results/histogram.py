"""Mergeable latency histograms (HDR, microsecond resolution) for results documents.

A thin, typed wrapper over the ``hdrhistogram`` package: values are recorded in microseconds from 1 µs
to ``MAX_LATENCY_US`` with ``SIGNIFICANT_DIGITS`` significant digits, and serialised with HDR's standard
compressed base64 encoding, so any HDR tool in any language can read them and histograms from several
Locust workers, phases or runs merge exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hdrh.histogram import HdrHistogram

MAX_LATENCY_US = 120_000_000  # assumption: nothing a drill measures takes longer than 120 s
SIGNIFICANT_DIGITS = 3  # 0.1% value precision


class LatencyHistogram:
    """Latencies in microseconds. Mutable while recording; serialise with :meth:`encode`."""

    __slots__ = ("_h",)

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        self._h = hdr if hdr is not None else HdrHistogram(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)

    def record_us(self, value_us: float, count: int = 1) -> None:
        self._h.record_value(min(max(1, round(value_us)), MAX_LATENCY_US), count)

    def record_ms(self, value_ms: float) -> None:
        self.record_us(value_ms * 1000.0)

    def merge(self, other: LatencyHistogram) -> LatencyHistogram:
        """Add ``other`` into this histogram (in place) and return self."""
        self._h.add(other._h)
        return self

    @property
    def count(self) -> int:
        return int(self._h.get_total_count())

    def percentile_ms(self, percentile: float) -> float:
        """Latency at ``percentile`` (0-100) in milliseconds; 0.0 for an empty histogram."""
        if self.count == 0:
            return 0.0
        return float(self._h.get_value_at_percentile(percentile)) / 1000.0

    def quantiles_ms(self, percentiles: Sequence[float]) -> list[float]:
        """The latency at each of ``percentiles`` (0-100) in ms, in one pass over the counts; all 0.0
        for an empty histogram."""
        if self.count == 0:
            return [0.0] * len(percentiles)
        values = self._h.get_percentile_to_value_dict(list(percentiles))
        return [float(values[p]) / 1000.0 for p in percentiles]

    def mean_ms(self) -> float:
        return float(self._h.get_mean_value()) / 1000.0 if self.count else 0.0

    def max_ms(self) -> float:
        return float(self._h.get_max_value()) / 1000.0 if self.count else 0.0

    def share_above_ms(self, threshold_ms: float) -> float:
        """Fraction of samples slower than ``threshold_ms`` (for SLO checks)."""
        if self.count == 0:
            return 0.0
        below = sum(
            item.count_added_in_this_iter_step
            for item in self._h.get_recorded_iterator()
            if item.value_iterated_to <= threshold_ms * 1000.0
        )
        return float(1.0 - below / self.count)

    def encode(self) -> str:
        return bytes(self._h.encode()).decode("ascii")

    @classmethod
    def decode(cls, encoded: str) -> LatencyHistogram:
        if not encoded:
            return cls()
        return cls(HdrHistogram.decode(encoded.encode("ascii")))

    @classmethod
    def merged(cls, encoded: Iterable[str]) -> LatencyHistogram:
        total = cls()
        for item in encoded:
            total.merge(cls.decode(item))
        return total

    def summary(self) -> dict[str, float]:
        return {
            "count": float(self.count),
            "mean_ms": self.mean_ms(),
            "p50_ms": self.percentile_ms(50),
            "p90_ms": self.percentile_ms(90),
            "p95_ms": self.percentile_ms(95),
            "p99_ms": self.percentile_ms(99),
            "max_ms": self.max_ms(),
        }
