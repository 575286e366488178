"""Prometheus metrics of the portal, aggregated across uvicorn workers.

The launcher sets ``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per run) before any worker starts;
each worker then writes its samples to memory-mapped files there, and ``/metrics`` on any worker
aggregates all of them. Without the variable (tests, a single process) the default registry is used.

The middleware is pure ASGI (no BaseHTTPMiddleware) and labels by route template
(``/api/v1/dossiers/{code}``), never by raw path, so label cardinality stays bounded.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("cuaso_http_requests_total", "HTTP requests answered.", ["method", "route", "status"])
ERRORS = Counter(
    "cuaso_http_errors_total",
    "HTTP requests answered with an error, by kind (client = 4xx, overload = 429/503, server = 5xx).",
    ["method", "route", "kind"],
)
LATENCY = Histogram(
    "cuaso_http_request_duration_seconds",
    "Time from request start to the last byte of the response.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
IN_FLIGHT = Gauge("cuaso_http_requests_in_flight", "Requests being served.", multiprocess_mode="livesum")
UPSTREAM = Histogram(
    "cuaso_upstream_request_duration_seconds",
    "Calls to outside systems (e-ID, population database), by outcome.",
    ["system", "outcome"],
    buckets=LATENCY_BUCKETS,
)

UNMATCHED = "<unmatched>"


def _error_kind(status: int) -> str | None:
    if status in (429, 503):
        return "overload"
    if status >= 500:
        return "server"
    if status >= 400:
        return "client"
    return None


class MetricsMiddleware:
    """Counts, times and tracks in-flight requests (every response, admission rejects included)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        IN_FLIGHT.inc()

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            IN_FLIGHT.dec()
            route = scope.get("route")
            template = getattr(route, "path", UNMATCHED)
            method = scope["method"]
            REQUESTS.labels(method, template, str(status)).inc()
            LATENCY.labels(method, template).observe(time.perf_counter() - start)
            kind = _error_kind(status)
            if kind is not None:
                ERRORS.labels(method, template, kind).inc()


def metrics_endpoint(_: Request) -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest()
    return Response(body, media_type=CONTENT_TYPE_LATEST)
