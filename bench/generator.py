"""``python -m bench.generator``: what one Locust worker process holds, measured side by side.

1. **Requests/s per generator core**, interleaved ``--repeats`` times against one local stack, like for
   like: the drill's ``browse_catalogue`` journey alone (one search, one read, think 0, with the drill's
   steps, HDR recording and bookkeeping) against a bare ``FastHttpUser`` replaying the same requests
   (:class:`scenarios.journeys.bench_users.BareCatalogue`); also the default mix's journeys and a bare
   user on ``/healthz`` (the machine's ceiling) for reference. Per-core rate = requests completed / CPU
   seconds of the Locust process over the same window (after a warm-up), read from Locust's own
   ``*_stats_history.csv`` and psutil — which cancels most of the noise of the stack sharing the
   machine. The like-for-like ratio is the toolkit's overhead per request.
2. **Memory per idle simulated user**: one Locust process spawns ``--idle-users`` journey users whose
   think times are stretched (×1000) so they sit idle mid-journey, each holding its HTTP client and
   journey state; (RSS after − RSS before) / users.
3. From both and the default mix (requests per user per second at its real think times): how many
   users one worker process holds at ``CPU_BUDGET`` of a core, and how many worker processes the
   designed capacity of 120,000 concurrent users needs. docs/drills.md quotes the figures.

Usage: python -m bench.generator [--seconds 12] [--repeats 3] [--users 20] [--idle-users 2000]
"""

from __future__ import annotations

import argparse
import csv
import math
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from scenarios.drill.config import DrillConfig
from scenarios.drill.locust_procs import common_env, start_locust
from scenarios.mix import JourneyMix, mean_session_s
from scenarios.shapes.base import DESIGNED_CAPACITY
from stack.launcher import LocalStack, SimFaults, StackOptions
from stack.process import ManagedProcess

CPU_BUDGET = 0.8
"""A worker process is sized to 80% of a core: the drill's validity limit for the generator's CPU."""

MEMORY_BUDGET_BYTES = 1 << 30
"""Assumption: 1 GiB of user state per worker process (one worker per core, ~2 GiB RAM per core)."""

LOCUST_MIN_NOFILE = 10_000
"""Locust raises a lower soft open-file limit to 10,000 by itself (``locust.main``)."""

WARMUP_S = 3.0
"""Assumption: after 3 s every user is spawned and connections are open; the window starts there."""

IDLE_THINK_SCALE = 1000.0
"""Think times ×1000: after its first request an idle user thinks for hours (it never runs again)."""

BARE_LOCUSTFILE = Path(__file__).resolve().parents[1] / "scenarios" / "journeys" / "bench_users.py"


@dataclass(frozen=True, slots=True)
class Rate:
    requests: int
    cpu_s: float

    @property
    def per_core(self) -> float:
        return self.requests / self.cpu_s if self.cpu_s > 0 else 0.0


def _history_total(path: Path) -> int:
    """The latest cumulative request count in Locust's ``*_stats_history.csv`` (0 before the first)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = [r for r in csv.DictReader(handle) if r.get("Name") == "Aggregated"]
    except OSError:
        return 0
    return int(rows[-1]["Total Request Count"]) if rows else 0


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def _measure(proc: ManagedProcess, history: Path, seconds: float) -> Rate:
    """Requests and CPU seconds of ``proc`` between the warm-up's end and ``seconds`` later."""
    assert proc.pid is not None
    deadline = time.monotonic() + 60.0
    while _history_total(history) == 0 and time.monotonic() < deadline:  # Locust started sending
        time.sleep(0.2)
    time.sleep(WARMUP_S)
    requests0, cpu0 = _history_total(history), _cpu(proc.pid)
    time.sleep(seconds)
    requests1, cpu1 = _history_total(history), _cpu(proc.pid)
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


def journeys_rate(host: str, users: int, seconds: float, out: Path, mix: JourneyMix | None = None) -> Rate:
    config = DrillConfig(
        scenario="steady",
        modelled_users=users,
        scale=1.0,
        duration_s=seconds + WARMUP_S + 30,
        shape_params={"ramp_s": 1.0},
        think_scale=0.0,
        out=str(out),
        mix=mix if mix is not None else JourneyMix.default(),
    )
    procs = start_locust(config, host, out, workers=0)
    try:
        return _measure(procs.master, out / "locust_stats_history.csv", seconds)
    finally:
        procs.stop()


def bare_rate(host: str, users: int, seconds: float, out: Path, user_class: str = "BareHealthz") -> Rate:
    env = {
        **common_env(DrillConfig(), host),
        "LOCUST_LOCUSTFILE": str(BARE_LOCUSTFILE),
        "LOCUST_USER_CLASSES": user_class,
        "LOCUST_HEADLESS": "true",
        "LOCUST_USERS": str(users),
        "LOCUST_SPAWN_RATE": str(users),
        "LOCUST_ONLY_SUMMARY": "true",
        "LOCUST_CSV": str(out / "locust"),
        "LOCUST_RUN_TIME": f"{int(seconds + WARMUP_S + 30)}s",
    }
    proc = ManagedProcess(
        "locust-bare", [sys.executable, "-m", "locust"], env=env, log_path=out / "locust.log"
    )
    proc.start()
    try:
        return _measure(proc, out / "locust_stats_history.csv", seconds)
    finally:
        proc.stop()


@dataclass(frozen=True, slots=True)
class Idle:
    """What one idle journey user holds: memory (RSS) and open file descriptors (connections)."""

    bytes_per_user: float
    fds_per_user: float


