"""Control endpoints of the back-office simulator, under ``/_sim/`` (never faulted).

- ``GET /_sim/systems``: every system with its faults, behaviour and counters; ``GET
  /_sim/systems/{code}``: one.
- ``PUT /_sim/systems/{code}/faults``: change one system's faults (``*``: every system). Keys left out
  keep the system's current values (unlike the process-wide ``PUT /_sim/faults``, where they take
  defaults); outage windows are seconds since the simulator started (``uptime_s`` in the answer).
- ``PUT /_sim/systems/{code}/behaviour``: change how it processes (:class:`Behaviour`), same rules.
- ``GET /_sim/received[?system=CODE]``: the ledger: ``{"dossiers", "deliveries", "duplicates",
  "misdirected", "received": {code: {"system", "deliveries", "applied", "status", ...}}, "status":
  {status reporter counters}}``.

Bad input answers ``422`` in the project's error shape, naming the field (``outages[0].end_s``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from stack.sims.backoffice_ledger import Ledger
from stack.sims.backoffice_status import StatusReporter
from stack.sims.backoffice_systems import Behaviour, Registry, SystemState
from stack.sims.faults import FaultConfig, FaultConfigError
from stack.sims.responses import OrjsonResponse, error_response

Commit = Callable[[SystemState], None]
"""Applies an already validated change to one system."""
Change = Callable[[SystemState, Any], Commit]
"""Validates a JSON document against one system's current values (FaultConfigError if bad)."""


def _unknown(code: str) -> Response:
    return error_response(404, "not_found", f"no back-office system {code!r}", field="code")


async def _json(request: Request) -> Any:
    return orjson.loads(await request.body())


def backoffice_control_router(
    registry: Registry, ledger: Ledger, reporter: StatusReporter | None
) -> APIRouter:
    """The ``/_sim/systems`` and ``/_sim/received`` routes."""
    router = APIRouter(prefix="/_sim")

    @router.get("/systems")
    async def list_systems() -> Response:
        return OrjsonResponse({"systems": [s.to_dict() for s in registry.systems.values()]})

    @router.get("/systems/{code}")
    async def one_system(code: str) -> Response:
        state = registry.get(code)
        return OrjsonResponse(state.to_dict()) if state is not None else _unknown(code)

    @router.put("/systems/{code}/faults")
    async def put_faults(code: str, request: Request) -> Response:
        return await _update(code, request, _apply_faults)

    @router.put("/systems/{code}/behaviour")
    async def put_behaviour(code: str, request: Request) -> Response:
        return await _update(code, request, _apply_behaviour)

    async def _update(code: str, request: Request, apply: Change) -> Response:
        selected = registry.select(code)
        if not selected:
            return _unknown(code)
        try:
            data = await _json(request)
        except orjson.JSONDecodeError as exc:
            return error_response(422, "invalid", f"not JSON: {exc}", field="body")
        try:
            updated = [apply(state, data) for state in selected]  # validate all before changing any
        except FaultConfigError as exc:
            return error_response(422, "invalid", str(exc), field=exc.key)
        for state, commit in zip(selected, updated, strict=True):
            commit(state)
        uptime = round(selected[0].faults.uptime_s(), 3)
        return OrjsonResponse(
            {"updated": len(selected), "uptime_s": uptime, "example": selected[0].to_dict()}
        )

    @router.get("/received")
    async def received(system: str | None = None) -> Response:
        snapshot = ledger.snapshot(system)
        snapshot["status"] = reporter.snapshot() if reporter is not None else None
        return OrjsonResponse(snapshot)

    return router


def _apply_faults(state: SystemState, data: Any) -> Commit:
    config = FaultConfig.from_mapping(data, base=state.faults.config)

    def commit(target: SystemState) -> None:
        target.faults.replace(config)

    return commit


def _apply_behaviour(state: SystemState, data: Any) -> Commit:
    behaviour = Behaviour.from_mapping(data, base=state.behaviour)

    def commit(target: SystemState) -> None:
        target.behaviour = behaviour

    return commit
