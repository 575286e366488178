"""Assembles the reference portal: settings, services, middleware, routers. Nothing else lives here.

Run by uvicorn as a factory: ``uvicorn stack.app.main:create_app --factory``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cuaso import __version__
from stack.app.errors import install_error_handlers
from stack.app.limits import BodyLimitMiddleware
from stack.app.metrics import MetricsMiddleware
from stack.app.routers import auth, catalogue, dossiers, ops, profile, public
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
    )
    install_error_handlers(app)
    for router in (ops.router, auth.router, profile.router, catalogue.router, dossiers.router, public.router):
        app.include_router(router)
    app.add_middleware(
        BodyLimitMiddleware,
        json_limit=settings.max_json_body_bytes,
        upload_limit=settings.max_attachment_bytes,
    )
    app.add_middleware(MetricsMiddleware, inject_delay_s=settings.inject_delay_ms / 1000.0)
    return app
