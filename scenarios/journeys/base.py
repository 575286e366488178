"""The base of every journey's Locust user: one visit after another, each counted as a journey.

A :class:`JourneyUser` is one seat of concurrency: it runs its journey (:meth:`JourneyUser.visit`,
written by each subclass as a readable sequence of steps), records the journey's outcome (completed,
failed, abandoned), its duration and retries, then starts the next visit at once (a new visitor
takes the seat; people think *inside* journeys, with the mix's named think times). With a fixed
number of iterations (``--cuaso-iterations``, for exact comparisons) the user stops after that many
visits.

In the open model (:class:`scenarios.journeys.registry.OpenCitizen`) the next visit is instead the
next arrival of the schedule (:meth:`JourneyUser.next_session`): the user waits for it, and the
session is timed from its intended start; its start lag rides on the first request's event
(:meth:`JourneyUser.context`, key :data:`START_LAG_KEY`) so that request's latency is the citizen's.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from locust import FastHttpUser, constant, task
from locust.exception import StopUser

from scenarios.journeys import runtime as runtime_module
from scenarios.journeys.steps import JourneyAbandoned, JourneyFailed, RequestFailed, Visit
from scenarios.mix import Journey
from scenarios.rng import Rng

START_LAG_KEY = "cuaso_start_lag_ms"
"""Key of a request event's ``context`` holding the open model's start lag (ms) of the session whose
first request it is; the drill's listener adds it to that request's response time."""


USER_CLASSES: dict[str, type[JourneyUser]] = {}
"""The user class of each implemented journey, by journey name, filled as the subclasses are defined
(:mod:`scenarios.journeys.registry` imports them all). A user runs the session's journey as
``USER_CLASSES[name].visit(visit)``: the open model's and the session mix's users run every journey, and a
static method adds no frame in between (see docs/benchmarks.md, "What an idle user holds")."""


class JourneyUser(FastHttpUser):
    """Abstract: subclasses set ``journey`` (a journey name of the mix) and write :meth:`visit`."""

    abstract = True
    journey: ClassVar[str] = ""
    wait_time = constant(0)
    max_retries = 0  # retries are the person's (the retry policy), never hidden in the HTTP client

    def __init__(self, environment: Any) -> None:
        self.runtime = runtime_module.current()
        self.network_timeout = self.connection_timeout = self.runtime.config.request_timeout_s
        super().__init__(environment)
        self._serial = self.runtime.user_serial()  # numbered in start order, whenever the stream is made
        self._rng: Rng | None = None
        self.visits_done = 0
        self.start_lag_ms = 0.0

    @property
    def rng(self) -> Rng:
        """This user's seeded random stream, made at its first use: an open model's user draws from each
        arrival's own stream instead and never holds one (a :class:`~scenarios.rng.Stream`)."""
        if self._rng is None:
            self._rng = self.runtime.user_rng(self._serial)
        return self._rng

    def on_start(self) -> None:
        if self.runtime.config.iterations:
            self.runtime.all_spawned.wait()

    def context(self) -> dict[str, Any]:
        """Locust merges this into every request event: the open model's start lag, on the first
        request of a session only (then it is spent)."""
        if self.start_lag_ms <= 0:
            return {}
        lag, self.start_lag_ms = self.start_lag_ms, 0.0
        return {START_LAG_KEY: lag}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("journey")
        if name:
            if name in USER_CLASSES:
                raise TypeError(f"{cls.__name__}.journey: {name!r} already has a user class")
            USER_CLASSES[name] = cls

    @staticmethod
    def visit(visit: Visit) -> None:
        """One session of this journey (subclasses)."""
        raise NotImplementedError

    def next_session(self) -> tuple[Journey, float | None, Rng]:
        """The next session: its journey, its intended start (None: now) and its random stream."""
        return self.runtime.journey(self.journey), None, self.rng

    def session_ended(self, outcome: str) -> None:
        """After each session (``completed``, ``failed`` or ``abandoned``); the open model's hook."""

    @task
    def one_visit(self) -> None:
        """One session: its journey's visit between :meth:`begin` and :meth:`end` (kept out of this frame,
        which is under every request of the session: see docs/benchmarks.md, "What an idle user holds")."""
        visit = self.begin()
        outcome = "completed"
        try:
            USER_CLASSES[visit.journey.name].visit(visit)
        except JourneyAbandoned:
            outcome = "abandoned"
        except (JourneyFailed, RequestFailed):  # RequestFailed: a request outside any step
            outcome = "failed"
        finally:
            self.runtime.sessions -= 1
        self.end(visit, outcome)

    def begin(self) -> Visit:
        """The next session's visit, counted as started (a new visitor: no cookies from the last one)."""
        rt = self.runtime
        journey, started, rng = self.next_session()
        self.client.cookiejar.clear()
        visit = Visit(self.client, rt, journey, rng, started)
        rt.recorder.journey_started(rt.phase_at(visit.started), journey.name)
        rt.sessions += 1
        return visit

    def end(self, visit: Visit, outcome: str) -> None:
        """Record the session's outcome, duration and retries; stop after ``--cuaso-iterations`` visits."""
        rt = self.runtime
        duration_s = time.time() - visit.started
        rt.recorder.journey_ended(rt.phase_at(), visit.journey.name, outcome, duration_s, visit.retries)
        self.session_ended(outcome)
        self.visits_done += 1
        if rt.config.iterations and self.visits_done >= rt.config.iterations:
            rt.user_finished()
            raise StopUser()
