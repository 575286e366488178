"""JSON responses for the simulators, serialised with orjson.

FastAPI's own ``ORJSONResponse`` is deprecated; this is the same few lines, kept here so that every
simulator answers with the same bytes and the same error shape as the portal
(``{"error": {"status", "code", "field", "reason"}}``, see ``docs/api.md``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response


class OrjsonResponse(Response):
    """A JSON response rendered with orjson."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(
    status: int,
    code: str,
    reason: str,
    field: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> OrjsonResponse:
    """The project's JSON error: ``field`` names the offending input (None when no single one is)."""
    body = {"error": {"status": status, "code": code, "field": field, "reason": reason}}
    return OrjsonResponse(body, status_code=status, headers=headers)
