"""Bare Locust users for ``python -m bench.generator``: no think time, no bookkeeping — the floor against
which the journeys' overhead per generator core is measured.

* :class:`BareHealthz`: ``GET /healthz`` as fast as it can (the machine's ceiling);
* :class:`BareCatalogue`: the very requests of the ``browse_catalogue`` journey with one search and one
  read (:mod:`scenarios.journeys.catalogue`: a search for one of its terms, then one procedure of the
  results), with the same names, but none of the drill's steps, retries, HDR recording or
  runtime — like for like with that journey;
* :class:`BareCatalogueIdle`: the same requests once, then idle (its keep-alive connection open): what
  a bare user holds while it waits, beside an idle journey user.

Pick one with ``LOCUST_USER_CLASSES``.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, constant, task

from scenarios.journeys.catalogue import PROCEDURE, SEARCH, SEARCH_PAGE, SEARCH_TERMS


class BareHealthz(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz")


class BareCatalogue(FastHttpUser):
    wait_time = constant(0)
    rng = random.Random(1)

    @task
    def browse(self) -> None:
        term = self.rng.choice(SEARCH_TERMS)
        found = self.client.get(SEARCH, name=SEARCH, params={"q": term, "limit": SEARCH_PAGE})
        ids = [str(item["id"]) for item in found.json()["items"]]
        if ids:
            self.client.get(f"{SEARCH}/{self.rng.choice(ids)}", name=PROCEDURE).json()


IDLE_WAIT_S = 1e6
"""After its requests an idle bare user waits ~11 days: it never runs again during a benchmark."""


class BareCatalogueIdle(BareCatalogue):
    wait_time = constant(IDLE_WAIT_S)
