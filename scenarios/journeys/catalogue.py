"""Anonymous catalogue browsing: search the national procedure catalogue, then read procedures.

Journey ``browse_catalogue`` of the mix (the largest share of visits). The search and read steps are
also the first steps of ``submit_dossier``, which finds its procedure the same way.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.steps import Visit

SEARCH = "/api/v1/procedures"
PROCEDURE = "/api/v1/procedures/{procedure_id}"

SEARCH_TERMS: tuple[str, ...] = (
    "giay phep", "khai sinh", "dang ky", "dat dai", "ho tich", "thue", "xay dung", "kinh doanh",
    "bao hiem", "cap lai", "chung thuc", "ket hon",
)  # fmt: skip
"""Assumption: what citizens type most (common words of procedure names; each finds procedures in the
synthetic catalogue). Accents are optional for the portal's search."""

SEARCH_PAGE = 20
"""Assumption: the portal's default page of 20 results."""


def _ids(response: Any) -> list[str]:
    """The page's procedure IDs. Not interned (``sys.intern``): that saved an idle user 1.1 KiB but cost
    3-4 points of the journey's CPU per request against a bare user (docs/benchmarks.md)."""
    return [str(item["id"]) for item in response.json()["items"]]


def search(visit: Visit) -> list[str]:
    """One catalogue search for a common term; the procedure IDs of the first page."""
    term = visit.rng.choice(SEARCH_TERMS)
    _, ids = visit.request("GET", SEARCH, SEARCH, parse=_ids, params={"q": term, "limit": SEARCH_PAGE})
    visit.runtime.recent_procedures.extend((ids or [])[:1])
    return ids or []


def read_procedure(visit: Visit, procedure_id: str) -> None:
    """Read one procedure's requirements, documents and fee."""
    visit.request("GET", f"{SEARCH}/{procedure_id}", PROCEDURE, parse=lambda r: r.json()["fee_vnd"])


def find_procedures(visit: Visit) -> list[str]:
    """The ``search`` step as many times as the mix says; the IDs the last non-empty search found."""
    found: list[str] = []
    for _ in visit.repeats("search"):
        found = visit.step("search", partial(search, visit)) or found
    return found


class BrowseCatalogue(JourneyUser):
    """Search the catalogue (1-3 times by default), then read procedures from the results."""

    journey = "browse_catalogue"

    @staticmethod
    def visit(visit: Visit) -> None:
        found = find_procedures(visit)
        for _ in visit.repeats("read_procedure"):
            if found:
                procedure_id = visit.rng.choice(found)
                visit.step("read_procedure", partial(read_procedure, visit, procedure_id))
