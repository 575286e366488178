"""What the open model and the generator's own delay add to a drill's measurements (plain, mergeable data).

* :class:`ArrivalTally`, per phase of an arrival's *intended* start: arrivals the schedule released
  (``scheduled``), citizens who gave up and came back (``returned``), those a user started
  (``started``; ``late`` among them when they started more than
  :data:`scenarios.journeys.open_model.LATE_AFTER_S` after their intended instant), those never
  started (``dropped``), and an HDR histogram of the start lag of the started ones.
* :class:`LoopTally`, per phase: the event loop's lag (how late a greenlet that asked to sleep for a
  fixed interval woke up: the delay every request's timing suffers in that process, an HDR histogram)
  and the integral of sessions in progress over time (session-seconds: the open model's ``N`` for
  Little's law, since its pool holds idle users too).

Both merge by addition, like :class:`scenarios.drill.collector.Delta`, which carries them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from results.histogram import LatencyHistogram

COUNTS = ("scheduled", "returned", "started", "late", "dropped")


@dataclass
class ArrivalTally:
    scheduled: int = 0
    returned: int = 0  # citizens who gave up and came back as new arrivals
    started: int = 0
    late: int = 0
    dropped: int = 0
    lag: LatencyHistogram = field(default_factory=LatencyHistogram)  # start lag of started arrivals, µs

    def add(self, other: ArrivalTally) -> None:
        for key in COUNTS:
            setattr(self, key, getattr(self, key) + getattr(other, key))
        self.lag.merge(other.lag)

    def encode(self) -> dict[str, Any]:
        return {**{key: getattr(self, key) for key in COUNTS}, "lag": self.lag.encode()}

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> ArrivalTally:
        return cls(**{key: int(data[key]) for key in COUNTS}, lag=LatencyHistogram.decode(str(data["lag"])))


@dataclass
class LoopTally:
    lag: LatencyHistogram = field(default_factory=LatencyHistogram)  # event-loop lag samples, µs
    sessions_s: float = 0.0  # ∫ sessions in progress dt (open model), session-seconds

    def add(self, other: LoopTally) -> None:
        self.lag.merge(other.lag)
        self.sessions_s += other.sessions_s

    def encode(self) -> dict[str, Any]:
        return {"lag": self.lag.encode(), "sessions_s": self.sessions_s}

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> LoopTally:
        sessions = float(data.get("sessions_s", 0.0))
        if not math.isfinite(sessions) or sessions < 0:
            raise ValueError(f"sessions_s: must be finite session-seconds >= 0, got {sessions!r}")
        return cls(lag=LatencyHistogram.decode(str(data.get("lag", ""))), sessions_s=sessions)
