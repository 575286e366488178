"""The verdict rule: significant, material and beyond the noise, or it is not a regression."""

from __future__ import annotations

import pytest

from gate.decide import Direction, decide


def _pct(value: float) -> str:
    return f"{value:.0%}"


@pytest.mark.parametrize(
    ("change", "ci", "noise", "direction", "status", "verdict"),
    [
        (0.30, (0.20, 0.40), 0.05, "higher_is_worse", "fail", "regression"),
        (0.30, (0.20, 0.40), None, "higher_is_worse", "fail", "regression"),
        (0.30, (0.20, 0.40), 0.35, "higher_is_worse", "pass", "within noise"),
        (0.30, (-0.05, 0.60), 0.05, "higher_is_worse", "pass", "not significant"),
        (0.05, (0.04, 0.06), None, "higher_is_worse", "pass", "below tolerance"),
        (-0.30, (-0.40, -0.20), 0.05, "higher_is_worse", "pass", "improvement"),
        (-0.30, (-0.40, -0.20), 0.50, "higher_is_worse", "pass", "better, within noise"),
        (-0.30, (-0.40, 0.10), None, "higher_is_worse", "pass", "not significant"),
        (-0.30, (-0.40, -0.20), 0.05, "lower_is_worse", "fail", "regression"),  # throughput fell 30%
        (0.30, (0.20, 0.40), 0.05, "lower_is_worse", "pass", "improvement"),
        (-0.30, None, None, "lower_is_worse", "fail", "regression"),  # no interval: tolerance decides
    ],
)
def test_verdicts(
    change: float,
    ci: tuple[float, float] | None,
    noise: float | None,
    direction: Direction,
    status: str,
    verdict: str,
) -> None:
    result = decide(change, ci, noise, 0.10, direction, _pct)
    assert (result.status, result.verdict) == (status, verdict)


def test_the_reason_says_when_the_noise_is_larger_than_the_change() -> None:
    result = decide(0.12, (0.08, 0.16), 0.18, 0.10, "higher_is_worse", _pct)
    assert (
        result.reason
        == "the noise between repeats (18%) is larger than the change (12% worse): not called a regression"
    )
    unmeasured = decide(0.12, (0.08, 0.16), None, 0.10, "higher_is_worse", _pct)
    assert "noise not measured (one run per side)" in unmeasured.reason
