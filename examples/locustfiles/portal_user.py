"""Your own journeys, as a plain Locust file: an example for ``cuaso drill --locustfile``.

Nothing of cuaso is imported: this is the Locust file a team already has (or would write for Locust
alone). Run it the cuaso way, against a portal cuaso did not start::

    cuaso drill steady --host http://127.0.0.1:8000 --locustfile examples/locustfiles/portal_user.py \\
        --users 10 --duration 30 --param ramp_s=5

cuaso runs its User classes (with the weights written here) under the scenario's shape and phases,
records every request name in HDR histograms per phase, checks the generator and the run's validity,
checks every request and redirect against the allow-list, and writes ``results.json``. The waits
between tasks (``wait_time``) are the users' think time. See docs/own-portal.md.

The endpoints are the reference portal's public ones (docs/api.md): the procedure catalogue and the
public statistics.
"""

from __future__ import annotations

import random

from locust import FastHttpUser, HttpUser, between, task

SEARCH_TERMS = ("khai sinh", "dang ky", "ho tich", "thue", "xay dung", "kinh doanh")


class CatalogueReader(FastHttpUser):
    """Searches the procedure catalogue, then reads one of the procedures found."""

    weight = 3
    wait_time = between(0.5, 2.0)

    @task(3)
    def search_and_read(self) -> None:
        term = random.choice(SEARCH_TERMS)
        params = {"q": term, "limit": 20}
        with self.client.get("/api/v1/procedures", params=params, catch_response=True) as response:
            items = response.json()["items"] if response.status_code == 200 else []
            if response.status_code == 200 and not items:
                response.failure(f"no procedure found for {term!r}")
        if items:  # one name for every procedure: its histogram is the route's
            self.client.get(f"/api/v1/procedures/{items[0]['id']}", name="/api/v1/procedures/{id}")

    @task(1)
    def facets(self) -> None:
        self.client.get("/api/v1/catalogue/facets")


class StatisticsReader(HttpUser):
    """Reads the public statistics pages."""

    weight = 1
    wait_time = between(1.0, 3.0)

    @task
    def provinces(self) -> None:
        self.client.get("/api/v1/statistics/provinces")

    @task
    def agencies(self) -> None:
        self.client.get("/api/v1/statistics/agencies")
