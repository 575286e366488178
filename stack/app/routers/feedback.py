"""Feedback and petitions (phản ánh, kiến nghị): citizens file and track them; agencies answer.

Citizens (logged in):

- ``POST /api/v1/feedback`` with optional ``Idempotency-Key`` and ``{"about": {"procedure_id": ...} or
  {"agency": ...}, "text": ...}`` → ``201`` the item, with the agency that must answer (a procedure's
  owner) and its deadline; the same key and body again: the same item (``200``, ``Idempotent-Replayed``);
  the same key with another body: ``409``.
- ``GET /api/v1/feedback?limit=&offset=`` → mine, newest first; ``GET /api/v1/feedback/{id}`` → one of
  mine (another citizen's: ``404``).

Agencies (the back-office systems; a shared secret, kept simple for the reference stack):

- ``GET /api/v1/agency/feedback?agency=CODE&limit=N`` with header ``X-Agency-Secret`` → ``200 {"agency",
  "limit", "items"}``: its unanswered items, earliest deadline first (``422`` an unknown agency).
- ``POST /api/v1/agency/feedback/{id}/answer`` with header ``X-Agency-Secret`` and ``{"agency", "text",
  "answered_at"?}`` → ``200`` the item, ``answered_late`` true when after the deadline. ``answered_at``
  (ISO with zone) defaults to now; a simulator may send its own clock's time, never before filing. The
  same answer again: ``200``, nothing changes; another answer: ``409``; an agency that does not own the
  item: ``403``; a missing or wrong secret: ``401`` naming the header.

Public: ``GET /api/v1/public/feedback/statistics`` → per agency filed, open, answered on time and late,
and the unanswered items past their deadline, all from counters kept as items are filed and answered.
"""

from __future__ import annotations

import hmac
import time
import weakref
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from prometheus_client import Counter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from stack.app.deps import CurrentSession, Svc
from stack.app.errors import ApiError, not_found
from stack.data.client import RedisClient
from stack.data.feedback import AboutKind, AnswerOutcome, Feedback, FeedbackStore, FeedbackTotals, FileOutcome
from stack.lifecycle.workweek import WorkingWeek

router = APIRouter(prefix="/api/v1", tags=["feedback"])

AGENCY_SECRET_HEADER = "X-Agency-Secret"
TEXT_MIN, TEXT_MAX = 10, 4000
"""Assumption: a feedback or answer says something (10 characters) and fits a page (4,000)."""

EVENTS = Counter(
    "cuaso_feedback_total",
    "Feedback and petitions, by event (filed, answered_on_time, answered_late).",
    ["event"],
)
_STORES: weakref.WeakKeyDictionary[RedisClient, FeedbackStore] = weakref.WeakKeyDictionary()
_TOTALS: weakref.WeakKeyDictionary[FeedbackStore, tuple[float, FeedbackTotals]] = weakref.WeakKeyDictionary()

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=TEXT_MIN, max_length=TEXT_MAX)]


def feedback_store(services: Svc) -> FeedbackStore:
    """The worker's feedback store (its scripts registered once per Redis client)."""
    store = _STORES.get(services.redis)
    if store is None:
        settings = services.settings
        store = FeedbackStore(
            services.redis,
            settings.idempotency_ttl_s,
            WorkingWeek.with_holidays(settings.public_holidays),
            settings.feedback_answer_working_days,
        )
        _STORES[services.redis] = store
    return store


Store = Annotated[FeedbackStore, Depends(feedback_store)]


class AboutIn(BaseModel):
    """What the feedback is about: exactly one of a procedure or an agency."""

    model_config = ConfigDict(extra="forbid")

    procedure_id: str | None = Field(None, min_length=1, max_length=40)
    agency: str | None = Field(None, min_length=1, max_length=20)

    @model_validator(mode="after")
    def _exactly_one(self) -> AboutIn:
        if (self.procedure_id is None) == (self.agency is None):
            raise ValueError("give exactly one of procedure_id or agency")
        return self


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    about: AboutIn
    text: Text


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(min_length=1, max_length=20, description="The answering agency's code")
    text: Text
    answered_at: AwareDatetime | None = Field(None, description="When it was answered (default: now)")


def _now_ms() -> int:
    return int(time.time() * 1000)


def _owned(item: Feedback | None, citizen_id: str) -> Feedback:
    if item is None or item.owner != citizen_id:
        raise not_found("feedback", "feedback_id")
    return item


