"""The per-process state the journeys share inside one Locust process (no Locust import here).

One :class:`DrillRuntime` per Locust process, made when the test starts (:func:`start`): the drill's
config and shape, the effective journey mix and retry policy, the :class:`~scenarios.drill.collector.
Recorder` every request and journey goes into, the clock that maps an instant to its phase, this
process's disjoint slice of the synthetic citizens, the dossiers recently submitted here (what public
status lookups ask for, and what ``pay_fee`` visitors come back to pay), the procedures recently found
(what feedback is about), and one buffer of attachment bytes.

In a fixed-iteration drill, users wait for :attr:`DrillRuntime.all_spawned` before their first
journey, so that none finishes (and is replaced by Locust) while others are still being spawned.

Everything random is seeded: user ``n`` of worker ``k`` draws from ``Stream(f"{seed}/{k}/{n}")``
(:mod:`scenarios.rng`).
"""

from __future__ import annotations

import itertools
import os
import random
import time
from collections import deque
from collections.abc import Callable, Iterator

import gevent.event

from scenarios.citizens import Citizen, CitizenPool
from scenarios.drill.collector import Recorder
from scenarios.drill.config import DrillConfig
from scenarios.drill.scenario import build_shape
from scenarios.journeys.open_model import ArrivalQueue
from scenarios.mix import Journey, JourneyMix
from scenarios.retry import RetryPolicy
from scenarios.rng import Rng, Stream
from scenarios.safety import AllowList
from scenarios.shapes.base import Shape
from scenarios.shapes.schedule import ArrivalSchedule, OpenModel

CITIZEN_POOL_SIZE = 1_000_000
"""Assumption: a million distinct synthetic citizens; sessions cycle through them, so logins of one
drill rarely repeat a citizen (each session is a fresh visit)."""

RECENT_CODES = 1_000
"""Assumption: status lookups ask for one of the last 1,000 dossiers submitted in this process; the
same bound holds the dossiers waiting to be paid and the procedures recently found."""


