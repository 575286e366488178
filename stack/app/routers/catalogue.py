"""The national procedure catalogue: search, detail and facets (anonymous, served from memory)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

from stack.app.deps import Svc
from stack.app.errors import ApiError, not_found
from stack.catalogue.provinces import load_provinces

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/procedures")
async def search_procedures(
    services: Svc,
    q: Annotated[str | None, Query(max_length=200, description="Keywords (accents optional)")] = None,
    agency: Annotated[str | None, Query(max_length=20)] = None,
    field: Annotated[str | None, Query(max_length=80)] = None,
    level: Literal["ministry", "province", "commune"] | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> dict[str, Any]:
    catalogue = services.catalogue
    if agency is not None and agency not in catalogue.agencies:
        raise ApiError(422, "invalid", f"unknown agency {agency!r}", "agency")
    if field is not None and field not in catalogue.fields:
        raise ApiError(422, "invalid", f"unknown field {field!r}", "field")
    page = catalogue.search(q=q, agency=agency, field=field, level=level, limit=limit, offset=offset)
    items = [proc.to_summary_dict() for proc in page.items]
    return {"total": page.total, "limit": limit, "offset": offset, "items": items}


@router.get("/procedures/{procedure_id}")
async def procedure_detail(
    services: Svc, procedure_id: Annotated[str, Path(max_length=40)]
) -> dict[str, Any]:
    proc = services.catalogue.get(procedure_id)
    if proc is None:
        raise not_found("procedure", "procedure_id")
    return proc.to_dict()


@router.get("/catalogue/facets")
async def facets(services: Svc) -> dict[str, Any]:
    catalogue = services.catalogue
    return {
        "agencies": [a.to_dict() for a in catalogue.agencies.values()],
        "fields": [f.to_dict() for f in catalogue.fields.values()],
        "levels": ["ministry", "province", "commune"],
        "provinces": [{"code": p.code, "name": p.name} for p in load_provinces()],
    }
