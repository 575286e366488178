"""The back-office systems answer citizens' feedback: a poller that reads each agency's open feedback from
the portal and answers it after a simulated handling time, on time or late.

Each tick (``poll_s``) it reads the public feedback statistics (one request: which agencies have open
items), then ``GET /api/v1/agency/feedback?agency=CODE`` for those, and schedules an answer per item not
already scheduled: after the agency's ``handling_s`` it sends ``POST /api/v1/agency/feedback/{id}/answer``
with ``answered_at``. Whether an answer is late is a pure function of the seed and the feedback id drawn
against the agency's ``late_rate``; a late answer is dated :data:`~stack.sims.backoffice_status.LATE_BY`
after the deadline (time is compressed: lateness is stated, not waited for), an on-time one now.

It runs in its own thread and event loop (the simulators serve with uvicorn's lifespan off). Control:
``GET /_sim/feedback`` (policies and counters), ``PUT /_sim/feedback/{agency}`` (``*``: the default and
every agency) with ``{"enabled", "handling_s", "late_rate"}``; keys left out keep their values; bad
input answers ``422`` naming the key.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from stack.sims.backoffice_status import LATE_BY
from stack.sims.backoffice_systems import _derived_random, _seconds, _share
from stack.sims.faults import FaultConfigError
from stack.sims.responses import OrjsonResponse, error_response

log = logging.getLogger("cuaso.sims.backoffice.feedback")

DEFAULT_POLL_S = 1.0
"""Assumption: the systems look for new feedback every second (0: the poller does not run)."""
DEFAULT_HANDLING_S = 2.0
"""Assumption: an agency answers 2 s after it first sees an item (compressed time)."""
DEFAULT_FEEDBACK_LATE_RATE = 0.1
"""Assumption: 10 % of answers come after the deadline."""
LIST_LIMIT = 50
"""Items read per agency and tick (assumption)."""
TIMEOUT_S = 10.0
"""Timeout of one request to the portal (assumption)."""
ANSWER_TEXT = "Cơ quan {agency} đã tiếp nhận, xem xét và trả lời phản ánh, kiến nghị này."


@dataclass(frozen=True, slots=True)
class FeedbackPolicy:
    """How one agency answers feedback."""

    enabled: bool = True
    handling_s: float = DEFAULT_HANDLING_S
    late_rate: float = DEFAULT_FEEDBACK_LATE_RATE

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise FaultConfigError("enabled", self.enabled, "must be true or false")
        object.__setattr__(self, "handling_s", _seconds("handling_s", self.handling_s))
        object.__setattr__(self, "late_rate", _share("late_rate", self.late_rate))

    @classmethod
    def from_mapping(cls, data: object, base: FeedbackPolicy) -> FeedbackPolicy:
        """A policy from JSON: keys left out keep ``base``'s values; unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise FaultConfigError("body", data, "must be a JSON object")
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise FaultConfigError(str(key), data[key], f"unknown feedback setting; known: {known}")
        return replace(base, **dict(data))


class FeedbackPolicies:
    """The default policy and per-agency ones (each replaced whole: safe to read from another thread)."""

    def __init__(self, agencies: Iterable[str], default: FeedbackPolicy) -> None:
        self.default = default
        self.by_agency = dict.fromkeys(agencies, default)

    def get(self, agency: str) -> FeedbackPolicy:
        return self.by_agency.get(agency, self.default)

    def any_enabled(self) -> bool:
        return self.default.enabled or any(p.enabled for p in self.by_agency.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "default": asdict(self.default),
            "agencies": {a: asdict(p) for a, p in self.by_agency.items()},
        }


@dataclass(slots=True)
class AnswerStats:
    """Counters since start."""

    polls: int = 0
    listed: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    already_answered: int = 0
    refused: int = 0
    failed: int = 0
    pending: int = 0


