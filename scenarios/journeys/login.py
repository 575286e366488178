"""The national e-ID login as a load-test client does it: three requests, no browser (docs/api.md).

1. ``GET /api/v1/auth/login?login_hint=<citizen ID>`` → 302 to the e-ID provider's ``/authorize``;
2. ``GET <e-ID>/authorize?...`` (the simulator logs the citizen in) → 302 back to the callback;
3. ``GET /api/v1/auth/callback?code=&state=`` → 200 with the session token.

A failure anywhere restarts the whole login (a used or expired ``state`` cannot be replayed), which is
what :meth:`Visit.step` does with the ``login`` step.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from scenarios.journeys.steps import Visit

LOGIN_START = "/api/v1/auth/login"
AUTHORIZE_NAME = "e-ID /authorize"
CALLBACK = "/api/v1/auth/callback"


def _location(response: object) -> str:
    location = str(response.headers["location"])  # type: ignore[attr-defined]
    if not location:
        raise ValueError("empty Location header")
    return location


def _callback_params(response: object) -> dict[str, str]:
    """``code`` and ``state`` from the e-ID's redirect back to the portal (KeyError if refused)."""
    query = parse_qs(urlsplit(_location(response)).query)
    return {"code": query["code"][0], "state": query["state"][0]}


def login(visit: Visit, citizen_id: str) -> dict[str, str]:
    """Log ``citizen_id`` in through the e-ID; returns the ``Authorization`` header of the session."""
    _, authorize = visit.request(
        "GET", LOGIN_START, LOGIN_START, expect=(302,), parse=_location, params={"login_hint": citizen_id}
    )
    assert authorize is not None
    _, params = visit.request("GET", authorize, AUTHORIZE_NAME, expect=(302,), parse=_callback_params)
    _, token = visit.request(
        "GET", CALLBACK, CALLBACK, parse=lambda r: str(r.json()["session_token"]), params=params
    )
    return {"Authorization": f"Bearer {token}"}
