"""What a drill measures inside Locust, as plain mergeable data (no Locust import here).

Every Locust process records into a :class:`Recorder`: per ``(phase, endpoint)`` the requests, failures,
errors by kind, bytes received and an HDR histogram of response times (µs); per ``(phase, journey)``
the journeys started, completed, failed, abandoned, their retries and a histogram of whole-journey
durations; per phase the seconds users spent thinking (and waiting before retries), which Little's law
needs. :meth:`Recorder.drain` hands over everything recorded since the last drain as a :class:`Delta`
and starts afresh, so each sample is counted exactly once wherever the delta travels:

* a local (single-process) run adds its deltas straight into an :class:`Aggregate`;
* a Locust worker encodes its delta (:meth:`Delta.encode`, HDR's compressed base64) into the report it
  sends to the master; the master decodes and adds it. HDR histograms merge exactly, so totals and
  percentiles of K workers are those of one process that saw every request.

:func:`error_kind` names what went wrong with a request in the words of the results document
(``http_503``, ``timeout``, ``connection``, ``not_allowed``, ``assertion``).
"""

from __future__ import annotations

import math
import socket
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from results.exceptions import TargetNotAllowedError
from results.histogram import LatencyHistogram
from scenarios.drill.open_tally import ArrivalTally, LoopTally

PhaseKey = tuple[str, str]
"""(phase name, endpoint or journey name)."""


def error_kind(status_code: int, exception: BaseException | None) -> str:
    """The kind of a failed request: ``http_<status>`` for an unexpected HTTP answer (4xx/5xx),
    ``timeout`` or ``connection`` when no answer came (status 0), ``not_allowed`` for a request the
    allow-list refused (never sent), ``assertion`` for an answer with an acceptable status whose
    content was wrong (or a 1xx-3xx status the step did not expect)."""
    if isinstance(exception, TargetNotAllowedError):
        return "not_allowed"
    if status_code >= 400:
        return f"http_{status_code}"
    if status_code == 0:
        if exception is not None and _is_timeout(exception):
            return "timeout"
        return "connection"
    return "assertion"


def _is_timeout(exc: BaseException) -> bool:
    if isinstance(exc, TimeoutError | socket.timeout):
        return True
    name = type(exc).__name__.lower()
    return "timeout" in name or "timed out" in str(exc).lower()


@dataclass
class EndpointTally:
    """One endpoint within one phase."""

    requests: int = 0
    failures: int = 0
    bytes_received: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    histogram: LatencyHistogram = field(default_factory=LatencyHistogram)
    ok_histogram: LatencyHistogram = field(default_factory=LatencyHistogram)  # successful answers only

    def add(self, other: EndpointTally) -> None:
        self.requests += other.requests
        self.failures += other.failures
        self.bytes_received += other.bytes_received
        self.errors.update(other.errors)
        self.histogram.merge(other.histogram)
        self.ok_histogram.merge(other.ok_histogram)

    def encode(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "failures": self.failures,
            "bytes_received": self.bytes_received,
            "errors": dict(self.errors),
            "histogram": self.histogram.encode(),
            "ok_histogram": self.ok_histogram.encode(),
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> EndpointTally:
        return cls(
            requests=int(data["requests"]),
            failures=int(data["failures"]),
            bytes_received=int(data["bytes_received"]),
            errors=Counter({str(k): int(v) for k, v in data["errors"].items()}),
            histogram=LatencyHistogram.decode(str(data["histogram"])),
            ok_histogram=LatencyHistogram.decode(str(data["ok_histogram"])),
        )


@dataclass
class JourneyTally:
    """One journey within one phase (started counts where it started, the rest where it ended)."""

    started: int = 0
    completed: int = 0
    failed: int = 0
    abandoned: int = 0
    retries: int = 0
    histogram: LatencyHistogram = field(default_factory=LatencyHistogram)

    def add(self, other: JourneyTally) -> None:
        self.started += other.started
        self.completed += other.completed
        self.failed += other.failed
        self.abandoned += other.abandoned
        self.retries += other.retries
        self.histogram.merge(other.histogram)

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            key: getattr(self, key) for key in ("started", "completed", "failed", "abandoned", "retries")
        }
        out["histogram"] = self.histogram.encode()
        return out

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> JourneyTally:
        return cls(
            **{key: int(data[key]) for key in ("started", "completed", "failed", "abandoned", "retries")},
            histogram=LatencyHistogram.decode(str(data["histogram"])),
        )


class Tally(Protocol):
    """What :meth:`Delta.encode` encodes: an endpoint's, a journey's, an arrival or a loop tally."""

    def encode(self) -> dict[str, Any]: ...


