"""Status sync from the back-office systems (liên thông): ``POST /api/v1/sync/status``.

A system sends a :class:`~stack.sims.backoffice_protocol.StatusUpdate` as the JSON body, its code in
``X-Backoffice-System`` and the hex HMAC-SHA256 of the body, keyed with that system's key, in
``X-Signature``. Unsigned, forged or from an unknown system: ``401`` naming the header. A body that does
not parse: ``422`` naming the field. A dossier that does not exist: ``404``; one still a draft: ``409``;
one that another system processes: ``403`` (a system speaks only for its own dossiers).

Accepted updates answer ``200 {"code", "applied", "outcome", "status", "seq"}``: ``applied`` when the
update's ``seq`` is above the dossier's, else ignored as a ``duplicate`` (equal) or ``stale`` (lower),
which the sender must treat as done. Applying updates the public status lookup and the public statistics
in the same atomic script (``dossier_status.lua``). Every update is counted in
``cuaso_sync_updates_total{outcome}``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from prometheus_client import Counter
from pydantic import ValidationError

from stack.app.deps import Svc
from stack.app.errors import ApiError, not_found
from stack.catalogue.model import UnknownValueError
from stack.data.dossiers import StatusChange, StatusOutcome
from stack.sims.backoffice_protocol import (
    SIGNATURE_HEADER,
    SYSTEM_HEADER,
    StatusUpdate,
    signature_matches,
    system_secret,
)

log = logging.getLogger("cuaso.stack.sync")
router = APIRouter(prefix="/api/v1/sync", tags=["sync"])

DAY_MS = 86_400_000
UPDATES = Counter(
    "cuaso_sync_updates_total",
    "Status updates from back-office systems, by outcome (applied, duplicate, stale, or why refused).",
    ["outcome"],
)

_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": StatusUpdate.model_json_schema()}},
        "description": f"The update; its hex HMAC-SHA256 with the system's key in {SIGNATURE_HEADER}",
    }
}


def _refuse(outcome: str, status: int, code: str, reason: str, field: str | None) -> ApiError:
    UPDATES.labels(outcome).inc()
    if status in (401, 403):
        log.warning("sync update refused (%s): %s", outcome, reason)
    return ApiError(status, code, reason, field)


def _field_of(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()))
    return ("body." + loc if loc else "body"), str(first.get("msg", "invalid"))


@router.post("/status", openapi_extra=_BODY)
async def sync_status(
    request: Request,
    services: Svc,
    x_backoffice_system: Annotated[str | None, Header(max_length=40, description="The sender's code")] = None,
    x_signature: Annotated[str | None, Header(max_length=128, description="HMAC-SHA256 of the body")] = None,
) -> dict[str, Any]:
    """Apply one back-office status update in order (see the module docstring)."""
    catalogue = services.catalogue
    if not x_backoffice_system:
        raise _refuse("unsigned", 401, "unauthorized", "back-office system not named", SYSTEM_HEADER)
    system = catalogue.systems.get(x_backoffice_system)
    if system is None:
        raise _refuse("unknown_system", 401, "unauthorized", "unknown back-office system", SYSTEM_HEADER)
    if not x_signature:
        raise _refuse("unsigned", 401, "unauthorized", "signature missing", SIGNATURE_HEADER)
    raw = await request.body()
    secret = system_secret(system.code, services.settings.sync_secret_seed)
    if not signature_matches(secret, raw, x_signature):
        raise _refuse("forged", 401, "unauthorized", "signature does not match the body", SIGNATURE_HEADER)
    try:
        update = StatusUpdate.model_validate_json(raw)
    except ValidationError as exc:
        field, reason = _field_of(exc)
        raise _refuse("invalid", 422, "invalid", reason, field) from None
    rows = await services.dossiers.summaries([update.code])
    if not rows:
        raise _refuse("not_found", 404, "not_found", "no such dossier", "body.code")
    procedure_id, province_code = rows[0]["procedure_id"] or "", rows[0]["province_code"] or ""
    procedure = catalogue.get(procedure_id)
    try:
        routed = catalogue.system_for(procedure_id, province_code).code if procedure is not None else None
    except UnknownValueError:  # a dossier the catalogue cannot route has no system to speak for it
        routed = None
    if procedure is None or routed != system.code:
        reason = f"dossier {update.code} is not processed by {system.code}"
        raise _refuse("wrong_system", 403, "forbidden", reason, SYSTEM_HEADER)
    change = StatusChange(
        seq=update.seq,
        status=update.status,
        at_ms=int(update.at.timestamp() * 1000),
        at_iso=update.at.isoformat(timespec="milliseconds"),
        agency=system.agency,
        system=system.code,
        processing_ms=procedure.processing_days * DAY_MS,
    )
    result = await services.dossiers.apply_status(update.code, change)
    if result.outcome is StatusOutcome.NOT_FOUND:
        raise not_found("dossier", "body.code")
    if result.outcome is StatusOutcome.NOT_SUBMITTED:
        reason = "the dossier has not been submitted"
        raise _refuse("not_submitted", 409, "not_submitted", reason, "body.code")
    UPDATES.labels(result.outcome.value).inc()
    return {
        "code": update.code,
        "applied": result.outcome is StatusOutcome.APPLIED,
        "outcome": result.outcome.value,
        "status": result.status,
        "seq": result.seq,
    }
