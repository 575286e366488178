"""Online payment of a dossier's fee through one of the 19 partners (docs/payments.md).

- ``POST /api/v1/dossiers/{code}/payments {"partner": "VCB"}`` (owner, ``Idempotency-Key`` honoured):
  ``201`` pending payment of the dossier's fee in VND with ``redirect_url``, the signed checkout at the
  partner simulator; a dossier without a fee ``422``, one already paid ``409``.
- ``GET /api/v1/dossiers/{code}/payments``: the dossier's payments; ``GET /api/v1/payments/{id}``: one
  payment, the return URL the partner sends the citizen back to.
- ``POST /api/v1/payments/callback/{partner}``: the partner's signed notification. Unsigned or forged
  ``401`` naming ``X-Signature``; a body that does not parse, a stale timestamp, or a partner, currency or
  amount that differs from the payment's ``400`` naming the field; an unknown payment id is recorded for
  reconciliation and answered ``404``. Accepted ones answer ``200 {"payment_id", "status", "outcome"}``
  whether they changed anything or not (duplicates and late notices are no-ops). Every rejection is
  logged; every callback is counted in ``cuaso_payment_callbacks_total{partner, outcome}``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from prometheus_client import Counter
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stack.app.deps import CurrentSession, Svc
from stack.app.durable import acknowledge_payment
from stack.app.errors import ApiError, not_found
from stack.app.services import Services
from stack.data import keys
from stack.data.payments import CallbackOutcome, CreateOutcome, Payment, PaymentStore
from stack.settings import StackSettings
from stack.sims.partner_protocol import SIGNATURE_HEADER, Notification, checkout_url
from stack.sims.partners import CURRENCY, partner_by_code, partner_codes, partner_secret, signature_matches

log = logging.getLogger("cuaso.stack.payments")
router = APIRouter(tags=["payments"])

CALLBACKS = Counter(
    "cuaso_payment_callbacks_total",
    "Partner payment notifications received, by partner and outcome (applied, noted, duplicate, ignored, "
    "unknown_payment, or why it was rejected).",
    ["partner", "outcome"],
)
CREATED = Counter("cuaso_payments_created_total", "Payments created, by partner.", ["partner"])
UNKNOWN_PARTNER = "<unknown>"


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partner: str = Field(min_length=1, max_length=12, description="Partner code, e.g. VCB")


def payment_store(services: Svc) -> PaymentStore:
    """The worker's payment store (built with the worker's other services)."""
    return services.payments


Payments = Annotated[PaymentStore, Depends(payment_store)]


def _redirect_url(settings: StackSettings, payment: Payment) -> str:
    return checkout_url(
        settings.payments_url,
        payment.partner,
        payment_id=payment.payment_id,
        amount=payment.amount,
        currency=payment.currency,
        order_info=payment.dossier_code,
        return_url=f"{settings.public_url}/api/v1/payments/{payment.payment_id}",
        secret=partner_secret(payment.partner, settings.payment_secret_seed),
    )


@router.post(
    "/api/v1/dossiers/{code}/payments",
    status_code=201,
    responses={200: {"description": "The same Idempotency-Key again: the same payment"}},
)
async def create_payment(
    services: Svc,
    session: CurrentSession,
    store: Payments,
    body: PaymentIn,
    response: Response,
    code: Annotated[str, Path(max_length=40)],
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    """Start paying the dossier's fee; the client then follows ``redirect_url`` to the partner."""
    if partner_by_code(body.partner) is None:
        known = ", ".join(partner_codes())
        raise ApiError(422, "invalid", f"unknown payment partner; known: {known}", "body.partner")
    outcome, payment_id = await store.create(
        session.citizen_id, code, body.partner, CURRENCY, idempotency_key
    )
    if outcome is CreateOutcome.NOT_FOUND:
        raise not_found("dossier", "code")
    if outcome is CreateOutcome.NO_FEE:
        raise ApiError(422, "no_fee", "this dossier's procedure has no fee to pay", "code")
    if outcome is CreateOutcome.ALREADY_PAID:
        raise ApiError(409, "already_paid", "this dossier's fee is already paid", "code")
    if outcome is CreateOutcome.KEY_REUSED:
        raise ApiError(
            409, "idempotency_key_reused", "this key was used for a different request", "Idempotency-Key"
        )
    await acknowledge_payment(services, payment_id)
    if outcome is CreateOutcome.REPLAYED:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    else:
        CREATED.labels(body.partner).inc()
    payment = await store.get(payment_id)
    if payment is None or payment.owner != session.citizen_id:
        raise not_found("dossier", "code")
    return {**payment.to_public(), "redirect_url": _redirect_url(services.settings, payment)}


