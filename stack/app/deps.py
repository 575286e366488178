"""FastAPI dependencies as ``Annotated`` aliases: ``Svc`` (the worker's services) and ``Citizen``
(the logged-in citizen, from a Bearer token or the session cookie)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from stack.app.errors import unauthorized
from stack.app.services import Services
from stack.data.sessions import Session

SESSION_COOKIE = "cuaso_session"


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


Svc = Annotated[Services, Depends(get_services)]


def _token_of(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("Authorization header must be 'Bearer <session token>'")
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def current_session(request: Request, services: Svc) -> Session:
    token = _token_of(request)
    if not token:
        raise unauthorized("login required: no session token")
    session = await services.sessions.get(token)
    if session is None:
        raise unauthorized("session expired or unknown: log in again")
    await services.rate_limiter.enforce(session.citizen_id)  # per-citizen budget: 429 past it
    return session


CurrentSession = Annotated[Session, Depends(current_session)]
