"""The verdict rule of a statistical comparison, one place for every metric.

A change is a **regression** only when all three hold:

1. it is *significant*: the confidence interval of the change lies wholly on the worse side of 0;
2. it is *material*: the point change is larger than the tolerance;
3. it is *beyond the noise*: larger than the spread measured between repeats of the same code.

When 1 and 2 hold but not 3, the check passes with the verdict "within noise" and says so: the
noise between repeats is larger than the change, so the evidence cannot tell the change from chance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from gate.model import Status

Direction = Literal["higher_is_worse", "lower_is_worse"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    verdict: str
    reason: str


def decide(
    change: float,
    ci: tuple[float, float] | None,
    noise: float | None,
    tolerance: float,
    direction: Direction,
    fmt: Callable[[float], str],
) -> Verdict:
    """Apply the rule to a change (candidate − baseline, relative or absolute) and its interval."""
    sign = 1.0 if direction == "higher_is_worse" else -1.0
    worse = sign * change
    worse_ci = None if ci is None else tuple(sorted((sign * ci[0], sign * ci[1])))
    significant = worse_ci is None or worse_ci[0] > 0
    better_significant = worse_ci is None or worse_ci[1] < 0
    noise_text = "noise not measured (one run per side)" if noise is None else f"noise {fmt(noise)}"
    if worse > tolerance and significant:
        if noise is not None and noise >= worse:
            return Verdict(
                "pass",
                "within noise",
                f"the noise between repeats ({fmt(noise)}) is larger than the change "
                f"({fmt(worse)} worse): not called a regression",
            )
        return Verdict(
            "fail",
            "regression",
            f"{fmt(worse)} worse, beyond the tolerance {fmt(tolerance)} and the {noise_text}",
        )
    if worse > tolerance:
        return Verdict(
            "pass", "not significant", f"{fmt(worse)} worse, but the confidence interval includes no change"
        )
    if -worse > tolerance:
        better = fmt(-worse)
        if not better_significant:
            return Verdict(
                "pass", "not significant", f"{better} better, but the confidence interval includes no change"
            )
        if noise is not None and noise >= -worse:
            return Verdict(
                "pass",
                "better, within noise",
                f"{better} better, but the noise between repeats ({fmt(noise)}) is larger",
            )
        return Verdict("pass", "improvement", f"{better} better ({noise_text})")
    return Verdict("pass", "below tolerance", f"change within the tolerance {fmt(tolerance)} ({noise_text})")
