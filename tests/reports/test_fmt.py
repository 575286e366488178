"""Numbers as a person reads them: units, thousands separators, sensible rounding, dashes for nothing."""

from __future__ import annotations

import pytest

from reports import fmt


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.8412, "0.84 ms"), (12.34, "12.3 ms"), (1234.5, "1,234 ms"), (None, "–"), (float("nan"), "–")],
)
def test_ms_keeps_three_significant_digits(value: float | None, text: str) -> None:
    assert fmt.ms(value) == text


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0, "0%"), (0.01, "1%"), (0.0123, "1.23%"), (0.456, "45.6%"), (0.00001, "<0.01%"), (None, "–")],
)
def test_percent(share: float | None, text: str) -> None:
    assert fmt.percent(share) == text


def test_numbers_counts_rates_and_sizes() -> None:
    assert fmt.count(120_000) == "120,000"
    assert fmt.number(0.0205) == "0.0205"
    assert fmt.number(80.0) == "80"
    assert fmt.number(1234.5678) == "1,235"
    assert fmt.rate(1234.4) == "1,234 req/s"
    assert fmt.rate(0.42, "/s") == "0.42 /s"
    assert fmt.mib(190 << 20) == "190 MiB"
    assert fmt.mib(8 << 30) == "8.0 GiB"
    assert fmt.ratio(1e-4) == "1 : 10,000"


def test_durations_and_instants() -> None:
    assert fmt.seconds(42) == "42 s"
    assert fmt.seconds(90) == "1 min 30 s"
    assert fmt.seconds(6000) == "1 h 40 min"
    assert fmt.timestamp("2026-11-22T14:51:00.536286Z") == "2026-11-22 14:51:00 UTC"
    assert fmt.timestamp("not a time") == "not a time"
    assert fmt.clock(90) == "1:30"
    assert fmt.clock(3900) == "1:05:00"
