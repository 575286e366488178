"""Public statistics (journey ``read_statistics``): dossier handling per province and per agency, and
feedback answered on time — the portal's transparency pages, read without login."""

from __future__ import annotations

from functools import partial

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.steps import Visit

PAGES: tuple[str, ...] = (
    "/api/v1/statistics/provinces",
    "/api/v1/statistics/agencies",
    "/api/v1/public/feedback/statistics",
)
"""The statistics pages; a reader picks one at random for each page view (assumption: uniformly)."""


def read_page(visit: Visit) -> None:
    page = visit.rng.choice(PAGES)
    visit.get_json(page, page)


class ReadStatistics(JourneyUser):
    """Read statistics pages (1-3 by default)."""

    journey = "read_statistics"

    @staticmethod
    def visit(visit: Visit) -> None:
        for _ in visit.repeats("read_statistics"):
            visit.step("read_statistics", partial(read_page, visit))
