"""The error body as an OpenAPI schema, declared for every operation.

``errors.py`` builds the one error shape of the API (``{"error": {status, code, field, reason}}``); this
module describes it to clients, so that the published schema matches what the portal answers: without
it FastAPI documents its own ``{"detail": [...]}`` 422 body, which the portal never sends, and no other
4xx at all. ``main.py`` passes :data:`ERROR_RESPONSES` to the app, so every route documents any 4xx
(bad input, 401, 404, 409, 413, 429) and a 503 (a dependency down, or admission control) with this body.
The schemathesis fuzzer (``tests/stack/test_fuzz_openapi.py``) checks real answers against it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: int = Field(ge=400, le=599, description="The HTTP status, repeated")
    code: str = Field(
        description="Machine-readable kind: invalid, malformed_json, not_found, rate_limited..."
    )
    field: str | None = Field(
        description="The offending field (query parameter, header, path segment or dotted JSON path), "
        "or null when no single field is to blame"
    )
    reason: str = Field(description="What is wrong, for a person")


class ErrorBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    "4XX": {"model": ErrorBody, "description": "Refused: the body names the field and the reason"},
    503: {
        "model": ErrorBody,
        "description": "Overloaded or a dependency is down: retry after the Retry-After header's seconds",
    },
}
