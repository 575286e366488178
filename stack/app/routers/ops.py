"""Operations: liveness, readiness, metrics."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.routing import Route

from stack.app.deps import Svc
from stack.app.errors import unavailable
from stack.app.metrics import metrics_endpoint

router = APIRouter(tags=["ops"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is alive and serving (no dependency is touched)."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(services: Svc) -> dict[str, str]:
    """Ready to serve: Redis answers. 503 otherwise."""
    try:
        await services.redis.ping()
    except Exception:  # any failure to reach Redis means not ready
        raise unavailable("Redis") from None
    return {"status": "ready"}


router.routes.append(Route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False))
