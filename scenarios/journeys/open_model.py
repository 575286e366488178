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

Counts go per phase of the intended instant into the process's recorder. ``clock`` and ``sleep`` are
injectable: tests play a schedule on a patched clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import gevent
import gevent.queue

from scenarios.drill.collector import Recorder
from scenarios.shapes.schedule import Arrival

LATE_AFTER_S = 1.0
"""Assumption: an arrival started more than 1 s after its intended instant is late: beyond the
resolution of Locust's once-a-second clock and of the drill's timeline, and well beyond the event
loop's usual jitter (milliseconds), so it means the pool or the process could not keep up."""

DROP_AFTER_S = 10.0
"""Assumption: an arrival still waiting 10 s after its intended instant is dropped, not started (k6
drops at once when no user is free; a short wait lets a briefly exhausted pool catch up, and its lag
is then measured)."""


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
