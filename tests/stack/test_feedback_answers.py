"""The simulated agencies answer citizens' feedback through the running stack: nobody in the test calls
the answer endpoint; the back-office simulator's poller does, on time or, at late rate 1.0, late."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stack.launcher import LocalStack
from tests.stack.conftest import login, new_citizen_id

SECRET = {"X-Agency-Secret": "cuaso-dev-agency"}  # the development default of stack/settings.py
AGENCY = "P17"  # an agency no other test files feedback about
WAIT_S = 20.0  # a bound on the wait, not a timing check: poll (1 s) + handling (0 s here) + stats cache


@pytest.fixture
def sim(local_stack: LocalStack) -> Iterator[httpx.Client]:
    """The back-office simulator's control; the agency's policy is put back afterwards."""
    with httpx.Client(base_url=local_stack.backoffice_url, timeout=10.0) as http:
        before = http.get("/_sim/feedback").json()["agencies"][AGENCY]
        yield http
        assert http.put(f"/_sim/feedback/{AGENCY}", json=before).status_code == 200


def _policy(sim: httpx.Client, **changes: Any) -> None:
    r = sim.put(f"/_sim/feedback/{AGENCY}", json=changes)
    assert r.status_code == 200, r.text


def _file(client: httpx.Client, auth: dict[str, str]) -> dict[str, Any]:
    r = client.post(
        "/api/v1/feedback",
        json={"about": {"agency": AGENCY}, "text": "Thủ tục quá chậm, đề nghị xem xét."},
        headers=auth,
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _answered(client: httpx.Client, auth: dict[str, str], feedback_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        item = dict(client.get(f"/api/v1/feedback/{feedback_id}", headers=auth).json())
        if item["status"] == "answered":
            return item
        time.sleep(0.2)
    raise AssertionError(f"{feedback_id} not answered within {WAIT_S} s")


def test_the_simulator_answers_on_time_and_late(client: httpx.Client, sim: httpx.Client) -> None:
    auth = login(client, new_citizen_id())
    _policy(sim, enabled=False)  # hold answers, so that the listing sees the item open
    item = _file(client, auth)
    listed = client.get("/api/v1/agency/feedback", params={"agency": AGENCY, "limit": 100}, headers=SECRET)
    assert listed.status_code == 200, listed.text
    assert item["id"] in [i["id"] for i in listed.json()["items"]]
    assert all(i["agency"] == AGENCY and i["status"] == "open" for i in listed.json()["items"])

    _policy(sim, enabled=True, handling_s=0.0, late_rate=0.0)
    on_time = _answered(client, auth, item["id"])
    assert (on_time["answered_late"], on_time["answer"] is not None) == (False, True)

    _policy(sim, late_rate=1.0)
    late_item = _file(client, auth)
    late = _answered(client, auth, late_item["id"])
    assert late["answered_late"] is True
    assert late["answered_at"] > late["deadline_at"]
    answers = sim.get("/_sim/feedback").json()["answers"]
    assert answers["answered_on_time"] >= 1
    assert answers["answered_late"] >= 1


def test_the_listing_needs_the_secret_and_a_known_agency(client: httpx.Client) -> None:
    url = "/api/v1/agency/feedback"
    for headers in ({}, {"X-Agency-Secret": "wrong-secret"}):
        r = client.get(url, params={"agency": AGENCY}, headers=headers)
        assert (r.status_code, r.json()["error"]["field"]) == (401, "X-Agency-Secret")
    cases: tuple[tuple[dict[str, str | int], str], ...] = (
        ({"agency": "NOPE"}, "agency"),
        ({}, "agency"),
        ({"agency": AGENCY, "limit": 0}, "limit"),
    )
    for params, field in cases:
        r = client.get(url, params=params, headers=SECRET)
        assert (r.status_code, r.json()["error"]["field"]) == (422, field), r.text


def test_the_late_rate_control_is_validated(sim: httpx.Client) -> None:
    for body, field in (({"late_rate": 1.5}, "late_rate"), ({"handling_s": -1}, "handling_s"),
                        ({"enabled": "yes"}, "enabled"), ({"speed": 1}, "speed"), ([], "body")):  # fmt: skip
        r = sim.put(f"/_sim/feedback/{AGENCY}", json=body)
        assert (r.status_code, r.json()["error"]["field"]) == (422, field), r.text
    assert sim.put("/_sim/feedback/NOPE", json={}).status_code == 404
