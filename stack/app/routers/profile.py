"""Auto-fill: the logged-in citizen's profile from the national population database."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stack.app.deps import CurrentSession, Svc
from stack.app.errors import ApiError
from stack.app.upstream import call_json

router = APIRouter(prefix="/api/v1", tags=["profile"])

SYSTEM = "population database"


@router.get("/me/profile")
async def my_profile(services: Svc, session: CurrentSession) -> dict[str, Any]:
    """Profile fields that pre-fill forms; fetched once, then cached for the session."""
    cached = await services.profiles.get(session.citizen_id)
    if cached is not None:
        return cached
    url = f"{services.settings.population_url.rstrip('/')}/citizens/{session.citizen_id}"
    profile = await call_json(
        services.http,
        SYSTEM,
        "GET",
        url,
        not_found=ApiError(404, "not_found", "citizen not in the population database", "citizen_id"),
    )
    await services.profiles.put(session.citizen_id, profile)
    return profile
