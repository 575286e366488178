"""``python -m bench.journey_cpu --host URL``: CPU per request of the ``browse_catalogue`` journey and of
a bare ``FastHttpUser`` replaying its requests, side by side *at the same time* in one Locust process
(run by :mod:`bench.generator` as a child process: importing Locust monkey-patches it with gevent).

Why at the same time: on loopback, a request's ``send`` also wakes the portal's worker, in the sender's
CPU time, and that wake-up costs more when the worker was idle — so a slower client pays more per
request, and two kinds measured one after the other differ by more than their own code does. Run
concurrently against the same stack, both kinds meet the same portal.

``--users`` greenlets of each kind run for ``--rounds`` rounds of ``--seconds``:

* the journey: :class:`~scenarios.journeys.catalogue.BrowseCatalogue` (one search, one read, think 0)
  with the drill's listeners and runtime — steps, retry policy, HDR recording per phase and endpoint,
  journey bookkeeping, Locust's statistics;
* the bare replay: :class:`~scenarios.journeys.bench_users.BareCatalogue` with Locust's statistics
  only (its own event hooks, without the drill's listeners).

The process's CPU time is split by greenlet at every switch (``greenlet.settrace`` and
``time.thread_time``): what each kind's greenlets spent, over the requests each completed (Locust's
own count). The gevent hub's share (waiting on sockets, timers) is left out of both: it is the same
per request for both kinds and would only dilute the ratio. Prints one JSON object,
``{"journey_us": [...], "bare_us": [...]}`` (µs per request, one per round).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import gevent
import greenlet
from locust import events
from locust.env import Environment
from locust.event import Events

import scenarios.locustfile  # noqa: F401  (installs the drill's listeners on Locust's events)
from bench.locust_runs import catalogue_mix
from scenarios.drill.config import DrillConfig
from scenarios.journeys import runtime
from scenarios.journeys.bench_users import BareCatalogue
from scenarios.journeys.catalogue import BrowseCatalogue

RUNTIME_S = 3600.0
"""The drill's clock runs an hour (one phase): longer than any benchmark."""

WARMUP_S = 1.0
"""Assumption: one second opens every connection and warms the code paths; not measured."""


class GreenletClock:
    """This thread's CPU time, accumulated per greenlet at every switch."""

    def __init__(self) -> None:
        self.cpu_s: dict[Any, float] = {}
        self._last = time.thread_time()

    def __call__(self, event: str, args: tuple[Any, Any]) -> None:
        if event in ("switch", "throw"):
            now = time.thread_time()
            origin = args[0]
            self.cpu_s[origin] = self.cpu_s.get(origin, 0.0) + now - self._last
            self._last = now


def _round(
    kinds: dict[str, tuple[Environment, list[Callable[[], object]]]], seconds: float
) -> dict[str, float]:
    """Every task of every kind in its own greenlet, all at once, for ``seconds``; µs of CPU per
    request of each kind."""
    deadline = time.monotonic() + seconds

    def loop(task: Callable[[], object]) -> None:
        while time.monotonic() < deadline:
            task()

    clock = GreenletClock()
    spawned = {kind: [gevent.spawn(loop, task) for task in tasks] for kind, (_, tasks) in kinds.items()}
    before = {kind: env.stats.total.num_requests for kind, (env, _) in kinds.items()}
    previous = greenlet.settrace(clock)
    try:
        gevent.joinall([g for gs in spawned.values() for g in gs], raise_error=True)
    finally:
        greenlet.settrace(previous)
    requests = {kind: max(1, env.stats.total.num_requests - before[kind]) for kind, (env, _) in kinds.items()}
    out = {"hub": clock.cpu_s.get(gevent.get_hub(), 0.0) * 1e6 / sum(requests.values())}
    for kind, count in requests.items():
        out[kind] = sum(clock.cpu_s.get(g, 0.0) for g in spawned[kind]) * 1e6 / count
    return out


def measure(host: str, users: int, rounds: int, seconds: float) -> dict[str, list[float]]:
    config = DrillConfig(
        scenario="steady",
        modelled_users=users,
        scale=1.0,
        duration_s=RUNTIME_S,
        shape_params={"ramp_s": 1.0},
        think_scale=0.0,
        mix=catalogue_mix(),
    )
    rt = runtime.start(config)
    rt.start_clock()
    BrowseCatalogue.host = BareCatalogue.host = host  # what --host does in a Locust process
    journey_env = Environment(user_classes=[BrowseCatalogue], events=events, host=host)
    own_events = Events()  # type: ignore[no-untyped-call]  # Locust's __init__ is not annotated
    bare_env = Environment(user_classes=[BareCatalogue], events=own_events, host=host)
    journey_env.create_local_runner()
    bare_env.create_local_runner()
    kinds: dict[str, tuple[Environment, list[Callable[[], object]]]] = {
        "journey": (journey_env, [BrowseCatalogue(journey_env).one_visit for _ in range(users)]),
        "bare": (bare_env, [BareCatalogue(bare_env).browse for _ in range(users)]),
    }
    _round(kinds, WARMUP_S)
    out: dict[str, list[float]] = {"journey_us": [], "bare_us": [], "hub_us": []}
    for _ in range(rounds):
        for kind, us in _round(kinds, seconds).items():
            out[f"{kind}_us"].append(us)
    if rt.recorder.drain().requests == 0:
        raise RuntimeError("journey_cpu: the drill's recorder saw no request (listeners not installed?)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.journey_cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", required=True, help="the portal's base URL (a local stack)")
    parser.add_argument("--users", type=int, default=10, help="greenlets of each kind")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (a figure each)")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of a round")
    args = parser.parse_args(argv)
    for key in ("users", "rounds", "seconds"):
        if not getattr(args, key) > 0:
            parser.error(f"--{key}: must be > 0, got {getattr(args, key)}")
    print(json.dumps(measure(args.host, args.users, args.rounds, args.seconds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
