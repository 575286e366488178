"""Simulated back-office systems: one process standing for the 151 connected ministry and province
systems the portal forwards dossiers to (liên thông), derived deterministically from the catalogue.

Run: ``python -m stack.sims.backoffice --port 8104 --portal-url http://127.0.0.1:8000 [flags]``; stops
on SIGTERM/SIGINT, exit 0. The HMAC seed of the status updates is ``CUASO_SYNC_SECRET_SEED`` and the
catalogue ``CUASO_CATALOGUE_SEED``/``_SIZE``, read like the portal reads them (:mod:`stack.settings`).

Endpoints:

- ``POST /systems/{system}/dossiers`` with a :class:`~stack.sims.backoffice_protocol.Delivery`:
  ``201 {"code", "system", "duplicate": false, "received_at"}`` the first time, ``200`` with
  ``"duplicate": true`` for a redelivery (idempotent by dossier code: applied once). ``404`` unknown
  system, ``409`` a dossier this system does not process (misrouted), ``422`` a malformed delivery
  naming the field. Per-system faults come first: ``503`` in an outage window (or held, ``hang``),
  then the system's latency (its processing: a sender that dies meanwhile still gets the dossier
  applied), then an injected error.
- ``/_sim/systems...``, ``/_sim/received``: per-system controls and the ledger
  (:mod:`stack.sims.backoffice_control`); ``/_sim/health``, ``/_sim/faults``, ``/_sim/stats``:
  process-wide faults, as every simulator (:mod:`stack.sims.control`).

After applying a dossier, the system reports ``received``, ``processing`` and ``done``/``returned`` to
the portal (:mod:`stack.sims.backoffice_status`), unless ``--portal-url`` is empty or the system's
behaviour says ``status_updates: false``. The agencies also answer citizens' feedback
(:mod:`stack.sims.backoffice_feedback`, ``--feedback-*`` flags, ``/_sim/feedback``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from fastapi import FastAPI, Request
from pydantic import ValidationError
from starlette.responses import Response

from stack.catalogue.catalogue import Catalogue
from stack.catalogue.generate import generate_catalogue
from stack.catalogue.model import UnknownValueError
from stack.forwarder.backoff import Backoff
from stack.settings import StackSettings
from stack.sims import backoffice_feedback as feedback_defaults
from stack.sims import backoffice_status as status_defaults
from stack.sims import backoffice_systems as defaults
from stack.sims.backoffice_control import backoffice_control_router
from stack.sims.backoffice_feedback import (
    FeedbackAnswerer,
    FeedbackPolicies,
    FeedbackPolicy,
    feedback_control_router,
)
from stack.sims.backoffice_ledger import Ledger
from stack.sims.backoffice_protocol import Delivery
from stack.sims.backoffice_status import StatusReporter
from stack.sims.backoffice_systems import Behaviour, Registry
from stack.sims.middleware import FaultState
from stack.sims.responses import OrjsonResponse, error_response
from stack.sims.serve import base_parser, install_faults, new_app, parse_args, serve

DEFAULT_PORT = 8104


def _validation_field(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()))
    return ("body." + loc if loc else "body"), str(first.get("msg", "invalid"))


def create_app(
    faults: FaultState,
    registry: Registry,
    ledger: Ledger,
    reporter: StatusReporter | None,
    feedback: tuple[FeedbackPolicies, FeedbackAnswerer | None] | None = None,
) -> FastAPI:
    """The back-office systems as one ASGI app."""
    app = new_app("cuaso simulated back-office systems")
    catalogue: Catalogue = registry.catalogue

    @app.post("/systems/{code}/dossiers")
    async def receive(code: str, request: Request) -> Response:
        state = registry.get(code)
        if state is None:
            return error_response(404, "not_found", f"no back-office system {code!r}", field="system")
        state.in_flight += 1
        try:
            refused = await state.refuse_during_outage()
            if refused is not None:
                return refused
            try:
                delivery = Delivery.model_validate_json(await request.body())
            except ValidationError as exc:
                field, reason = _validation_field(exc)
                return error_response(422, "invalid", reason, field=field)
            try:
                expected = catalogue.system_for(delivery.procedure_id, delivery.province_code)
            except UnknownValueError as exc:
                return error_response(422, "invalid", str(exc), field=f"body.{exc.key}")
            if expected.code != code:
                ledger.misdirected += 1
                reason = f"{delivery.code} is processed by {expected.code}, not {code}"
                return error_response(409, "misrouted", reason, field="system")
            key = request.headers.get("idempotency-key")
            if key is not None and key != delivery.code:
                return error_response(422, "invalid", "must be the dossier code", field="Idempotency-Key")
            latency = state.latency_s()
            if latency > 0:
                await asyncio.sleep(latency)
            failed = state.injected_error()
            if failed is not None:
                return failed
            state.deliveries += 1
            receipt, first = ledger.record(delivery.code, code)
            if first:
                receipt.decision, receipt.late = state.behaviour.decide(registry.seed, delivery.code)
                if reporter is not None and state.behaviour.status_updates:
                    reporter.schedule(code, delivery, state.behaviour, receipt)
            body = {"code": delivery.code, "system": code, "duplicate": not first}
            return OrjsonResponse(
                {**body, "received_at": receipt.received_at}, status_code=201 if first else 200
            )
        finally:
            state.in_flight -= 1

    app.include_router(backoffice_control_router(registry, ledger, reporter))
    if feedback is not None:
        app.include_router(feedback_control_router(*feedback))
    install_faults(app, faults, "backoffice")
    return app


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(
        "python -m stack.sims.backoffice", "Simulated back-office systems (151, one process).", DEFAULT_PORT
    )
    # The process-wide fault flags default to none here: each system has its own latency (below).
    parser.set_defaults(latency_ms=0.0, jitter_ms=0.0)
    add = parser.add_argument_group(
        "the systems (changeable at run time: PUT /_sim/systems/...)"
    ).add_argument
    add("--portal-url", default="", help="where status updates go; empty: none are sent (default: none)")
    add(
        "--system-latency-ms",
        type=float,
        default=defaults.DEFAULT_LATENCY_MS,
        help="mean per-system latency, ms (default: %(default)s)",
    )
    add(
        "--system-spread",
        type=float,
        default=defaults.DEFAULT_SPREAD,
        help="systems' latencies spread over ± this share of the mean (default: %(default)s)",
    )
    add(
        "--processing-after-s",
        type=float,
        default=defaults.DEFAULT_PROCESSING_AFTER_S,
        help="seconds from received to processing (default: %(default)s)",
    )
    add(
        "--decision-after-s",
        type=float,
        default=defaults.DEFAULT_DECISION_AFTER_S,
        help="seconds from processing to the decision (default: %(default)s)",
    )
    add(
        "--return-rate",
        type=float,
        default=defaults.DEFAULT_RETURN_RATE,
        help="share of dossiers returned instead of done (default: %(default)s)",
    )
    add(
        "--late-rate",
        type=float,
        default=defaults.DEFAULT_LATE_RATE,
        help="share of decisions after the deadline (default: %(default)s)",
    )
    add(
        "--status-attempts",
        type=int,
        default=status_defaults.DEFAULT_MAX_ATTEMPTS,
        help="attempts per status update (default: %(default)s)",
    )
    add("--feedback-poll-s", type=float, default=feedback_defaults.DEFAULT_POLL_S,
        help="seconds between looks for open feedback; 0: never answer (default: %(default)s)")  # fmt: skip
    add("--feedback-handling-s", type=float, default=feedback_defaults.DEFAULT_HANDLING_S,
        help="seconds an agency takes to answer feedback (default: %(default)s)")  # fmt: skip
    add("--no-feedback-answers", action="store_true",
        help="agencies answer no feedback until enabled through PUT /_sim/feedback/{agency}")  # fmt: skip
    add("--feedback-late-rate", type=float, default=feedback_defaults.DEFAULT_FEEDBACK_LATE_RATE,
        help="share of feedback answered after its deadline (default: %(default)s)")  # fmt: skip
    add("--status-backoff-max-s", type=float, default=status_defaults.DEFAULT_BACKOFF.max_s,
        help="longest wait between status update attempts (default: %(default)s)")  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, faults = parse_args(parser, argv)
    settings = StackSettings()
    try:
        behaviour = Behaviour(
            processing_after_s=args.processing_after_s,
            decision_after_s=args.decision_after_s,
            return_rate=args.return_rate,
            late_rate=args.late_rate,
        )
        catalogue = generate_catalogue(seed=settings.catalogue_seed, size=settings.catalogue_size)
        registry = Registry(
            catalogue, seed=args.seed, latency_ms=args.system_latency_ms, spread=args.system_spread,
            behaviour=behaviour,
        )  # fmt: skip
        reporter = None
        if args.portal_url:
            base = min(status_defaults.DEFAULT_BACKOFF.base_s, args.status_backoff_max_s)
            reporter = StatusReporter(
                args.portal_url, settings.sync_secret_seed, seed=args.seed,
                backoff=Backoff(base, args.status_backoff_max_s), max_attempts=args.status_attempts,
            )  # fmt: skip
        policies = FeedbackPolicies(
            catalogue.agencies,
            FeedbackPolicy(
                enabled=not args.no_feedback_answers,
                handling_s=args.feedback_handling_s,
                late_rate=args.feedback_late_rate,
            ),
        )
        answerer = None
        if args.portal_url and args.feedback_poll_s > 0:
            answerer = FeedbackAnswerer(
                args.portal_url, settings.agency_secret, policies, seed=args.seed, poll_s=args.feedback_poll_s
            )
    except ValueError as exc:
        parser.error(str(exc))
    if answerer is not None:
        answerer.start_thread()
    app = create_app(faults, registry, Ledger(), reporter, (policies, answerer))
    return serve(app, args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