@router.get("/api/v1/dossiers/{code}/payments")
async def list_payments(
    services: Svc, session: CurrentSession, store: Payments, code: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    dossier = await services.dossiers.get(code)
    if dossier is None or dossier.owner != session.citizen_id:
        raise not_found("dossier", "code")
    return {"items": [p.to_public() for p in await store.for_dossier(code)]}


@router.get("/api/v1/payments/{payment_id}")
async def read_payment(
    session: CurrentSession, store: Payments, payment_id: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    """The payment's outcome (the partner's return URL)."""
    if keys.tag_of_payment(payment_id) is None:
        raise ApiError(422, "invalid", "payment ids look like PM-250701-A7-K7QF3M9X-2F4Q", "payment_id")
    payment = await store.get(payment_id)
    if payment is None or payment.owner != session.citizen_id:
        raise not_found("payment", "payment_id")
    return payment.to_public()


def _reject(partner: str, outcome: str, status: int, reason: str, field: str, note: str = "") -> ApiError:
    CALLBACKS.labels(partner, outcome).inc()
    log.warning("payment callback rejected: partner=%s outcome=%s field=%s %s: %s", partner, outcome,
                field, note, reason)  # fmt: skip
    code = {401: "unauthorized", 404: "not_found"}.get(status, "invalid")
    return ApiError(status, code, reason, field)


def _field_of(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()))
    return ("body." + loc if loc else "body"), str(first.get("msg", "invalid"))


_CALLBACK_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": Notification.model_json_schema()}},
        "description": f"The notification; its hex HMAC-SHA256 in the {SIGNATURE_HEADER} header",
    }
}


async def _count_payment(services: Services, payment_id: str) -> None:
    """Add a payment that just succeeded to the public statistics of its province and agency.

    Runs once per payment (only the callback that moved it to ``succeeded`` gets here). It is a second
    write after the callback's script: a worker killed between the two undercounts the statistics by one
    payment; the ledger itself, which reconciliation reads, is never affected."""
    payment = await services.payments.get(payment_id)
    dossier = None if payment is None else await services.dossiers.get(payment.dossier_code)
    if payment is None or dossier is None:
        return
    system = services.catalogue.system_for(dossier.procedure_id, dossier.province_code)
    await services.statistics.record_payment(
        dossier.code, dossier.province_code, system.agency, payment.amount
    )


@router.post("/api/v1/payments/callback/{partner}", openapi_extra=_CALLBACK_BODY)
async def payment_callback(
    request: Request, services: Svc, store: Payments, partner: Annotated[str, Path(max_length=20)]
) -> dict[str, Any]:
    """A partner's signed notification (body: the JSON notification; header ``X-Signature``: hex
    HMAC-SHA256 of the body with the partner's key). See docs/payments.md."""
    settings = services.settings
    if partner_by_code(partner) is None:
        raise _reject(UNKNOWN_PARTNER, "unknown_partner", 404, "no such payment partner", "partner")
    raw = await request.body()
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        raise _reject(partner, "unsigned", 401, "signature missing", SIGNATURE_HEADER)
    if not signature_matches(partner_secret(partner, settings.payment_secret_seed), raw, signature):
        raise _reject(partner, "forged", 401, "signature does not match the body", SIGNATURE_HEADER)
    try:
        note = Notification.model_validate_json(raw)
    except ValidationError as exc:
        field, reason = _field_of(exc)
        raise _reject(partner, "invalid", 400, reason, field) from None
    ref = f"payment_id={note.payment_id} seq={note.sequence}"
    if note.partner != partner:
        raise _reject(partner, "partner_mismatch", 400, f"signed for {partner}", "body.partner", ref)
    age_s = abs((datetime.now(UTC) - note.timestamp).total_seconds())
    if age_s > settings.payment_callback_max_age_s:
        reason = f"{age_s:.0f} s from now; at most {settings.payment_callback_max_age_s} s accepted"
        raise _reject(partner, "stale", 400, reason, "body.timestamp", ref)
    outcome, status = await store.apply_callback(
        partner,
        note.payment_id,
        amount=note.amount,
        currency=note.currency,
        status=note.status,
        sequence=note.sequence,
        partner_txn_id=note.partner_txn_id,
    )
    if outcome is CallbackOutcome.UNKNOWN:
        await store.record_unknown(partner, note.model_dump(mode="json"))
        raise _reject(partner, "unknown_payment", 404, "no such payment (recorded)", "body.payment_id", ref)
    if outcome is CallbackOutcome.PARTNER_MISMATCH:
        raise _reject(
            partner, "partner_mismatch", 400, "payment made through another partner", "partner", ref
        )
    if outcome is CallbackOutcome.CURRENCY_MISMATCH:
        raise _reject(partner, "currency_mismatch", 400, "not the payment's currency", "body.currency", ref)
    if outcome is CallbackOutcome.AMOUNT_MISMATCH:
        raise _reject(partner, "amount_mismatch", 400, "not the payment's amount", "body.amount", ref)
    await acknowledge_payment(services, note.payment_id)
    CALLBACKS.labels(partner, outcome.value).inc()
    if outcome is CallbackOutcome.APPLIED and status == "succeeded":
        await _count_payment(services, note.payment_id)
    if outcome is CallbackOutcome.IGNORED and note.status != status:
        log.warning("payment callback ignored: partner=%s %s says %s, payment already %s", partner, ref,
                    note.status, status)  # fmt: skip
    return {"payment_id": note.payment_id, "status": status, "outcome": outcome.value}
