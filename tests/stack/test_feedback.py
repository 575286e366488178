"""Feedback and petitions through the running stack: file, track, an agency answers on time or late."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import httpx

from stack.lifecycle.workweek import WorkingWeek
from tests.stack.conftest import any_procedure, login, new_citizen_id

SECRET = {"X-Agency-Secret": "cuaso-dev-agency"}  # the development default of stack/settings.py
TEXT = "Thủ tục này yêu cầu quá nhiều giấy tờ bản sao."
ANSWER_DAYS = 10  # the default feedback_answer_working_days


def _file(http: httpx.Client, auth: dict[str, str], about: dict[str, str], **headers: str) -> httpx.Response:
    return http.post("/api/v1/feedback", json={"about": about, "text": TEXT}, headers={**auth, **headers})


def _answer(http: httpx.Client, feedback_id: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    return http.post(
        f"/api/v1/agency/feedback/{feedback_id}/answer", json=body, headers={**SECRET, **headers}
    )


def _counts(http: httpx.Client, agency: str) -> dict[str, Any]:
    r = http.get("/api/v1/public/feedback/statistics")
    assert r.status_code == 200, r.text
    for item in r.json()["items"]:
        if item["code"] == agency:
            found: dict[str, Any] = item
            return found
    return {"filed": 0, "open": 0, "answered_on_time": 0, "answered_late": 0}


def _counts_when(http: httpx.Client, agency: str, filed: int) -> dict[str, Any]:
    """The counters once they show ``filed`` items: each worker caches them for ``max_age_s`` (1 s), so
    a worker may still answer with what it read before the writes; a bounded wait, not a timing check."""
    deadline = time.monotonic() + 10
    while True:
        counts = _counts(http, agency)
        if counts["filed"] >= filed or time.monotonic() > deadline:
            return counts
        time.sleep(0.2)


def test_file_track_and_answer_on_time_and_late(client: httpx.Client) -> None:
    auth = login(client, new_citizen_id())
    procedure = any_procedure(client)
    agency = str(procedure["agency"])
    before = _counts(client, agency)

    r = _file(client, auth, {"procedure_id": str(procedure["id"])}, **{"Idempotency-Key": "fb-1"})
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["status"], first["agency"], first["overdue"], first["answer"]) == (
        "open",
        agency,
        False,
        None,
    )
    assert first["about"] == {"procedure_id": procedure["id"]}
    filed = datetime.fromisoformat(first["filed_at"])
    expected = WorkingWeek().add_working_days(filed, ANSWER_DAYS)
    assert datetime.fromisoformat(first["deadline_at"]) == expected

    replay = _file(client, auth, {"procedure_id": str(procedure["id"])}, **{"Idempotency-Key": "fb-1"})
    assert (replay.status_code, replay.headers.get("idempotent-replayed")) == (200, "true")
    assert replay.json()["id"] == first["id"]
    reused = _file(client, auth, {"agency": agency}, **{"Idempotency-Key": "fb-1"})
    assert (reused.status_code, reused.json()["error"]["field"]) == (409, "Idempotency-Key")
    second = _file(client, auth, {"agency": agency}).json()

    mine = client.get("/api/v1/feedback", headers=auth).json()
    assert mine["total"] == 2
    assert [item["id"] for item in mine["items"]] == [second["id"], first["id"]]  # newest first

    on_time = _answer(client, first["id"], {"agency": agency, "text": "Đã tiếp thu, sẽ rút gọn hồ sơ."})
    assert on_time.status_code == 200, on_time.text
    assert (on_time.json()["status"], on_time.json()["answered_late"]) == ("answered", False)
    late_at = datetime.fromisoformat(second["deadline_at"]) + timedelta(hours=1)
    late = _answer(
        client,
        second["id"],
        {"agency": agency, "text": "Trả lời muộn.....", "answered_at": late_at.isoformat()},
    )
    assert (late.status_code, late.json()["answered_late"]) == (200, True)

    seen = client.get(f"/api/v1/feedback/{second['id']}", headers=auth).json()
    assert (seen["answer"], seen["answered_late"]) == ("Trả lời muộn.....", True)
    assert datetime.fromisoformat(seen["answered_at"]) == late_at
    after = _counts_when(client, agency, before["filed"] + 2)  # read after every write below: fresh
    assert after["filed"] - before["filed"] == 2
    assert after["answered_on_time"] - before["answered_on_time"] == 1
    assert after["answered_late"] - before["answered_late"] == 1
    assert after["open"] == before["open"]


def test_answers_are_once_by_the_owning_agency_with_the_secret(client: httpx.Client) -> None:
    auth = login(client, new_citizen_id())
    item = _file(client, auth, {"agency": "BCA"}).json()
    body = {"agency": "BCA", "text": "Đã chuyển đơn vị xử lý."}
    assert _answer(client, item["id"], {**body, "agency": "BQP"}).json()["error"]["field"] == "body.agency"
    assert _answer(client, item["id"], body, **{"X-Agency-Secret": "wrong-secret"}).status_code == 401
    no_secret = client.post(f"/api/v1/agency/feedback/{item['id']}/answer", json=body)
    assert (no_secret.status_code, no_secret.json()["error"]["field"]) == (401, "X-Agency-Secret")
    early = (datetime.fromisoformat(item["filed_at"]) - timedelta(days=1)).isoformat()
    r = _answer(client, item["id"], {**body, "answered_at": early})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.answered_at")
    r = _answer(client, item["id"], {**body, "answered_at": "2027-07-01T09:00:00"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.answered_at")  # no time zone
    assert _answer(client, item["id"], body).status_code == 200
    assert _answer(client, item["id"], body).status_code == 200  # the same answer again: a no-op
    other = _answer(client, item["id"], {**body, "text": "Một câu trả lời khác."})
    assert (other.status_code, other.json()["error"]["code"]) == (409, "already_answered")
    assert _answer(client, "PA-250701-00-AAAAAAAA", body).json()["error"]["field"] == "feedback_id"


def test_feedback_is_validated_and_private(client: httpx.Client) -> None:
    auth = login(client, new_citizen_id())
    cases = [
        ({"about": {}, "text": TEXT}, "body.about"),
        ({"about": {"agency": "BCA", "procedure_id": "1.000864"}, "text": TEXT}, "body.about"),
        ({"about": {"procedure_id": "9.999999"}, "text": TEXT}, "body.about.procedure_id"),
        ({"about": {"agency": "NOPE"}, "text": TEXT}, "body.about.agency"),
        ({"about": {"agency": "BCA"}, "text": "   short  "}, "body.text"),
        ({"about": {"agency": "BCA"}, "text": "x" * 4001}, "body.text"),
        ({"about": {"agency": "BCA"}, "text": TEXT, "extra": 1}, "body.extra"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/feedback", json=body, headers=auth)
        assert (r.status_code, r.json()["error"]["field"]) == (422, field), body
    valid = {"about": {"agency": "BCA"}, "text": TEXT}
    anonymous = httpx.post(f"{client.base_url}/api/v1/feedback", json=valid, timeout=10, trust_env=False)
    assert anonymous.status_code == 401  # (a fresh client: this one keeps the login cookie)
    item = _file(client, auth, {"agency": "BCA"}).json()
    stranger = login(client, new_citizen_id())
    r = client.get(f"/api/v1/feedback/{item['id']}", headers=stranger)
    assert (r.status_code, r.json()["error"]["field"]) == (404, "feedback_id")
    assert client.get("/api/v1/feedback", headers=stranger).json()["total"] == 0
    assert client.get("/api/v1/feedback/nonsense", headers=auth).status_code == 404
