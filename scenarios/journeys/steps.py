"""The one helper every journey uses: named steps, named think times, requests and retries.

A :class:`Visit` is one session of one Locust user following one journey of the mix. Journeys are
written as plain sequences::

    for _ in visit.repeats("search"):
        items = visit.step("search", lambda: visit.get("/api/v1/procedures", params=...))

:meth:`Visit.step` runs the step's requests; when one of them fails in a way a person would retry
(no answer, a timeout, 408, 429 or 5xx) the step starts over after the retry policy's delay, until the
policy gives up (the journey is *abandoned*); any other unexpected answer *fails* the journey. After
the step, the person thinks for the step's think time (the mix names it per step). Time spent thinking
and backing off is recorded per phase: Little's law needs it.

Requests are named by method and route template (``GET /api/v1/dossiers/{code}``) so that Locust's
statistics and the drill's histograms aggregate over dossiers and procedures.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from typing import Any, TypeVar

import gevent

from results.exceptions import TargetNotAllowedError
from scenarios.journeys.runtime import DrillRuntime
from scenarios.mix import Journey, Step
from scenarios.rng import Rng

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({0, 408, 429, 500, 502, 503, 504})
"""Answers a person (or a well-behaved client) retries: none at all, timeouts, rate limits, overload."""


class RequestFailed(Exception):
    """One request got an answer the step did not expect (``status`` 0: no answer)."""

    def __init__(self, what: str, status: int, retryable: bool) -> None:
        super().__init__(f"{what}: status {status}")
        self.status = status
        self.retryable = retryable


class JourneyFailed(Exception):
    """The journey cannot go on (an answer no retry fixes, e.g. a 4xx)."""


class JourneyAbandoned(Exception):
    """The person gave up after failures, per the retry policy."""


class Visit:
    """One session of one user on one journey: see the module docstring."""

    __slots__ = ("_steps", "client", "journey", "retries", "rng", "runtime", "started")

    def __init__(
        self,
        client: Any,
        runtime: DrillRuntime,
        journey: Journey,
        rng: Rng,
        started: float | None = None,
    ) -> None:
        self.client = client
        self.runtime = runtime
        self.journey = journey
        self.rng = rng
        self.retries = 0
        self.started = time.time() if started is None else started  # open model: the intended start
        self._steps = journey.by_name

    # --- the person ---------------------------------------------------------------------------------

    def spec(self, step_name: str) -> Step:
        try:
            return self._steps[step_name]
        except KeyError:
            raise JourneyFailed(
                f"journeys.{self.journey.name}: the mix has no step {step_name!r} "
                f"(steps: {', '.join(self._steps)})"
            ) from None

    def repeats(self, step_name: str) -> range:
        """How many times the step happens in this visit (the mix's ``repeat`` range)."""
        return range(self.spec(step_name).repeat.sample(self.rng))

    def attachment_sizes(self) -> list[int]:
        """Sizes in bytes of the documents this dossier carries (the mix's ``attachments``)."""
        att = self.runtime.mix.attachments
        return [att.size_bytes.sample(self.rng) for _ in range(att.count.sample(self.rng))]

    def think(self, think_name: str) -> None:
        """Spend the named think time (the mix's think table); recorded for Little's law."""
        self.pause(self.runtime.mix.think[think_name].sample(self.rng))

    def pause(self, seconds: float) -> None:
        if seconds <= 0:
            return
        for phase, share in self.runtime.spread(time.time(), seconds):  # exact per phase, for Little's law
            self.runtime.recorder.thought(phase, share)
        gevent.sleep(seconds)

    def step(self, step_name: str, action: Callable[[], T]) -> T:
        """Run ``action`` (the step's requests) with the retry policy, then think the step's think time."""
        spec = self.spec(step_name)
        policy = self.runtime.policy
        attempt = 0
        while True:
            try:
                result = action()
                break
            except RequestFailed as exc:
                if not exc.retryable:
                    raise JourneyFailed(f"{self.journey.name}/{step_name}: {exc}") from exc
                attempt += 1
                if policy.gives_up(attempt, self.rng):
                    raise JourneyAbandoned(f"{self.journey.name}/{step_name}: gave up after {exc}") from exc
                self.retries += 1
                self.pause(policy.delay_for(attempt, self.rng))
        self.think(spec.think)
        return result

    # --- the browser --------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        name: str,
        expect: Collection[int] = (200,),
        parse: Callable[[Any], T] | None = None,
        **kwargs: Any,
    ) -> tuple[int, T | None]:
        """One request named ``"<method> <name>"``; returns (status, ``parse(response)``).

        An answer outside ``expect``, or one ``parse`` cannot read, is marked failed in Locust's
        statistics and raises :class:`RequestFailed`. An absolute URL whose host is not allowed
        (:class:`~scenarios.safety.AllowList`: loopback or ``--allow-host``) is not sent at all: it is
        counted as a failed request and fails the journey.
        """
        self._check_allowed(method, url, name)
        problem: str | None = None
        value: T | None = None
        with self.client.request(
            method, url, name=name, catch_response=True, allow_redirects=False, **kwargs
        ) as response:
            status = int(response.status_code or 0)
            if status not in expect:
                problem = f"{method} {name}: answered {status}, expected {'/'.join(map(str, expect))}"
            elif parse is not None:
                try:
                    value = parse(response)
                except (ValueError, KeyError, IndexError, TypeError) as exc:
                    problem = f"{method} {name}: unexpected body ({type(exc).__name__}: {exc})"
            if problem is None:
                response.success()
            else:
                response.failure(problem)
        if problem is not None:
            raise RequestFailed(problem, status, status not in expect and status in RETRYABLE_STATUSES)
        return status, value

    def _check_allowed(self, method: str, url: str, name: str) -> None:
        """Refuse a URL whose host is not allowed (kept out of :meth:`request`: a smaller frame on every
        request's stack)."""
        try:
            self.runtime.allow.check_url(url)
        except TargetNotAllowedError as exc:
            # Never sent: counted as a failed request (the reason shows in the failures table) and the
            # journey fails, since no retry makes the host allowed.
            self.client.request_event.fire(
                request_type=method, name=name, response_time=0.0, response_length=0, response=None,
                context={}, exception=exc, url=url,
            )  # fmt: skip
            raise JourneyFailed(f"{self.journey.name}: {exc}") from None

    def get_json(self, url: str, name: str, **kwargs: Any) -> Any:
        """GET expecting 200 and a JSON body, which it returns."""
        _, body = self.request("GET", url, name, parse=lambda r: r.json(), **kwargs)
        return body