@router.post(
    "/feedback",
    status_code=201,
    responses={200: {"description": "The same Idempotency-Key again: the same item"}},
)
async def file_feedback(
    services: Svc,
    session: CurrentSession,
    store: Store,
    body: FeedbackIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """File a feedback or petition about a procedure or an agency."""
    kind: AboutKind
    if body.about.procedure_id is not None:
        procedure = services.catalogue.get(body.about.procedure_id)
        if procedure is None:
            raise ApiError(
                422, "invalid", f"unknown procedure {body.about.procedure_id!r}", "body.about.procedure_id"
            )
        kind, about_id, agency = "procedure", procedure.id, procedure.agency
    else:
        about_id = agency = str(body.about.agency)
        if agency not in services.catalogue.agencies:
            raise ApiError(422, "invalid", f"unknown agency {agency!r}", "body.about.agency")
        kind = "agency"
    outcome, feedback_id = await store.file(
        session.citizen_id, kind, about_id, agency, body.text, idempotency_key, datetime.now(UTC)
    )
    if outcome is FileOutcome.KEY_REUSED:
        raise ApiError(
            409, "idempotency_key_reused", "this key was used for a different request", "Idempotency-Key"
        )
    if outcome is FileOutcome.REPLAYED:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    else:
        EVENTS.labels("filed").inc()
    return _owned(await store.get(feedback_id), session.citizen_id).to_public(_now_ms())


@router.get("/feedback")
async def list_my_feedback(
    session: CurrentSession,
    store: Store,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    total, items = await store.list_mine(session.citizen_id, limit, offset)
    now_ms = _now_ms()
    return {"total": total, "limit": limit, "offset": offset, "items": [i.to_public(now_ms) for i in items]}


@router.get("/feedback/{feedback_id}")
async def read_feedback(
    session: CurrentSession, store: Store, feedback_id: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    return _owned(await store.get(feedback_id), session.citizen_id).to_public(_now_ms())


@router.get("/agency/feedback")
async def list_agency_feedback(
    services: Svc,
    store: Store,
    agency: Annotated[str, Query(min_length=1, max_length=20, description="The agency's code")],
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    x_agency_secret: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """An agency's unanswered feedback, earliest deadline first (the back-office simulator polls it;
    a bounded read of the partitions' open indexes, see ``FeedbackStore.list_open``)."""
    expected = services.settings.agency_secret.encode()
    if not x_agency_secret or not hmac.compare_digest(x_agency_secret.encode(), expected):
        raise ApiError(401, "unauthorized", "missing or wrong agency secret", AGENCY_SECRET_HEADER)
    if agency not in services.catalogue.agencies:
        raise ApiError(422, "invalid", f"unknown agency {agency!r}", "agency")
    now_ms = _now_ms()
    items = await store.list_open(agency, limit)
    return {"agency": agency, "limit": limit, "items": [i.to_public(now_ms) for i in items]}


@router.post("/agency/feedback/{feedback_id}/answer")
async def answer_feedback(
    services: Svc,
    store: Store,
    body: AnswerIn,
    feedback_id: Annotated[str, Path(max_length=40)],
    x_agency_secret: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """An agency answers a feedback it owns (see the module docstring)."""
    expected = services.settings.agency_secret.encode()
    if not x_agency_secret or not hmac.compare_digest(x_agency_secret.encode(), expected):
        raise ApiError(401, "unauthorized", "missing or wrong agency secret", AGENCY_SECRET_HEADER)
    at = body.answered_at or datetime.now(UTC)
    outcome, late, owner = await store.answer(feedback_id, body.agency, body.text, at)
    if outcome is AnswerOutcome.NOT_FOUND:
        raise not_found("feedback", "feedback_id")
    if outcome is AnswerOutcome.WRONG_AGENCY:
        raise ApiError(403, "wrong_agency", f"this feedback is for agency {owner!r} to answer", "body.agency")
    if outcome is AnswerOutcome.CONFLICT:
        raise ApiError(409, "already_answered", "another answer was recorded before", "feedback_id")
    if outcome is AnswerOutcome.BEFORE_FILING:
        raise ApiError(
            422, "invalid", "an answer cannot come before the feedback was filed", "body.answered_at"
        )
    if outcome is AnswerOutcome.ANSWERED:
        EVENTS.labels("answered_late" if late else "answered_on_time").inc()
    item = await store.get(feedback_id)
    if item is None:
        raise not_found("feedback", "feedback_id")
    return item.to_public(_now_ms())


@router.get("/public/feedback/statistics")
async def feedback_statistics(services: Svc, store: Store) -> dict[str, Any]:
    """Feedback handling per agency, for the public (counters, no personal data; per worker, at most
    ``statistics_cache_s`` old, like the dossier statistics)."""
    max_age_s = services.settings.statistics_cache_s
    cached = _TOTALS.get(store)
    if cached is not None and time.monotonic() - cached[0] < max_age_s:
        totals = cached[1]
    else:
        totals = await store.totals(_now_ms())
        _TOTALS[store] = (time.monotonic(), totals)
    agencies = services.catalogue.agencies
    items = []
    for code, counts in totals.agencies.items():
        answered = counts.on_time + counts.late
        agency = agencies.get(code)
        items.append(
            {
                "code": code,
                "name": agency.name if agency else code,
                **counts.to_dict(),
                "on_time_rate": round(counts.on_time / answered, 4) if answered else None,
            }
        )
    return {
        "as_of": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "max_age_s": max_age_s,
        "overdue_open": totals.overdue_open,
        "answer_working_days": store.answer_working_days,
        "items": items,
    }
