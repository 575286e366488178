"""Recording through :class:`LatencyHistogram`'s buffer gives exactly what HDR gives value by value."""

from __future__ import annotations

import random

from hdrh.histogram import HdrHistogram

from results.histogram import MAX_LATENCY_US, SIGNIFICANT_DIGITS, LatencyHistogram

EDGES_US = [0.2, 1, 2, 2047, 2048, 2049, 4095, 4096, 4097, 65_535.6, 1_000_003, MAX_LATENCY_US, 3e8]


def _values(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.lognormvariate(9, 2) for _ in range(n)] + EDGES_US


def _direct(values: list[float]) -> HdrHistogram:
    hdr = HdrHistogram(1, MAX_LATENCY_US, SIGNIFICANT_DIGITS)
    for value in values:
        hdr.record_value(min(max(1, round(value)), MAX_LATENCY_US))
    return hdr


def test_buffered_recording_equals_recording_each_value_in_hdr() -> None:
    values = _values(1, 20_000)
    direct = LatencyHistogram(_direct(values))
    buffered = LatencyHistogram()
    for value in values:
        buffered.record_us(value)
    assert buffered.count == direct.count == len(values)
    assert buffered.encode() == direct.encode()
    assert buffered.summary() == direct.summary()
    assert buffered.quantiles_ms([1, 25, 50, 99.9]) == direct.quantiles_ms([1, 25, 50, 99.9])
    assert buffered.share_above_ms(8.0) == direct.share_above_ms(8.0)


def test_values_still_buffered_are_merged_and_encoded() -> None:
    first, second = _values(2, 3_000), _values(3, 3_000)
    a, b = LatencyHistogram(), LatencyHistogram()
    for value in first:
        a.record_ms(value / 1000.0)
    for value in second:
        b.record_us(value, count=2)
    merged = LatencyHistogram().merge(a).merge(b)  # neither was read before: all still buffered
    expected = _direct(first + second + second)
    assert merged.encode() == LatencyHistogram(expected).encode()
    assert LatencyHistogram.decode(merged.encode()).count == len(first) + 2 * len(second)
