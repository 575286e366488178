"""A stepped Locust run for the sizing tests: a staircase of user counts against the reference stack.

Levels and the time each is held come from ``STAIRCASE_LEVELS`` (``1,2,4``) and ``STAIRCASE_HOLD_S``;
each user reads the catalogue and asks whether the portal is ready (a Redis ping), with a short pause.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import cast

from locust import HttpUser, LoadTestShape, constant, task

LEVELS = tuple(int(n) for n in os.environ.get("STAIRCASE_LEVELS", "1,2,4").split(","))
HOLD_S = float(os.environ.get("STAIRCASE_HOLD_S", "13"))


class Citizen(HttpUser):
    wait_time = constant(0.02)

    @task(3)
    def search(self) -> None:
        self.client.get("/api/v1/procedures?q=khai+sinh", name="GET /api/v1/procedures")

    @task(1)
    def ready(self) -> None:
        self.client.get("/readyz")


class Staircase(LoadTestShape):
    def tick(self) -> tuple[int, float] | None:
        step = int(cast(Callable[[], float], self.get_run_time)() // HOLD_S)  # untyped in Locust
        return (LEVELS[step], 100.0) if step < len(LEVELS) else None
