"""Every journey against the real local stack: e-ID login, catalogue, auto-fill, dossiers, status."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.stack.conftest import any_procedure, login, new_citizen_id

# Once submitted, the forwarder may deliver the dossier and its back-office system report on it at once.
AFTER_SUBMIT = {"submitted", "forwarded", "received", "processing", "done", "returned"}


def test_login_end_to_end_opens_a_session_and_logout_ends_it(client: httpx.Client) -> None:
    cid = new_citizen_id()
    auth = login(client, cid)
    me = client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200
    assert me.json()["citizen_id"] == cid
    assert client.post("/api/v1/auth/logout", headers=auth).status_code == 204
    again = client.get("/api/v1/me", headers=auth)
    assert again.status_code == 401
    assert again.json()["error"]["field"] == "Authorization"


def test_login_redirects_to_eid_with_pkce(client: httpx.Client) -> None:
    r = client.get("/api/v1/auth/login", params={"login_hint": new_citizen_id()})
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256, no padding
    assert query["response_type"] == ["code"]


def test_login_state_is_single_use(client: httpx.Client) -> None:
    r = client.get("/api/v1/auth/login", params={"login_hint": new_citizen_id()})
    r = client.get(r.headers["location"])
    query = parse_qs(urlsplit(r.headers["location"]).query)
    params = {"code": query["code"][0], "state": query["state"][0]}
    assert client.get("/api/v1/auth/callback", params=params).status_code == 200
    replay = client.get("/api/v1/auth/callback", params=params)
    assert replay.status_code == 400
    assert replay.json()["error"]["field"] == "state"


def test_session_cookie_works_like_the_bearer_token(client: httpx.Client) -> None:
    cid = new_citizen_id()
    login(client, cid)  # the callback set the cookie on this client
    assert client.get("/api/v1/me").json()["citizen_id"] == cid


def test_catalogue_search_detail_and_facets(client: httpx.Client) -> None:
    facets = client.get("/api/v1/catalogue/facets").json()
    assert len(facets["provinces"]) == 34
    agency = facets["agencies"][0]["code"]
    page = client.get("/api/v1/procedures", params={"agency": agency, "limit": 5}).json()
    assert page["total"] > 0
    assert all(item["agency"] == agency for item in page["items"])
    detail = client.get(f"/api/v1/procedures/{page['items'][0]['id']}").json()
    assert "required_documents" in detail
    assert detail["fee_vnd"] >= 0
    by_word = client.get("/api/v1/procedures", params={"q": "giay phep"}).json()
    with_accents = client.get("/api/v1/procedures", params={"q": "giấy phép"}).json()
    assert by_word["total"] == with_accents["total"] > 0


def test_auto_fill_profile_comes_from_population_db_and_is_cached(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    cid, auth = citizen
    first = client.get("/api/v1/me/profile", headers=auth)
    assert first.status_code == 200, first.text
    assert first.json()["citizen_id"] == cid
    assert first.json()["residence_province_code"].startswith("P")
    assert client.get("/api/v1/me/profile", headers=auth).json() == first.json()


def test_dossier_journey_create_attach_submit_read_list_status(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    proc = any_procedure(client)
    body = {"procedure_id": proc["id"], "province_code": "P12", "form": {"ho_ten": "Nguyễn Văn A"}}
    created = client.post("/api/v1/dossiers", json=body, headers=auth)
    assert created.status_code == 201, created.text
    dossier = created.json()
    code = dossier["code"]
    assert dossier["status"] == "draft"
    assert dossier["province_code"] == "P12"  # any province's service point, regardless of residence
    scan = b"%PDF-1.4 " + bytes(range(256)) * 8
    att = client.put(f"/api/v1/dossiers/{code}/attachments/cccd.pdf", content=scan, headers=auth)
    assert att.status_code == 201, att.text
    assert att.json() == {"name": "cccd.pdf", "sha256": hashlib.sha256(scan).hexdigest(), "size": len(scan)}
    submitted = client.post(f"/api/v1/dossiers/{code}/submit", headers=auth)
    assert submitted.status_code == 200
    assert submitted.json()["status"] in AFTER_SUBMIT
    # Submitting again changes nothing; attaching after submission is refused.
    assert (
        client.post(f"/api/v1/dossiers/{code}/submit", headers=auth).json()["submitted_at"]
        == (submitted.json()["submitted_at"])
    )
    late = client.put(f"/api/v1/dossiers/{code}/attachments/late.pdf", content=b"x", headers=auth)
    assert late.status_code == 409
    read = client.get(f"/api/v1/dossiers/{code}", headers=auth).json()
    assert read["attachments"][0]["name"] == "cccd.pdf"
    mine = client.get("/api/v1/dossiers", headers=auth).json()
    assert mine["total"] == 1
    assert mine["items"][0]["code"] == code
    public = client.get(f"/api/v1/public/dossiers/{code}/status")
    assert public.status_code == 200
    assert public.json()["status"] in AFTER_SUBMIT
    assert "form" not in public.json()
    assert "owner" not in public.json()


def test_attachments_are_stored_by_content_hash(
    client: httpx.Client, citizen: tuple[str, dict[str, str]], local_stack: object
) -> None:
    from stack.launcher import LocalStack

    assert isinstance(local_stack, LocalStack)
    _, auth = citizen
    proc = any_procedure(client)
    code = client.post(
        "/api/v1/dossiers", json={"procedure_id": proc["id"], "province_code": "P01"}, headers=auth
    ).json()["code"]
    data = b"same bytes twice"
    for name in ("a.pdf", "b.pdf"):
        assert client.put(
            f"/api/v1/dossiers/{code}/attachments/{name}", content=data, headers=auth
        ).is_success
    digest = hashlib.sha256(data).hexdigest()
    blob = local_stack.data_dir / "blobs" / digest[:2] / digest
    assert blob.read_bytes() == data
