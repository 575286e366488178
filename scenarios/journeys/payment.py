"""Paying a fee online (journey ``pay_fee``): the citizen comes back, logs in, finds the dossier in the
list of their own and pays its fee through one of the 19 partners (FACTS: 10 banks and 9 payment
intermediaries, > 38.7 million payments).

The dossier is one submitted earlier in the same Locust process (by a ``submit_dossier`` visitor, whose
citizen logs in again here); with none waiting, the visitor logs in, finds nothing to pay and leaves.
Paying is two requests: the portal creates the payment (``Idempotency-Key`` reused by retries) and
answers the partner's signed checkout URL, which the client follows; the partner charges and redirects
back (its notification to the portal arrives on its own). A procedure without a fee (422 ``no_fee``)
or a dossier already paid (409) ends the visit without a checkout.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.login import login
from scenarios.journeys.steps import Visit
from stack.sims.partners import partner_codes

DOSSIERS = "/api/v1/dossiers"
PAY = "/api/v1/dossiers/{code}/payments"
CHECKOUT = "partner /partners/{code}/checkout"


def my_dossiers(visit: Visit, auth: dict[str, str]) -> list[str]:
    body = visit.get_json(DOSSIERS, DOSSIERS, headers=auth)
    return [str(item["code"]) for item in body["items"] if item.get("status") != "draft"]


def _redirect(response: Any) -> str | None:
    return str(response.json()["redirect_url"]) if response.status_code in (200, 201) else None


def pay(visit: Visit, auth: dict[str, str], code: str, key: str) -> None:
    partner = visit.rng.choice(partner_codes())  # assumption: every partner equally likely
    _, checkout = visit.request(
        "POST",
        PAY.format(code=code),
        PAY,
        expect=(200, 201, 409, 422),
        parse=_redirect,
        json={"partner": partner},
        headers={**auth, "Idempotency-Key": key},
    )
    if checkout is not None:
        visit.request("GET", checkout, CHECKOUT, expect=(302,))


class PayFee(JourneyUser):
    """Log in, list one's dossiers, pay the fee of the one waiting to be paid."""

    journey = "pay_fee"

    @staticmethod
    def visit(visit: Visit) -> None:
        unpaid = visit.runtime.unpaid
        citizen_id, code = unpaid.popleft() if unpaid else (visit.runtime.next_citizen().citizen_id, "")
        auth = visit.step("login", partial(login, visit, citizen_id))
        mine = visit.step("list_dossiers", partial(my_dossiers, visit, auth))
        if code in mine:
            key = f"{visit.runtime.run_token}-{visit.rng.getrandbits(64):016x}"
            visit.step("pay", partial(pay, visit, auth, code, key))
