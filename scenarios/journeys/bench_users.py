"""A bare Locust user for ``python -m bench.generator``: ``GET /healthz`` as fast as it can, no think
time, no bookkeeping — the floor against which the journeys' overhead per generator core is measured."""

from __future__ import annotations

from locust import FastHttpUser, constant, task


class BareHealthz(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        self.client.get("/healthz")
