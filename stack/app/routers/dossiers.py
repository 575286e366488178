"""Dossiers of the logged-in citizen: create (idempotent), attach, submit, read, list.

A 2xx is sent only after Redis applied the write; another citizen's dossier is answered 404.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from stack.app.deps import CurrentSession, Svc
from stack.app.durable import acknowledge_dossier
from stack.app.errors import ApiError, not_found
from stack.catalogue.provinces import province_by_code
from stack.data.dossiers import Attachment, CreateOutcome, Dossier, WriteOutcome

router = APIRouter(prefix="/api/v1/dossiers", tags=["dossiers"])

ATTACHMENT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
FORM_MAX_FIELDS = 50  # assumption: a form has at most 50 fields


def _scalar(value: object) -> object:
    """Refuse nested values up front, so the 422 names the form field, not a member of the union."""
    if isinstance(value, dict | list):
        raise ValueError("form values must be text, a number, true/false or null")
    return value


FormValue = Annotated[str | int | float | bool | None, BeforeValidator(_scalar)]


class DossierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedure_id: str = Field(min_length=1, max_length=40)
    province_code: str = Field(pattern=r"^P[0-9]{2}$", description="Service point province, P01..P34")
    form: dict[str, FormValue] = Field(default_factory=dict, max_length=FORM_MAX_FIELDS)


def _owned(dossier: Dossier | None, citizen_id: str) -> Dossier:
    if dossier is None or dossier.owner != citizen_id:
        raise not_found("dossier", "code")
    return dossier


@router.post(
    "", status_code=201, responses={200: {"description": "The same Idempotency-Key again: the same dossier"}}
)
async def create_dossier(
    services: Svc,
    session: CurrentSession,
    body: DossierIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> dict[str, Any]:
    proc = services.catalogue.get(body.procedure_id)
    if proc is None:
        raise ApiError(422, "invalid", f"unknown procedure {body.procedure_id!r}", "body.procedure_id")
    if province_by_code(body.province_code) is None:
        raise ApiError(422, "invalid", f"unknown province {body.province_code!r}", "body.province_code")
    outcome, code = await services.dossiers.create(
        session.citizen_id, proc.id, body.province_code, proc.fee_vnd, dict(body.form), idempotency_key
    )
    if outcome is CreateOutcome.KEY_REUSED:
        raise ApiError(
            409, "idempotency_key_reused", "this key was used for a different request", "Idempotency-Key"
        )
    await acknowledge_dossier(services, code)
    if outcome is CreateOutcome.REPLAYED:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return _owned(await services.dossiers.get(code), session.citizen_id).to_public()


@router.get("")
async def list_my_dossiers(
    services: Svc,
    session: CurrentSession,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    total, codes = await services.dossiers.list_codes(session.citizen_id, limit, offset)
    items = await services.dossiers.summaries(codes)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.get("/{code}")
async def read_dossier(
    services: Svc, session: CurrentSession, code: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    return _owned(await services.dossiers.get(code), session.citizen_id).to_public()


@router.put("/{code}/attachments/{name}", status_code=201)
async def upload_attachment(
    services: Svc,
    session: CurrentSession,
    request: Request,
    code: Annotated[str, Path(max_length=40)],
    name: Annotated[str, Path(max_length=100)],
) -> dict[str, Any]:
    """Upload one file as the raw request body; stored durably by content hash."""
    if not ATTACHMENT_NAME_RE.match(name):
        raise ApiError(422, "invalid", "letters, digits, '.', '_' and '-' only, 1-100 chars", "name")
    _owned(await services.dossiers.get(code), session.citizen_id)
    data = await request.body()  # bounded by BodyLimitMiddleware
    if not data:
        raise ApiError(422, "invalid", "empty file", "body")
    sha256 = await services.blobs.put(data)
    att = Attachment(name, sha256, len(data))
    outcome = await services.dossiers.attach(
        session.citizen_id, code, att, services.settings.max_attachments_per_dossier
    )
    if outcome is WriteOutcome.NOT_FOUND:
        raise not_found("dossier", "code")
    if outcome is WriteOutcome.NOT_DRAFT:
        raise ApiError(409, "not_draft", "attachments can only be added before submission", "code")
    if outcome is WriteOutcome.TOO_MANY:
        limit = services.settings.max_attachments_per_dossier
        raise ApiError(422, "too_many", f"at most {limit} attachments per dossier", "name")
    await acknowledge_dossier(services, code)
    return {"name": name, "sha256": sha256, "size": len(data)}


@router.post("/{code}/submit")
async def submit_dossier(
    services: Svc, session: CurrentSession, code: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    """Submit to the chosen province's service point (any province, regardless of residence)."""
    outcome = await services.dossiers.submit(session.citizen_id, code)
    if outcome is WriteOutcome.NOT_FOUND:
        raise not_found("dossier", "code")
    await acknowledge_dossier(services, code)
    return _owned(await services.dossiers.get(code), session.citizen_id).to_public()
