"""The account lifecycle on the portal: last activity at login, locked logins refused, recovery requests.

FACTS.md: an account inactive for 2 consecutive years is locked (after a notice; the lifecycle job in
:mod:`stack.lifecycle` sends notices and locks); recovery is re-confirmed on the portal and handled within
8 working hours.

- :func:`record_login` (called by the e-ID callback in ``auth.py``): records the login as the account's
  last activity, or refuses a locked account with ``403 account_locked`` before any session exists.
- ``POST /api/v1/accounts/recovery {"citizen_id"}`` (anonymous): ``202`` a recovery ticket with its
  deadline (8 working hours, Vietnamese working week); the same request while a ticket is open returns
  that ticket (``200``); an account that is not locked: ``409 not_locked`` naming ``body.citizen_id``.
- ``GET /api/v1/accounts/recovery/{ticket_id}`` (anonymous, the id is unguessable): the ticket's status,
  deadline, and once completed (by the job or an officer) whether the deadline was ``met`` or
  ``breached``.
"""

from __future__ import annotations

import time
import weakref
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Response
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field

from stack.app.deps import Svc
from stack.app.errors import ApiError, not_found
from stack.app.services import Services
from stack.data.accounts import AccountStore, RequestOutcome
from stack.data.client import RedisClient
from stack.data.keys import CITIZEN_ID_RE
from stack.lifecycle.policy import LifecyclePolicy
from stack.lifecycle.workweek import WorkingWeek

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])

LOGINS_REFUSED = Counter(
    "cuaso_account_logins_refused_total", "e-ID logins refused because the account is locked."
)
RECOVERY_REQUESTS = Counter(
    "cuaso_account_recovery_requests_total", "Account recovery requests, by outcome.", ["outcome"]
)

_STORES: weakref.WeakKeyDictionary[RedisClient, AccountStore] = weakref.WeakKeyDictionary()


def account_store(services: Svc) -> AccountStore:
    """The worker's account store (its scripts registered once per Redis client)."""
    store = _STORES.get(services.redis)
    if store is None:
        store = _STORES[services.redis] = AccountStore(services.redis)
    return store


Accounts = Annotated[AccountStore, Depends(account_store)]


def policy_of(services: Services) -> LifecyclePolicy:
    settings = services.settings
    week = WorkingWeek.with_holidays(settings.public_holidays)
    return LifecyclePolicy(min_notice_days=settings.account_min_notice_days, week=week)


async def record_login(services: Services, citizen_id: str) -> None:
    """Record a login as activity; raise ``403 account_locked`` (no session is opened) when locked."""
    if not await account_store(services).record_login(citizen_id, int(time.time() * 1000)):
        LOGINS_REFUSED.inc()
        raise ApiError(
            403,
            "account_locked",
            "this account was locked after 2 years without activity; request its recovery with "
            "POST /api/v1/accounts/recovery (handled within 8 working hours)",
        )


class RecoveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    citizen_id: str = Field(
        pattern=CITIZEN_ID_RE.pattern, description="12-digit citizen ID of the locked account"
    )


@router.post("/recovery", status_code=202, responses={200: {"description": "A ticket was already open"}})
async def request_recovery(
    services: Svc, store: Accounts, body: RecoveryIn, response: Response
) -> dict[str, Any]:
    """Ask for a locked account to be unlocked (the citizen re-confirms with the national e-ID)."""
    now = datetime.now(UTC)
    policy = policy_of(services)
    requested = now.astimezone(policy.week.tz)
    deadline = policy.recovery_deadline(requested)
    outcome, ticket_id = await store.request_recovery(body.citizen_id, requested, deadline)
    RECOVERY_REQUESTS.labels(outcome.value).inc()
    if outcome is RequestOutcome.NOT_LOCKED:
        raise ApiError(409, "not_locked", "this account is not locked: log in as usual", "body.citizen_id")
    if outcome is RequestOutcome.EXISTING:
        response.status_code = 200
    ticket = await store.ticket(ticket_id)
    if ticket is None:  # completed and gone between the two calls cannot happen: tickets are kept
        raise not_found("recovery ticket", "ticket_id")
    return ticket.to_public(int(time.time() * 1000))


@router.get("/recovery/{ticket_id}")
async def read_recovery(store: Accounts, ticket_id: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    """A recovery ticket's status and deadline, and once completed whether the deadline was met."""
    ticket = await store.ticket(ticket_id)
    if ticket is None:
        raise not_found("recovery ticket", "ticket_id")
    return ticket.to_public(int(time.time() * 1000))
