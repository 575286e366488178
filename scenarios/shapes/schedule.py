"""The open model's arrival schedule: when each session is meant to start, whatever the portal does.

An :class:`ArrivalSchedule` is pure, immutable data: a piecewise-linear arrival rate (``knots``:
``(t, sessions/s)`` in drill seconds, held after the last knot), the drill's length, the arrival
process and a seed. Iterating it yields every :class:`Arrival` of the drill in order — its global
index, its intended start ``at_s`` and the journey it follows (drawn by the mix's session shares) —
computed from the seed alone, never from how fast the portal answers:

* ``constant``: arrival ``i`` starts when the expected number of arrivals ``Λ(t) = ∫₀ᵗ λ`` reaches
  ``i + ½`` (evenly spaced at a constant rate; so ``round(Λ(T))`` arrivals by ``T``);
* ``poisson``: a non-homogeneous Poisson process by time rescaling: the ``Λ`` of successive arrivals
  are sums of independent unit exponentials (``random.Random`` seeded with ``seed``).

**Split across Locust workers.** :meth:`ArrivalSchedule.for_worker` gives worker ``k`` of ``n`` the
arrivals whose global index is ``k`` mod ``n``: every worker walks the same global sequence, so the
union over the workers is exactly the one process's schedule, whatever ``n`` is, and each arrival
keeps its journey and its own seeded random stream (:meth:`Arrival.rng`).

No Locust and no clock here; :mod:`scenarios.journeys.open_model` plays a schedule on Locust.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, get_args, runtime_checkable

from scenarios.rng import Stream
from scenarios.shapes.base import check_int, check_number

Process = Literal["constant", "poisson"]
PROCESSES: tuple[str, ...] = get_args(Process)


@dataclass(frozen=True, slots=True)
class Arrival:
    """One session of the schedule: global ``index``, intended start ``at_s`` (drill s), ``journey``;
    ``attempt`` > 0 for a citizen who gave up and came back (not in the schedule itself)."""

    index: int
    at_s: float
    journey: str
    attempt: int = 0

    def rng(self, seed: int) -> Stream:
        """The session's own random stream: the same for this arrival whichever worker runs it."""
        suffix = f"/{self.attempt}" if self.attempt else ""
        return Stream(f"{seed}/session/{self.index}{suffix}")


