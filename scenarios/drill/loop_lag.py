"""The generator's own delay: how late its event loop runs, sampled in every Locust process.

A Locust process runs every user in one gevent loop; while the loop is busy (parsing answers, running
other users' code), a response that has arrived waits to be noticed, and the time Locust records for it
grows by that wait. :class:`LoopSampler` measures it the standard way: a greenlet asks to sleep for
``LOOP_SAMPLE_S`` and records how much later than that it woke up (the lag), once per interval, per
phase, into the process's recorder (an HDR histogram that merges across workers). The same sample
integrates the sessions in progress over time (the open model's N for Little's law).

:func:`percentile_shifts_ms` estimates how far that lag moves a reported percentile, and
:mod:`scenarios.drill.validity` marks a run invalid when the shift is large next to the percentile
(``generator_lag``). ``clock`` and ``sleep`` are injectable for tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import gevent

from results.histogram import LatencyHistogram
from scenarios.drill.collector import Recorder

LOOP_SAMPLE_S = 0.1
"""Assumption: ten samples a second catch every stall longer than ~0.1 s and cost nothing measurable
(one wake-up of one greenlet); shorter stalls show as lag on the samples they overlap."""


class LoopSampler:
    """See the module docstring. ``phase_at(epoch)`` names the phase; ``sessions()`` counts sessions in
    progress in this process."""

    def __init__(
        self,
        recorder: Recorder,
        phase_at: Callable[[float], str],
        sessions: Callable[[], int],
        *,
        interval_s: float = LOOP_SAMPLE_S,
        clock: Callable[[], float] = time.perf_counter,
        wall: Callable[[], float] = time.time,
        sleep: Callable[[float], object] = gevent.sleep,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s: must be > 0, got {interval_s!r}")
        self._recorder = recorder
        self._phase_at = phase_at
        self._sessions = sessions
        self.interval_s = interval_s
        self._clock = clock
        self._wall = wall
        self._sleep = sleep

    def sample_once(self) -> float:
        """Sleep one interval and record how late the loop woke up; returns the lag in seconds."""
        sessions = self._sessions()
        before = self._clock()
        self._sleep(self.interval_s)
        slept = self._clock() - before
        lag = max(0.0, slept - self.interval_s)
        self._recorder.loop_sample(self._phase_at(self._wall()), lag, sessions, slept)
        return lag

    def run(self) -> None:
        """Sample until killed (a greenlet per Locust process, from test start to test stop)."""
        while True:
            self.sample_once()


SHIFT_GRID = 100
"""Quantiles of each distribution combined to estimate a shift (100 × 100 sums: to about 1%)."""


def percentile_shifts_ms(
    latency: LatencyHistogram, lag: LatencyHistogram, percentiles: Sequence[float]
) -> list[float]:
    """How far the loop's lag moves each reported percentile: the percentile of (reported latency + an
    independent lag draw) minus that of the reported latency alone, both on ``SHIFT_GRID`` quantiles.
    Adding the lag once more shifts a percentile by about what the lag already added to it (the lag
    being small next to the latency, or the run is invalid anyway); 0.0 when either histogram is
    empty."""
    if latency.count == 0 or lag.count == 0:
        return [0.0] * len(percentiles)
    quantiles = [(i + 0.5) * 100.0 / SHIFT_GRID for i in range(SHIFT_GRID)]
    answers, lags = latency.quantiles_ms(quantiles), lag.quantiles_ms(quantiles)
    sums = sorted(a + b for a in answers for b in lags)
    out = []
    for p in percentiles:
        k = min(len(sums) - 1, int(p / 100.0 * len(sums)))
        # the same percentile of the same grid without the lag (each answer counted len(lags) times),
        # so that the grid's coarseness in the tail cancels out
        out.append(max(0.0, sums[k] - answers[min(len(answers) - 1, k // len(lags))]))
    return out
