"""Simulated national electronic identity provider (VNeID, Ministry of Public Security).

Speaks OpenID Connect, authorization code flow with PKCE (S256), so that the portal's login works as it
would against the real provider while a load test logs in synthetic citizens without a browser: the
``login_hint`` names the citizen (a 12-digit citizen ID number) and no password is asked.

Run: ``python -m stack.sims.eid --host 127.0.0.1 --port 8101 [options]``; stops on SIGTERM/SIGINT, exit 0.

Flags (plus the fault flags of :mod:`stack.sims.serve`):

- ``--issuer``: issuer URL (default ``http://HOST:PORT``); the discovery document's endpoints derive
  from it.
- ``--client-id``: the registered client (default ``cuaso-portal``).
- ``--client-secret``: its secret (default :data:`DEFAULT_CLIENT_SECRET`, a development value).
- ``--redirect-uri``: a registered redirect URI, exact match; repeatable (default
  :data:`DEFAULT_REDIRECT_URI`).
- ``--code-ttl-s``: authorization code lifetime (default :data:`DEFAULT_CODE_TTL_S`).
- ``--id-token-ttl-s``: ID and access token lifetime (default :data:`DEFAULT_ID_TOKEN_TTL_S`).
- ``--acr``: the ``acr`` claim (default :data:`DEFAULT_ACR`).

Endpoints:

- ``GET /.well-known/openid-configuration``: the discovery document.
- ``GET /jwks.json``: the signing key as a JWK set (a new RSA-2048 key at each start; ``kid`` is its
  RFC 7638 thumbprint).
- ``GET /authorize?response_type=code&client_id=..&redirect_uri=..&scope=openid&state=..&nonce=..
  &code_challenge=..&code_challenge_method=S256&login_hint=CITIZEN_ID``: ``302`` to
  ``redirect_uri?code=..&state=..``. An unknown client or an unregistered redirect URI: ``400`` JSON,
  never redirected. Other bad parameters: ``302`` to ``redirect_uri?error=invalid_request&
  error_description=..&state=..`` (``unsupported_response_type``, ``invalid_scope`` where they apply;
  ``access_denied`` for IDs starting ``000``, which do not exist).
- ``POST /token`` (form body ``grant_type=authorization_code&code=..&redirect_uri=..&code_verifier=..``;
  the client by ``client_id``/``client_secret`` in the form or by HTTP Basic): ``200 {"access_token",
  "token_type": "Bearer", "expires_in", "id_token", "scope"}``; errors as RFC 6749 section 5.2 JSON
  (``invalid_request``/``invalid_grant``/``unsupported_grant_type`` 400, ``invalid_client`` 401).
  Codes are single-use: presenting one consumes it, even when the exchange then fails.
- ``/_sim/...``: health, statistics and fault controls (:mod:`stack.sims.control`).

ID tokens (RS256, header ``kid``) carry ``iss``, ``sub`` (the citizen ID), ``aud`` (the client id),
``iat``, ``exp``, ``auth_time``, ``nonce`` (when the request had one) and ``acr``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from fastapi import FastAPI, Request
from starlette.responses import Response

from stack.sims import oidc_endpoints
from stack.sims.eid_settings import (
    DEFAULT_ACR,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_CODE_TTL_S,
    DEFAULT_ID_TOKEN_TTL_S,
    DEFAULT_REDIRECT_URI,
    EidSettings,
)
from stack.sims.middleware import FaultState
from stack.sims.oidc import Client, CodeStore, SigningKey
from stack.sims.responses import OrjsonResponse
from stack.sims.serve import base_parser, install_faults, new_app, parse_args, serve

DEFAULT_PORT = 8101


def create_app(settings: EidSettings, faults: FaultState, key: SigningKey | None = None) -> FastAPI:
    """The e-ID provider as an ASGI app (a new signing key unless one is given)."""
    signing_key = key if key is not None else SigningKey.generate()
    codes = CodeStore(ttl_s=settings.code_ttl_s)
    discovery = settings.discovery()
    jwks = signing_key.jwks()
    app = new_app("cuaso simulated national e-ID provider")

    @app.get("/.well-known/openid-configuration")
    async def openid_configuration() -> Response:
        return OrjsonResponse(discovery)

    @app.get("/jwks.json")
    async def jwks_json() -> Response:
        return OrjsonResponse(jwks)

    @app.get("/authorize")
    async def authorize(request: Request) -> Response:
        return oidc_endpoints.authorize(settings, codes, request.query_params, now=int(time.time()))

    @app.post("/token")
    async def token(request: Request) -> Response:
        return oidc_endpoints.token(
            settings,
            codes,
            signing_key,
            content_type=request.headers.get("content-type", ""),
            authorization=request.headers.get("authorization"),
            body=await request.body(),
            now=int(time.time()),
        )

    install_faults(app, faults, "eid")
    return app


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser("python -m stack.sims.eid", "Simulated national e-ID provider (OIDC).", DEFAULT_PORT)
    parser.add_argument("--issuer", default=None, help="issuer URL (default: http://HOST:PORT)")
    parser.add_argument(
        "--client-id", default=DEFAULT_CLIENT_ID, help="registered client (default: %(default)s)"
    )
    parser.add_argument(
        "--client-secret", default=DEFAULT_CLIENT_SECRET, help="its secret (default: %(default)s)"
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        default=None,
        help=f"registered redirect URI, exact match; repeatable (default: {DEFAULT_REDIRECT_URI})",
    )
    add = parser.add_argument
    add(
        "--code-ttl-s", type=float, default=DEFAULT_CODE_TTL_S, help="code lifetime, s (default: %(default)s)"
    )
    add(
        "--id-token-ttl-s",
        type=int,
        default=DEFAULT_ID_TOKEN_TTL_S,
        help="token lifetime, s (default: %(default)s)",
    )
    add("--acr", default=DEFAULT_ACR, help="acr claim of ID tokens (default: %(default)s)")
    return parser


def settings_from_args(args: argparse.Namespace) -> EidSettings:
    """Provider settings from parsed flags (raises ValueError naming the bad setting)."""
    redirect_uris = tuple(args.redirect_uri) if args.redirect_uri else (DEFAULT_REDIRECT_URI,)
    issuer = args.issuer if args.issuer is not None else f"http://{args.host}:{args.port}"
    client = Client(args.client_id, args.client_secret, redirect_uris)
    return EidSettings(
        issuer=issuer,
        clients=(client,),
        code_ttl_s=args.code_ttl_s,
        id_token_ttl_s=args.id_token_ttl_s,
        acr=args.acr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, faults = parse_args(parser, argv)
    try:
        settings = settings_from_args(args)
    except ValueError as exc:
        parser.error(str(exc))
    return serve(create_app(settings, faults), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
