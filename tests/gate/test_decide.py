"""The verdict rule: material, significant, beyond the noise floor and not negligible, or no FAIL."""

from __future__ import annotations

import pytest

from gate.decide import Direction, Evidence, Limits, NoiseSource, decide


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _ms(value: float) -> str:
    return f"{value:+.1f} ms"


LIMITS = Limits(tolerance=0.10, floor=1.0, fmt=_pct, fmt_abs=_ms)


@pytest.mark.parametrize(
    ("change", "ci", "noise", "source", "absolute", "effect", "direction", "status", "verdict"),
    [
        (0.30, (0.20, 0.40), 0.05, "measured", 3.0, 0.6, "higher_is_worse", "fail", "regression"),
        (0.30, (0.20, 0.40), 0.35, "measured", 3.0, 0.6, "higher_is_worse", "inconclusive", "within noise"),
        (0.30, (0.20, 0.40), 1.00, "stated", 3.0, 0.6, "higher_is_worse", "inconclusive", "within noise"),
        (2.00, (1.50, 2.50), 1.00, "stated", 20.0, 0.9, "higher_is_worse", "fail", "regression"),
        # campaign of docs/gate.md, A/A run 9 vs 10: +116% at the point, +80% at the interval's near end
        (1.16, (0.80, 1.48), 1.00, "stated", 4.0, 0.39, "higher_is_worse", "inconclusive", "within noise"),
        # with measured noise the run-level interval already holds the noise between runs: the point decides
        (1.16, (0.80, 1.48), 1.00, "measured", 4.0, 0.39, "higher_is_worse", "fail", "regression"),
        (
            0.30,
            (-0.05, 0.60),
            0.05,
            "measured",
            3.0,
            0.6,
            "higher_is_worse",
            "inconclusive",
            "not significant",
        ),
        (
            0.30,
            (0.20, 0.40),
            0.05,
            "measured",
            3.0,
            0.05,
            "higher_is_worse",
            "inconclusive",
            "negligible effect",
        ),
        (
            0.30,
            (0.20, 0.40),
            0.05,
            "measured",
            3.0,
            -0.6,
            "higher_is_worse",
            "inconclusive",
            "negligible effect",
        ),
        (0.165, (0.07, 0.28), 1.00, "stated", 0.34, 0.11, "higher_is_worse", "pass", "not actionable"),
        (0.05, (0.04, 0.06), 0.05, "measured", 0.5, None, "higher_is_worse", "pass", "below tolerance"),
        (-0.30, (-0.40, -0.20), 0.05, "measured", -3.0, -0.6, "higher_is_worse", "pass", "improvement"),
        (-0.30, (-0.40, -0.20), 0.05, "measured", -3.0, -0.6, "lower_is_worse", "fail", "regression"),
        (0.30, (0.20, 0.40), 0.05, "measured", 3.0, 0.6, "lower_is_worse", "pass", "improvement"),
        (-0.30, None, 0.05, "measured", -3.0, None, "lower_is_worse", "fail", "regression"),
    ],
)
def test_verdicts(
    change: float,
    ci: tuple[float, float] | None,
    noise: float,
    source: NoiseSource,
    absolute: float,
    effect: float | None,
    direction: Direction,
    status: str,
    verdict: str,
) -> None:
    result = decide(Evidence(change, ci, noise, source, absolute, effect, "runs"), LIMITS, direction)
    assert (result.status, result.verdict) == (status, verdict)


def test_the_reasons_say_which_noise_floor_and_what_to_do() -> None:
    measured = decide(Evidence(0.12, (0.08, 0.16), 0.18, "measured", 2.0), LIMITS, "higher_is_worse")
    assert "the noise measured between repeats (18%) is as large" in measured.reason
    stated = decide(Evidence(0.12, (0.08, 0.16), 1.0, "stated", 2.0), LIMITS, "higher_is_worse")
    assert "the stated noise floor (100%: noise not measured, one run per side)" in stated.reason
    assert "give repeats" in stated.reason
    near = decide(Evidence(1.16, (0.80, 1.48), 1.0, "stated", 4.0), LIMITS, "higher_is_worse")
    assert "is as large as the near end of the interval (80%)" in near.reason
    tiny = decide(Evidence(0.165, (0.07, 0.28), 1.0, "stated", 0.34), LIMITS, "higher_is_worse")
    assert tiny.reason == "16% worse but only +0.3 ms, under the absolute floor +1.0 ms"


def test_evidence_is_validated() -> None:
    with pytest.raises(ValueError, match=r"noise=-0\.1"):
        Evidence(0.1, None, -0.1, "measured", 1.0)
    with pytest.raises(ValueError, match="noise_source='guessed'"):
        Evidence(0.1, None, 0.1, "guessed", 1.0)  # type: ignore[arg-type]
