"""Status sync and public statistics on the real local stack (portal workers, forwarders, back-office
simulator, Redis): updates applied in order, stale and duplicate ones ignored, forged ones refused, and
the public statistics counting exactly the events that happened."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from stack.catalogue.generate import generate_catalogue
from stack.launcher import LocalStack
from stack.settings import StackSettings
from stack.sims.backoffice_protocol import (
    SIGNATURE_HEADER,
    SYSTEM_HEADER,
    StatusUpdate,
    sign,
    signed_status,
    system_secret,
)
from tests.stack.conftest import login, new_citizen_id

WAIT_S = 20.0
SETTINGS = StackSettings()
CATALOGUE = generate_catalogue(seed=SETTINGS.catalogue_seed, size=SETTINGS.catalogue_size)
FAST = {"processing_after_s": 0.05, "decision_after_s": 0.05}
# Provinces no other test submits to, so that their counters move only with this module's events.
SYNC_PROVINCE, STATS_PROVINCE = "P31", "P33"


def procedure_for(system: str, province: str) -> str:
    return next(
        p.id for p in CATALOGUE.procedures.values() if CATALOGUE.system_for(p.id, province).code == system
    )


def wait_for(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        time.sleep(0.1)


def submit(client: httpx.Client, auth: dict[str, str], province: str, system: str) -> str:
    body = {"procedure_id": procedure_for(system, province), "province_code": province}
    r = client.post("/api/v1/dossiers", json=body, headers=auth)
    assert r.status_code == 201, r.text
    code: str = r.json()["code"]
    assert client.post(f"/api/v1/dossiers/{code}/submit", headers=auth).status_code == 200
    return code


def public_status(client: httpx.Client, code: str) -> str:
    status: str = client.get(f"/api/v1/public/dossiers/{code}/status").json()["status"]
    return status


def post_update(
    client: httpx.Client, system: str, code: str, seq: int, status: str, *, seed: str | None = None
) -> httpx.Response:
    update = StatusUpdate(code=code, seq=seq, status=status, at=datetime.now(UTC))
    body, headers = signed_status(update, system, seed or SETTINGS.sync_secret_seed)
    return client.post("/api/v1/sync/status", content=body, headers=headers)


@pytest.fixture
def behaviour(local_stack: LocalStack) -> Iterator[Callable[[str, dict[str, Any]], None]]:
    """Change systems' behaviour in the stack's back-office simulator; restored afterwards."""
    before: dict[str, dict[str, Any]] = {}

    def change(system: str, data: dict[str, Any]) -> None:
        url = f"{local_stack.backoffice_url}/_sim/systems/{system}"
        before.setdefault(system, httpx.get(url, timeout=5).json()["behaviour"])
        assert httpx.put(url + "/behaviour", json=data, timeout=5).status_code == 200

    yield change
    for system, data in before.items():
        httpx.put(f"{local_stack.backoffice_url}/_sim/systems/{system}/behaviour", json=data, timeout=5)


def test_status_updates_apply_in_order_and_stale_or_duplicate_ones_are_ignored(
    client: httpx.Client, behaviour: Callable[[str, dict[str, Any]], None]
) -> None:
    system = f"{SYNC_PROVINCE}-HT01"
    behaviour(system, {"status_updates": False})  # this test alone speaks for the system
    auth = login(client, new_citizen_id())
    code = submit(client, auth, SYNC_PROVINCE, system)
    r = post_update(client, system, code, 2, "processing")
    assert r.json() == {"code": code, "applied": True, "outcome": "applied", "status": "processing", "seq": 2}
    r = post_update(client, system, code, 1, "received")  # arrives late: stale
    assert (r.status_code, r.json()["outcome"], r.json()["status"]) == (200, "stale", "processing")
    r = post_update(client, system, code, 2, "processing")  # sent twice: duplicate
    assert (r.json()["applied"], r.json()["outcome"]) == (False, "duplicate")
    assert public_status(client, code) == "processing"
    assert post_update(client, system, code, 3, "done").json()["applied"] is True
    assert post_update(client, system, code, 2, "returned").json()["outcome"] == "stale"
    assert public_status(client, code) == "done"


def test_forged_unsigned_and_misdirected_updates_are_refused(
    client: httpx.Client, behaviour: Callable[[str, dict[str, Any]], None]
) -> None:
    system = f"{SYNC_PROVINCE}-HT01"
    behaviour(system, {"status_updates": False})
    auth = login(client, new_citizen_id())
    code = submit(client, auth, SYNC_PROVINCE, system)
    forged = post_update(client, system, code, 1, "done", seed="not-the-shared-seed")
    assert (forged.status_code, forged.json()["error"]["field"]) == (401, SIGNATURE_HEADER)
    update = StatusUpdate(code=code, seq=1, status="done", at=datetime.now(UTC))
    body, headers = signed_status(update, system, SETTINGS.sync_secret_seed)
    tampered = client.post(
        "/api/v1/sync/status", content=body.replace(b'"done"', b'"returned"'), headers=headers
    )
    assert (tampered.status_code, tampered.json()["error"]["field"]) == (401, SIGNATURE_HEADER)
    unsigned = client.post("/api/v1/sync/status", content=body, headers={SYSTEM_HEADER: system})
    assert (unsigned.status_code, unsigned.json()["error"]["field"]) == (401, SIGNATURE_HEADER)
    anonymous = client.post("/api/v1/sync/status", content=body, headers={SIGNATURE_HEADER: "00"})
    assert (anonymous.status_code, anonymous.json()["error"]["field"]) == (401, SYSTEM_HEADER)
    unknown = post_update(client, "NO-SUCH-HT01", code, 1, "done")
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (401, SYSTEM_HEADER)
    other = post_update(client, "BCA-HT01", code, 1, "done")  # a real system, signing for itself
    assert (other.status_code, other.json()["error"]["field"]) == (403, SYSTEM_HEADER)
    missing = post_update(client, system, code[:-1] + ("A" if code[-1] != "A" else "B"), 1, "done")
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "body.code")
    assert public_status(client, code) in ("submitted", "forwarded")  # none of them changed anything
    draft = client.post(
        "/api/v1/dossiers",
        json={"procedure_id": procedure_for(system, SYNC_PROVINCE), "province_code": SYNC_PROVINCE},
        headers=auth,
    ).json()["code"]
    assert post_update(client, system, draft, 1, "received").status_code == 409
    bad = b'{"code": "%s", "seq": 0, "status": "received", "at": "2025-07-01T00:00:00Z"}' % code.encode()
    headers[SIGNATURE_HEADER] = sign(system_secret(system, SETTINGS.sync_secret_seed), bad)
    invalid = client.post("/api/v1/sync/status", content=bad, headers=headers)
    assert (invalid.status_code, invalid.json()["error"]["field"]) == (422, "body.seq")


def _counts(client: httpx.Client, kind: str, code: str) -> dict[str, Any]:
    items = client.get(f"/api/v1/statistics/{kind}").json()["items"]
    item: dict[str, Any] = next(i for i in items if i["code"] == code)
    return {**item["dossiers"], "on_time": item["on_time"], "late": item["late"]}


def test_public_statistics_match_the_events(
    client: httpx.Client, local_stack: LocalStack, behaviour: Callable[[str, dict[str, Any]], None]
) -> None:
    system = f"{STATS_PROVINCE}-HT01"
    sim = local_stack.backoffice_url
    wait_for(
        "earlier tests' status updates",
        lambda: httpx.get(sim + "/_sim/received").json()["status"]["pending"] == 0,
    )
    base_province = _counts(client, "provinces", STATS_PROVINCE)
    base_agency = _counts(client, "agencies", STATS_PROVINCE)
    auth = login(client, new_citizen_id())

    behaviour(system, {**FAST, "return_rate": 0.0, "late_rate": 0.0})
    on_time_done = [submit(client, auth, STATS_PROVINCE, system) for _ in range(2)]
    wait_for("delivered", lambda: all(public_status(client, c) != "submitted" for c in on_time_done))
    behaviour(system, {**FAST, "return_rate": 1.0, "late_rate": 1.0})
    late_returned = [submit(client, auth, STATS_PROVINCE, system) for _ in range(2)]
    decided = on_time_done + late_returned
    wait_for("decided", lambda: all(public_status(client, c) in ("done", "returned") for c in decided))
    assert [public_status(client, c) for c in decided] == ["done", "done", "returned", "returned"]
    faults = f"{sim}/_sim/systems/{system}/faults"
    uptime = httpx.put(faults, json={}).json()["uptime_s"]
    httpx.put(faults, json={"outages": [{"start_s": 0, "end_s": uptime + 3600}]}).raise_for_status()
    try:
        waiting = submit(client, auth, STATS_PROVINCE, system)  # its system is down: stays submitted
        assert public_status(client, waiting) == "submitted"
        check_statistics(client, base_province, base_agency)
    finally:
        httpx.put(faults, json={"outages": []})


def check_statistics(
    client: httpx.Client, base_province: dict[str, Any], base_agency: dict[str, Any]
) -> None:
    def delta(kind: str, base: dict[str, Any]) -> dict[str, int]:
        now = _counts(client, kind, STATS_PROVINCE)
        return {k: now[k] - base[k] for k in now if now[k] != base[k]}

    decisions = {"done": 2, "returned": 2, "on_time": 2, "late": 2}
    province = {**decisions, "submitted": 1, "total": 5}  # the dossier waiting counts at its service point
    agency = {**decisions, "total": 4}  # but at no agency until a system has it
    wait_for("province statistics", lambda: delta("provinces", base_province) == province)
    wait_for("agency statistics", lambda: delta("agencies", base_agency) == agency)
    page = client.get("/api/v1/statistics/provinces").json()
    assert len(page["items"]) == 34
    assert {"as_of", "max_age_s"} <= set(page)
