"""The sweep: a staircase of concurrency levels, measured in one Locust run, for the capacity models.

:class:`Staircase` is a load shape (a pure function of run time, like every shape): for each level it
first holds a *warm-up* window (phase ``warmup-016``), then ``repeats`` *steady* windows (phases
``level-016-r1``, ``level-016-r2``, ...), each a phase of the ONE results document. Offered users of a
steady phase = its level, so the capacity code reads (concurrency, throughput) points straight from the
document (:func:`sweep_points`); :func:`write_sweep_csv` writes them as the ``concurrency,throughput``
CSV that ``cuaso fit`` reads. One run with a staircase is cheaper than one run per level: the stack and
the generator start once, and each warm-up only has to absorb a step, not a cold start.

Levels are *simulated* users (what Locust runs): a staircase has ``scale`` 1 and its ``modelled_users``
is the top level. A sweep usually runs without think time (``--think-scale 0``): each user then keeps
one request outstanding, which is the concurrency ``N`` of the Universal Scalability Law.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from results.document import ResultsDocument
from scenarios.shapes.base import Shape, check_int, check_number

WARMUP_S = 10.0
"""Assumption: 10 s lets a step's new users log in, fill caches and queues before measuring."""

STEADY_S = 30.0
"""Assumption: a 30-s steady window holds thousands of requests at a few hundred per second."""

REPEATS = 2
"""Assumption: two windows per level show the noise between repeats (the fit weighs them equally)."""

DEFAULT_LEVELS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 48, 64)
"""Assumption: doubling levels up to 32 then finer steps, where a 2-core stack usually turns over."""

IDLE_S = 5.0
"""Assumption: 5 s without users (50 samples of the stack's CPU at the sampler's 0.1 s) measure the CPU the
stack spends whatever its load, the background of the scale-out check (``cuaso sweep --idle``)."""

IDLE_PHASE = "idle"
"""The name of the optional first window without users (:attr:`Staircase.idle_s`)."""

STEADY_PHASE_RE = re.compile(r"^level-(\d+)-r(\d+)$")


def parse_levels(text: str) -> tuple[int, ...]:
    """``"1,2,4,8"`` → (1, 2, 4, 8); levels must be positive integers in increasing order."""
    try:
        levels = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"levels={text!r}: must be comma-separated integers such as 1,2,4,8") from None
    if not levels:
        raise ValueError(f"levels={text!r}: need at least one level")
    return levels


