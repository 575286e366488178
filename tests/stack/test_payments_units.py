"""The partner registry, the signed protocol, partner behaviour, the partner ledger and desk, in process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest

from stack.sims.faults import FaultConfigError
from stack.sims.partner_behaviour import PartnerBehaviour
from stack.sims.partner_callbacks import CallbackSender
from stack.sims.partner_desk import REORDER_GAP_S, PartnerDesk
from stack.sims.partner_ledger import PartnerLedger
from stack.sims.partner_protocol import (
    CheckoutError,
    Notification,
    checkout_url,
    signed_body,
    verify_checkout,
)
from stack.sims.partners import (
    DEFAULT_SECRET_SEED,
    PARTNERS,
    partner_by_code,
    partner_secret,
    signature_matches,
)

PID = "PM-250701-7B-K7QF3M9X-2F4Q"
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)


def test_nineteen_partners_ten_banks_each_with_its_own_key() -> None:
    assert len(PARTNERS) == 19
    assert sum(p.kind == "bank" for p in PARTNERS) == 10
    keys = {partner_secret(p.code, DEFAULT_SECRET_SEED) for p in PARTNERS}
    assert len(keys) == 19
    assert partner_secret("VCB", "another seed") != partner_secret("VCB", DEFAULT_SECRET_SEED)
    assert partner_by_code("VCB") is not None
    assert partner_by_code("vcb") is None
    with pytest.raises(ValueError, match="code"):
        partner_secret("NOPE", DEFAULT_SECRET_SEED)


def test_a_notification_signature_covers_every_byte() -> None:
    secret = partner_secret("VCB", DEFAULT_SECRET_SEED)
    note = Notification(payment_id=PID, partner="VCB", amount=100, currency="VND", status="succeeded",
                        partner_txn_id="VCB-1", timestamp=T0, sequence=2)  # fmt: skip
    body, headers = signed_body(note, secret)
    assert signature_matches(secret, body, headers["X-Signature"])
    assert signature_matches(secret, body, headers["X-Signature"].upper())
    assert not signature_matches(secret, body.replace(b"100", b"101"), headers["X-Signature"])
    assert not signature_matches(secret, body, "é" * 64)  # any header text compares, none matches
    assert Notification.model_validate_json(body) == note


def test_a_checkout_url_is_signed_and_verified() -> None:
    secret = partner_secret("MOMO", DEFAULT_SECRET_SEED)
    url = checkout_url(
        "http://sim/", "MOMO", payment_id=PID, amount=390_000, currency="VND",
        order_info="HS-250701-7B-K7QF3M9X", return_url="http://portal/x?a=1&b=2", secret=secret,
    )  # fmt: skip
    parts = urlsplit(url)
    assert parts.path == "/partners/MOMO/checkout"
    params = dict(parse_qsl(parts.query))
    assert verify_checkout(params, secret) == (PID, 390_000, "VND", "HS-250701-7B-K7QF3M9X",
                                               "http://portal/x?a=1&b=2")  # fmt: skip
    with pytest.raises(CheckoutError) as forged:
        verify_checkout({**params, "amount": "1"}, secret)
    assert (forged.value.field, forged.value.status) == ("sig", 401)
    with pytest.raises(CheckoutError) as missing:
        verify_checkout({k: v for k, v in params.items() if k != "return_url"}, secret)
    assert missing.value.field == "return_url"
    with pytest.raises(CheckoutError) as extra:
        verify_checkout({**params, "tip": "5"}, secret)
    assert extra.value.field == "tip"


def test_behaviour_is_validated_naming_the_key() -> None:
    assert PartnerBehaviour.from_mapping({"drop_rate": 1}).drop_rate == 1.0
    for data, key in (
        ({"drop_rate": 1.5}, "drop_rate"),
        ({"callback_delay_ms": -1}, "callback_delay_ms"),
        ({"amount_delta": 1.5}, "amount_delta"),
        ({"pending_notice": 1}, "pending_notice"),
        ({"reorder_rate": True}, "reorder_rate"),
        ({"sometimes": 1}, "sometimes"),
        ([], "body"),
    ):
        with pytest.raises(FaultConfigError) as exc:
            PartnerBehaviour.from_mapping(data)
        assert exc.value.key == key


def test_the_ledger_keeps_time_order_and_answers_by_period() -> None:
    ledger = PartnerLedger("VCB")
    late = ledger.record("A", 1, "VND", "succeeded", "", T0 + timedelta(minutes=5))
    early = ledger.record("B", 2, "VND", "failed", "", T0)
    assert ledger.between(None, None) == [early, late]
    assert ledger.between(T0, T0 + timedelta(minutes=5)) == [early]
    assert ledger.between(T0 + timedelta(minutes=1), None) == [late]
    assert [late.txn_id, early.txn_id] == ["VCB-0000000001", "VCB-0000000002"]
    assert [ledger.next_sequence("A") for _ in range(3)] == [1, 2, 3]
    with pytest.raises(ValueError, match="status"):
        ledger.record("C", 1, "VND", "pending", "", T0)


class RecordingSender(CallbackSender):
    """Keeps what would be sent, and when, instead of sending it."""

    def __init__(self) -> None:
        super().__init__("http://portal.invalid")
        self.sent: list[tuple[float, Notification]] = []

    def schedule(self, partner: str, secret: bytes, notice: Notification, delay_s: float) -> None:
        self.sent.append((delay_s, notice))


def _desk(**behaviour: object) -> tuple[PartnerDesk, RecordingSender]:
    sender = RecordingSender()
    partner = partner_by_code("VCB")
    assert partner is not None
    desk = PartnerDesk(partner, b"k", sender, clock=lambda: T0)
    desk.behaviour = PartnerBehaviour.from_mapping({"callback_delay_ms": 100, **behaviour})
    return desk, sender


def test_a_checkout_charges_once_and_plans_a_pending_then_a_final_notice() -> None:
    desk, sender = _desk()
    [txn] = desk.checkout(PID, 500, "VND", "HS-x")
    assert desk.checkout(PID, 500, "VND", "HS-x") == (txn,)
    assert [(d, n.status, n.sequence, n.amount) for d, n in sender.sent] == [
        (0.0, "pending", 1, 500),
        (0.1, "succeeded", 2, 500),
    ]
    assert (desk.stats.checkouts, desk.stats.repeat_checkouts, desk.stats.charges) == (1, 1, 1)


@pytest.mark.parametrize(
    ("behaviour", "plan"),
    [
        ({"drop_rate": 1.0}, []),
        ({"duplicate_rate": 1.0}, [("pending", 1), ("pending", 1), ("succeeded", 2), ("succeeded", 2)]),
        ({"reorder_rate": 1.0}, [("succeeded", 2), ("pending", 1)]),
        ({"pending_notice": False}, [("succeeded", 1)]),
        ({"decline_rate": 1.0}, [("pending", 1), ("failed", 2)]),
        ({"double_charge_rate": 1.0}, [("pending", 1), ("pending", 3), ("succeeded", 2), ("succeeded", 4)]),
    ],
)
def test_behaviour_shapes_the_notices(behaviour: dict[str, object], plan: list[tuple[str, int]]) -> None:
    desk, sender = _desk(**behaviour)
    desk.checkout(PID, 500, "VND", "HS-x")
    in_send_order = sorted(sender.sent, key=lambda sent: (sent[0], sent[1].sequence))
    assert [(n.status, n.sequence) for _, n in in_send_order] == plan
    if behaviour == {"reorder_rate": 1.0}:
        assert [d for d, _ in in_send_order] == [0.1, 0.1 + REORDER_GAP_S]


def test_an_amount_delta_is_charged_and_notified() -> None:
    desk, sender = _desk(amount_delta=1000)
    [txn] = desk.checkout(PID, 500, "VND", "HS-x")
    assert txn.amount == 1500
    assert {n.amount for _, n in sender.sent} == {1500}
