"""The load-generator fleet needed to drill at full scale.

A Locust worker process is single-threaded (gevent), so it holds a bounded number of simulated users
(``users_per_generator``, measured in docs/drills.md) and sends a bounded number of
requests per second: the sweep measured its requests per second per generator core, and a drill is
only valid while no generator process passes ``generator_max_cpu``. The fleet is the larger of the two
counts, one worker per core, on machines of the planned node shape (assumption), plus one master.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.params import SizingParameters


@dataclass(frozen=True)
class GeneratorFleet:
    users: float
    workers_for_users: int
    rps_per_core: float | None
    workers_for_rate: int | None
    machines: int

    @property
    def workers(self) -> int:
        return max(self.workers_for_users, self.workers_for_rate or 0)

    @property
    def bound(self) -> str:
        return "request rate" if (self.workers_for_rate or 0) > self.workers_for_users else "users"


def generator_fleet(
    profile: MeasuredProfile, params: SizingParameters, requests_per_s: float
) -> GeneratorFleet:
    users = params.planned_users
    by_users = math.ceil(users / params.users_per_generator - 1e-12)
    rates = [r for m in profile.levels if (r := m.generator_rps_per_core) is not None]
    rps = float(statistics.median(rates)) if rates else None
    by_rate = math.ceil(requests_per_s / (rps * params.generator_max_cpu) - 1e-12) if rps else None
    workers = max(by_users, by_rate or 0)
    return GeneratorFleet(
        users=users,
        workers_for_users=by_users,
        rps_per_core=rps,
        workers_for_rate=by_rate,
        machines=math.ceil(workers / params.node_cores),
    )
