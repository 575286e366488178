"""The e-ID provider's protocol pieces, without HTTP (PKCE, codes, keys, tokens, settings)."""

from __future__ import annotations

import jwt
import pytest

from stack.sims.eid_settings import EidSettings
from stack.sims.oidc import (
    Client,
    CodeStore,
    Grant,
    SigningKey,
    jwk_thumbprint,
    mint_id_token,
    s256_challenge,
)

# RFC 7638 section 3.1: an RSA key and its SHA-256 thumbprint.
RFC7638_N = (
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
    "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgd"
    "AZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCu"
    "r-kEgU8awapJzKnqDKgw"
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def grant(store: CodeStore, citizen_id: str = "012345678901") -> Grant:
    return Grant(
        client_id="c",
        redirect_uri="http://127.0.0.1/cb",
        citizen_id=citizen_id,
        nonce="n-1",
        code_challenge=s256_challenge("v" * 43),
        auth_time=1_750_000_000,
        expires_at=store.expires_at(),
    )


def test_s256_matches_rfc7636_appendix_b() -> None:
    assert s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == (
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_jwk_thumbprint_matches_rfc7638_example() -> None:
    jwk = {"kty": "RSA", "n": RFC7638_N, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"}
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_codes_are_single_use() -> None:
    store = CodeStore(ttl_s=60, clock=FakeClock())
    g = grant(store)
    code = store.issue(g)
    assert store.redeem(code) == g
    assert store.redeem(code) is None
    assert store.redeem("never-issued") is None


def test_codes_expire_and_expired_ones_are_dropped() -> None:
    clock = FakeClock()
    store = CodeStore(ttl_s=60, clock=clock)
    old = store.issue(grant(store))
    clock.now += 30
    young = store.issue(grant(store))
    clock.now += 31  # old is 61 s old, young 31 s
    assert store.redeem(old) is None
    store.issue(grant(store))  # issuing purges what has expired
    assert len(store) == 2
    clock.now += 30
    assert store.redeem(young) is None
    store.issue(grant(store))
    assert len(store) == 2


def test_code_store_is_bounded_dropping_the_oldest() -> None:
    store = CodeStore(ttl_s=60, max_codes=3, clock=FakeClock())
    codes = [store.issue(grant(store, f"01234567890{i}")) for i in range(5)]
    assert len(store) == 3
    assert store.redeem(codes[0]) is None
    assert store.redeem(codes[1]) is None
    redeemed = store.redeem(codes[4])
    assert redeemed is not None
    assert redeemed.citizen_id == "012345678904"


@pytest.mark.parametrize(("ttl", "max_codes", "key"), [(0, 10, "code_ttl_s"), (60, 0, "max_codes")])
def test_code_store_validates(ttl: float, max_codes: int, key: str) -> None:
    with pytest.raises(ValueError, match=key):
        CodeStore(ttl_s=ttl, max_codes=max_codes)


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return SigningKey.generate()


def test_signing_key_jwk_is_public_rsa_with_thumbprint_kid(key: SigningKey) -> None:
    jwk = key.jwk
    assert jwk["kty"] == "RSA"
    assert jwk["alg"] == "RS256"
    assert jwk["use"] == "sig"
    assert "d" not in jwk  # no private part
    assert jwk["kid"] == jwk_thumbprint(jwk)
    assert key.private_key.key_size == 2048
    assert key.jwks() == {"keys": [jwk]}


def test_id_token_verifies_with_the_jwk_and_carries_the_claims(key: SigningKey) -> None:
    store = CodeStore(ttl_s=60)
    g = grant(store)
    token = mint_id_token(key, issuer="http://idp", grant=g, now=1_750_000_100, ttl_s=300, acr="lvl")
    assert jwt.get_unverified_header(token)["kid"] == key.kid
    public = jwt.PyJWK.from_dict(key.jwk).key
    claims = jwt.decode(
        token, public, algorithms=["RS256"], audience="c", issuer="http://idp", options={"verify_exp": False}
    )
    assert claims["sub"] == "012345678901"
    assert claims["nonce"] == "n-1"
    assert claims["acr"] == "lvl"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["auth_time"] == 1_750_000_000


@pytest.mark.parametrize(
    ("client_id", "secret", "uris", "key"),
    [
        ("", "s", ("http://x/cb",), "client_id"),
        ("c", "", ("http://x/cb",), "client_secret"),
        ("c", "s", (), "redirect_uris"),
        ("c", "s", ("ftp://x/cb",), "redirect_uris"),
        ("c", "s", ("http://x/cb#frag",), "redirect_uris"),
    ],
)
def test_client_validation_names_the_key(
    client_id: str, secret: str, uris: tuple[str, ...], key: str
) -> None:
    with pytest.raises(ValueError, match=key):
        Client(client_id, secret, uris)


def test_settings_validate_and_describe_endpoints_from_the_issuer() -> None:
    client = Client("c", "s", ("http://x/cb",))
    settings = EidSettings(issuer="https://id.example", clients=(client,))
    doc = settings.discovery()
    assert doc["token_endpoint"] == "https://id.example/token"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert settings.client("c") == client
    assert settings.client("other") is None
    with pytest.raises(ValueError, match="issuer"):
        EidSettings(issuer="https://id.example/", clients=(client,))
    with pytest.raises(ValueError, match="clients"):
        EidSettings(issuer="https://id.example", clients=())
