"""Real Locust processes for :mod:`bench.generator`: the drill's journeys or a bare ``FastHttpUser``
against a local stack, and what each process did (requests, CPU seconds, users, memory).

Locust's own ``*_stats_history.csv`` (one row a second) says how many requests it completed and how many
users it runs; psutil reads the process's CPU time, memory (RSS) and open files.
"""

from __future__ import annotations

import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from scenarios.drill.config import DrillConfig
from scenarios.drill.locust_procs import common_env, start_locust
from scenarios.mix import JourneyMix
from stack.process import ManagedProcess

WARMUP_S = 3.0
"""Assumption: after 3 s every user is spawned and connections are open; the window starts there."""

START_TIMEOUT_S = 60.0
"""Assumption: Locust starts sending within a minute even on a busy 2-core machine."""

BARE_LOCUSTFILE = Path(__file__).resolve().parents[1] / "scenarios" / "journeys" / "bench_users.py"
HISTORY = "locust_stats_history.csv"


@dataclass(frozen=True, slots=True)
class Rate:
    requests: int
    cpu_s: float

    @property
    def per_core(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s > 0 else 0.0


def history_row(path: Path) -> dict[str, str]:
    """The latest ``Aggregated`` row of Locust's ``*_stats_history.csv`` ({} before the first)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("Name") == "Aggregated"]
    except OSError:
        return {}
    return rows[-1] if rows else {}


def history_total(path: Path) -> int:
    """The latest cumulative request count (0 before the first row)."""
    return int(history_row(path).get("Total Request Count") or 0)


def history_users(path: Path) -> int:
    """The latest user count (0 before the first row)."""
    return int(history_row(path).get("User Count") or 0)


def cpu_s(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def measure_rate(proc: ManagedProcess, history: Path, seconds: float) -> Rate:
    """Requests and CPU seconds of ``proc`` between the warm-up's end and ``seconds`` later."""
    assert proc.pid is not None
    deadline = time.monotonic() + START_TIMEOUT_S
    while history_total(history) == 0 and time.monotonic() < deadline:  # Locust started sending
        time.sleep(0.2)
    time.sleep(WARMUP_S)
    requests0, cpu0 = history_total(history), cpu_s(proc.pid)
    time.sleep(seconds)
    requests1, cpu1 = history_total(history), cpu_s(proc.pid)
    return Rate(requests1 - requests0, cpu1 - cpu0)


def catalogue_mix() -> JourneyMix:
    """The default mix with ``browse_catalogue`` alone, one search and one read per session: the
    journey whose requests :class:`~scenarios.journeys.bench_users.BareCatalogue` replays."""
    data = JourneyMix.default().to_dict()
    for name, journey in data["journeys"].items():
        journey["enabled"] = name == "browse_catalogue"
    data["journeys"]["browse_catalogue"]["share"] = 1.0
    for step in data["journeys"]["browse_catalogue"]["steps"]:
        step["repeat"] = [1, 1]
    data["remainder"] = None
    return JourneyMix.from_dict(data)


def start_journeys(
    host: str, users: int, out: Path, run_s: float, mix: JourneyMix, think_scale: float, ramp_s: float
) -> ManagedProcess:
    """One local Locust process running the drill (a ``steady`` shape of ``users``) with ``mix``."""
    config = DrillConfig(
        scenario="steady",
        modelled_users=users,
        scale=1.0,
        duration_s=run_s,
        shape_params={"ramp_s": ramp_s},
        think_scale=think_scale,
        out=str(out),
        mix=mix,
    )
    return start_locust(config, host, out, workers=0).master


def start_bare(
    host: str, users: int, out: Path, run_s: float, user_class: str, spawn_rate: float
) -> ManagedProcess:
    """One Locust process running ``users`` of a bare class of ``bench_users.py``."""
    env = {
        **common_env(DrillConfig(), host),
        "LOCUST_LOCUSTFILE": str(BARE_LOCUSTFILE),
        "LOCUST_USER_CLASSES": user_class,
        "LOCUST_HEADLESS": "true",
        "LOCUST_USERS": str(users),
        "LOCUST_SPAWN_RATE": f"{spawn_rate:g}",
        "LOCUST_ONLY_SUMMARY": "true",
        "LOCUST_CSV": str(out / "locust"),
        "LOCUST_RUN_TIME": f"{int(run_s)}s",
    }
    proc = ManagedProcess(
        "locust-bare", [sys.executable, "-m", "locust"], env=env, log_path=out / "locust.log"
    )
    proc.start()
    return proc


def journeys_rate(host: str, users: int, seconds: float, out: Path, mix: JourneyMix | None = None) -> Rate:
    """Busy journey users (think 0) of ``mix`` (the default mix by default)."""
    proc = start_journeys(
        host, users, out, seconds + WARMUP_S + 30, mix or JourneyMix.default(), think_scale=0.0, ramp_s=1.0
    )
    try:
        return measure_rate(proc, out / HISTORY, seconds)
    finally:
        proc.stop(timeout=15.0)


def bare_rate(host: str, users: int, seconds: float, out: Path, user_class: str = "BareHealthz") -> Rate:
    proc = start_bare(host, users, out, seconds + WARMUP_S + 30, user_class, spawn_rate=users)
    try:
        return measure_rate(proc, out / HISTORY, seconds)
    finally:
        proc.stop()
