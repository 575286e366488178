"""Memory per idle simulated user, the drill's journeys beside a bare ``FastHttpUser``: the slope of a
Locust process's memory over its users.

A Locust process holds a fixed part (imports, Locust's own state, the drill's histograms per endpoint)
and a part per user. Dividing the whole by the users would charge the fixed part to each user (and more
of it the fewer users there are), so each kind runs twice, with ``low`` and ``high`` idle users, and the
figure is the slope::

    bytes per user = (RSS(high) − RSS(low)) / (high − low)

(likewise for open files). An idle user has made its first requests and waits (its keep-alive
connection open): a journey user thinks mid-journey (think times ×``IDLE_THINK_SCALE``), a bare user
(:class:`~scenarios.journeys.bench_users.BareCatalogueIdle`) waits after replaying ``browse_catalogue``'s
requests. RSS is read once every user is spawned (Locust's stats history says so) and
``SETTLE_S`` later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.locust_runs import HISTORY, START_TIMEOUT_S, history_users, start_bare, start_journeys
from scenarios.mix import JourneyMix
from stack.process import ManagedProcess

IDLE_THINK_SCALE = 1000.0
"""Think times ×1000: after its first step an idle journey user thinks for hours (it never runs again)."""

SPAWN_RATE = 200.0
"""Assumption: 200 users/s spawn without a burst that the 1-worker bench stack would queue."""

SETTLE_S = 5.0
"""Assumption: 5 s after the last spawn, every user has had its first answers and sits idle."""

LOW_SHARE = 0.25
"""The low user count is a quarter of the high one (at least ``MIN_LOW``): a wide base for the slope."""

MIN_LOW = 50


@dataclass(frozen=True, slots=True)
class Plateau:
    """A Locust process with ``users`` idle users: its memory (RSS, bytes) and open files."""

    users: int
    rss: int
    fds: int


@dataclass(frozen=True, slots=True)
class Idle:
    """What one more idle user costs: memory (bytes) and open files (its connection)."""

    bytes_per_user: float
    fds_per_user: float

    @classmethod
    def slope(cls, low: Plateau, high: Plateau) -> Idle:
        users = high.users - low.users
        if users <= 0:
            raise ValueError(f"high.users: must exceed low.users={low.users}, got {high.users}")
        return cls((high.rss - low.rss) / users, (high.fds - low.fds) / users)


def user_counts(high: int) -> tuple[int, int]:
    """(low, high) idle users for the slope; ``ValueError`` naming ``--idle-users`` if too few."""
    low = max(MIN_LOW, round(high * LOW_SHARE))
    if high <= low:
        raise ValueError(f"--idle-users: need more than {low} for a slope, got {high}")
    return low, high


def _ramp_s(users: int) -> float:
    return max(1.0, users / SPAWN_RATE)


def _plateau(proc: ManagedProcess, history: Path, users: int) -> Plateau:
    """Wait until ``proc`` runs ``users`` users, let them settle, read its memory and open files."""
    assert proc.pid is not None
    deadline = time.monotonic() + START_TIMEOUT_S + _ramp_s(users) * 3
    while history_users(history) < users:
        if time.monotonic() > deadline or not proc.running:
            raise RuntimeError(
                f"idle users: Locust reached {history_users(history)} of {users} users (log: {proc.log_path})"
            )
        time.sleep(0.2)
    time.sleep(SETTLE_S)
    process = psutil.Process(proc.pid)
    return Plateau(users, process.memory_info().rss, process.num_fds())


def journeys_plateau(host: str, users: int, out: Path, mix: JourneyMix) -> Plateau:
    """``users`` journey users of ``mix``, idle mid-journey."""
    ramp = _ramp_s(users)
    run_s = ramp + START_TIMEOUT_S + ramp * 3 + SETTLE_S
    proc = start_journeys(host, users, out, run_s, mix, think_scale=IDLE_THINK_SCALE, ramp_s=ramp)
    try:
        return _plateau(proc, out / HISTORY, users)
    finally:
        proc.stop(timeout=15.0)


def bare_plateau(host: str, users: int, out: Path) -> Plateau:
    """``users`` bare users (:class:`~scenarios.journeys.bench_users.BareCatalogueIdle`), idle."""
    ramp = _ramp_s(users)
    run_s = ramp + START_TIMEOUT_S + ramp * 3 + SETTLE_S
    proc = start_bare(host, users, out, run_s, "BareCatalogueIdle", spawn_rate=SPAWN_RATE)
    try:
        return _plateau(proc, out / HISTORY, users)
    finally:
        proc.stop()


def idle_journeys(host: str, high: int, out: Path, mix: JourneyMix) -> Idle:
    low, high = user_counts(high)
    return Idle.slope(
        journeys_plateau(host, low, out / f"low-{low}", mix),
        journeys_plateau(host, high, out / f"high-{high}", mix),
    )


def idle_bare(host: str, high: int, out: Path) -> Idle:
    low, high = user_counts(high)
    return Idle.slope(
        bare_plateau(host, low, out / f"low-{low}"), bare_plateau(host, high, out / f"high-{high}")
    )