class FeedbackAnswerer:
    """Polls the portal and answers feedback (see the module docstring)."""

    def __init__(
        self, portal_url: str, agency_secret: str, policies: FeedbackPolicies, *, seed: int = 0,
        poll_s: float = DEFAULT_POLL_S,
    ) -> None:  # fmt: skip
        self.base = portal_url.rstrip("/")
        self.policies = policies
        self.poll_s = _seconds("poll_s", poll_s)
        self.stats = AnswerStats()
        self._headers = {"X-Agency-Secret": agency_secret}
        self._seed = seed
        self._scheduled: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def start_thread(self) -> threading.Thread:
        """Run the poller in a daemon thread with its own event loop (ends with the process)."""
        thread = threading.Thread(target=asyncio.run, args=(self.run(),), name="feedback", daemon=True)
        thread.start()
        return thread

    async def run(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=TIMEOUT_S, trust_env=False) as http:
            while True:
                try:
                    await self.poll_once(http)
                except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
                    log.warning("feedback poll failed: %s: %s", type(exc).__name__, exc)
                await asyncio.sleep(self.poll_s)

    async def poll_once(self, http: httpx.AsyncClient) -> None:
        """One tick: find agencies with open items, list them, schedule answers for new ones (no request
        at all while every agency is disabled: a stack started with --no-feedback-answers stays quiet)."""
        if not self.policies.any_enabled():
            return
        self.stats.polls += 1
        r = await http.get("/api/v1/public/feedback/statistics")
        r.raise_for_status()
        agencies = [
            str(row["code"])
            for row in r.json()["items"]
            if int(row["open"]) > 0 and self.policies.get(str(row["code"])).enabled
        ]
        for agency in agencies:
            params: dict[str, str | int] = {"agency": agency, "limit": LIST_LIMIT}
            r = await http.get("/api/v1/agency/feedback", params=params, headers=self._headers)
            r.raise_for_status()
            for item in r.json()["items"]:
                if item["id"] not in self._scheduled:
                    self.stats.listed += 1
                    self._schedule(http, item)

    def _schedule(self, http: httpx.AsyncClient, item: dict[str, Any]) -> None:
        self._scheduled.add(item["id"])
        self.stats.pending += 1
        task = asyncio.get_running_loop().create_task(self._answer(http, item))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def is_late(self, feedback_id: str, late_rate: float) -> bool:
        """Whether this item's answer is late: a pure function of the seed and the id."""
        return _derived_random(self._seed, "feedback", feedback_id).random() < late_rate

    async def _answer(self, http: httpx.AsyncClient, item: dict[str, Any]) -> None:
        feedback_id, agency = str(item["id"]), str(item["agency"])
        done = False
        try:
            policy = self.policies.get(agency)
            await asyncio.sleep(policy.handling_s)
            at = datetime.now(UTC)
            if self.is_late(feedback_id, policy.late_rate):
                at = max(at, datetime.fromisoformat(item["deadline_at"]) + LATE_BY)
            body = {
                "agency": agency,
                "text": ANSWER_TEXT.format(agency=agency),
                "answered_at": at.isoformat(),
            }
            url = f"/api/v1/agency/feedback/{feedback_id}/answer"
            r = await http.post(url, json=body, headers=self._headers)
            done = True
            if r.status_code == 200:
                late = bool(r.json().get("answered_late"))
                self.stats.answered_late += late
                self.stats.answered_on_time += not late
            elif r.status_code == 409:
                self.stats.already_answered += 1
            elif 400 <= r.status_code < 500:
                self.stats.refused += 1
                log.warning("answer to %s refused: %s", feedback_id, r.text)
            else:
                done = False
                self.stats.failed += 1
        except httpx.HTTPError as exc:
            self.stats.failed += 1
            log.warning("answer to %s failed: %s: %s", feedback_id, type(exc).__name__, exc)
        finally:
            self.stats.pending -= 1
            if not done:
                self._scheduled.discard(feedback_id)  # the next poll lists it again

    def snapshot(self) -> dict[str, Any]:
        return {"poll_s": self.poll_s, **asdict(self.stats)}


def feedback_control_router(policies: FeedbackPolicies, answerer: FeedbackAnswerer | None) -> APIRouter:
    """``GET /_sim/feedback`` and ``PUT /_sim/feedback/{agency}``."""
    router = APIRouter(prefix="/_sim")

    @router.get("/feedback")
    async def show() -> Response:
        answers = answerer.snapshot() if answerer is not None else None
        return OrjsonResponse({**policies.to_dict(), "answers": answers})

    @router.put("/feedback/{agency}")
    async def change(agency: str, request: Request) -> Response:
        if agency != "*" and agency not in policies.by_agency:
            return error_response(404, "not_found", f"no agency {agency!r}", field="agency")
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error_response(422, "invalid", f"not JSON: {exc}", field="body")
        try:
            if agency == "*":
                default = FeedbackPolicy.from_mapping(data, policies.default)
                updated = {a: FeedbackPolicy.from_mapping(data, p) for a, p in policies.by_agency.items()}
                policies.default = default
            else:
                updated = {agency: FeedbackPolicy.from_mapping(data, policies.get(agency))}
        except (FaultConfigError, TypeError) as exc:
            key = exc.key if isinstance(exc, FaultConfigError) else "body"
            return error_response(422, "invalid", str(exc), field=key)
        policies.by_agency.update(updated)
        return OrjsonResponse({"updated": len(updated), "example": asdict(next(iter(updated.values())))})

    return router
