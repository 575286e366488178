"""Partner callbacks: forged, wrong, replayed, duplicated, reordered and unknown ones, through the real
stack. The test signs notifications itself (as the partner would) or commands the partner simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from redis import Redis

from stack.data import keys
from stack.launcher import LocalStack
from stack.sims.partners import DEFAULT_SECRET_SEED, partner_secret, sign
from tests.stack.test_payments_support import (
    behaviour,
    callback_count,
    checkout,
    new_dossier,
    new_payment,
    notification,
    post_callback,
    wait_for,
)


@pytest.fixture
def sim(local_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.payments_url, timeout=10.0) as http:
        yield http


@pytest.fixture
def payment(client: httpx.Client, citizen: tuple[str, dict[str, str]]) -> dict[str, Any]:
    """A pending payment through MOMO (never checked out: only the test calls back)."""
    _, auth = citizen
    created = new_payment(client, auth, "MOMO", new_dossier(client, auth)["code"])
    created["auth"] = auth
    return created


def _status(client: httpx.Client, payment: dict[str, Any]) -> str:
    shown = client.get(f"/api/v1/payments/{payment['payment_id']}", headers=payment["auth"])
    assert shown.status_code == 200, shown.text
    status: str = shown.json()["status"]
    return status


def _refused(response: httpx.Response, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field, response.text


def _portal_log(stack: LocalStack) -> str:
    return (stack.data_dir / "portal.log").read_text(encoding="utf-8", errors="replace")


def test_a_genuine_callback_applies(client: httpx.Client, payment: dict[str, Any]) -> None:
    before = callback_count(client, "MOMO", "applied")
    r = post_callback(client, "MOMO", notification(payment))
    assert r.status_code == 200, r.text
    assert r.json() == {"payment_id": payment["payment_id"], "status": "succeeded", "outcome": "applied"}
    assert _status(client, payment) == "succeeded"
    assert callback_count(client, "MOMO", "applied") == before + 1


def test_forged_and_unsigned_callbacks_are_refused_and_logged(
    client: httpx.Client, local_stack: LocalStack, payment: dict[str, Any]
) -> None:
    before = callback_count(client, "MOMO", "forged")
    note = notification(payment)
    _refused(post_callback(client, "MOMO", note, secret=b"a guessed key"), 401, "X-Signature")
    other_partners_key = partner_secret("ZALOPAY", DEFAULT_SECRET_SEED)
    _refused(post_callback(client, "MOMO", note, secret=other_partners_key), 401, "X-Signature")
    body = note.body()
    unsigned = client.post("/api/v1/payments/callback/MOMO", content=body)
    _refused(unsigned, 401, "X-Signature")
    tampered = client.post(
        "/api/v1/payments/callback/MOMO",
        content=body.replace(b'"succeeded"', b'"failed"'),
        headers={"X-Signature": sign(partner_secret("MOMO", DEFAULT_SECRET_SEED), body)},  # of the original
    )
    _refused(tampered, 401, "X-Signature")
    assert _status(client, payment) == "pending"
    assert callback_count(client, "MOMO", "forged") == before + 3
    assert callback_count(client, "MOMO", "unsigned") >= 1
    wait_for(lambda: "outcome=forged" in _portal_log(local_stack), "the forged callback is logged")


def test_wrong_amount_currency_or_partner_are_refused_naming_the_field(
    client: httpx.Client, local_stack: LocalStack, payment: dict[str, Any]
) -> None:
    _refused(
        post_callback(client, "MOMO", notification(payment, amount=payment["amount"] + 1)), 400, "body.amount"
    )
    _refused(post_callback(client, "MOMO", notification(payment, currency="USD")), 400, "body.currency")
    _refused(post_callback(client, "MOMO", notification(payment, partner="VCB")), 400, "body.partner")
    _refused(post_callback(client, "VCB", notification(payment, partner="VCB")), 400, "partner")
    assert _status(client, payment) == "pending"
    wait_for(
        lambda: (
            f"outcome=amount_mismatch field=body.amount payment_id={payment['payment_id']}"
            in _portal_log(local_stack)
        ),
        "the wrong amount is logged",
    )
    # a correct notice still applies afterwards: the refused ones left nothing behind
    assert post_callback(client, "MOMO", notification(payment)).json()["outcome"] == "applied"


def test_malformed_or_stale_notices_are_refused_naming_the_field(
    client: httpx.Client, payment: dict[str, Any]
) -> None:
    stale = datetime.now(UTC) - timedelta(days=2)
    _refused(post_callback(client, "MOMO", notification(payment, timestamp=stale)), 400, "body.timestamp")
    for body, field in (
        (b"not json", "body"),
        (b'{"payment_id": "x"}', "body.payment_id"),
        (notification(payment).body().replace(b'"sequence":2', b'"sequence":"2"'), "body.sequence"),
    ):
        headers = {"X-Signature": sign(partner_secret("MOMO", DEFAULT_SECRET_SEED), body)}
        _refused(client.post("/api/v1/payments/callback/MOMO", content=body, headers=headers), 400, field)
    _refused(post_callback(client, "NOPE", notification(payment), secret=b"k"), 404, "partner")
    assert _status(client, payment) == "pending"


def test_replayed_callbacks_apply_once(client: httpx.Client, payment: dict[str, Any]) -> None:
    note = notification(payment)
    outcomes = [post_callback(client, "MOMO", note).json()["outcome"] for _ in range(3)]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    pending = notification(payment, status="pending", sequence=1)
    assert post_callback(client, "MOMO", pending).json() == {
        "payment_id": payment["payment_id"],
        "status": "succeeded",
        "outcome": "ignored",
    }


def test_success_before_the_pending_notice_holds(client: httpx.Client, payment: dict[str, Any]) -> None:
    assert post_callback(client, "MOMO", notification(payment, sequence=2)).json()["outcome"] == "applied"
    late = post_callback(client, "MOMO", notification(payment, status="pending", sequence=1))
    assert late.json()["outcome"] == "ignored"
    contrary = post_callback(client, "MOMO", notification(payment, status="failed", sequence=3))
    assert contrary.json()["outcome"] == "ignored"
    assert _status(client, payment) == "succeeded"


def test_an_unknown_payment_is_recorded_for_reconciliation(
    client: httpx.Client, local_stack: LocalStack, payment: dict[str, Any]
) -> None:
    unknown = payment["payment_id"][:-4] + "QQQQ"
    r = post_callback(client, "MOMO", notification(payment, payment_id=unknown))
    _refused(r, 404, "body.payment_id")
    redis = Redis.from_url(local_stack.redis_url)
    try:
        recorded = redis.zrange(keys.unknown_payment_callbacks("MOMO"), 0, -1)
    finally:
        redis.close()
    assert any(unknown.encode() in member for member in recorded)


def test_duplicated_and_reordered_notices_from_the_simulator_apply_once(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    applied, duplicates = (
        callback_count(client, "ZALOPAY", "applied"),
        callback_count(client, "ZALOPAY", "duplicate"),
    )
    with behaviour(sim, "ZALOPAY", duplicate_rate=1.0, reorder_rate=1.0):
        before = sim.get("/_sim/partners/ZALOPAY/stats").json()
        payment = new_payment(client, auth, "ZALOPAY", new_dossier(client, auth)["code"])
        checkout(client, sim, payment)
    after = sim.get("/_sim/partners/ZALOPAY/stats").json()
    assert after["duplicated"] - before["duplicated"] == 2
    assert after["reordered"] - before["reordered"] == 1
    assert after["delivery"]["delivered"] - before["delivery"]["delivered"] == 4
    shown = client.get(f"/api/v1/payments/{payment['payment_id']}", headers=auth).json()
    assert shown["status"] == "succeeded"
    assert callback_count(client, "ZALOPAY", "applied") == applied + 1
    assert callback_count(client, "ZALOPAY", "duplicate") == duplicates + 2


def test_a_dropped_final_notice_leaves_the_payment_pending(
    client: httpx.Client, sim: httpx.Client, citizen: tuple[str, dict[str, str]]
) -> None:
    _, auth = citizen
    with behaviour(sim, "SHOPEEPAY", drop_rate=1.0):
        payment = new_payment(client, auth, "SHOPEEPAY", new_dossier(client, auth)["code"])
        charged = checkout(client, sim, payment).json()["charges"]
    assert [c["status"] for c in charged] == ["succeeded"]
    shown = client.get(f"/api/v1/payments/{payment['payment_id']}", headers=auth).json()
    assert shown["status"] == "pending"
