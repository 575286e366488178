"""What a check is about: the whole run, one journey, or one endpoint (or named journey step)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TargetKind = Literal["run", "journey", "endpoint"]

RUN = "run"
JOURNEY_PREFIX = "journey:"


@dataclass(frozen=True, slots=True)
class Target:
    """``run``; ``journey:NAME``; or an endpoint as the results document names it, e.g. ``GET /healthz``."""

    kind: TargetKind
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("run", "journey", "endpoint"):
            raise ValueError(f"target kind={self.kind!r}: must be run, journey or endpoint")
        if self.kind == "run" and self.name:
            raise ValueError(f"target name={self.name!r}: the run target has no name")
        if self.kind != "run" and not self.name.strip():
            raise ValueError(f"target name={self.name!r}: a {self.kind} target needs a name")

    @classmethod
    def parse(cls, text: str) -> Target:
        """``run`` → the run; ``journey:dossier`` → a journey; anything else → an endpoint name."""
        text = " ".join(text.split())
        if text == RUN:
            return cls("run")
        if text.startswith(JOURNEY_PREFIX):
            return cls("journey", text[len(JOURNEY_PREFIX) :].strip())
        return cls("endpoint", text)

    @property
    def label(self) -> str:
        if self.kind == "run":
            return RUN
        if self.kind == "journey":
            return f"{JOURNEY_PREFIX}{self.name}"
        return self.name