@dataclass(frozen=True, kw_only=True)
class ArrivalSchedule:
    """See the module docstring. ``journeys``: (name, share of sessions) of the enabled journeys."""

    knots: tuple[tuple[float, float], ...]
    duration_s: float
    journeys: tuple[tuple[str, float], ...]
    process: str = "poisson"
    seed: int = 1

    def __post_init__(self) -> None:
        check_number("schedule.duration_s", self.duration_s, low=0.0, strict=True)
        check_int("schedule.seed", self.seed, low=-(2**63))
        if self.process not in PROCESSES:
            raise ValueError(f"schedule.process: must be one of {', '.join(PROCESSES)}, got {self.process!r}")
        if not self.knots:
            raise ValueError("schedule.knots: must hold at least one (t, rate) pair, got ()")
        if self.knots[0][0] != 0:
            raise ValueError(f"schedule.knots[0]: must start at t=0, got {self.knots[0]!r}")
        last = 0.0
        for i, (t, rate) in enumerate(self.knots):
            check_number(f"schedule.knots[{i}].t", t, low=last)
            check_number(f"schedule.knots[{i}].rate", rate, low=0.0)
            last = t
        if not self.journeys:
            raise ValueError("schedule.journeys: must name at least one journey, got ()")
        for name, share in self.journeys:
            check_number(f"schedule.journeys.{name}", share, low=0.0)
        if math.fsum(share for _, share in self.journeys) <= 0:
            raise ValueError(f"schedule.journeys: shares must not all be 0, got {self.journeys!r}")

    # --- the rate and its integral -----------------------------------------------------------------

    def _segments(self) -> Iterator[tuple[float, float, float, float]]:
        """(t0, t1, rate at t0, rate at t1) covering [0, duration_s), the last rate held to the end."""
        knots = [k for k in self.knots if k[0] < self.duration_s]
        knots.append((self.duration_s, self._rate_at(self.duration_s)))
        for (t0, r0), (t1, r1) in itertools.pairwise(knots):
            if t1 > t0:
                yield t0, t1, r0, r1

    def _rate_at(self, t: float) -> float:
        previous = self.knots[0]
        for knot in self.knots:
            if knot[0] > t:
                t0, r0 = previous
                return r0 + (knot[1] - r0) * (t - t0) / (knot[0] - t0)
            previous = knot
        return previous[1]

    def rate_at(self, t: float) -> float:
        """Sessions per second intended at drill time ``t``; 0 from ``duration_s`` on."""
        return 0.0 if check_number("t", t, low=0.0) >= self.duration_s else self._rate_at(t)

    def expected(self, start_s: float = 0.0, end_s: float | None = None) -> float:
        """Sessions the schedule means to start in ``[start_s, end_s)`` (default: the whole drill)."""
        return self._cumulative(self.duration_s if end_s is None else end_s) - self._cumulative(start_s)

    def _cumulative(self, t: float) -> float:
        total = 0.0
        for t0, t1, r0, r1 in self._segments():
            if t <= t0:
                break
            tau = min(t, t1) - t0
            total += r0 * tau + (r1 - r0) * tau * tau / (2 * (t1 - t0))
        return total

    # --- the arrivals -------------------------------------------------------------------------------

    def _marks(self) -> Iterator[float]:
        """The values of Λ at which successive arrivals happen (unbounded)."""
        if self.process == "constant":
            i = 0
            while True:
                yield i + 0.5
                i += 1
        rng = random.Random(f"{self.seed}/arrivals")
        mark = 0.0
        while True:
            mark += rng.expovariate(1.0)
            yield mark

    def times(self) -> Iterator[float]:
        """Intended start of every arrival, in order (drill seconds, all < ``duration_s``)."""
        marks = self._marks()
        mark = next(marks)
        done = 0.0  # Λ at the start of the current segment
        for t0, t1, r0, r1 in self._segments():
            slope = (r1 - r0) / (t1 - t0)
            mass = (r0 + r1) / 2 * (t1 - t0)
            while mark - done < mass:
                m = mark - done  # Λ(t0 + τ) − Λ(t0) = r0·τ + slope·τ²/2 = m, solved stably for τ
                root = math.sqrt(max(0.0, r0 * r0 + 2 * slope * m))
                tau = 2 * m / (r0 + root) if r0 + root > 0 else 0.0
                yield min(t0 + tau, math.nextafter(t1, t0))
                mark = next(marks)
            done += mass

    def __iter__(self) -> Iterator[Arrival]:
        names = [name for name, _ in self.journeys]
        weights = [share for _, share in self.journeys]
        picks = random.Random(f"{self.seed}/journeys")
        for index, at_s in enumerate(self.times()):
            yield Arrival(index, at_s, picks.choices(names, weights)[0])

    def for_worker(self, worker: int, workers: int) -> Iterator[Arrival]:
        """The arrivals of worker ``worker`` (0-based) of ``workers``: global index ≡ worker mod workers."""
        check_int("workers", workers, low=1)
        if not 0 <= check_int("worker", worker) < workers:
            raise ValueError(f"worker: must be in [0, {workers}), got {worker!r}")
        return (a for a in self if a.index % workers == worker)


@runtime_checkable
class OpenModel(Protocol):
    """A shape played open (``ArrivalShape``, ``OpenVariant``): it gives the drill's arrival schedule."""

    def schedule(self, journeys: tuple[tuple[str, float], ...], seed: int) -> ArrivalSchedule: ...
