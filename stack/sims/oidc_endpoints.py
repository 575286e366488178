"""Request handling of the e-ID provider's ``/authorize`` and ``/token`` endpoints.

Kept apart from the app (:mod:`stack.sims.eid`) so that the protocol rules read in one place:

- ``/authorize`` (RFC 6749 section 4.1.1-4.1.2.1, RFC 7636 section 4.3, OIDC Core section 3.1.2): an
  unknown ``client_id`` or a ``redirect_uri`` not registered for it is answered ``400`` JSON and never
  redirected (an open redirector otherwise); every other problem is redirected back as
  ``error=...&error_description=...&state=...``.
- ``/token`` (RFC 6749 section 4.1.3 and 5, RFC 7636 section 4.5-4.6): the form body is parsed here with
  :mod:`urllib.parse`; the client authenticates by ``client_secret_post`` or HTTP Basic (not both);
  the code is consumed on first presentation, then checked against client, redirect URI, expiry and
  the PKCE verifier.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import urllib.parse
from collections.abc import Mapping

from starlette.responses import Response

from stack.sims.eid_settings import EidSettings
from stack.sims.oidc import (
    CITIZEN_ID_RE,
    MISSING_CITIZEN_PREFIX,
    PKCE_VERIFIER_RE,
    S256_CHALLENGE_RE,
    Client,
    CodeStore,
    Grant,
    SigningKey,
    mint_id_token,
    s256_challenge,
)
from stack.sims.responses import OrjsonResponse, error_response

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def authorize(settings: EidSettings, codes: CodeStore, params: Mapping[str, str], now: int) -> Response:
    """Authenticate the citizen named by ``login_hint`` and redirect back with a code (or an error)."""
    client_id = params.get("client_id", "")
    client = settings.client(client_id)
    if client is None:
        return error_response(400, "unauthorized_client", "unknown client_id", field="client_id")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri not in client.redirect_uris:
        return error_response(400, "invalid_request", "redirect_uri is not registered", field="redirect_uri")
    state = params.get("state")

    def fail(error: str, description: str) -> Response:
        query = {"error": error, "error_description": description}
        if state is not None:
            query["state"] = state
        return _redirect(redirect_uri, query)

    if params.get("response_type") != "code":
        return fail("unsupported_response_type", "response_type must be code")
    if "openid" not in params.get("scope", "").split():
        return fail("invalid_scope", "scope must include openid")
    if params.get("code_challenge_method") != "S256":
        return fail("invalid_request", "code_challenge_method must be S256")
    challenge = params.get("code_challenge", "")
    if not S256_CHALLENGE_RE.fullmatch(challenge):
        return fail("invalid_request", "code_challenge must be 43 base64url characters (S256)")
    citizen_id = params.get("login_hint", "")
    if not CITIZEN_ID_RE.fullmatch(citizen_id):
        return fail("invalid_request", "login_hint must be a 12-digit citizen ID number")
    if citizen_id.startswith(MISSING_CITIZEN_PREFIX):
        return fail("access_denied", "no citizen with this ID number")
    grant = Grant(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        citizen_id=citizen_id,
        nonce=params.get("nonce"),
        code_challenge=challenge,
        auth_time=now,
        expires_at=codes.expires_at(),
    )
    query = {"code": codes.issue(grant)}
    if state is not None:
        query["state"] = state
    return _redirect(redirect_uri, query)


def token(
    settings: EidSettings,
    codes: CodeStore,
    key: SigningKey,
    *,
    content_type: str,
    authorization: str | None,
    body: bytes,
    now: int,
) -> Response:
    """Exchange an authorization code and its PKCE verifier for an ID token."""
    if content_type.split(";")[0].strip().lower() != FORM_CONTENT_TYPE:
        return _oauth_error(400, "invalid_request", f"Content-Type must be {FORM_CONTENT_TYPE}")
    try:
        form = _parse_form(body)
    except ValueError as exc:
        return _oauth_error(400, "invalid_request", str(exc))
    if form.get("grant_type") != "authorization_code":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code")
    for name in ("code", "redirect_uri", "code_verifier"):
        if not form.get(name):
            return _oauth_error(400, "invalid_request", f"{name} is required")
    verifier = form["code_verifier"]
    if not PKCE_VERIFIER_RE.fullmatch(verifier):
        return _oauth_error(400, "invalid_request", "code_verifier must be 43-128 unreserved characters")
    client_or_error = _authenticate_client(settings, form, authorization)
    if isinstance(client_or_error, Response):
        return client_or_error
    client = client_or_error
    grant = codes.redeem(form["code"])
    if grant is None:
        return _oauth_error(400, "invalid_grant", "code is unknown, expired or already used")
    if grant.client_id != client.client_id:
        return _oauth_error(400, "invalid_grant", "code was issued to another client")
    if grant.redirect_uri != form["redirect_uri"]:
        return _oauth_error(400, "invalid_grant", "redirect_uri differs from the authorization request")
    if not hmac.compare_digest(s256_challenge(verifier), grant.code_challenge):
        return _oauth_error(400, "invalid_grant", "code_verifier does not match code_challenge")
    id_token = mint_id_token(
        key, issuer=settings.issuer, grant=grant, now=now, ttl_s=settings.id_token_ttl_s, acr=settings.acr
    )
    body_out = {
        "access_token": secrets.token_urlsafe(32),
        "token_type": "Bearer",
        "expires_in": settings.id_token_ttl_s,
        "id_token": id_token,
        "scope": "openid",
    }
    return OrjsonResponse(body_out, headers=NO_STORE)


def _parse_form(body: bytes) -> dict[str, str]:
    """A form body as a dict; a parameter given twice is an error (RFC 6749 section 3.2)."""
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError("form body must be ASCII (percent-encoded)") from exc
    form: dict[str, str] = {}
    for name, value in urllib.parse.parse_qsl(text, keep_blank_values=True):
        if name in form:
            raise ValueError(f"{name} is given more than once")
        form[name] = value
    return form


def _authenticate_client(
    settings: EidSettings, form: Mapping[str, str], authorization: str | None
) -> Client | Response:
    """The client authenticated by HTTP Basic or by ``client_id``/``client_secret`` in the form."""
    if authorization is not None and authorization[:6].lower() == "basic ":
        if "client_secret" in form:
            return _oauth_error(400, "invalid_request", "use one client authentication method, not two")
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return _invalid_client("malformed HTTP Basic credentials")
        raw_id, sep, raw_secret = decoded.partition(":")
        if not sep:
            return _invalid_client("malformed HTTP Basic credentials")
        # RFC 6749 section 2.3.1: both are form-urlencoded before Basic encoding.
        client_id, secret = urllib.parse.unquote_plus(raw_id), urllib.parse.unquote_plus(raw_secret)
        if form.get("client_id", client_id) != client_id:
            return _oauth_error(400, "invalid_request", "client_id differs from the HTTP Basic one")
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    client = settings.client(client_id)
    if client is None or not hmac.compare_digest(secret.encode(), client.client_secret.encode()):
        return _invalid_client("unknown client or wrong secret")
    return client


def _oauth_error(
    status: int, error: str, description: str, headers: Mapping[str, str] | None = None
) -> Response:
    """An RFC 6749 section 5.2 error body."""
    return OrjsonResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def _invalid_client(description: str) -> Response:
    return _oauth_error(401, "invalid_client", description, {"www-authenticate": 'Basic realm="eid"'})


def _redirect(uri: str, query: Mapping[str, str]) -> Response:
    separator = "&" if "?" in uri else "?"
    return Response(status_code=302, headers={"location": uri + separator + urllib.parse.urlencode(query)})