def idle_cost(host: str, users: int, out: Path) -> Idle:
    ramp = max(5.0, users / 200)  # assumption: 200 users/s spawn without a burst the stack would queue
    config = DrillConfig(
        scenario="steady",
        modelled_users=users,
        scale=1.0,
        duration_s=ramp + 30,
        think_scale=IDLE_THINK_SCALE,
        shape_params={"ramp_s": ramp},
        out=str(out),
    )
    procs = start_locust(config, host, out, workers=0)
    pid = procs.master.pid
    assert pid is not None
    try:
        while not (out / "live.json").exists():  # the test started: every import done, no user yet
            time.sleep(0.1)
        proc = psutil.Process(pid)
        rss0, fds0 = proc.memory_info().rss, proc.num_fds()
        time.sleep(ramp + 5.0)
        rss1, fds1 = proc.memory_info().rss, proc.num_fds()
    finally:
        procs.stop()
    return Idle((rss1 - rss0) / users, (fds1 - fds0) / users)


def requests_per_user_s(mix: JourneyMix) -> float:
    """Requests per second one simulated user makes at the mix's real think times (Little's law)."""
    per_session = 0.0
    for journey in mix.enabled():
        for step in journey.steps:
            times = step.repeat.mean * (mix.attachments.count.mean if step.per_attachment else 1.0)
            per_session += journey.share * times * step.requests
    return per_session / mean_session_s(mix)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="measured window per run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved runs of each (median printed)")
    parser.add_argument("--users", type=int, default=20, help="busy users per run (think time 0)")
    parser.add_argument("--idle-users", type=int, default=2000, help="idle users for the memory figure")
    args = parser.parse_args(argv)
    options = StackOptions(
        port=0, workers=1, eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0)
    )
    journeys: list[Rate] = []
    bare: list[Rate] = []
    catalogue: list[Rate] = []
    replay: list[Rate] = []
    with tempfile.TemporaryDirectory(prefix="cuaso-bench-") as tmp, LocalStack(options) as stack:
        root = Path(tmp)
        print(
            f"bench: stack at {stack.url}; {args.repeats} x {args.seconds:g} s per kind, {args.users} users"
        )
        for r in range(args.repeats):
            url, users, seconds = stack.url, args.users, args.seconds
            catalogue.append(journeys_rate(url, users, seconds, root / f"catalogue-{r}", catalogue_mix()))
            replay.append(bare_rate(url, users, seconds, root / f"replay-{r}", "BareCatalogue"))
            journeys.append(journeys_rate(url, users, seconds, root / f"journeys-{r}"))
            bare.append(bare_rate(url, users, seconds, root / f"bare-{r}"))
            print(
                f"  repeat {r + 1}: browse_catalogue journey {catalogue[-1].per_core:,.0f}, bare replay "
                f"{replay[-1].per_core:,.0f}, default-mix journeys {journeys[-1].per_core:,.0f}, "
                f"bare /healthz {bare[-1].per_core:,.0f} req/s/core",
                flush=True,
            )
        idle = idle_cost(stack.url, args.idle_users, root / "idle")
    j = statistics.median(x.per_core for x in journeys)
    b = statistics.median(x.per_core for x in bare)
    c = statistics.median(x.per_core for x in catalogue)
    rb = statistics.median(x.per_core for x in replay)
    like = statistics.median(
        x.per_core / y.per_core for x, y in zip(catalogue, replay, strict=True) if y.per_core
    )
    per_user_rps = requests_per_user_s(JourneyMix.default())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = soft if soft >= LOCUST_MIN_NOFILE else min(LOCUST_MIN_NOFILE, hard)
    bounds = {
        f"CPU ({CPU_BUDGET:.0%} of a core)": math.floor(j * CPU_BUDGET / per_user_rps),
        f"memory ({MEMORY_BUDGET_BYTES / 2**30:g} GiB of user state)": math.floor(
            MEMORY_BUDGET_BYTES / idle.bytes_per_user
        ),
        f"open files (limit {nofile:,})": math.floor(nofile / max(idle.fds_per_user, 1e-9)),
    }
    binding = min(bounds, key=lambda k: bounds[k])
    workers = math.ceil(DESIGNED_CAPACITY / bounds[binding])
    print()
    print("| generator user | req/s per generator core | vs bare replay |")
    print("|---|---:|---:|")
    print(f"| bare FastHttpUser replaying browse_catalogue's requests | {rb:,.0f} | 1.00 |")
    print(f"| drill journey browse_catalogue (same requests, think 0) | {c:,.0f} | {c / rb:.2f} |")
    print(f"| drill journeys (default mix, think 0) | {j:,.0f} | {j / rb:.2f} |")
    print(f"| bare FastHttpUser, GET /healthz (ceiling) | {b:,.0f} | {b / rb:.2f} |")
    print(
        f"like-for-like: the journey costs {1 / like - 1:+.0%} CPU per request over a bare user "
        f"(median of {args.repeats} side-by-side ratios; the issue's goal: at most +10%)"
    )
    print()
    print(
        f"idle journey user: {idle.bytes_per_user / 1024:,.1f} KiB, {idle.fds_per_user:.2f} open files "
        f"({args.idle_users} users in one process)"
    )
    print(f"default mix at real think times: {per_user_rps:.4f} req/s per user")
    print("users one worker process holds, bounded by:")
    for name, users in bounds.items():
        print(f"  {name:<36} {users:>9,}{'  <- binding' if name == binding else ''}")
    print(
        f"{DESIGNED_CAPACITY:,} concurrent users: {workers} Locust worker processes "
        f"({bounds[binding]:,} users each, one per core)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
