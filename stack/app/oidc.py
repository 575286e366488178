"""The portal's side of OpenID Connect (authorization code + PKCE) with the national e-ID provider.

ID tokens are verified with PyJWT against the provider's JWKS, which is fetched once and again only when
a token names a key id not seen yet (key rotation), at most every ``JWKS_REFRESH_MIN_S`` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from stack.app.errors import ApiError, unauthorized
from stack.app.upstream import call_json
from stack.settings import StackSettings

JWKS_REFRESH_MIN_S = 30.0  # assumption: refetch an unknown key id at most this often
CLOCK_SKEW_S = 30  # assumption: tolerated clock difference with the e-ID provider
SYSTEM = "e-ID provider"


@dataclass(frozen=True, slots=True)
class LoginStart:
    authorize_url: str
    state: str
    stored: dict[str, str]


@dataclass(frozen=True, slots=True)
class Identity:
    citizen_id: str
    acr: str


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, settings: StackSettings, http: httpx.AsyncClient) -> None:
        self._s = settings
        self._http = http
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = 0.0
        self.redirect_uri = settings.public_url.rstrip("/") + "/api/v1/auth/callback"

    def start(self, login_hint: str | None) -> LoginStart:
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        params = {
            "response_type": "code",
            "client_id": self._s.eid_client_id,
            "redirect_uri": self.redirect_uri,
            "scope": "openid",
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if login_hint:
            params["login_hint"] = login_hint
        url = self._s.eid_browser_url.rstrip("/") + "/authorize?" + urlencode(params)
        return LoginStart(url, state, {"nonce": nonce, "verifier": verifier})

    async def finish(self, code: str, stored: dict[str, str]) -> Identity:
        """Exchange the code for tokens and verify the ID token; the citizen it names."""
        tokens = await call_json(
            self._http,
            SYSTEM,
            "POST",
            self._s.eid_url.rstrip("/") + "/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": self.redirect_uri,
                "client_id": self._s.eid_client_id,
                "client_secret": self._s.eid_client_secret,
                "code_verifier": stored["verifier"],
            },
        )
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise ApiError(502, "upstream_invalid", "e-ID token response has no id_token")
        claims = await self._verify(id_token)
        if claims.get("nonce") != stored["nonce"]:
            raise unauthorized("ID token nonce does not match the login")
        return Identity(str(claims["sub"]), str(claims.get("acr", "")))

    async def _verify(self, id_token: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(id_token).get("kid", "")
        except jwt.PyJWTError as exc:
            raise unauthorized(f"malformed ID token: {exc}") from None
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key,
                algorithms=["RS256"],
                audience=self._s.eid_client_id,
                issuer=self._s.eid_url.rstrip("/"),
                leeway=CLOCK_SKEW_S,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise unauthorized(f"ID token rejected: {exc}") from None
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys and time.monotonic() - self._fetched_at > JWKS_REFRESH_MIN_S:
            jwks = await call_json(self._http, SYSTEM, "GET", self._s.eid_url.rstrip("/") + "/jwks.json")
            self._keys = {k.key_id or "": k for k in jwt.PyJWKSet.from_dict(jwks).keys}
            self._fetched_at = time.monotonic()
        if kid not in self._keys:
            raise unauthorized(f"ID token signed with unknown key id {kid!r}")
        return self._keys[kid]