class DrillRuntime:
    """See the module docstring."""

    def __init__(self, config: DrillConfig, worker_index: int = 0, workers: int = 1) -> None:
        if workers < 1 or worker_index < 0:
            raise ValueError(f"worker_index={worker_index!r}, workers={workers!r}: need >= 0 and >= 1")
        self.config = config
        self.shape: Shape = build_shape(config)
        self.mix: JourneyMix = config.effective_mix()
        self._journeys = {journey.name: journey for journey in self.mix.journeys}
        self.policy: RetryPolicy = config.retry_policy
        self.allow = AllowList.of(config.allow_hosts)
        self.recorder = Recorder()
        self.on_user_finished: list[Callable[[], None]] = []
        self.worker_index = worker_index
        self.workers = workers
        self.t0 = time.time()
        self.run_token = f"{config.run_id or os.getpid()}-{self.t0:.6f}"
        self.all_spawned = gevent.event.Event()
        self._phases = self.shape.phases()
        pool = CitizenPool(seed=config.seed, size=CITIZEN_POOL_SIZE)
        mine = pool.slice_for_worker(worker_index % workers, workers)
        self._citizens: Iterator[Citizen] = pool.citizens(itertools.cycle(mine))
        self._serials = itertools.count()
        self.recent_codes: deque[str] = deque(maxlen=RECENT_CODES)
        self.unpaid: deque[tuple[str, str]] = deque(maxlen=RECENT_CODES)  # (citizen ID, dossier code)
        self.recent_procedures: deque[str] = deque(maxlen=RECENT_CODES)
        # (journey, share of sessions) of the enabled journeys: the open schedule's draw, and a sweep's
        self.session_shares = tuple((j.name, j.share) for j in self.mix.enabled())
        self._session_names = [name for name, _ in self.session_shares]
        self._session_cum = list(itertools.accumulate(share for _, share in self.session_shares))
        self.schedule: ArrivalSchedule | None = None  # the open model's arrivals (all workers')
        if isinstance(self.shape, OpenModel):
            self.schedule = self.shape.schedule(self.session_shares, config.seed)
        self.arrivals: ArrivalQueue | None = None
        self.sessions = 0  # open model: sessions in progress in this process
        largest = self.mix.attachments.size_bytes.max
        self.attachment_bytes = random.Random(f"{config.seed}/attachments").randbytes(largest)

    def start_clock(self, epoch: float | None = None) -> None:
        """Mark the drill's time 0 (the test start of this process)."""
        self.t0 = time.time() if epoch is None else epoch

    def open_arrivals(self) -> ArrivalQueue | None:
        """The open model: a queue of this process's share of the schedule from time 0 (call after
        :meth:`start_clock`); None in a closed drill."""
        if self.schedule is None:
            return None
        mine = self.schedule.for_worker(self.worker_index % self.workers, self.workers)
        self.arrivals = ArrivalQueue(mine, self.recorder, self.phase_at, self.t0, seed=self.config.seed)
        return self.arrivals

    def spread(self, epoch: float, seconds: float) -> list[tuple[str, float]]:
        """``seconds`` from instant ``epoch`` on, split over the phases they fall in; what runs past
        the drill's end is left out (the run stops there)."""
        out: list[tuple[str, float]] = []
        t, left = self.elapsed(epoch), max(0.0, seconds)
        for phase in self._phases:
            if left <= 0:
                break
            if t < phase.end_s:
                part = min(left, phase.end_s - t)
                out.append((phase.name, part))
                t, left = t + part, left - part
        return out

    def elapsed(self, epoch: float | None = None) -> float:
        return max(0.0, (time.time() if epoch is None else epoch) - self.t0)

    def phase_at(self, epoch: float | None = None) -> str:
        """The phase holding an instant (now by default); past the end, the last phase."""
        t = max(0.0, (time.time() if epoch is None else epoch) - self.t0)  # elapsed(): once per request
        for phase in self._phases:
            if t < phase.end_s:
                return phase.name
        return self._phases[-1].name

    def journey(self, name: str) -> Journey:
        found = self._journeys.get(name)
        return found if found is not None else self.mix.journey(name)  # the latter names the unknown

    def draw_journey(self, rng: Rng) -> Journey:
        """A session's journey drawn from ``rng`` by :attr:`session_shares` (what ``rng.choices`` with
        those weights draws; the cumulative weights are summed once, not per session)."""
        return self.journey(rng.choices(self._session_names, cum_weights=self._session_cum)[0])

    def next_citizen(self) -> Citizen:
        return next(self._citizens)

    def user_finished(self) -> None:
        """A user ran its fixed number of journeys and stopped: record it and tell the listeners."""
        self.recorder.user_finished()
        for hook in self.on_user_finished:
            hook()

    def user_serial(self) -> int:
        """The number of the next user this process starts (0, 1, ...), which seeds its generator."""
        return next(self._serials)

    def user_rng(self, serial: int | None = None) -> Rng:
        """The seeded generator of user number ``serial`` (by default the next user's)."""
        n = self.user_serial() if serial is None else serial
        return Stream(f"{self.config.seed}/{self.worker_index}/{n}")


_CURRENT: DrillRuntime | None = None


def start(config: DrillConfig, worker_index: int = 0, workers: int = 1) -> DrillRuntime:
    """Make this process's runtime (at each test start) and return it."""
    global _CURRENT
    _CURRENT = DrillRuntime(config, worker_index, workers)
    return _CURRENT


def current() -> DrillRuntime:
    """This process's runtime; an error before the test started."""
    if _CURRENT is None:
        raise RuntimeError("drill runtime: not started (no test_start in this Locust process yet)")
    return _CURRENT


def current_or_none() -> DrillRuntime | None:
    return _CURRENT
