"""The open model played inside one Locust process: arrivals start on schedule, not when users are free.

An :class:`ArrivalQueue` walks this process's slice of the drill's :class:`~scenarios.shapes.schedule.
ArrivalSchedule` in a greenlet (:meth:`ArrivalQueue.dispatch`): it sleeps until each arrival's intended
instant ``t0 + at_s`` and releases it, whatever the portal and the users are doing. Each user of the
pool (:class:`scenarios.journeys.base.JourneyUser` in open mode) takes the next released arrival
(:meth:`ArrivalQueue.take`) and runs its session; the arrival's **start lag** (now − intended instant)
is what the generator made the citizen wait: no user was free (every one busy in a slow portal), or
the process itself was busy. It is counted (like k6's dropped iterations):

* started within ``LATE_AFTER_S``: on time; started later: **late** (its latency is still measured
  from the intended instant: the lag is added to the session's first request and to the journey, so a
  stalled portal cannot hide the citizens it made wait, i.e. no coordinated omission);
* not started within ``DROP_AFTER_S``, or still waiting when the drill ends: **dropped**.

**Citizens come back.** A session whose citizen gave up (the retry policy's patience ran out: the
journey is *abandoned*) comes back as a new arrival ``RETURN_AFTER_S`` later with probability
``RETURN_SHARE``, at most ``MAX_RETURNS`` times (:meth:`ArrivalQueue.come_back`, seeded per arrival and
attempt): so a struggling portal gets more arrivals, not fewer — the retry storm of the cutover. They
are counted as ``returned``, apart from the schedule.

Counts go per phase of the intended instant into the process's recorder. ``clock``, ``sleep`` and
``spawn_later`` are injectable: tests play a schedule on a patched clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import gevent
import gevent.queue

from scenarios.drill.collector import Recorder
from scenarios.rng import Stream
from scenarios.shapes.schedule import Arrival

LATE_AFTER_S = 1.0
"""Assumption: an arrival started more than 1 s after its intended instant is late: beyond the
resolution of Locust's once-a-second clock and of the drill's timeline, and well beyond the event
loop's usual jitter (milliseconds), so it means the pool or the process could not keep up."""

DROP_AFTER_S = 10.0
"""Assumption: an arrival still waiting 10 s after its intended instant is dropped, not started (k6
drops at once when no user is free; a short wait lets a briefly exhausted pool catch up, and its lag
is then measured)."""


RETURN_SHARE = 0.5
"""Assumption (no public data): half of the citizens who give up on a session try again later."""

RETURN_AFTER_S = 5.0
"""Assumption: they come back 5 drill seconds later (a new visit soon after, not a reload)."""

MAX_RETURNS = 3
"""Assumption: a citizen comes back at most 3 times before giving up for the day."""


@dataclass(frozen=True, slots=True)
class Taken:
    """An arrival a user took: the arrival, its intended instant (epoch s) and its start lag (s)."""

    arrival: Arrival
    intended: float
    lag_s: float


class ArrivalQueue:
    """See the module docstring. ``phase_at(epoch)`` names the phase of an instant."""

    def __init__(
        self,
        arrivals: Iterable[Arrival],
        recorder: Recorder,
        phase_at: Callable[[float], str],
        t0: float,
        *,
        late_after_s: float = LATE_AFTER_S,
        drop_after_s: float = DROP_AFTER_S,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = gevent.sleep,
        spawn_later: Callable[[float, Callable[[Arrival], None], Arrival], object] = gevent.spawn_later,
        seed: int = 1,
        return_share: float = RETURN_SHARE,
    ) -> None:
        if not 0 <= late_after_s <= drop_after_s:
            raise ValueError(
                f"late_after_s={late_after_s!r}, drop_after_s={drop_after_s!r}: need 0 <= late <= drop"
            )
        self._arrivals = arrivals
        self._recorder = recorder
        self._phase_at = phase_at
        self.t0 = t0
        self.late_after_s = late_after_s
        self.drop_after_s = drop_after_s
        self._clock = clock
        self._sleep = sleep
        self._spawn_later = spawn_later
        self.seed = seed
        self.return_share = return_share
        self._queue: gevent.queue.Queue[Arrival] = gevent.queue.Queue()
        self.in_progress = 0
        self.closed = False

    def _phase(self, arrival: Arrival) -> str:
        return self._phase_at(self.t0 + arrival.at_s)

    def dispatch(self) -> None:
        """Release every arrival at its intended instant (run in its own greenlet; ends with the schedule)."""
        for arrival in self._arrivals:
            if self.closed:
                return
            wait = self.t0 + arrival.at_s - self._clock()
            if wait > 0:
                self._sleep(wait)
            if self.closed:
                return
            self._recorder.arrival_scheduled(self._phase(arrival))
            self._queue.put(arrival)

    def take(self) -> Taken:
        """The next arrival to start (blocks until one is released); arrivals waiting past
        ``drop_after_s`` are counted dropped and skipped."""
        while True:
            arrival = self._queue.get()
            intended = self.t0 + arrival.at_s
            lag = max(0.0, self._clock() - intended)
            if lag > self.drop_after_s:
                self._recorder.arrival_dropped(self._phase(arrival))
                continue
            self._recorder.arrival_started(self._phase(arrival), lag, late=lag > self.late_after_s)
            return Taken(arrival, intended, lag)

    def come_back(self, arrival: Arrival) -> bool:
        """The citizen of ``arrival`` gave up: maybe (``RETURN_SHARE``, seeded) release them again
        ``RETURN_AFTER_S`` from now as a new arrival; True when they will come back."""
        if self.closed or arrival.attempt >= MAX_RETURNS:
            return False
        draw = Stream(f"{self.seed}/return/{arrival.index}/{arrival.attempt}").random()
        if draw >= self.return_share:
            return False
        at_s = self._clock() - self.t0 + RETURN_AFTER_S
        self._spawn_later(RETURN_AFTER_S, self._release_return, Arrival(
            arrival.index, at_s, arrival.journey, arrival.attempt + 1
        ))  # fmt: skip
        return True

    def _release_return(self, arrival: Arrival) -> None:
        if self.closed:
            return
        self._recorder.arrival_returned(self._phase(arrival))
        self._queue.put(arrival)

    def waiting(self) -> int:
        return int(self._queue.qsize())

    def close(self) -> int:
        """The drill ended: release nothing more; count the arrivals still waiting as dropped."""
        self.closed = True
        dropped = 0
        while not self._queue.empty():
            self._recorder.arrival_dropped(self._phase(self._queue.get_nowait()))
            dropped += 1
        return dropped
