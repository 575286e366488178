"""The protocol pieces of the simulated e-ID provider, free of HTTP: clients, PKCE, codes, keys, tokens.

- :class:`Client`: a registered relying party (the portal) with its secret and exact redirect URIs.
- :func:`s256_challenge`: PKCE ``S256`` (RFC 7636 section 4.2).
- :class:`CodeStore`: authorization codes in memory, single-use, expiring, with a hard size bound.
- :class:`SigningKey`: the RSA key that signs ID tokens, its ``kid`` (RFC 7638 thumbprint) and JWK.
- :func:`mint_id_token`: an RS256 ID token (OpenID Connect Core section 2) via PyJWT.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CITIZEN_ID_RE = re.compile(r"[0-9]{12}")
"""A citizen identity number (số định danh cá nhân): exactly 12 digits."""

MISSING_CITIZEN_PREFIX = "000"
"""Convention shared with the population database: IDs starting with this do not exist."""

PKCE_VERIFIER_RE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
"""RFC 7636 section 4.1: code_verifier = 43*128 unreserved characters."""

S256_CHALLENGE_RE = re.compile(r"[A-Za-z0-9\-_]{43}")
"""An S256 challenge: base64url (no padding) of a SHA-256 digest, hence exactly 43 characters."""

RSA_KEY_BITS = 2048
DEFAULT_MAX_CODES = 100_000
"""Assumption: bound on outstanding codes (~100 k logins within one code lifetime) so memory stays small
even if a load test never redeems its codes; past it the oldest codes are dropped."""


@dataclass(frozen=True, slots=True)
class Client:
    """A registered relying party; redirect URIs match exactly (no prefix or pattern matching)."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.client_id:
            raise ValueError(f"client_id: must not be empty, got {self.client_id!r}")
        if not self.client_secret:
            raise ValueError(f"client_secret: must not be empty for client {self.client_id!r}")
        if not self.redirect_uris:
            raise ValueError(f"redirect_uris: client {self.client_id!r} needs at least one, got none")
        for uri in self.redirect_uris:
            if not uri.startswith(("http://", "https://")) or "#" in uri:
                raise ValueError(f"redirect_uris: {uri!r} must be an absolute http(s) URI without fragment")


def b64url(data: bytes) -> str:
    """Base64url without padding (RFC 7515 section 2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def s256_challenge(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``: BASE64URL(SHA256(ASCII(verifier)))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass(frozen=True, slots=True)
class Grant:
    """What an authorization code stands for, checked again when it is redeemed."""

    client_id: str
    redirect_uri: str
    citizen_id: str
    nonce: str | None
    code_challenge: str
    auth_time: int
    expires_at: float


class CodeStore:
    """Authorization codes in process memory: each redeemable once, until it expires.

    Codes all live ``ttl_s``, so insertion order is expiry order: expired codes are dropped from the
    front on every issue (amortised O(1)), and past ``max_codes`` the oldest live ones go too.
    """

    def __init__(
        self, ttl_s: float, max_codes: int = DEFAULT_MAX_CODES, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"code_ttl_s: must be > 0, got {ttl_s!r}")
        if max_codes < 1:
            raise ValueError(f"max_codes: must be >= 1, got {max_codes!r}")
        self.ttl_s = ttl_s
        self.max_codes = max_codes
        self._clock = clock
        self._codes: OrderedDict[str, Grant] = OrderedDict()

    def __len__(self) -> int:
        return len(self._codes)

    def expires_at(self) -> float:
        """The expiry time of a code issued now."""
        return self._clock() + self.ttl_s

    def issue(self, grant: Grant) -> str:
        """Store ``grant`` under a new random code and return the code."""
        self._purge()
        while len(self._codes) >= self.max_codes:
            self._codes.popitem(last=False)
        code = secrets.token_urlsafe(32)
        self._codes[code] = grant
        return code

    def redeem(self, code: str) -> Grant | None:
        """The grant of ``code``, removing it; None if unknown, already used or expired."""
        grant = self._codes.pop(code, None)
        if grant is None or grant.expires_at <= self._clock():
            return None
        return grant

    def _purge(self) -> None:
        now = self._clock()
        codes = self._codes
        while codes:
            oldest = next(iter(codes.values()))
            if oldest.expires_at > now:
                return
            codes.popitem(last=False)


@dataclass(frozen=True, slots=True)
class SigningKey:
    """An RSA private key with its key id and public JWK."""

    private_key: rsa.RSAPrivateKey
    kid: str
    jwk: dict[str, Any]

    @classmethod
    def generate(cls, bits: int = RSA_KEY_BITS) -> SigningKey:
        """A fresh key (each simulator start gets a new one; relying parties refetch the JWKS by kid)."""
        return cls.from_private_key(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    @classmethod
    def from_private_key(cls, private_key: rsa.RSAPrivateKey) -> SigningKey:
        public = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
        kid = jwk_thumbprint(public)
        jwk = {**public, "kid": kid, "use": "sig", "alg": "RS256"}
        return cls(private_key=private_key, kid=kid, jwk=jwk)

    def jwks(self) -> dict[str, Any]:
        """The JWK set served at ``/jwks.json``."""
        return {"keys": [self.jwk]}


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an RSA JWK (members e, kty, n in lexicographic order)."""
    canonical = orjson.dumps({"e": jwk["e"], "kty": jwk["kty"], "n": jwk["n"]}, option=orjson.OPT_SORT_KEYS)
    return b64url(hashlib.sha256(canonical).digest())


def mint_id_token(key: SigningKey, *, issuer: str, grant: Grant, now: int, ttl_s: int, acr: str) -> str:
    """An RS256-signed ID token for ``grant`` with a ``kid`` header."""
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": grant.citizen_id,
        "aud": grant.client_id,
        "iat": now,
        "exp": now + ttl_s,
        "auth_time": grant.auth_time,
        "acr": acr,
    }
    if grant.nonce is not None:
        claims["nonce"] = grant.nonce
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
