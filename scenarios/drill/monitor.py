"""The drill's bookkeeping on the Locust master (or the single local process); no Locust import here.

Each second the Locust side calls :meth:`Monitor.sample_users`; every ``TIMELINE_S`` it calls
:meth:`Monitor.timeline_point`, which turns what arrived since the last point (worker reports or the
local recorder's deltas, added with :meth:`Monitor.add`) into one timeline point: users, requests/s,
error rate, p50/p95/p99. :meth:`Monitor.verdict` says when to stop early: the error rate over the last
``ABORT_WINDOW_S`` passed the abort threshold (after the minimum number of requests), or — in a
fixed-iteration drill — every user finished. :meth:`Monitor.live` is what the runner prints as
progress; :meth:`Monitor.output` is the whole measurement the runner turns into the results document.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from scenarios.drill.collector import Aggregate, Delta
from scenarios.drill.config import DrillConfig

TIMELINE_S = 3.0
"""Seconds between timeline points: Locust workers report every 3 s (``WORKER_REPORT_INTERVAL``), so a
shorter interval would show their reports' rhythm rather than the load."""

ABORT_WINDOW_S = 30.0
"""Assumption: the abort threshold applies to the error rate of the last 30 s, so that a drill aborts
on an outage late in the run as well as early, yet not on one bad second."""

OUTPUT_VERSION = 1


@dataclass
class _Users:
    total: float = 0.0
    samples: int = 0
    max: int = 0

    def add(self, users: int) -> None:
        self.total += users
        self.samples += 1
        self.max = max(self.max, users)

    @property
    def mean(self) -> float:
        return self.total / self.samples if self.samples else 0.0


class Monitor:
    """See the module docstring. ``expected_users``: users that must finish in a fixed-iteration drill."""

    def __init__(
        self, config: DrillConfig, duration_s: float, expected_users: int, started_at: float
    ) -> None:
        self.config = config
        self.duration_s = duration_s
        self.expected_users = expected_users
        self.started_at = started_at
        self.aggregate = Aggregate()
        self.users: dict[str, _Users] = {}
        self.generator: dict[str, dict[str, list[float]]] = {}
        self.timeline: list[dict[str, Any]] = []
        self._window: deque[tuple[float, int, int]] = deque()
        self._last: dict[str, Any] = {}
        self._now: tuple[str, int] = ("", 0)
        self.stop_reason: str | None = None
        self.aborted = False
        self.ended_s: float | None = None

    def add(self, delta: Delta) -> None:
        self.aggregate.add(delta)

    def sample_users(self, phase: str, users: int) -> None:
        self.users.setdefault(phase, _Users()).add(users)
        self._now = (phase, users)

    def sample_generator(self, phase: str, cpu_percent: dict[str, float]) -> None:
        """CPU (100 = one core) of each Locust process as Locust reports it (workers: heartbeats), the
        generator's load where the runner cannot sample it (remote workers)."""
        slot = self.generator.setdefault(phase, {})
        for process, cpu in cpu_percent.items():
            slot.setdefault(process, []).append(float(cpu))

    def timeline_point(self, t_s: float, phase: str, users: int) -> dict[str, Any]:
        interval = self.aggregate.take_interval()
        seconds = t_s - (self.timeline[-1]["t_s"] if self.timeline else 0.0)
        latency = interval.latency()
        requests, failures = interval.requests, interval.failures
        point = {
            "t_s": round(t_s, 3),
            "phase": phase,
            "users": users,
            "rps": requests / seconds if seconds > 0 else 0.0,
            "error_rate": failures / requests if requests else 0.0,
            "p50_ms": latency.percentile_ms(50),
            "p95_ms": latency.percentile_ms(95),
            "p99_ms": latency.percentile_ms(99),
        }
        self.timeline.append(point)
        self._window.append((t_s, requests, failures))
        while self._window and self._window[0][0] <= t_s - ABORT_WINDOW_S:
            self._window.popleft()
        self._last = point
        return point

    def verdict(self) -> str | None:
        """A reason to stop now, or None."""
        if self.stop_reason is not None:
            return self.stop_reason
        requests = sum(r for _, r, _ in self._window)
        failures = sum(f for _, _, f in self._window)
        threshold = self.config.abort_error_rate
        if requests >= self.config.abort_min_requests and failures / requests > threshold:
            self.aborted = True
            self.stop_reason = (
                f"aborted: error rate {failures / requests:.1%} over the last {ABORT_WINDOW_S:g} s "
                f"({failures} of {requests} requests) passed --abort-error-rate {threshold:g}"
            )
        elif self.config.iterations and self.aggregate.total.users_finished >= self.expected_users > 0:
            self.stop_reason = (
                f"finished: all {self.expected_users} users ran {self.config.iterations} journeys each"
            )
        return self.stop_reason

    def live(self, t_s: float) -> dict[str, Any]:
        total = self.aggregate.total
        return {
            "started_at": self.started_at,
            "t_s": round(t_s, 3),
            "duration_s": self.duration_s,
            "phase": self._now[0] or self._last.get("phase", ""),
            "users": self._now[1],
            "rps": self._last.get("rps", 0.0),
            "p95_ms": self._last.get("p95_ms", 0.0),
            "error_rate": self._last.get("error_rate", 0.0),
            "requests": total.requests,
            "failures": total.failures,
            "stop_reason": self.stop_reason,
        }

    def output(self, final: bool) -> dict[str, Any]:
        return {
            "version": OUTPUT_VERSION,
            "final": final,
            "started_at": self.started_at,
            "ended_s": self.ended_s,
            "stop_reason": self.stop_reason,
            "aborted": self.aborted,
            "users": {p: {"mean": u.mean, "max": u.max, "samples": u.samples} for p, u in self.users.items()},
            "timeline": self.timeline,
            "generator": {
                phase: {p: {"mean": sum(s) / len(s), "max": max(s)} for p, s in by_process.items() if s}
                for phase, by_process in self.generator.items()
            },
            "data": self.aggregate.encode(),
        }
