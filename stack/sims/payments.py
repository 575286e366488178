"""Simulated payment partners: the 10 banks and 9 intermediaries of FACTS.md in one process, each under
``/partners/{code}/`` with its own signing key, ledger, behaviour and faults.

Run: ``python -m stack.sims.payments --host 127.0.0.1 --port 8103 --portal-url http://127.0.0.1:8000
[--secret-seed S] [--callback-delay-ms MS] [--callback-attempts N] [fault flags]`` (the fault flags of
:mod:`stack.sims.serve` apply to the whole process); stops on SIGTERM/SIGINT, exit 0. The secret seed
defaults to ``CUASO_PAYMENT_SECRET_SEED`` or the development seed, as the portal's does.

Endpoints:

- ``GET /partners``: the partners (code, name, kind).
- ``GET /partners/{code}/checkout?<signed parameters>`` (the portal's ``redirect_url``): charges the
  payment once (a repeated checkout charges nothing more), books it, plans its notices to the portal, and
  answers ``302`` to the return URL with ``{"payment_id", "charges": [...]}``. A missing or malformed
  parameter ``400`` naming it; a forged signature ``401`` naming ``sig``; an unknown partner ``404``.
- ``GET /partners/{code}/ledger?from=ISO&to=ISO``: ``{"partner", "from", "to", "entries": [...]}``, every
  charge made in ``[from, to)`` (either end optional), oldest first; reconciliation reads it.
- ``/_sim/partners/...``: per-partner behaviour, faults, counters, stray charges
  (:mod:`stack.sims.partner_control`); ``/_sim/...``: health, statistics and the process-wide faults.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime

from fastapi import FastAPI, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from stack.sims.middleware import FaultInjector, FaultState
from stack.sims.partner_behaviour import PartnerBehaviour
from stack.sims.partner_callbacks import DEFAULT_ATTEMPTS, CallbackSender
from stack.sims.partner_control import partner_control_router
from stack.sims.partner_desk import PartnerDesk
from stack.sims.partner_protocol import CheckoutError, iso, verify_checkout
from stack.sims.partners import PARTNERS, partner_secret, secret_seed_from_env
from stack.sims.responses import OrjsonResponse, error_response
from stack.sims.serve import base_parser, install_faults, new_app, parse_args, serve

DEFAULT_PORT = 8103
DEFAULT_PORTAL_URL = "http://127.0.0.1:8000"


class PartnerFaults:
    """ASGI middleware: requests to ``/partners/{code}/...`` go through that partner's own fault
    injector (latency, errors, outages of one bank), everything else straight through."""

    def __init__(self, app: ASGIApp, desks: Mapping[str, PartnerDesk]) -> None:
        self.app = app
        self.injectors = {code: FaultInjector(app, desk.faults) for code, desk in desks.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            parts = scope["path"].split("/", 3)
            if len(parts) > 2 and parts[1] == "partners" and parts[2] in self.injectors:
                await self.injectors[parts[2]](scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_desks(portal_url: str, secret_seed: str, seed: int, attempts: int) -> dict[str, PartnerDesk]:
    """One desk per partner, sharing one callback sender."""
    sender = CallbackSender(portal_url, attempts=attempts)
    return {p.code: PartnerDesk(p, partner_secret(p.code, secret_seed), sender, seed=seed) for p in PARTNERS}


class _BadTime(ValueError):
    def __init__(self, field: str, value: str) -> None:
        super().__init__(f"need ISO 8601 with a timezone, e.g. 2025-07-01T00:00:00+07:00; got {value!r}")
        self.field = field


def _parse_time(field: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _BadTime(field, value) from None
    if moment.tzinfo is None:
        raise _BadTime(field, value)
    return moment


def create_app(faults: FaultState, desks: Mapping[str, PartnerDesk], seed: int = 0) -> FastAPI:
    """The payment partners as an ASGI app."""
    app = new_app("cuaso simulated payment partners")

    def unknown(code: str) -> Response:
        return error_response(404, "not_found", f"no payment partner {code!r}", field="code")

    @app.get("/partners")
    async def partners() -> Response:
        return OrjsonResponse({"partners": [d.partner.to_dict() for d in desks.values()]})

    @app.get("/partners/{code}/checkout")
    async def checkout(code: str, request: Request) -> Response:
        desk = desks.get(code)
        if desk is None:
            return unknown(code)
        try:
            payment_id, amount, currency, order_info, return_url = verify_checkout(
                dict(request.query_params), desk.secret
            )
        except CheckoutError as exc:
            kind = "unauthorized" if exc.status == 401 else "invalid"
            return error_response(exc.status, kind, exc.reason, field=exc.field)
        txns = desk.checkout(payment_id, amount, currency, order_info)
        body = {"payment_id": payment_id, "charges": [t.to_dict() for t in txns], "return_url": return_url}
        return OrjsonResponse(body, status_code=302, headers={"location": return_url})

    @app.get("/partners/{code}/ledger")
    async def ledger(code: str, request: Request) -> Response:
        desk = desks.get(code)
        if desk is None:
            return unknown(code)
        params = request.query_params
        try:
            start = _parse_time("from", params.get("from"))
            end = _parse_time("to", params.get("to"))
        except _BadTime as exc:
            return error_response(422, "invalid", str(exc), field=exc.field)
        if start is not None and end is not None and start >= end:
            return error_response(422, "invalid", "must be later than 'from'", field="to")
        entries = [t.to_dict() for t in desk.ledger.between(start, end)]
        return OrjsonResponse(
            {
                "partner": code,
                "from": iso(start) if start else None,
                "to": iso(end) if end else None,
                "entries": entries,
            }
        )

    app.include_router(partner_control_router(desks, seed))
    app.add_middleware(PartnerFaults, desks=desks)
    install_faults(app, faults, "payments")
    return app


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(
        "python -m stack.sims.payments",
        "Simulated payment partners (10 banks, 9 intermediaries).",
        DEFAULT_PORT,
    )
    parser.add_argument(
        "--portal-url", default=DEFAULT_PORTAL_URL, help="where notices go (default: %(default)s)"
    )
    parser.add_argument(
        "--secret-seed", default=None, help="seed of the partners' keys (default: $CUASO_PAYMENT_SECRET_SEED)"
    )
    parser.add_argument(
        "--callback-delay-ms",
        type=float,
        default=PartnerBehaviour().callback_delay_ms,
        help="initial delay of final notices, every partner (default: %(default)s)",
    )
    parser.add_argument(
        "--callback-attempts",
        type=int,
        default=DEFAULT_ATTEMPTS,
        help="tries per notice (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, faults = parse_args(parser, argv)
    if args.callback_attempts < 1:
        parser.error(f"--callback-attempts={args.callback_attempts}: need at least 1")
    try:
        behaviour = PartnerBehaviour(callback_delay_ms=args.callback_delay_ms)
    except ValueError as exc:
        parser.error(f"--callback-delay-ms: {exc}")
    seed_text = args.secret_seed or secret_seed_from_env()
    desks = build_desks(args.portal_url, seed_text, args.seed, args.callback_attempts)
    for desk in desks.values():
        desk.behaviour = behaviour
    return serve(create_app(faults, desks, args.seed), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
