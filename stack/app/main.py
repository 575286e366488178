"""Assembles the reference portal: settings, services, middleware, routers. Nothing else lives here.

Run by uvicorn as a factory: ``uvicorn stack.app.main:create_app --factory``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from results.version import __version__
from stack.app.admission import AdmissionLimits, AdmissionMiddleware
from stack.app.delay import InjectCpuMiddleware, InjectDelayMiddleware
from stack.app.error_model import ERROR_RESPONSES
from stack.app.errors import install_error_handlers
from stack.app.limits import BodyLimitMiddleware
from stack.app.metrics import MetricsMiddleware
from stack.app.routers import accounts as accounts_router
from stack.app.routers import auth, catalogue, dossiers, ops, payments, profile, public
from stack.app.routers import feedback as feedback_router
from stack.app.routers import statistics as statistics_router
from stack.app.routers import sync as sync_router
from stack.app.services import Services
from stack.settings import StackSettings, get_settings


def create_app(settings: StackSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = Services.build(settings)
        app.state.services = services
        try:
            yield
        finally:
            await services.close()

    app = FastAPI(
        title="cuaso reference portal",
        version=__version__,
        description="A lean model of the National Public Service Portal, for load and capacity drills.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    for router in (ops.router, auth.router, profile.router, catalogue.router, dossiers.router, public.router):
        app.include_router(router)
    app.include_router(payments.router)
    app.include_router(sync_router.router)  # linked processing: status from back-office systems
    app.include_router(statistics_router.router)
    app.include_router(feedback_router.router)  # feedback and petitions
    app.include_router(accounts_router.router)  # account recovery (lifecycle: stack/lifecycle)
    # Middleware, innermost first (each add_middleware wraps the ones before it).
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_json_body_bytes,
        upload_limit=settings.max_attachment_bytes,
    )
    if settings.inject_delay_ms > 0:
        app.add_middleware(InjectDelayMiddleware, delay_s=settings.inject_delay_ms / 1000.0)
    if settings.inject_cpu_ms > 0:
        app.add_middleware(InjectCpuMiddleware, cpu_s=settings.inject_cpu_ms / 1000.0)
    if settings.admission_enabled:  # time in the app (and any injected delay) holds a slot (admission.py)
        limits = AdmissionLimits(
            max_in_flight=settings.admission_max_in_flight,
            queue=settings.admission_queue,
            queue_timeout_s=settings.admission_queue_timeout_s,
            retry_after_s=settings.admission_retry_after_s,
        )
        app.add_middleware(AdmissionMiddleware, limits=limits)
    app.add_middleware(MetricsMiddleware)  # outermost: counts every answer, admission's 503s included
    return app
