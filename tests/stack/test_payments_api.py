"""Paying a dossier's fee through the real stack: portal workers, Redis and the partner simulator."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stack.launcher import LocalStack
from tests.stack.conftest import login, new_citizen_id
from tests.stack.test_payments_support import behaviour, checkout, new_dossier, new_payment


@pytest.fixture
def sim(local_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.payments_url, timeout=10.0) as http:
        yield http


def _error(response: httpx.Response, status: int, field: str | None) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    code: str = error["code"]
    return code


def test_happy_path_create_checkout_callback_return(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    dossier = new_dossier(client, auth)
    with behaviour(sim, "VCB"):
        payment = new_payment(client, auth, "VCB", dossier["code"])
        assert payment["status"] == "pending"
        assert (payment["amount"], payment["currency"]) == (dossier["fee_vnd"], "VND")
        assert payment["payment_id"].startswith("PM-" + dossier["code"][3:])
        query = parse_qs(urlsplit(payment["redirect_url"]).query)
        assert query["amount"] == [str(dossier["fee_vnd"])]
        assert query["order_info"] == [dossier["code"]]
        r = checkout(client, sim, payment)
    return_url = r.headers["location"]
    assert return_url.endswith(f"/api/v1/payments/{payment['payment_id']}")
    shown = client.get(return_url, headers=auth).json()
    assert shown["status"] == "succeeded"
    assert shown["partner_txn_id"] == r.json()["charges"][0]["txn_id"]
    listed = client.get(f"/api/v1/dossiers/{dossier['code']}/payments", headers=auth).json()["items"]
    assert [p["status"] for p in listed] == ["succeeded"]
    again = client.post(f"/api/v1/dossiers/{dossier['code']}/payments", json={"partner": "MB"}, headers=auth)
    assert _error(again, 409, "code") == "already_paid"


def test_a_repeated_checkout_charges_once(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    with behaviour(sim, "TPB"):
        payment = new_payment(client, auth, "TPB", new_dossier(client, auth)["code"])
        first = checkout(client, sim, payment).json()["charges"]
        second = checkout(client, sim, payment).json()["charges"]
    assert first == second
    assert len(first) == 1
    ledger = sim.get("/partners/TPB/ledger").json()["entries"]
    assert [e["txn_id"] for e in ledger if e["payment_id"] == payment["payment_id"]] == [first[0]["txn_id"]]


def test_a_declined_payment_shows_failed_and_may_be_paid_again(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    code = new_dossier(client, auth)["code"]
    with behaviour(sim, "AGRIBANK", decline_rate=1.0):
        payment = new_payment(client, auth, "AGRIBANK", code)
        checkout(client, sim, payment)
    shown = client.get(f"/api/v1/payments/{payment['payment_id']}", headers=auth).json()
    assert shown["status"] == "failed"
    assert new_payment(client, auth, "AGRIBANK", code)["status"] == "pending"


def test_same_idempotency_key_returns_the_same_payment(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    code = new_dossier(client, auth)["code"]
    headers = {**auth, "Idempotency-Key": "pay-once"}
    first = client.post(f"/api/v1/dossiers/{code}/payments", json={"partner": "ACB"}, headers=headers)
    second = client.post(f"/api/v1/dossiers/{code}/payments", json={"partner": "ACB"}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    other = client.post(f"/api/v1/dossiers/{code}/payments", json={"partner": "MB"}, headers=headers)
    assert _error(other, 409, "Idempotency-Key") == "idempotency_key_reused"
    assert len(client.get(f"/api/v1/dossiers/{code}/payments", headers=auth).json()["items"]) == 1


def test_bad_requests_get_a_4xx_naming_the_field(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    paid, free = new_dossier(client, auth), new_dossier(client, auth, paid=False)
    url = f"/api/v1/dossiers/{paid['code']}/payments"
    assert _error(client.post(url, json={"partner": "NOPE"}, headers=auth), 422, "body.partner") == "invalid"
    assert _error(client.post(url, json={}, headers=auth), 422, "body.partner") == "invalid"
    assert _error(client.post(url, json={"partner": "VCB", "x": 1}, headers=auth), 422, "body.x") == "invalid"
    free_url = f"/api/v1/dossiers/{free['code']}/payments"
    assert _error(client.post(free_url, json={"partner": "VCB"}, headers=auth), 422, "code") == "no_fee"
    missing = "/api/v1/dossiers/HS-250701-00-AAAAAAAA/payments"
    assert _error(client.post(missing, json={"partner": "VCB"}, headers=auth), 404, "code") == "not_found"
    anonymous = httpx.post(f"{client.base_url}{url}", json={"partner": "VCB"})  # no session cookie either
    assert _error(anonymous, 401, "Authorization") == "unauthorized"
    assert _error(client.get("/api/v1/payments/nonsense", headers=auth), 422, "payment_id") == "invalid"


def test_another_citizens_dossier_and_payment_are_404(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    code = new_dossier(client, auth)["code"]
    payment = new_payment(client, auth, "STB", code)
    stranger = login(client, new_citizen_id())
    r = client.post(f"/api/v1/dossiers/{code}/payments", json={"partner": "STB"}, headers=stranger)
    assert _error(r, 404, "code") == "not_found"
    assert _error(
        client.get(f"/api/v1/payments/{payment['payment_id']}", headers=stranger), 404, "payment_id"
    )
    assert _error(client.get(f"/api/v1/dossiers/{code}/payments", headers=stranger), 404, "code")


def test_the_simulator_refuses_a_tampered_checkout(
    client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    payment = new_payment(client, auth, "CTG", new_dossier(client, auth)["code"])
    tampered = payment["redirect_url"].replace(f"amount={payment['amount']}", "amount=1")
    assert _error(client.get(tampered), 401, "sig") == "unauthorized"
    unsigned = payment["redirect_url"].split("&sig=")[0]
    assert _error(client.get(unsigned), 400, "sig") == "invalid"
    assert _error(client.get(payment["redirect_url"].replace("/CTG/", "/XYZ/")), 404, "code") == "not_found"


def test_simulator_controls_refuse_bad_values_naming_the_key(sim: httpx.Client) -> None:
    assert _error(sim.put("/_sim/partners/VCB/behaviour", json={"drop_rate": 2}), 422, "drop_rate")
    assert _error(sim.put("/_sim/partners/VCB/behaviour", json={"dorp_rate": 0}), 422, "dorp_rate")
    assert _error(sim.put("/_sim/partners/VCB/faults", json={"error_rate": -1}), 422, "error_rate")
    assert _error(sim.put("/_sim/partners/NOPE/behaviour", json={}), 404, "code")
    assert _error(sim.post("/_sim/partners/VCB/charges", json={"amount": -5}), 422, "body.amount")
    assert _error(sim.get("/partners/VCB/ledger", params={"from": "yesterday"}), 422, "from")
    assert _error(sim.get("/partners/VCB/ledger", params={"to": "2025-07-01T00:00:00"}), 422, "to")
    assert len(sim.get("/partners").json()["partners"]) == 19


def test_a_partner_outage_is_its_own(
    sim: httpx.Client, client: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    down = sim.put("/_sim/partners/VPB/faults", json={"error_rate": 1.0})
    assert down.status_code == 200, down.text
    try:
        vpb = new_payment(client, auth, "VPB", new_dossier(client, auth)["code"])
        assert client.get(vpb["redirect_url"]).status_code == 503
        with behaviour(sim, "ONEPAY"):
            onepay = new_payment(client, auth, "ONEPAY", new_dossier(client, auth)["code"])
            checkout(client, sim, onepay)
    finally:
        sim.put("/_sim/partners/VPB/faults", json={})
    shown = client.get(f"/api/v1/payments/{onepay['payment_id']}", headers=auth).json()
    assert shown["status"] == "succeeded"


def _paid(client: httpx.Client, province: str) -> tuple[int, int]:
    items = client.get("/api/v1/statistics/provinces").json()["items"]
    payments = next(item["payments"] for item in items if item["code"] == province)
    return int(payments["count"]), int(payments["amount_vnd"])


def test_a_succeeded_payment_counts_once_in_public_statistics(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    import time

    _, auth = citizen
    before = _paid(client, "P01")
    dossier = new_dossier(client, auth)  # at the P01 service point
    with behaviour(sim, "VCB", duplicate_rate=1.0):  # the partner sends every notice twice
        payment = new_payment(client, auth, "VCB", dossier["code"])
        checkout(client, sim, payment)
    assert (
        client.get(f"/api/v1/payments/{payment['payment_id']}", headers=auth).json()["status"] == "succeeded"
    )
    want = (before[0] + 1, before[1] + dossier["fee_vnd"])
    deadline = time.monotonic() + 10  # the statistics are cached up to 1 s per worker
    while _paid(client, "P01") != want and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _paid(client, "P01") == want
