"""Bad input and abuse against the real session stack: every refusal is a 4xx naming the field.

Extends ``test_rules.py`` (which has the basic cases: another citizen's dossier, broken JSON, oversized
uploads, missing and forged tokens) with what an attacker or a broken client actually sends: bodies
without a length, lying lengths, bytes that are not UTF-8, JSON nested past the parser's recursion
limit, wrong shapes and types, expired and tampered session tokens, keys and names built to escape
their namespace.
"""

from __future__ import annotations

import secrets
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from redis import Redis

from stack.data import keys
from stack.launcher import LocalStack
from tests.stack.conftest import any_procedure, login, new_citizen_id

JSON_LIMIT = 64 * 1024  # the stack's max_json_body_bytes default


def _error(response: httpx.Response, status: int, field: str | None) -> dict[str, object]:
    assert response.status_code == status, response.text
    error: dict[str, object] = response.json()["error"]
    assert error["status"] == status
    assert error["field"] == field, error
    return error


@pytest.fixture
def draft(client: httpx.Client, citizen: tuple[str, dict[str, str]]) -> tuple[str, dict[str, str]]:
    """A draft dossier of a fresh citizen: its code and the owner's auth headers."""
    _, auth = citizen
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P01"}
    r = client.post("/api/v1/dossiers", json=body, headers=auth)
    assert r.status_code == 201, r.text
    return r.json()["code"], auth


# --- oversized bodies: 413 before the body is read ------------------------------------------------------


def test_a_streamed_json_body_without_length_is_cut_off_at_the_limit(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen

    def chunks() -> Iterator[bytes]:
        yield b'{"procedure_id": "'
        for _ in range(JSON_LIMIT // 1024 + 2):
            yield b"x" * 1024
        yield b'"}'

    headers = {**auth, "Content-Type": "application/json"}
    r = client.post("/api/v1/dossiers", content=chunks(), headers=headers)
    _error(r, 413, "body")


@pytest.mark.parametrize(
    ("length", "statuses"), [("-1", {400, 413}), ("abc", {400, 413}), (str(10**12), {413})]
)
def test_a_lying_or_absurd_content_length_is_refused(
    local_stack: LocalStack, length: str, statuses: set[int]
) -> None:
    """Sent over a raw socket: HTTP clients refuse to send such requests. uvicorn's parser may refuse an
    unparsable length itself (400); the body limit refuses the rest (413); never a 5xx or a hang."""
    head = (
        f"POST /api/v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n{{}}"
    )
    with socket.create_connection(("127.0.0.1", local_stack.port), timeout=10.0) as sock:
        sock.sendall(head.encode())
        status_line = sock.makefile("rb").readline().decode()
    assert int(status_line.split()[1]) in statuses, status_line


def test_an_oversized_body_is_refused_before_authentication(client: httpx.Client) -> None:
    r = client.post("/api/v1/dossiers", content=b"[" + b"0," * JSON_LIMIT + b"0]")
    _error(r, 413, "body")


# --- malformed JSON and wrong shapes: 422 naming the field -----------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"procedure_id": ',  # truncated
        b"\xff\xfe{\x00}",  # not UTF-8
        b'{"procedure_id": "1.0", }',  # trailing comma
        b"[" * 5_000 + b"]" * 5_000,  # nested past the parser's recursion limit (within the size limit)
    ],
    ids=["truncated", "not-utf8", "trailing-comma", "deeply-nested"],
)
def test_malformed_json_is_422_naming_the_body(
    client: httpx.Client, citizen: tuple[str, dict[str, str]], raw: bytes
) -> None:
    _, auth = citizen
    r = client.post("/api/v1/dossiers", content=raw, headers={**auth, "Content-Type": "application/json"})
    assert _error(r, 422, "body")["code"] == "malformed_json"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([1, 2, 3], "body"),
        ("a string", "body"),
        ({"procedure_id": 12, "province_code": "P01"}, "body.procedure_id"),
        ({"procedure_id": "1.0", "province_code": ["P01"]}, "body.province_code"),
        ({"procedure_id": "1.0", "province_code": "P01", "owner": "someone"}, "body.owner"),
        ({"procedure_id": "1.0", "province_code": "P01", "form": {"x": {"nested": 1}}}, "body.form.x"),
        ({"procedure_id": "1.0", "province_code": "P01", "form": [1]}, "body.form"),
        ({"procedure_id": "", "province_code": "P01"}, "body.procedure_id"),
        ({"procedure_id": "x" * 41, "province_code": "P01"}, "body.procedure_id"),
        (
            {"procedure_id": "1.0", "province_code": "P01", "form": {f"f{i}": i for i in range(51)}},
            "body.form",
        ),
    ],
    ids=["array", "string", "int-id", "list-province", "extra-key", "nested-form", "form-list", "empty-id",
         "long-id", "too-many-fields"],
)  # fmt: skip
def test_wrong_shapes_are_422_naming_the_field(
    client: httpx.Client, citizen: tuple[str, dict[str, str]], body: object, field: str
) -> None:
    _, auth = citizen
    r = client.post("/api/v1/dossiers", json=body, headers=auth)
    assert _error(r, 422, field)["code"] == "invalid"


