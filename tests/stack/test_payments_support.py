"""Helpers shared by the payment and reconciliation tests (this module holds no tests).

A test acts as the citizen (login, a dossier with or without a fee, a payment) and, where it needs to,
as a partner: it signs notifications with the partner's key, which it derives from the stack's
development seed exactly as the portal and the simulator do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from stack.sims.partner_protocol import Notification, signed_body
from stack.sims.partners import DEFAULT_SECRET_SEED, partner_secret

WAIT_S = 15.0
"""Longest wait for the simulator's notices to arrive (bounded; the suite's usual wait is ~0.3 s)."""


def procedure_with_fee(http: httpx.Client, paid: bool) -> dict[str, Any]:
    """A catalogue procedure with a fee (``paid``) or without one."""
    for offset in range(0, 2000, 100):
        page = http.get("/api/v1/procedures", params={"limit": 100, "offset": offset})
        assert page.status_code == 200, page.text
        for item in page.json()["items"]:
            if (item["fee_vnd"] > 0) == paid:
                found: dict[str, Any] = item
                return found
    raise AssertionError(f"no procedure with paid={paid} in the first 2000")


def new_dossier(http: httpx.Client, auth: dict[str, str], paid: bool = True) -> dict[str, Any]:
    body = {"procedure_id": procedure_with_fee(http, paid)["id"], "province_code": "P01"}
    r = http.post("/api/v1/dossiers", json=body, headers=auth)
    assert r.status_code == 201, r.text
    dossier: dict[str, Any] = r.json()
    return dossier


def new_payment(http: httpx.Client, auth: dict[str, str], partner: str, dossier_code: str) -> dict[str, Any]:
    r = http.post(f"/api/v1/dossiers/{dossier_code}/payments", json={"partner": partner}, headers=auth)
    assert r.status_code == 201, r.text
    payment: dict[str, Any] = r.json()
    return payment


def notification(payment: dict[str, Any], **changes: Any) -> Notification:
    """A genuine notification for ``payment`` (the partner's view), with ``changes`` applied."""
    fields: dict[str, Any] = {
        "payment_id": payment["payment_id"],
        "partner": payment["partner"],
        "amount": payment["amount"],
        "currency": payment["currency"],
        "status": "succeeded",
        "partner_txn_id": f"{payment['partner']}-TEST-{payment['payment_id'][-4:]}",
        "timestamp": datetime.now(UTC),
        "sequence": 2,
    }
    fields.update(changes)
    return Notification(**fields)


def post_callback(
    http: httpx.Client, partner: str, note: Notification, secret: bytes | None = None
) -> httpx.Response:
    """POST ``note`` to the portal signed with ``secret`` (default: the partner's genuine key)."""
    body, headers = signed_body(note, secret or partner_secret(partner, DEFAULT_SECRET_SEED))
    return http.post(f"/api/v1/payments/callback/{partner}", content=body, headers=headers)


def wait_for(check: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def deliveries_settled(sim: httpx.Client, partner: str) -> bool:
    stats = sim.get(f"/_sim/partners/{partner}/stats").json()
    in_flight: int = stats["delivery"]["in_flight"]
    return in_flight == 0


def checkout(http: httpx.Client, sim: httpx.Client, payment: dict[str, Any]) -> httpx.Response:
    """Follow the redirect to the partner (it charges), then wait until its notices were all sent."""
    r = http.get(payment["redirect_url"])
    assert r.status_code == 302, r.text
    wait_for(lambda: deliveries_settled(sim, payment["partner"]), f"{payment['partner']} notices delivered")
    return r


@contextmanager
def behaviour(sim: httpx.Client, partner: str, **settings: Any) -> Iterator[None]:
    """Give a simulated partner a behaviour for the block (fast notices unless said otherwise)."""
    r = sim.put(f"/_sim/partners/{partner}/behaviour", json={"callback_delay_ms": 0, **settings})
    assert r.status_code == 200, r.text
    try:
        yield
    finally:
        sim.put(f"/_sim/partners/{partner}/behaviour", json={"callback_delay_ms": 0})


def callback_count(http: httpx.Client, partner: str, outcome: str) -> float:
    """``cuaso_payment_callbacks_total{partner, outcome}`` as the portal's /metrics reports it."""
    for family in text_string_to_metric_families(http.get("/metrics").text):
        if family.name == "cuaso_payment_callbacks":
            for sample in family.samples:
                labels = sample.labels
                if (
                    sample.name.endswith("_total")
                    and labels.get("partner") == partner
                    and labels.get("outcome") == outcome
                ):
                    return float(sample.value)
    return 0.0
