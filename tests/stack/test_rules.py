"""The rules that hold throughout: idempotency, privacy between citizens, clear 4xx for bad input."""

from __future__ import annotations

import concurrent.futures

import httpx

from tests.stack.conftest import any_procedure, login, new_citizen_id


def _error(response: httpx.Response) -> dict[str, object]:
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, object] = body["error"]
    assert error["status"] == response.status_code
    return error


def test_same_idempotency_key_returns_the_same_dossier(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P03", "form": {"a": 1}}
    headers = {**auth, "Idempotency-Key": "retry-123"}
    first = client.post("/api/v1/dossiers", json=body, headers=headers)
    second = client.post("/api/v1/dossiers", json=body, headers=headers)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json()["code"] == first.json()["code"]
    assert client.get("/api/v1/dossiers", headers=auth).json()["total"] == 1


def test_concurrent_retries_with_one_key_create_one_dossier(
    client: httpx.Client, citizen: tuple[str, dict[str, str]], local_stack: object
) -> None:
    _, auth = citizen
    body = {"procedure_id": any_procedure(client)["id"], "province_code": "P05"}
    headers = {**auth, "Idempotency-Key": "storm"}
    base = str(client.base_url)

    def post(_: int) -> tuple[int, str]:
        with httpx.Client(base_url=base, timeout=10.0) as http:
            r = http.post("/api/v1/dossiers", json=body, headers=headers)
            return r.status_code, r.json()["code"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(16)))
    assert sorted(s for s, _ in results) == [200] * 15 + [201]
    assert len({code for _, code in results}) == 1
    assert client.get("/api/v1/dossiers", headers=auth).json()["total"] == 1


def test_reusing_a_key_for_another_request_is_refused(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    proc = any_procedure(client)["id"]
    headers = {**auth, "Idempotency-Key": "k1"}
    assert client.post("/api/v1/dossiers", json={"procedure_id": proc, "province_code": "P01"},
                       headers=headers).status_code == 201  # fmt: skip
    other = client.post(
        "/api/v1/dossiers", json={"procedure_id": proc, "province_code": "P02"}, headers=headers
    )
    assert other.status_code == 409
    assert _error(other)["field"] == "Idempotency-Key"


def test_another_citizens_dossier_is_not_found(client: httpx.Client) -> None:
    owner = login(client, new_citizen_id())
    intruder = login(client, new_citizen_id())
    proc = any_procedure(client)["id"]
    code = client.post(
        "/api/v1/dossiers", json={"procedure_id": proc, "province_code": "P01"}, headers=owner
    ).json()["code"]
    for method, path in (
        ("GET", f"/api/v1/dossiers/{code}"),
        ("POST", f"/api/v1/dossiers/{code}/submit"),
        ("PUT", f"/api/v1/dossiers/{code}/attachments/x.pdf"),
    ):
        r = client.request(method, path, headers=intruder, content=b"x" if method == "PUT" else None)
        assert r.status_code == 404, (method, path, r.text)
        assert _error(r)["field"] == "code"
    assert client.get(f"/api/v1/dossiers/{code}", headers=owner).json()["status"] == "draft"
    assert client.get("/api/v1/dossiers", headers=intruder).json()["total"] == 0


def test_malformed_citizen_id_is_422_naming_the_field(client: httpx.Client) -> None:
    r = client.get("/api/v1/auth/login", params={"login_hint": "12345"})
    assert r.status_code == 422
    assert _error(r)["field"] == "login_hint"


def test_unknown_procedure_and_province_are_422(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    r = client.post(
        "/api/v1/dossiers", json={"procedure_id": "9.999999", "province_code": "P01"}, headers=auth
    )
    assert r.status_code == 422
    assert _error(r)["field"] == "body.procedure_id"
    proc = any_procedure(client)["id"]
    r = client.post("/api/v1/dossiers", json={"procedure_id": proc, "province_code": "P99"}, headers=auth)
    assert r.status_code == 422
    assert _error(r)["field"] == "body.province_code"
    r = client.post("/api/v1/dossiers", json={"procedure_id": proc}, headers=auth)
    assert r.status_code == 422
    assert _error(r)["field"] == "body.province_code"


def test_broken_json_is_422(client: httpx.Client, citizen: tuple[str, dict[str, str]]) -> None:
    _, auth = citizen
    r = client.post(
        "/api/v1/dossiers", content=b'{"procedure_id": ', headers={**auth, "Content-Type": "application/json"}
    )
    assert r.status_code == 422
    assert _error(r)["code"] == "malformed_json"


def test_oversized_upload_and_body_are_413(client: httpx.Client, citizen: tuple[str, dict[str, str]]) -> None:
    _, auth = citizen
    proc = any_procedure(client)["id"]
    code = client.post(
        "/api/v1/dossiers", json={"procedure_id": proc, "province_code": "P01"}, headers=auth
    ).json()["code"]
    big = b"x" * (64 * 1024 + 1)  # the test stack's limit is 64 KiB
    r = client.put(f"/api/v1/dossiers/{code}/attachments/big.pdf", content=big, headers=auth)
    assert r.status_code == 413
    assert _error(r)["field"] == "body"

    def chunks() -> object:
        for _ in range(80):
            yield b"y" * 1024

    r = client.put(f"/api/v1/dossiers/{code}/attachments/chunked.pdf", content=chunks(), headers=auth)  # type: ignore[arg-type]
    assert r.status_code == 413
    r = client.post("/api/v1/dossiers", content=b"{" + b" " * 70_000 + b"}", headers=auth)
    assert r.status_code == 413


def test_missing_and_forged_tokens_are_401(client: httpx.Client) -> None:
    r = client.get("/api/v1/dossiers")
    assert r.status_code == 401
    assert _error(r)["field"] == "Authorization"
    assert r.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/dossiers", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.get("/api/v1/dossiers", headers={"Authorization": "Basic abc"}).status_code == 401


def test_bad_attachment_name_and_paging_are_422(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    r = client.put("/api/v1/dossiers/HS-250701-AA-ABCDEFGH/attachments/..%2Fetc", content=b"x", headers=auth)
    assert r.status_code in (404, 422)
    r = client.get("/api/v1/procedures", params={"limit": 0})
    assert r.status_code == 422
    assert _error(r)["field"] == "limit"
    r = client.get("/api/v1/procedures", params={"agency": "NOPE"})
    assert r.status_code == 422
    assert _error(r)["field"] == "agency"


def test_public_status_of_malformed_and_unknown_codes(client: httpx.Client) -> None:
    r = client.get("/api/v1/public/dossiers/nope/status")
    assert r.status_code == 422
    assert _error(r)["field"] == "code"
    r = client.get("/api/v1/public/dossiers/HS-250701-AA-ABCDEFGH/status")
    assert r.status_code == 404


def test_ops_endpoints(client: httpx.Client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.get("/api/v1/procedures")
    metrics = client.get("/metrics").text
    assert 'cuaso_http_requests_total{method="GET",route="/api/v1/procedures",status="200"}' in metrics
    assert "cuaso_http_request_duration_seconds_bucket" in metrics
    assert "cuaso_redis_command_duration_seconds" in metrics
    assert "cuaso_http_requests_in_flight" in metrics
    assert client.get("/openapi.json").json()["info"]["title"] == "cuaso reference portal"
