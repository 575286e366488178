"""The simulated e-ID provider's configuration: issuer, registered clients, token lifetimes, assurance.

Its own module so that the provider (:mod:`stack.sims.eid`) and its endpoints
(:mod:`stack.sims.oidc_endpoints`) both import it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from stack.sims.oidc import Client

DEFAULT_CLIENT_ID = "cuaso-portal"
DEFAULT_CLIENT_SECRET = "cuaso-dev-secret"
"""A development value shared by the launcher and the portal; not a secret."""
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/api/v1/auth/callback"
"""Assumption: the portal's default local address and its callback route (docs/api.md)."""
DEFAULT_CODE_TTL_S = 60
"""Assumption: authorization codes live 60 s (RFC 6749 section 4.1.2 recommends at most 10 minutes)."""
DEFAULT_ID_TOKEN_TTL_S = 300
"""Assumption: ID and access tokens live 300 s; the portal keeps its own session afterwards."""
DEFAULT_ACR = "vneid-level2"
"""Assumption: the assurance level claimed; VNeID level-2 accounts are those used for public services."""


@dataclass(frozen=True, slots=True)
class EidSettings:
    """The provider's configuration."""

    issuer: str
    clients: tuple[Client, ...]
    code_ttl_s: float = DEFAULT_CODE_TTL_S
    id_token_ttl_s: int = DEFAULT_ID_TOKEN_TTL_S
    acr: str = DEFAULT_ACR

    def __post_init__(self) -> None:
        if not self.issuer.startswith(("http://", "https://")) or self.issuer.endswith("/"):
            raise ValueError(f"issuer: must be an http(s) URL without trailing slash, got {self.issuer!r}")
        if not self.clients:
            raise ValueError("clients: need at least one registered client, got none")
        if self.code_ttl_s <= 0:
            raise ValueError(f"code_ttl_s: must be > 0, got {self.code_ttl_s!r}")
        if self.id_token_ttl_s <= 0:
            raise ValueError(f"id_token_ttl_s: must be > 0, got {self.id_token_ttl_s!r}")

    def client(self, client_id: str) -> Client | None:
        for client in self.clients:
            if client.client_id == client_id:
                return client
        return None

    def discovery(self) -> dict[str, object]:
        """The OpenID Provider metadata (OpenID Connect Discovery 1.0 section 3)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks.json",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "scopes_supported": ["openid"],
            "claims_supported": ["iss", "sub", "aud", "iat", "exp", "auth_time", "nonce", "acr"],
            "acr_values_supported": [self.acr],
        }
