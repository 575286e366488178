"""The control endpoints every simulator serves under ``/_sim/`` (never faulted).

- ``GET /_sim/health``: ``200 {"status": "ok", "simulator", "uptime_s"}``, always, even in an outage.
- ``GET /_sim/faults``: the current fault configuration (``FaultConfig.to_dict``), with the header
  ``X-Sim-Uptime-S``.
- ``PUT /_sim/faults``: replace it with a JSON object (keys left out take their defaults); ``200`` with
  the new configuration, or ``422`` in the project's error shape naming the bad field
  (e.g. ``"field": "outages[0].end_s"``).
- ``GET /_sim/stats``: ``{"uptime_s", "seed", "requests", "passed",
  "faulted": {"injected_error", "outage_error", "outage_hang"}}``.

Outage windows are in seconds since the simulator started: read ``uptime_s`` first to place one.
"""

from __future__ import annotations

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from stack.sims.faults import FaultConfig, FaultConfigError
from stack.sims.middleware import FaultState
from stack.sims.responses import OrjsonResponse, error_response


def control_router(state: FaultState, simulator: str) -> APIRouter:
    """The ``/_sim/`` routes over ``state`` for the simulator named ``simulator``."""
    router = APIRouter(prefix="/_sim")

    @router.get("/health")
    async def health() -> Response:
        return OrjsonResponse(
            {"status": "ok", "simulator": simulator, "uptime_s": round(state.uptime_s(), 3)}
        )

    @router.get("/faults")
    async def get_faults() -> Response:
        return _config_response(state)

    @router.put("/faults")
    async def put_faults(request: Request) -> Response:
        try:
            data = orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            return error_response(422, "invalid", f"not JSON: {exc}", field="body")
        try:
            config = FaultConfig.from_mapping(data)
        except FaultConfigError as exc:
            return error_response(422, "invalid", str(exc), field=exc.key)
        state.replace(config)
        return _config_response(state)

    @router.get("/stats")
    async def stats() -> Response:
        return OrjsonResponse(state.snapshot())

    return router


def _config_response(state: FaultState) -> Response:
    return OrjsonResponse(state.config.to_dict(), headers={"x-sim-uptime-s": f"{state.uptime_s():.3f}"})