@dataclass(frozen=True, kw_only=True)
class Staircase(Shape):
    """``levels`` users one after the other, each held for a warm-up then ``repeats`` steady windows.

    Timeline: ``_|‾|_‾‾|_‾‾‾`` — phases ``warmup-LLL``, ``level-LLL-r1`` … per level (``LLL`` is the
    level, zero-padded), after an ``idle`` window without users when ``idle_s`` > 0. ``duration_s`` is
    derived; ``modelled_users`` is the top level, ``scale`` 1.
    """

    name: ClassVar[str] = "staircase"

    levels: tuple[int, ...] = DEFAULT_LEVELS
    warmup_s: float = WARMUP_S
    steady_s: float = STEADY_S
    repeats: int = REPEATS
    # True: the repeats are passes over every level (1..top, then again), each window after its own
    # warm-up, so that a level's repeats lie minutes apart and their spread includes what changes on the
    # machine over time, not only the noise of two adjacent windows.
    interleave: bool = False
    # > 0: a first window without users (phase ``idle``): the stack's CPU when nothing asks anything of it
    idle_s: float = 0.0
    scale: float = 1.0
    modelled_users: int = 0
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        levels = tuple(self.levels)
        if not levels:
            raise ValueError(f"{self.key('levels')}: need at least one level, got {self.levels!r}")
        for i, level in enumerate(levels):
            check_int(f"{self.key('levels')}[{i}]", level, low=1)
        if any(b <= a for a, b in itertools.pairwise(levels)):
            raise ValueError(f"{self.key('levels')}: must increase, got {levels!r}")
        check_number(self.key("warmup_s"), self.warmup_s, low=0.0)
        check_number(self.key("idle_s"), self.idle_s, low=0.0)
        check_number(self.key("steady_s"), self.steady_s, low=0.0, strict=True)
        check_int(self.key("repeats"), self.repeats, low=1)
        object.__setattr__(self, "levels", levels)
        object.__setattr__(self, "modelled_users", max(levels))
        object.__setattr__(self, "scale", 1.0)
        if not isinstance(self.interleave, bool):
            raise ValueError(f"{self.key('interleave')}: must be true or false, got {self.interleave!r}")
        segments = self.repeats * len(levels) if self.interleave else len(levels)
        object.__setattr__(self, "duration_s", self.idle_s + self.step_s * segments)
        super().__post_init__()

    @property
    def step_s(self) -> float:
        """One segment: a warm-up and its steady windows (one when interleaved, else ``repeats``)."""
        return self.warmup_s + (1 if self.interleave else self.repeats) * self.steady_s

    def level_name(self, level: int) -> str:
        return f"{level:0{max(3, len(str(max(self.levels))))}d}"

    def modelled_users_at(self, t: float) -> float:
        if t < self.idle_s:
            return 0.0
        segments = self.repeats * len(self.levels) if self.interleave else len(self.levels)
        index = min(int((t - self.idle_s) // self.step_s), segments - 1)
        return float(self.levels[index % len(self.levels)])

    def _phase_ends(self) -> Sequence[tuple[str, float]]:
        idle = [(IDLE_PHASE, self.idle_s)] if self.idle_s > 0 else []
        return [*idle, *((name, self.idle_s + end) for name, end in self._stair_ends())]

    def _stair_ends(self) -> Sequence[tuple[str, float]]:
        ends: list[tuple[str, float]] = []
        if self.interleave:
            for r in range(1, self.repeats + 1):
                for i, level in enumerate(self.levels):
                    start = ((r - 1) * len(self.levels) + i) * self.step_s
                    name = self.level_name(level)
                    ends.append((f"warmup-{name}-r{r}", start + self.warmup_s))
                    ends.append((f"level-{name}-r{r}", start + self.step_s))
            return ends
        for i, level in enumerate(self.levels):
            start = i * self.step_s
            ends.append((f"warmup-{self.level_name(level)}", start + self.warmup_s))
            for r in range(1, self.repeats + 1):
                ends.append(
                    (f"level-{self.level_name(level)}-r{r}", start + self.warmup_s + r * self.steady_s)
                )
        return ends


@dataclass(frozen=True, slots=True)
class SweepPoint:
    """One steady window: its phase, the offered concurrency and the measured throughput."""

    phase: str
    concurrency: int
    repeat: int
    throughput_rps: float
    requests: int
    failures: int
    p95_ms: float
    users_mean: float
    arrivals_per_s: float | None = None  # offered sessions/s (an open sweep, ``--open``)
    goodput_rps: float = 0.0  # successful requests/s


def sweep_points(doc: ResultsDocument) -> tuple[SweepPoint, ...]:
    """The steady windows of a sweep's results document (phases ``level-LLL-rR``), in run order."""
    points: list[SweepPoint] = []
    for phase in doc.phases:
        match = STEADY_PHASE_RE.match(phase.name)
        if match is None:
            continue
        points.append(
            SweepPoint(
                phase=phase.name,
                concurrency=int(match.group(1)),
                repeat=int(match.group(2)),
                throughput_rps=phase.throughput_rps,
                requests=phase.requests,
                failures=phase.failures,
                p95_ms=phase.latency().percentile_ms(95),
                users_mean=phase.offered.users_mean,
                arrivals_per_s=phase.offered.arrivals_per_s,
                goodput_rps=(phase.requests - phase.failures) / phase.duration_s,
            )
        )
    return tuple(points)


def write_sweep_csv(points: Sequence[SweepPoint], path: Path) -> Path:
    """``concurrency,throughput`` (what ``cuaso fit`` reads), plus the phase, repeat, requests, failures,
    p95, measured mean users, offered arrivals/s (an open sweep; empty otherwise) and goodput as extra
    columns; windows without a completed request are left out (``cuaso fit`` needs throughput > 0)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["concurrency", "throughput", "phase", "repeat", "requests", "failures", "p95_ms", "users_mean",
             "offered_arrivals_per_s", "goodput_rps"]
        )  # fmt: skip
        for p in points:
            if p.throughput_rps <= 0:
                continue
            writer.writerow(
                [p.concurrency, f"{p.throughput_rps:.3f}", p.phase, p.repeat, p.requests, p.failures,
                 f"{p.p95_ms:.2f}", f"{p.users_mean:.2f}",
                 "" if p.arrivals_per_s is None else f"{p.arrivals_per_s:.4f}", f"{p.goodput_rps:.3f}"]
            )  # fmt: skip
    return path
