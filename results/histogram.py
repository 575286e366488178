"""Mergeable latency histograms (HDR, microsecond resolution) for results documents.

A thin, typed wrapper over the ``hdrhistogram`` package: values are recorded in microseconds from 1 µs
to ``MAX_LATENCY_US`` with ``SIGNIFICANT_DIGITS`` significant digits, and serialised with HDR's standard
compressed base64 encoding, so any HDR tool in any language can read them and histograms from several
Locust workers, phases or runs merge exactly.

Recording is the hot path of a drill (every request, in the load generator), and ``hdrhistogram`` records
in pure Python (~1 µs a value). So a value is first rounded down to the lowest value of its HDR bucket
(what HDR itself keeps of it: ``SIGNIFICANT_DIGITS`` digits) and counted in a small dict; the counts go
into the HDR histogram, one ``record_value`` per distinct bucket, before anything reads it. Counts,
percentiles, mean, min, max and the encoding are exactly those of recording each value directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hdrh.histogram import HdrHistogram

MAX_LATENCY_US = 120_000_000  # assumption: nothing a drill measures takes longer than 120 s
SIGNIFICANT_DIGITS = 3  # 0.1% value precision


class LatencyHistogram:
    """Latencies in microseconds. Mutable while recording; serialise with :meth:`encode`."""

    __slots__ = ("_exact_bits", "_hdr", "_pending", "_unit_bits")

    def __init__(self, hdr: HdrHistogram | None = None) -> None:
        self._hdr = hdr if hdr is not None else HdrHistogram(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
        self._pending: dict[int, int] = {}  # lowest value of an HDR bucket -> count not yet in _hdr
        # a value of up to _exact_bits bits is its own bucket; above, the low bits are dropped (HDR's
        # sub-bucket index: the value shifted right by its bucket index plus the unit magnitude)
        self._exact_bits = int(self._hdr.sub_bucket_half_count_magnitude) + 1
        self._unit_bits = int(self._hdr.unit_magnitude)

    def record_us(self, value_us: float, count: int = 1) -> None:
        value = min(max(1, round(value_us)), MAX_LATENCY_US)
        shift = value.bit_length() - self._exact_bits
        if shift < self._unit_bits:
            shift = self._unit_bits
        value = value >> shift << shift
        self._pending[value] = self._pending.get(value, 0) + count

    def record_ms(self, value_ms: float) -> None:
        self.record_us(value_ms * 1000.0)

    @property
    def _h(self) -> HdrHistogram:
        """The HDR histogram, with everything recorded so far."""
        if self._pending:
            for value, count in self._pending.items():
                self._hdr.record_value(value, count)
            self._pending.clear()
        return self._hdr

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
