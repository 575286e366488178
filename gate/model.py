"""The gate's answer: one :class:`CheckResult` per check and the :class:`GateReport` that holds them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["pass", "fail", "inconclusive", "skipped"]
Kind = Literal["threshold", "comparison", "history"]
STATUSES = ("pass", "fail", "inconclusive", "skipped")
KINDS = ("threshold", "comparison", "history")

EXIT_PASS = 0
EXIT_REGRESSION = 1
EXIT_INVALID = 2
EXIT_INCONCLUSIVE = 3


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check. ``change``/``ci``/``noise`` are relative (0.1 = +10%), or absolute for error rates.

    ``verdict`` says why the status is what it is ("regression", "within noise", "not significant",
    "negligible effect", "below tolerance", "not actionable", "improvement", "met", "breached",
    "too few samples", "change point"). ``inconclusive``: the evidence cannot tell a material change from
    the noise between runs (neither pass nor fail). ``effect`` is Cliff's delta (``effect_level``:
    over requests with one run per side, over runs with repeats).
    """

    name: str
    kind: Kind
    status: Status
    verdict: str
    message: str
    unit: str = ""
    baseline: float | None = None
    candidate: float | None = None
    change: float | None = None
    ci: tuple[float, float] | None = None
    noise: float | None = None
    effect: float | None = None
    effect_level: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status={self.status!r}: must be one of {', '.join(STATUSES)}")
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r}: must be one of {', '.join(KINDS)}")
        if not self.name:
            raise ValueError("name='': a check needs a name")


@dataclass(frozen=True, slots=True)
class GateReport:
    baselines: tuple[str, ...]
    candidates: tuple[str, ...]
    checks: tuple[CheckResult, ...]
    settings: Mapping[str, str] = field(default_factory=dict)
    calibration: Mapping[str, float] = field(default_factory=dict)  # document label -> speed factor

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def inconclusive(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "inconclusive")

    @property
    def exit_code(self) -> int:
        """1 when a check failed; else 3 when one is inconclusive; else 0."""
        if self.failed:
            return EXIT_REGRESSION
        return EXIT_INCONCLUSIVE if self.inconclusive else EXIT_PASS

    @property
    def within_noise(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.verdict == "within noise")

    @property
    def word(self) -> str:
        return {EXIT_REGRESSION: "FAIL", EXIT_INCONCLUSIVE: "INCONCLUSIVE"}.get(self.exit_code, "PASS")

    def headline(self) -> str:
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in STATUSES}
        text = (
            f"{self.word}: {counts['fail']} failed, {counts['inconclusive']} inconclusive, "
            f"{counts['pass']} passed, {counts['skipped']} skipped"
        )
        if self.inconclusive:
            text += " (inconclusive: a material change the evidence cannot tell from run-to-run noise)"
        return text
