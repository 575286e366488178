"""Login through the national e-ID (OpenID Connect code + PKCE), logout, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel

from stack.app.deps import SESSION_COOKIE, CurrentSession, Svc
from stack.app.errors import ApiError
from stack.app.routers.accounts import record_login
from stack.data.keys import CITIZEN_ID_RE

router = APIRouter(prefix="/api/v1", tags=["auth"])


class SessionOut(BaseModel):
    session_token: str
    citizen_id: str
    expires_in: int


class MeOut(BaseModel):
    citizen_id: str
    expires_in: int


@router.get("/auth/login", status_code=302, response_class=RedirectResponse)
async def login(
    services: Svc,
    login_hint: Annotated[str | None, Query(description="12-digit citizen ID to log in as")] = None,
) -> RedirectResponse:
    """Start a login: redirect to the e-ID provider's authorization endpoint."""
    if login_hint is not None and not CITIZEN_ID_RE.match(login_hint):
        raise ApiError(422, "invalid", "citizen ID must be exactly 12 digits", "login_hint")
    start = services.oidc.start(login_hint)
    await services.login_states.put(start.state, start.stored)
    return RedirectResponse(start.authorize_url, status_code=302)


@router.get("/auth/callback")
async def callback(
    services: Svc,
    response: Response,
    state: Annotated[str, Query(min_length=1, max_length=200)],
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=500)] = None,
) -> SessionOut:
    """Finish a login: exchange the code, verify the ID token, open a session."""
    stored = await services.login_states.take(state)
    if stored is None:
        raise ApiError(400, "invalid_state", "unknown, used or expired login state", "state")
    if error is not None:
        raise ApiError(401, "login_failed", f"e-ID refused the login: {error}: {error_description or ''}")
    if code is None:
        raise ApiError(422, "invalid", "missing authorization code", "code")
    identity = await services.oidc.finish(code, stored)
    await record_login(services, identity.citizen_id)  # last activity; a locked account: 403
    session = await services.sessions.create(identity.citizen_id, identity.acr)
    response.set_cookie(SESSION_COOKIE, session.token, max_age=session.ttl_s, httponly=True, samesite="lax")
    return SessionOut(session_token=session.token, citizen_id=session.citizen_id, expires_in=session.ttl_s)


@router.post("/auth/logout", status_code=204)
async def logout(services: Svc, session: CurrentSession) -> None:
    """End the session: its token stops working at once."""
    await services.sessions.delete(session.token)


@router.get("/me")
async def me(session: CurrentSession) -> MeOut:
    return MeOut(citizen_id=session.citizen_id, expires_in=session.ttl_s)
