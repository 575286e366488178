"""One error shape for the whole API: ``{"error": {status, code, field, reason}}``.

Every 4xx names the field to blame; dependencies that are down answer 503 with Retry-After; a 500 is a
bug (and is counted and logged as one).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

log = logging.getLogger("cuaso.stack")

RETRY_AFTER_S = 1  # assumption: clients may retry a dependency outage after 1 s


class ApiError(Exception):
    """Raise from any route or dependency to answer with the standard error body."""

    def __init__(
        self,
        status: int,
        code: str,
        reason: str,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code} {field}: {reason}")
        self.status = status
        self.code = code
        self.reason = reason
        self.field = field
        self.headers = dict(headers or {})


def not_found(what: str, field: str) -> ApiError:
    return ApiError(404, "not_found", f"no such {what}", field)


def unauthorized(reason: str) -> ApiError:
    return ApiError(401, "unauthorized", reason, "Authorization", {"WWW-Authenticate": "Bearer"})


def unavailable(system: str) -> ApiError:
    return ApiError(
        503, "unavailable", f"{system} is unavailable, retry later", None, {"Retry-After": str(RETRY_AFTER_S)}
    )


def error_response(
    status: int, code: str, reason: str, field: str | None, headers: Mapping[str, str] | None = None
) -> Response:
    body = {"error": {"status": status, "code": code, "field": field, "reason": reason}}
    return Response(orjson.dumps(body), status, headers=headers, media_type="application/json")


def _field_of(loc: Sequence[Any]) -> str:
    """('body', 'form', 'phone') -> 'body.form.phone'; ('query', 'limit') -> 'limit'."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("query", "path", "header", "cookie") and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or "body"


async def _api_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.reason, exc.field, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": ("body",), "msg": "invalid request", "type": "invalid"}
    code = "malformed_json" if first.get("type") == "json_invalid" else "invalid"
    field = "body" if code == "malformed_json" else _field_of(first.get("loc", ()))
    return error_response(422, code, str(first.get("msg", "invalid")), field)


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError | RecursionError):
        # FastAPI's 400 for a body json.loads cannot decode at all (not UTF-8, nested past the recursion
        # limit): malformed JSON like any other.
        return error_response(422, "malformed_json", f"body is not JSON: {exc.__cause__}", "body")
    code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status_code, "http_error")
    field = "body" if exc.status_code == 413 else None
    return error_response(exc.status_code, code, str(exc.detail), field, exc.headers)


async def _redis_down(_: Request, exc: Exception) -> Response:
    log.warning("redis unavailable: %s", exc)
    return error_response(
        503, "unavailable", "data store unavailable, retry later", None, {"Retry-After": str(RETRY_AFTER_S)}
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RedisConnectionError, _redis_down)
    app.add_exception_handler(RedisTimeoutError, _redis_down)
