"""The gate's answer: one :class:`CheckResult` per check and the :class:`GateReport` that holds them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["pass", "fail", "skipped"]
Kind = Literal["threshold", "comparison"]

EXIT_PASS = 0
EXIT_REGRESSION = 1
EXIT_INVALID = 2


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check. ``change``/``ci``/``noise`` are relative (0.1 = +10%), or absolute for error rates.

    ``verdict`` says why the status is what it is ("regression", "within noise", "not significant",
    "below tolerance", "improvement", "met", "breached", "too few samples").
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

    def __post_init__(self) -> None:
        if self.status not in ("pass", "fail", "skipped"):
            raise ValueError(f"status={self.status!r}: must be pass, fail or skipped")
        if self.kind not in ("threshold", "comparison"):
            raise ValueError(f"kind={self.kind!r}: must be threshold or comparison")
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
    def exit_code(self) -> int:
        return EXIT_REGRESSION if self.failed else EXIT_PASS

    @property
    def within_noise(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.verdict == "within noise")

    def headline(self) -> str:
        counts = {s: sum(1 for c in self.checks if c.status == s) for s in ("pass", "fail", "skipped")}
        word = "FAIL" if self.failed else "PASS"
        text = f"{word}: {counts['fail']} failed, {counts['pass']} passed, {counts['skipped']} skipped"
        if self.within_noise:
            text += f" ({len(self.within_noise)} changed within the noise, not called regressions)"
        return text
