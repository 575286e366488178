"""Public statistics of dossier handling (anonymous): per province and per processing agency.

- ``GET /api/v1/statistics/provinces``: every one of the 34 provinces (the service point a dossier was
  submitted at), with ``dossiers`` by status and in total, ``decided``, ``on_time``, ``late``,
  ``on_time_rate`` (null before the first decision) and ``payments`` ``{count, amount_vnd}``.
- ``GET /api/v1/statistics/agencies``: the same for every agency (ministries and provinces) whose
  back-office systems process dossiers, with its ``kind``.

Both read counters kept incrementally as events happen (:mod:`stack.data.statistics`), never the
dossiers themselves; ``as_of`` says when, ``max_age_s`` how stale the answer may be.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from stack.app.deps import Svc
from stack.catalogue.provinces import load_provinces
from stack.data.statistics import Counts, StatisticsStore

router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])

_EMPTY = Counts()


def statistics_store(services: Svc) -> StatisticsStore:
    """The worker's statistics store (and its cache), built with the worker's other services."""
    return services.statistics


Statistics = Annotated[StatisticsStore, Depends(statistics_store)]


def _page(store: StatisticsStore, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "as_of": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "max_age_s": store.cache_s,
        "items": items,
    }


@router.get("/provinces")
async def province_statistics(store: Statistics) -> dict[str, Any]:
    """Dossier handling per province (service point), for the public."""
    counts = await store.provinces()
    items = [
        {"code": p.code, "name": p.name, **counts.get(p.code, _EMPTY).to_dict()} for p in load_provinces()
    ]
    return _page(store, items)


@router.get("/agencies")
async def agency_statistics(services: Svc, store: Statistics) -> dict[str, Any]:
    """Dossier handling per processing agency (ministry or province), for the public."""
    counts = await store.agencies()
    items = [
        {"code": a.code, "name": a.name, "kind": a.kind, **counts.get(a.code, _EMPTY).to_dict()}
        for a in services.catalogue.agencies.values()
    ]
    return _page(store, items)
