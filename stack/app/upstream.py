"""Calls from the portal to outside systems, timed and mapped to clear errors.

A slow or failing outside system yields 503 + Retry-After for the citizen (never a 500, never a hang
longer than the configured timeout).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import httpx

from stack.app.errors import ApiError, unavailable
from stack.app.metrics import UPSTREAM


async def call_json(
    client: httpx.AsyncClient,
    system: str,
    method: str,
    url: str,
    *,
    data: Mapping[str, str] | None = None,
    not_found: ApiError | None = None,
) -> dict[str, Any]:
    """One request to an outside system; its JSON object on 2xx, else an ApiError."""
    start = time.perf_counter()
    outcome = "error"
    try:
        response = await client.request(method, url, data=data)
        if response.status_code == 404 and not_found is not None:
            outcome = "not_found"
            raise not_found
        if response.status_code >= 500:
            outcome = f"http_{response.status_code}"
            raise unavailable(system)
        if response.status_code >= 400:
            outcome = f"http_{response.status_code}"
            raise ApiError(502, "upstream_refused", f"{system} refused the request: {response.text[:200]}")
        body = response.json()
        if not isinstance(body, dict):
            raise ApiError(502, "upstream_invalid", f"{system} answered with non-object JSON")
        outcome = "ok"
        return body
    except httpx.TimeoutException:
        outcome = "timeout"
        raise unavailable(system) from None
    except httpx.TransportError:
        outcome = "unreachable"
        raise unavailable(system) from None
    finally:
        UPSTREAM.labels(system, outcome).observe(time.perf_counter() - start)
