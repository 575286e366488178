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
import orjson
from locust.contrib.fasthttp import FAILURE_EXCEPTIONS
from locust.exception import CatchResponseError

from results.exceptions import TargetNotAllowedError
from scenarios.journeys.runtime import DrillRuntime
from scenarios.mix import Journey, Step
from scenarios.rng import Rng

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({0, 408, 429, 500, 502, 503, 504})
"""Answers a person (or a well-behaved client) retries: none at all, timeouts, rate limits, overload."""

ACCEPT_ENCODING = "gzip, deflate, br"
"""What a journey's requests accept, as Locust's ``FastHttpSession`` asks by default (browsers ask the
same)."""

NO_REDIRECTS: frozenset[int] = frozenset()
"""The HTTP client's redirect codes in a visit: none (it hands every 3xx back to the journey)."""


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
        client.client.redirect_response_codes = NO_REDIRECTS  # journeys follow redirects themselves

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
        think = self.spec(step_name).think
        attempt = 0
        while True:
            try:
                result = action()
                break
            except RequestFailed as exc:
                attempt = self._retry(step_name, exc, attempt + 1)
        self.think(think)
        return result

    def _retry(self, step_name: str, exc: RequestFailed, attempt: int) -> int:
        """After failed ``attempt`` of a step: back off and return ``attempt``, or end the journey (a failure
        no retry fixes, or the person gives up). Out of :meth:`step`: a smaller frame under every request."""
        if not exc.retryable:
            raise JourneyFailed(f"{self.journey.name}/{step_name}: {exc}") from exc
        policy = self.runtime.policy
        if policy.gives_up(attempt, self.rng):
            raise JourneyAbandoned(f"{self.journey.name}/{step_name}: gave up after {exc}") from exc
        self.retries += 1
        self.pause(policy.delay_for(attempt, self.rng))
        return attempt

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
        counted as a failed request and fails the journey. Redirects are never followed here (a journey
        follows them itself, through the allow-list).

        The request goes through the user's Locust session (``FastHttpSession``: its HTTP client, base
        URL, cookies and basic auth), and its one request event is fired here once the answer is judged,
        with the fields Locust's own ``request`` fills. Not through ``FastHttpSession.request`` with
        ``catch_response``: that costs a deep frame on every request's stack, where an idle user's
        memory is decided, and a copy of every response (docs/benchmarks.md, "What an idle user
        holds"). Keep this frame small: work before and after the send is in :func:`_outgoing` and
        :meth:`_judge`.
        """
        url = self._outgoing(method, url, name, kwargs)
        started = time.time()
        clock = time.perf_counter()
        response = self.client._send_request_safe_mode(method, url, **kwargs)
        return self._judge(method, url, name, expect, parse, response, started, clock)

    def _outgoing(self, method: str, url: str, name: str, kwargs: dict[str, Any]) -> str:
        """The absolute URL (refused unsent when its host is not allowed), with ``kwargs`` made into the
        HTTP client's (headers with the session's defaults, ``json`` encoded into the payload), as
        ``FastHttpSession.request`` makes them."""
        self._check_allowed(method, url, name)
        session = self.client
        headers = dict(kwargs.pop("headers", None) or {})
        if session.auth_header and "Authorization" not in headers:
            headers["Authorization"] = session.auth_header
        headers.setdefault("Accept-Encoding", ACCEPT_ENCODING)
        payload = kwargs.pop("data", None)
        body = kwargs.pop("json", None)
        if payload is None and body is not None:
            payload = orjson.dumps(body)
            headers.setdefault("Content-Type", "application/json")
            headers.setdefault("Accept", "application/json")
        kwargs["headers"] = headers
        kwargs["payload"] = payload
        return session._build_url(url)  # type: ignore[no-any-return]

    def _judge(
        self,
        method: str,
        url: str,
        name: str,
        expect: Collection[int],
        parse: Callable[[Any], T] | None,
        response: Any,
        started: float,
        clock: float,
    ) -> tuple[int, T | None]:
        """Read the answer's body, judge it against ``expect`` and ``parse``, fire its request event."""
        status = int(response.status_code or 0)
        problem: str | None = None
        value: T | None = None
        try:
            length = len(response.content or b"")
        except FAILURE_EXCEPTIONS as exc:  # the body broke off: no (whole) answer
            length, status = 0, 0
            problem = f"{method} {name}: the answer broke off ({type(exc).__name__}: {exc})"
        elapsed_ms = (time.perf_counter() - clock) * 1000.0
        if problem is None and status not in expect:
            problem = f"{method} {name}: answered {status}, expected {'/'.join(map(str, expect))}"
        elif problem is None and parse is not None:
            try:
                value = parse(response)
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                problem = f"{method} {name}: unexpected body ({type(exc).__name__}: {exc})"
        session = self.client
        session.request_event.fire(
            request_type=method, name=name, response_time=elapsed_ms, response_length=length,
            response=response, context=session.user.context() if session.user else {},
            exception=None if problem is None else CatchResponseError(problem), start_time=started, url=url,
        )  # fmt: skip
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