TallyEncoder = Callable[[str, str, Tally], dict[str, Any]]


def _key(text: str) -> PhaseKey:
    phase, _, name = text.partition("\t")
    return phase, name


@dataclass
class Delta:
    """Everything recorded between two drains (or, in an :class:`Aggregate`, since the start)."""

    endpoints: dict[PhaseKey, EndpointTally] = field(default_factory=dict)
    journeys: dict[PhaseKey, JourneyTally] = field(default_factory=dict)
    think_s: dict[str, float] = field(default_factory=dict)
    users_finished: int = 0
    arrivals: dict[str, ArrivalTally] = field(default_factory=dict)  # by phase (open model)
    loop: dict[str, LoopTally] = field(default_factory=dict)  # by phase

    def endpoint(self, phase: str, name: str) -> EndpointTally:
        tally = self.endpoints.get((phase, name))
        if tally is None:
            tally = self.endpoints[(phase, name)] = EndpointTally()
        return tally

    def journey(self, phase: str, name: str) -> JourneyTally:
        tally = self.journeys.get((phase, name))
        if tally is None:
            tally = self.journeys[(phase, name)] = JourneyTally()
        return tally

    def arrival(self, phase: str) -> ArrivalTally:
        return self.arrivals.setdefault(phase, ArrivalTally())

    def loop_tally(self, phase: str) -> LoopTally:
        return self.loop.setdefault(phase, LoopTally())

    def add(self, other: Delta) -> None:
        for phase, a in other.arrivals.items():
            self.arrival(phase).add(a)
        for phase, loop in other.loop.items():
            self.loop_tally(phase).add(loop)
        for (phase, name), e in other.endpoints.items():
            self.endpoint(phase, name).add(e)
        for (phase, name), j in other.journeys.items():
            self.journey(phase, name).add(j)
        for phase, seconds in other.think_s.items():
            self.think_s[phase] = self.think_s.get(phase, 0.0) + seconds
        self.users_finished += other.users_finished

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints.values())

    @property
    def failures(self) -> int:
        return sum(e.failures for e in self.endpoints.values())

    def latency(self) -> LatencyHistogram:
        """Every endpoint and phase merged."""
        total = LatencyHistogram()
        for tally in self.endpoints.values():
            total.merge(tally.histogram)
        return total

    def phases(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for phase, _ in (*self.endpoints, *self.journeys):
            seen.setdefault(phase)
        for phase in self.think_s:
            seen.setdefault(phase)
        return iter(seen)

    def tallies(self) -> dict[str, dict[str, Tally]]:
        """The tallies by section of :meth:`encode` and key (``phase\\tname``, or the phase)."""
        return {
            "endpoints": {f"{p}\t{n}": e for (p, n), e in self.endpoints.items()},
            "journeys": {f"{p}\t{n}": j for (p, n), j in self.journeys.items()},
            "arrivals": dict(self.arrivals),
            "loop": dict(self.loop),
        }

    def encode(self, encode_tally: TallyEncoder | None = None) -> dict[str, Any]:
        """JSON-ready (and msgpack-ready, for Locust's worker reports); keys are ``phase\\tname``.
        ``encode_tally(section, key, tally)`` may stand in for ``tally.encode()`` (a cache)."""
        encode = encode_tally or (lambda _section, _key, tally: tally.encode())
        sections = {
            section: {key: encode(section, key, tally) for key, tally in tallies.items()}
            for section, tallies in self.tallies().items()
        }
        return {
            "endpoints": sections["endpoints"],
            "journeys": sections["journeys"],
            "think_s": dict(self.think_s),
            "users_finished": self.users_finished,
            "arrivals": sections["arrivals"],
            "loop": sections["loop"],
        }

    @classmethod
    def decode(cls, data: Mapping[str, Any]) -> Delta:
        think = {str(k): float(v) for k, v in data.get("think_s", {}).items()}
        if any(not math.isfinite(v) or v < 0 for v in think.values()):
            raise ValueError(f"think_s: must be finite seconds >= 0, got {think!r}")
        return cls(
            endpoints={_key(k): EndpointTally.decode(v) for k, v in data.get("endpoints", {}).items()},
            journeys={_key(k): JourneyTally.decode(v) for k, v in data.get("journeys", {}).items()},
            think_s=think,
            users_finished=int(data.get("users_finished", 0)),
            arrivals={str(p): ArrivalTally.decode(a) for p, a in data.get("arrivals", {}).items()},
            loop={str(p): LoopTally.decode(t) for p, t in data.get("loop", {}).items()},
        )


class Recorder:
    """Per-process recording (one per Locust process), read through :meth:`drain`; not thread-safe,
    which gevent does not need."""

    def __init__(self) -> None:
        self._delta = Delta()

    def request(
        self, phase: str, endpoint: str, response_time_ms: float, length: int, error: str | None
    ) -> None:
        """Into one histogram (the hot path): successes ``ok_histogram``, failures ``histogram``,
        which :meth:`drain` completes with the successes."""
        tally = self._delta.endpoint(phase, endpoint)
        tally.requests += 1
        tally.bytes_received += max(0, length)
        if error is None:
            tally.ok_histogram.record_ms(response_time_ms)
        else:
            tally.failures += 1
            tally.errors[error] += 1
            tally.histogram.record_ms(response_time_ms)

    def journey_started(self, phase: str, journey: str) -> None:
        self._delta.journey(phase, journey).started += 1

    def journey_ended(self, phase: str, journey: str, outcome: str, duration_s: float, retries: int) -> None:
        """``outcome``: ``completed``, ``failed`` or ``abandoned``."""
        if outcome not in ("completed", "failed", "abandoned"):
            raise ValueError(f"outcome: must be completed, failed or abandoned, got {outcome!r}")
        tally = self._delta.journey(phase, journey)
        setattr(tally, outcome, getattr(tally, outcome) + 1)
        tally.retries += retries
        tally.histogram.record_us(duration_s * 1e6)

    def thought(self, phase: str, seconds: float) -> None:
        """A user spent ``seconds`` not waiting for the portal (thinking, or backing off before a retry)."""
        self._delta.think_s[phase] = self._delta.think_s.get(phase, 0.0) + max(0.0, seconds)

    def arrival_scheduled(self, phase: str) -> None:
        """The open model's schedule released an arrival meant to start in ``phase``."""
        self._delta.arrival(phase).scheduled += 1

    def arrival_returned(self, phase: str) -> None:
        """A citizen who gave up came back as a new arrival (the open model's retry storm)."""
        self._delta.arrival(phase).returned += 1

    def arrival_started(self, phase: str, lag_s: float, late: bool) -> None:
        """A user started an arrival ``lag_s`` after its intended instant (``late`` past the threshold)."""
        tally = self._delta.arrival(phase)
        tally.started += 1
        tally.late += int(late)
        tally.lag.record_us(max(0.0, lag_s) * 1e6)

    def arrival_dropped(self, phase: str) -> None:
        """An arrival no user could start in time (or before the drill ended)."""
        self._delta.arrival(phase).dropped += 1

    def loop_sample(self, phase: str, lag_s: float, sessions: int, interval_s: float) -> None:
        """One sample of the event loop's lag, and ``sessions`` in progress over ``interval_s``."""
        tally = self._delta.loop_tally(phase)
        tally.lag.record_us(max(0.0, lag_s) * 1e6)
        tally.sessions_s += sessions * max(0.0, interval_s)

    def user_finished(self) -> None:
        """A user ran its fixed number of journeys and stopped (fixed-iteration drills)."""
        self._delta.users_finished += 1

    def drain(self) -> Delta:
        """Everything since the last drain; each endpoint's ``histogram`` holds every request again."""
        delta, self._delta = self._delta, Delta()
        for tally in delta.endpoints.values():
            if tally.ok_histogram.count:
                tally.histogram.merge(tally.ok_histogram)
        return delta


class Aggregate:
    """The merged drill-wide data: all deltas since the start, plus those since the last
    :meth:`take_interval` (for the timeline).

    :meth:`encode` re-encodes only the (phase, name) tallies a delta touched since the previous call:
    the watcher checkpoints the whole aggregate every few seconds in the process that runs the users,
    and re-encoding every phase's histograms there stalled their event loop for tens of milliseconds
    late in a long sweep (loop lag that grew with the number of phases and made windows invalid)."""

    def __init__(self) -> None:
        self.total = Delta()
        self._interval = Delta()
        self._encoded: dict[tuple[str, str], dict[str, Any]] = {}  # (section, key) -> encoding
        self._dirty: set[tuple[str, str]] = set()

    def add(self, delta: Delta) -> None:
        self.total.add(delta)
        self._interval.add(delta)
        self._dirty.update((section, key) for section, keys in delta.tallies().items() for key in keys)

    def encode(self) -> dict[str, Any]:
        """``self.total.encode()``, the same document, from cached encodings of untouched tallies."""

        def cached(section: str, key: str, tally: Tally) -> dict[str, Any]:
            if (section, key) in self._dirty or (section, key) not in self._encoded:
                self._encoded[(section, key)] = tally.encode()
            return self._encoded[(section, key)]

        out = self.total.encode(cached)
        self._dirty.clear()
        return out

    def take_interval(self) -> Delta:
        interval, self._interval = self._interval, Delta()
        return interval
