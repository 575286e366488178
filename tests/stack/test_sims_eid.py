"""The simulated e-ID provider as a real process: OIDC authorization code flow with PKCE over HTTP."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from stack.process import free_port
from stack.sims.launch import simulator_process
from stack.sims.oidc import s256_challenge

CLIENT_ID = "portal-test"
CLIENT_SECRET = "s3cret/with+odd=chars"
REDIRECT = "http://127.0.0.1:9/api/v1/auth/callback"
OTHER_REDIRECT = "http://127.0.0.1:9/other?x=1"
VERIFIER = "test-verifier-0123456789-abcdefghijklmnopqrstuvwxyz"
CITIZEN = "079203001234"


@pytest.fixture(scope="module")
def eid(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    port = free_port()
    args = [
        "--latency-ms",
        "0",
        "--jitter-ms",
        "0",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ]
    args += ["--redirect-uri", REDIRECT, "--redirect-uri", OTHER_REDIRECT]
    with (
        simulator_process("eid", port, args, log_path=tmp_path_factory.mktemp("eid") / "eid.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client,
    ):
        yield client


def authorize_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT,
        "scope": "openid",
        "state": "st-42",
        "nonce": "nonce-7",
        "code_challenge": s256_challenge(VERIFIER),
        "code_challenge_method": "S256",
        "login_hint": CITIZEN,
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def redirect_query(response: httpx.Response, expected_base: str = REDIRECT) -> dict[str, str]:
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    base, _, query = location.partition("?" if "?" not in expected_base else "&")
    assert base == expected_base
    return dict(urllib.parse.parse_qsl(query))


def get_code(eid: httpx.Client, **overrides: str | None) -> str:
    query = redirect_query(eid.get("/authorize", params=authorize_params(**overrides)))
    assert query["state"] == "st-42"
    return query["code"]


def exchange(eid: httpx.Client, code: str, /, **overrides: str) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "code_verifier": VERIFIER,
    }
    form.update(overrides)
    return eid.post("/token", data=form)


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert response.headers["cache-control"] == "no-store"


def test_discovery_document(eid: httpx.Client) -> None:
    doc = eid.get("/.well-known/openid-configuration").json()
    issuer = str(eid.base_url).rstrip("/")
    assert doc["issuer"] == issuer
    assert doc["authorization_endpoint"] == f"{issuer}/authorize"
    assert doc["token_endpoint"] == f"{issuer}/token"
    assert doc["jwks_uri"] == f"{issuer}/jwks.json"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]


def verify_id_token(eid: httpx.Client, id_token: str) -> dict[str, Any]:
    doc = eid.get("/.well-known/openid-configuration").json()
    jwks = jwt.PyJWKSet.from_dict(eid.get(doc["jwks_uri"]).json())
    kid = jwt.get_unverified_header(id_token)["kid"]
    key = next(k for k in jwks.keys if k.key_id == kid)
    claims: dict[str, Any] = jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        audience=CLIENT_ID,
        issuer=doc["issuer"],
        options={"require": ["iss", "aud", "sub", "iat", "exp", "nonce"]},
    )
    return claims


def test_full_code_flow_with_pkce_yields_a_verifiable_id_token(eid: httpx.Client) -> None:
    code = get_code(eid)
    response = exchange(eid, code)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["expires_in"] == 300
    claims = verify_id_token(eid, body["id_token"])
    assert claims["sub"] == CITIZEN
    assert claims["nonce"] == "nonce-7"
    assert claims["acr"] == "vneid-level2"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["auth_time"] <= claims["iat"]


def test_http_basic_client_authentication(eid: httpx.Client) -> None:
    code = get_code(eid)
    creds = f"{urllib.parse.quote_plus(CLIENT_ID)}:{urllib.parse.quote_plus(CLIENT_SECRET)}"
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    }
    headers = {"Authorization": "Basic " + base64.b64encode(creds.encode()).decode()}
    response = eid.post("/token", data=form, headers=headers)
    assert response.status_code == 200, response.text
    assert verify_id_token(eid, response.json()["id_token"])["sub"] == CITIZEN


def test_wrong_verifier_is_invalid_grant_and_burns_the_code(eid: httpx.Client) -> None:
    code = get_code(eid)
    assert_oauth_error(exchange(eid, code, code_verifier="x" * 43), 400, "invalid_grant")
    assert_oauth_error(exchange(eid, code), 400, "invalid_grant")


def test_code_reuse_is_invalid_grant(eid: httpx.Client) -> None:
    code = get_code(eid)
    assert exchange(eid, code).status_code == 200
    assert_oauth_error(exchange(eid, code), 400, "invalid_grant")


def test_redirect_uri_must_equal_the_authorization_one(eid: httpx.Client) -> None:
    code = get_code(eid)
    assert_oauth_error(exchange(eid, code, redirect_uri=OTHER_REDIRECT), 400, "invalid_grant")


def test_second_registered_redirect_uri_keeps_its_own_query(eid: httpx.Client) -> None:
    response = eid.get("/authorize", params=authorize_params(redirect_uri=OTHER_REDIRECT))
    query = redirect_query(response, OTHER_REDIRECT)
    assert query["state"] == "st-42"
    assert exchange(eid, query["code"], redirect_uri=OTHER_REDIRECT).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "nobody"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"code_verifier": "short"}, 400, "invalid_request"),
        ({"code": "not-a-code"}, 400, "invalid_grant"),
    ],
)
def test_token_errors(eid: httpx.Client, overrides: dict[str, str], status: int, error: str) -> None:
    code = get_code(eid)
    response = exchange(eid, code, **overrides)
    assert_oauth_error(response, status, error)
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Basic")


def test_token_needs_a_form_body(eid: httpx.Client) -> None:
    response = eid.post("/token", json={"grant_type": "authorization_code"})
    assert_oauth_error(response, 400, "invalid_request")


def test_unregistered_redirect_uri_is_400_and_never_redirected(eid: httpx.Client) -> None:
    response = eid.get("/authorize", params=authorize_params(redirect_uri="http://evil.example/cb"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["error"]["field"] == "redirect_uri"


def test_unknown_client_is_400_and_never_redirected(eid: httpx.Client) -> None:
    response = eid.get("/authorize", params=authorize_params(client_id="stranger"))
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.json()["error"]["field"] == "client_id"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"login_hint": "12345"}, "invalid_request"),
        ({"login_hint": "07920300123x"}, "invalid_request"),
        ({"login_hint": "0792030012345"}, "invalid_request"),
        ({"login_hint": None}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": None}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"login_hint": "000203001234"}, "access_denied"),
    ],
)
def test_bad_authorize_parameters_redirect_back_with_an_error(
    eid: httpx.Client, overrides: dict[str, str | None], error: str
) -> None:
    query = redirect_query(eid.get("/authorize", params=authorize_params(**overrides)))
    assert query["error"] == error
    assert query["error_description"]
    assert query["state"] == "st-42"
    assert "code" not in query
