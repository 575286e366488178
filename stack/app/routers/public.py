"""Public dossier status lookup by code, without login (no personal data)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from stack.app.deps import Svc
from stack.app.errors import ApiError, not_found
from stack.data.keys import tag_of_code

router = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/dossiers/{code}/status")
async def dossier_status(services: Svc, code: Annotated[str, Path(max_length=40)]) -> dict[str, Any]:
    if tag_of_code(code) is None:
        raise ApiError(422, "invalid", "dossier codes look like HS-250701-A7-K7QF3M9X", "code")
    dossier = await services.dossiers.get(code)
    if dossier is None:
        raise not_found("dossier", "code")
    return {
        "code": dossier.code,
        "status": dossier.status,
        "procedure_id": dossier.procedure_id,
        "province_code": dossier.province_code,
        "updated_at": dossier.updated_at,
    }
