"""The wire protocol between the portal and a payment partner, shared by both sides.

Two messages, each signed with the partner's shared secret (:func:`stack.sims.partners.partner_secret`):

1. **Checkout redirect** (portal → partner, through the citizen's client): ``GET
   <partners>/partners/{code}/checkout?amount=..&currency=VND&order_info=<dossier code>&payment_id=..
   &return_url=..&sig=..`` where ``sig`` is the hex HMAC-SHA256 of the other parameters URL-encoded in
   name order (:func:`checkout_signature_base`), so the partner can trust the amount it charges.
2. **Payment notification** (partner → portal): ``POST /api/v1/payments/callback/{code}`` with the JSON
   :class:`Notification` as the body and the hex HMAC-SHA256 of the exact body bytes in the header
   :data:`SIGNATURE_HEADER`. Signing the raw bytes means neither side has to agree on a canonical JSON form.

``sequence`` numbers one payment's notifications (1: the pending notice, 2: the final outcome); the
portal applies them in any order and each sequence number at most once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal
from urllib.parse import urlencode

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from stack.data.keys import PAYMENT_ID_RE
from stack.sims.partners import sign, signature_matches

SIGNATURE_HEADER = "X-Signature"
NotificationStatus = Literal["pending", "succeeded", "failed"]
FINAL_STATUSES: tuple[NotificationStatus, ...] = ("succeeded", "failed")
CHECKOUT_PARAMS = ("amount", "currency", "order_info", "payment_id", "return_url")
MAX_SEQUENCE = 1000
"""Assumption: no payment has more than 1,000 notifications; larger numbers are refused as garbage."""


class Notification(BaseModel):
    """A partner's signed statement about one payment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    payment_id: str = Field(pattern=PAYMENT_ID_RE.pattern)
    partner: str = Field(min_length=1, max_length=12)
    amount: StrictInt = Field(ge=0)
    currency: str = Field(min_length=3, max_length=3)
    status: NotificationStatus
    partner_txn_id: str = Field(min_length=1, max_length=64)
    timestamp: AwareDatetime
    sequence: StrictInt = Field(ge=1, le=MAX_SEQUENCE)

    def body(self) -> bytes:
        """The JSON bytes that are sent and signed."""
        return orjson.dumps(self.model_dump(mode="json"))


def signed_body(notification: Notification, secret: bytes) -> tuple[bytes, dict[str, str]]:
    """The request body and headers a partner sends for ``notification``."""
    body = notification.body()
    return body, {SIGNATURE_HEADER: sign(secret, body), "Content-Type": "application/json"}


def checkout_signature_base(params: Mapping[str, str]) -> bytes:
    """The bytes a checkout signature covers: the parameters (``sig`` excluded) URL-encoded by name."""
    return urlencode(sorted((k, v) for k, v in params.items() if k != "sig")).encode()


def checkout_url(
    partners_url: str,
    partner: str,
    *,
    payment_id: str,
    amount: int,
    currency: str,
    order_info: str,
    return_url: str,
    secret: bytes,
) -> str:
    """The signed URL the portal redirects the citizen to."""
    params = {
        "amount": str(amount),
        "currency": currency,
        "order_info": order_info,
        "payment_id": payment_id,
        "return_url": return_url,
    }
    query = urlencode([*sorted(params.items()), ("sig", sign(secret, checkout_signature_base(params)))])
    return f"{partners_url.rstrip('/')}/partners/{partner}/checkout?{query}"


class CheckoutError(ValueError):
    """A checkout request the partner refuses; ``field`` names the parameter to blame."""

    def __init__(self, field: str, reason: str, status: int = 400) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status


def verify_checkout(params: Mapping[str, str], secret: bytes) -> tuple[str, int, str, str, str]:
    """``(payment_id, amount, currency, order_info, return_url)`` of a checkout request whose
    signature holds; :class:`CheckoutError` naming the missing, malformed or forged parameter."""
    for name in (*CHECKOUT_PARAMS, "sig"):
        if not params.get(name):
            raise CheckoutError(name, "required")
    unknown = sorted(set(params) - {*CHECKOUT_PARAMS, "sig"})
    if unknown:
        raise CheckoutError(unknown[0], "unknown parameter")
    if not signature_matches(secret, checkout_signature_base(params), params["sig"]):
        raise CheckoutError("sig", "signature does not match the parameters", status=401)
    if not PAYMENT_ID_RE.fullmatch(params["payment_id"]):
        raise CheckoutError("payment_id", "malformed payment id")
    amount = params["amount"]
    if not amount.isdigit():
        raise CheckoutError("amount", f"need a whole number of dong, got {amount!r}")
    return params["payment_id"], int(amount), params["currency"], params["order_info"], params["return_url"]


def iso(moment: datetime) -> str:
    """An aware datetime as ISO 8601 with milliseconds (the form both ledgers use)."""
    return moment.isoformat(timespec="milliseconds")