def test_bad_headers_and_names_are_422_naming_them(
    client: httpx.Client, draft: tuple[str, dict[str, str]]
) -> None:
    code, auth = draft
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P01"}
    r = client.post("/api/v1/dossiers", json=body, headers={**auth, "Idempotency-Key": "k" * 201})
    _error(r, 422, "idempotency-key")
    for name in (".hidden", "a" * 101, "a%20b", "%2E%2E"):
        r = client.put(f"/api/v1/dossiers/{code}/attachments/{name}", content=b"x", headers=auth)
        _error(r, 422, "name")


# --- tokens: forged, tampered, expired: 401 --------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer " + secrets.token_urlsafe(32),  # well-formed, never issued
        "Bearer x}:{*",  # tries to break out of the key's hash tag
        "Bearer " + "a" * 4000,
        "Bearer",
        "bearer" + secrets.token_urlsafe(8),
        "Token abc",
    ],
    ids=["unknown", "key-breakout", "huge", "no-token", "no-space", "other-scheme"],
)
def test_forged_tokens_are_401(client: httpx.Client, authorization: str) -> None:
    r = client.get("/api/v1/dossiers", headers={"Authorization": authorization})
    _error(r, 401, "Authorization")
    assert r.headers["www-authenticate"] == "Bearer"


def test_a_tampered_token_and_a_forged_cookie_are_401(client: httpx.Client) -> None:
    auth = login(client, new_citizen_id())
    token = auth["Authorization"].removeprefix("Bearer ")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    _error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {tampered}"}), 401, "Authorization")
    with httpx.Client(base_url=str(client.base_url), cookies={"cuaso_session": tampered}) as other:
        _error(other.get("/api/v1/me"), 401, "Authorization")
    assert client.get("/api/v1/me", headers=auth).status_code == 200  # the real one still works


def test_an_expired_session_is_401(client: httpx.Client, local_stack: LocalStack) -> None:
    auth = login(client, new_citizen_id())
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    token = auth["Authorization"].removeprefix("Bearer ")
    with Redis.from_url(local_stack.redis_url) as redis:
        assert redis.pexpire(keys.session(token), 1)  # let Redis expire it, as the idle timeout would
        for _ in range(1000):  # expiry is due after 1 ms; reading the key lets Redis drop it
            if not redis.exists(keys.session(token)):
                break
            time.sleep(0.001)
        assert not redis.exists(keys.session(token))
    r = client.get("/api/v1/me", headers=auth)
    assert "expired" in str(_error(r, 401, "Authorization")["reason"])


# --- other citizens' data: 404, and keys that do not cross citizens ----------------------------------------


def test_an_idempotency_key_does_not_cross_citizens(client: httpx.Client) -> None:
    owner, intruder = login(client, new_citizen_id()), login(client, new_citizen_id())
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P02"}
    mine = client.post("/api/v1/dossiers", json=body, headers={**owner, "Idempotency-Key": "shared"})
    theirs = client.post("/api/v1/dossiers", json=body, headers={**intruder, "Idempotency-Key": "shared"})
    assert (mine.status_code, theirs.status_code) == (201, 201)  # a new dossier, not a replay of mine
    assert mine.json()["code"] != theirs.json()["code"]
    assert client.get("/api/v1/dossiers", headers=intruder).json()["total"] == 1


def test_another_citizens_dossier_stays_404_under_every_guess(
    client: httpx.Client, draft: tuple[str, dict[str, str]]
) -> None:
    code, _ = draft
    intruder = login(client, new_citizen_id())
    for guess in (code, code.lower(), code + " ", code[:-1] + "Z", code.replace("-", "")):
        r = client.get(f"/api/v1/dossiers/{guess}", headers=intruder)
        assert r.status_code == 404, (guess, r.text)
    public = client.get(f"/api/v1/public/dossiers/{code}/status").json()
    assert set(public) == {
        "code",
        "status",
        "procedure_id",
        "province_code",
        "updated_at",
    }  # no personal data
