"""Per-partner control endpoints of the payment simulator, under ``/_sim/partners`` (never faulted).

- ``GET /_sim/partners``: every partner with its behaviour, faults and counters.
- ``GET|PUT /_sim/partners/{code}/behaviour``: callback delay, drop, duplicate, reorder, decline, double
  charge, amount delta (:mod:`stack.sims.partner_behaviour`); keys left out take their defaults.
- ``GET|PUT /_sim/partners/{code}/faults``: latency, errors and outages of this partner's own endpoints
  (checkout, ledger), the :class:`~stack.sims.faults.FaultConfig` of every simulator.
- ``GET /_sim/partners/{code}/stats``: the desk's and its deliveries' counters (``delivery.in_flight``
  is 0 once every planned notice was delivered, rejected or given up).
- ``POST /_sim/partners/{code}/charges {"amount", "payment_id"?, "currency"?, "status"?, "order_info"?}``:
  a charge the portal never asked for, notified as usual: an injected ``unknown_payment``. Without
  ``payment_id`` a well-formed one that no dossier has is made up. ``201`` with the transaction.

A bad value answers ``422`` naming the key; an unknown partner ``404`` naming ``code``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

import orjson
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from starlette.responses import Response

from stack.data.keys import PAYMENT_ID_RE
from stack.sims.faults import FaultConfig, FaultConfigError
from stack.sims.partner_behaviour import PartnerBehaviour
from stack.sims.partner_desk import PartnerDesk
from stack.sims.partners import CURRENCY
from stack.sims.responses import OrjsonResponse, error_response

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


class StrayChargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: StrictInt = Field(ge=0)
    payment_id: str | None = Field(None, pattern=PAYMENT_ID_RE.pattern)
    currency: str = Field(CURRENCY, min_length=3, max_length=3)
    status: Literal["succeeded", "failed"] = "succeeded"
    order_info: str = Field("", max_length=100)


def made_up_payment_id(rng: random.Random) -> str:
    """A well-formed payment id of a dossier that does not exist (its random part says STRAY)."""
    day = datetime.now(UTC).strftime("%y%m%d")
    rand = "".join(rng.choice(_ALPHABET) for _ in range(8))
    return f"PM-{day}-{rng.randrange(256):02X}-{rand}-STRY"


def partner_control_router(desks: Mapping[str, PartnerDesk], seed: int) -> APIRouter:
    """The ``/_sim/partners`` routes over ``desks`` (by partner code)."""
    router = APIRouter(prefix="/_sim/partners")
    rng = random.Random(f"{seed}:stray")

    def overview(desk: PartnerDesk) -> dict[str, object]:
        return {
            **desk.partner.to_dict(),
            "behaviour": desk.behaviour.to_dict(),
            "faults": desk.faults.config.to_dict(),
            "stats": desk.snapshot(),
        }

    async def json_body(request: Request) -> object:
        try:
            return orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise FaultConfigError("body", "<not JSON>", str(exc)) from None

    def unknown(code: str) -> Response:
        return error_response(404, "not_found", f"no payment partner {code!r}", field="code")

    @router.get("")
    async def list_partners() -> Response:
        return OrjsonResponse({"partners": [overview(d) for d in desks.values()]})

    @router.get("/{code}/behaviour")
    async def get_behaviour(code: str) -> Response:
        desk = desks.get(code)
        return OrjsonResponse(desk.behaviour.to_dict()) if desk else unknown(code)

    @router.put("/{code}/behaviour")
    async def put_behaviour(code: str, request: Request) -> Response:
        desk = desks.get(code)
        if desk is None:
            return unknown(code)
        try:
            desk.behaviour = PartnerBehaviour.from_mapping(await json_body(request))
        except FaultConfigError as exc:
            return error_response(422, "invalid", str(exc), field=exc.key)
        return OrjsonResponse(desk.behaviour.to_dict())

    @router.get("/{code}/faults")
    async def get_faults(code: str) -> Response:
        desk = desks.get(code)
        return OrjsonResponse(desk.faults.config.to_dict()) if desk else unknown(code)

    @router.put("/{code}/faults")
    async def put_faults(code: str, request: Request) -> Response:
        desk = desks.get(code)
        if desk is None:
            return unknown(code)
        try:
            data = await json_body(request)
            if not isinstance(data, Mapping):
                raise FaultConfigError("body", data, "must be a JSON object")
            base = FaultConfig(latency_ms=0.0, jitter_ms=0.0)
            desk.faults.replace(FaultConfig.from_mapping(data, base=base))
        except FaultConfigError as exc:
            return error_response(422, "invalid", str(exc), field=exc.key)
        return OrjsonResponse(desk.faults.config.to_dict())

    @router.get("/{code}/stats")
    async def stats(code: str) -> Response:
        desk = desks.get(code)
        return OrjsonResponse(desk.snapshot()) if desk else unknown(code)

    @router.post("/{code}/charges")
    async def stray_charge(code: str, request: Request) -> Response:
        desk = desks.get(code)
        if desk is None:
            return unknown(code)
        try:
            body = StrayChargeIn.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            loc = ".".join(str(p) for p in first.get("loc", ()))
            return error_response(
                422, "invalid", str(first.get("msg")), field=f"body.{loc}" if loc else "body"
            )
        payment_id = body.payment_id or made_up_payment_id(rng)
        txn = desk.stray_charge(payment_id, body.amount, body.currency, body.status, body.order_info)
        return OrjsonResponse(txn.to_dict(), status_code=201)

    return router
