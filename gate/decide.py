"""The verdict rule of a statistical comparison, one place for every metric.

A change is judged on its **evidence** (:class:`Evidence`): the point change, a confidence interval,
the noise floor (measured between repeats, or stated: a documented default when there are none), the
change in the metric's own unit against an absolute floor, and an effect size.

- **pass** when the change is not material: within the tolerance, or under the absolute floor (a
  +0.3 ms change on a 2-ms endpoint is +15% but not actionable); improvements always pass;
- **fail** (regression) only when it is material, *significant* (the interval lies wholly on the worse
  side of 0), *beyond the noise floor*, and its effect size is not negligible; with a stated floor (one
  run per side) the whole interval must lie beyond it, since a within-run interval is too narrow;
- **inconclusive** otherwise: a material change the evidence cannot tell from the noise between runs
  (not significant, within the noise floor, or a negligible effect). Neither pass nor fail: repeat runs.

With one run per side the interval comes from requests within one run, which are not independent draws
of the run-to-run variation: it is necessary, never sufficient; the stated noise floor decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from gate.distribution import NEGLIGIBLE_DELTA
from gate.model import Status

Direction = Literal["higher_is_worse", "lower_is_worse"]
NoiseSource = Literal["measured", "stated"]


@dataclass(frozen=True, slots=True)
class Verdict:
    status: Status
    verdict: str
    reason: str


@dataclass(frozen=True, slots=True)
class Evidence:
    """``change``, ``ci`` and ``noise`` in the same unit (relative, or absolute for error rates);
    ``absolute`` is the change in the metric's own unit, compared with the absolute floor."""

    change: float
    ci: tuple[float, float] | None
    noise: float
    noise_source: NoiseSource
    absolute: float
    effect: float | None = None
    effect_level: str = ""

    def __post_init__(self) -> None:
        if not self.noise >= 0:
            raise ValueError(f"noise={self.noise!r}: must be >= 0")
        if self.noise_source not in ("measured", "stated"):
            raise ValueError(f"noise_source={self.noise_source!r}: must be measured or stated")


@dataclass(frozen=True, slots=True)
class Limits:
    """What is material: ``tolerance`` (same unit as the change) and ``floor`` (the metric's own unit)."""

    tolerance: float
    floor: float
    fmt: Callable[[float], str]
    fmt_abs: Callable[[float], str]


def _noise_text(ev: Evidence, fmt: Callable[[float], str]) -> str:
    if ev.noise_source == "measured":
        return f"the noise measured between repeats ({fmt(ev.noise)})"
    return f"the stated noise floor ({fmt(ev.noise)}: noise not measured, one run per side)"


def decide(ev: Evidence, limits: Limits, direction: Direction) -> Verdict:
    """Apply the rule to ``ev`` (candidate − baseline)."""
    sign = 1.0 if direction == "higher_is_worse" else -1.0
    worse, worse_abs = sign * ev.change, sign * ev.absolute
    fmt = limits.fmt
    if worse <= limits.tolerance or worse_abs <= limits.floor:
        if -worse > limits.tolerance and -worse_abs > limits.floor:
            return Verdict("pass", "improvement", f"{fmt(-worse)} better")
        if worse > limits.tolerance:
            return Verdict(
                "pass",
                "not actionable",
                f"{fmt(worse)} worse but only {limits.fmt_abs(worse_abs)}, under the absolute floor "
                f"{limits.fmt_abs(limits.floor)}",
            )
        return Verdict("pass", "below tolerance", f"change within the tolerance {fmt(limits.tolerance)}")
    material = (
        f"{fmt(worse)} worse ({limits.fmt_abs(worse_abs)}), beyond the tolerance {fmt(limits.tolerance)}"
    )
    worse_ci = None if ev.ci is None else sorted((sign * ev.ci[0], sign * ev.ci[1]))
    if worse_ci is not None and worse_ci[0] <= 0:
        return Verdict(
            "inconclusive", "not significant", f"{material}, but the confidence interval includes no change"
        )
    # With a stated floor the interval is within-run only (too narrow for run-to-run noise): the change
    # must clear the floor at the interval's near end, not only at its point estimate.
    near = worse if ev.noise_source == "measured" or worse_ci is None else worse_ci[0]
    if ev.noise >= near:
        at = "" if near == worse else f" as the near end of the interval ({fmt(near)})"
        return Verdict(
            "inconclusive",
            "within noise",
            f"{material}, but {_noise_text(ev, fmt)} is as large{at}: cannot tell it from chance"
            + ("; give repeats (several runs per side) to decide" if ev.noise_source == "stated" else ""),
        )
    if ev.effect is not None and sign * ev.effect < NEGLIGIBLE_DELTA:
        return Verdict(
            "inconclusive",
            "negligible effect",
            f"{material}, but the effect size over {ev.effect_level} is negligible "
            f"(Cliff's δ {ev.effect:+.2f})",
        )
    return Verdict("fail", "regression", f"{material}, significant and beyond {_noise_text(ev, fmt)}")
