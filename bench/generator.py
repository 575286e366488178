"""``python -m bench.generator``: what the load generator costs, the drill's journeys beside a bare Locust
user, measured side by side against one local stack.

1. **CPU per request, like for like** (:mod:`bench.journey_cpu`): the drill's ``browse_catalogue``
   journey alone (one search, one read, think 0, with the drill's steps, HDR recording and bookkeeping)
   and a bare ``FastHttpUser`` replaying the very same requests
   (:class:`scenarios.journeys.bench_users.BareCatalogue`), both *at once* in one Locust process, the
   process's CPU split by greenlet; median over ``--rounds`` rounds. The goal: the journey costs at most
   10% more per request (``GOAL_CPU``).
2. **Requests/s per generator core**, each kind in its own Locust process, interleaved ``--repeats``
   times: the same two, the default mix's journeys, and a bare user on ``/healthz`` (the machine's
   ceiling). Per-core rate = requests / CPU seconds of the process over the same window (after a
   warm-up), from Locust's own ``*_stats_history.csv`` and psutil. This includes the drill's
   once-a-second bookkeeping, and each process meets the stack alone (see :mod:`bench.journey_cpu` on
   why that makes a slower client pay more per request): a cross-check, and what sizes the workers.
3. **Memory per idle simulated user** (:mod:`bench.idle`): the slope of a Locust process's RSS over its
   idle users, for a bare user, the ``browse_catalogue`` journey and the default mix's journeys. The
   goal: at most 20 KiB per idle journey user (``GOAL_IDLE_BYTES``).
4. From 2 and 3 and the default mix (requests per user per second at its real think times): how many
   users one worker process holds at ``CPU_BUDGET`` of a core, and how many worker processes the
   designed capacity of 120,000 concurrent users needs. docs/drills.md quotes the figures.

Usage: python -m bench.generator [--seconds 12] [--repeats 3] [--users 20] [--rounds 5]
[--idle-users 2000] [--quick]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.idle import Idle, idle_bare, idle_journeys, user_counts
from bench.locust_runs import Rate, bare_rate, catalogue_mix, journeys_rate
from scenarios.mix import JourneyMix, mean_session_s
from scenarios.shapes.base import DESIGNED_CAPACITY
from stack.launcher import LocalStack, SimFaults, StackOptions

CPU_BUDGET = 0.8
"""A worker process is sized to 80% of a core: the drill's validity limit for the generator's CPU."""

MEMORY_BUDGET_BYTES = 1 << 30
"""Assumption: 1 GiB of user state per worker process (one worker per core, ~2 GiB RAM per core)."""

LOCUST_MIN_NOFILE = 10_000
"""Locust raises a lower soft open-file limit to 10,000 by itself (``locust.main``)."""

GOAL_CPU = 1.10
"""Issue 16: per request, the journeys cost at most 10% more CPU than a bare user replaying them."""

GOAL_IDLE_BYTES = 20 * 1024
"""Issue 16: an idle simulated user holds at most 20 KiB."""

ROUND_S = 3.0
"""Length of one round of the like-for-like CPU measurement."""

CPU_TIMEOUT_S = 600.0
"""Assumption: the like-for-like child process ends within ten minutes (it needs rounds × seconds)."""

QUICK = {"seconds": 4.0, "repeats": 1, "rounds": 3, "round_seconds": 2.0, "idle_users": 400}
"""``--quick``: a short check that every part runs (about 2 minutes; the figures are rough)."""


@dataclass(frozen=True, slots=True)
class PerRequest:
    """µs of CPU per request of each kind in one round of :mod:`bench.journey_cpu`; ``hub``: the gevent
    hub's share per request (the same for both kinds), included in ``journey`` and ``bare``."""

    journey: float
    bare: float
    hub: float

    @property
    def ratio(self) -> float:
        return self.journey / self.bare if self.bare > 0 else math.inf


def per_request_cpu(host: str, users: int, rounds: int, seconds: float) -> list[PerRequest]:
    """Run :mod:`bench.journey_cpu` in a child process (it monkey-patches with gevent)."""
    argv = [sys.executable, "-m", "bench.journey_cpu", "--host", host, "--users", str(users)]
    argv += ["--rounds", str(rounds), "--seconds", f"{seconds:g}"]
    env = {**os.environ, "LOCUST_SKIP_MONKEY_PATCH": ""}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=CPU_TIMEOUT_S, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"bench.journey_cpu exited {done.returncode}: {done.stderr[-2000:]}")
    data = json.loads(lines[-1])
    return [
        PerRequest(j + h, b + h, h)
        for j, b, h in zip(data["journey_us"], data["bare_us"], data["hub_us"], strict=True)
    ]


def requests_per_user_s(mix: JourneyMix) -> float:
    """Requests per second one simulated user makes at the mix's real think times (Little's law)."""
    per_session = 0.0
    for journey in mix.enabled():
        for step in journey.steps:
            times = step.repeat.mean * (mix.attachments.count.mean if step.per_attachment else 1.0)
            per_session += journey.share * times * step.requests
    return per_session / mean_session_s(mix)


def _median(rates: list[Rate]) -> float:
    return statistics.median(r.per_core for r in rates)


def _print_cpu(cpu: list[PerRequest], users: int, seconds: float) -> float:
    like = statistics.median(r.ratio for r in cpu)
    journey, bare = statistics.median(r.journey for r in cpu), statistics.median(r.bare for r in cpu)
    hub = statistics.median(r.hub for r in cpu)
    print(f"\nCPU per request, like for like ({users} users of each kind at once in one Locust process, "
          f"{len(cpu)} rounds of {seconds:g} s):")  # fmt: skip
    print("| generator user | µs CPU per request | vs bare replay |\n|---|---:|---:|")
    print(f"| bare FastHttpUser replaying browse_catalogue's requests | {bare:,.0f} | 1.00 |")
    print(f"| drill journey browse_catalogue (same requests, think 0) | {journey:,.0f} | {like:.2f} |")
    print(f"(both include the gevent hub's {hub:,.0f} µs per request; rounds: "
          f"{', '.join(f'{r.ratio:.3f}' for r in cpu)})")  # fmt: skip
    verdict = "met" if like <= GOAL_CPU else "NOT met"
    print(f"like-for-like: the journey costs {like - 1:+.1%} CPU per request over a bare user "
          f"(median of {len(cpu)} rounds; goal at most {GOAL_CPU - 1:+.0%}: {verdict})")  # fmt: skip
    return like


def _print_idle(bare: Idle, catalogue: Idle, mix: Idle, low: int, high: int) -> None:
    print(f"\nMemory per idle user (slope of RSS between {low:,} and {high:,} idle users, each kind in "
          f"its own Locust process):")  # fmt: skip
    print("| idle user | KiB per user | open files per user | vs bare |\n|---|---:|---:|---:|")
    for name, idle in (
        ("bare FastHttpUser after browse_catalogue's requests", bare),
        ("drill journey browse_catalogue, thinking mid-journey", catalogue),
        ("drill journeys (default mix), thinking mid-journey", mix),
    ):
        print(f"| {name} | {idle.bytes_per_user / 1024:,.1f} | {idle.fds_per_user:.2f} | "
              f"{idle.bytes_per_user / bare.bytes_per_user:.2f} |")  # fmt: skip
    verdict = "met" if mix.bytes_per_user <= GOAL_IDLE_BYTES else "NOT met"
    print(f"idle journey user: {mix.bytes_per_user / 1024:,.1f} KiB (goal at most "
          f"{GOAL_IDLE_BYTES / 1024:g} KiB: {verdict}); a bare user alone holds "
          f"{bare.bytes_per_user / 1024:,.1f} KiB")  # fmt: skip


def _print_sizing(per_core: float, idle: Idle) -> None:
    per_user_rps = requests_per_user_s(JourneyMix.default())
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    nofile = soft if soft >= LOCUST_MIN_NOFILE else min(LOCUST_MIN_NOFILE, hard)
    bounds = {
        f"CPU ({CPU_BUDGET:.0%} of a core)": math.floor(per_core * CPU_BUDGET / per_user_rps),
        f"memory ({MEMORY_BUDGET_BYTES / 2**30:g} GiB of user state)": math.floor(
            MEMORY_BUDGET_BYTES / max(idle.bytes_per_user, 1.0)
        ),
        f"open files (limit {nofile:,})": math.floor(nofile / max(idle.fds_per_user, 1e-9)),
    }
    binding = min(bounds, key=lambda k: bounds[k])
    workers = math.ceil(DESIGNED_CAPACITY / bounds[binding])
    print(f"\ndefault mix at real think times: {per_user_rps:.4f} req/s per user")
    print("users one worker process holds, bounded by:")
    for name, users in bounds.items():
        print(f"  {name:<36} {users:>9,}{'  <- binding' if name == binding else ''}")
    print(f"{DESIGNED_CAPACITY:,} concurrent users: {workers} Locust worker processes "
          f"({bounds[binding]:,} users each, one per core)")  # fmt: skip


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.generator", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12.0, help="measured window per process run")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved process runs of each kind")
    parser.add_argument("--users", type=int, default=20, help="busy users per run (think time 0)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the like-for-like CPU figure")
    parser.add_argument("--round-seconds", type=float, default=ROUND_S, help="length of one round")
    parser.add_argument("--idle-users", type=int, default=2000, help="idle users (the slope's high end)")
    parser.add_argument("--quick", action="store_true", help="short runs: a check, not figures to quote")
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    for key in ("seconds", "repeats", "users", "rounds", "round_seconds"):
        if not getattr(args, key) > 0:
            parser.error(f"--{key.replace('_', '-')}: must be > 0, got {getattr(args, key)}")
    try:
        user_counts(args.idle_users)
    except ValueError as exc:
        parser.error(str(exc))
    return args


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    options = StackOptions(
        port=0, workers=1, eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0)
    )
    runs: dict[str, list[Rate]] = {"catalogue": [], "replay": [], "journeys": [], "healthz": []}
    with tempfile.TemporaryDirectory(prefix="cuaso-bench-") as tmp, LocalStack(options) as stack:
        root, url, users, seconds = Path(tmp), stack.url, args.users, args.seconds
        print(f"bench: stack at {url}; {args.repeats} x {seconds:g} s per kind, {users} users")
        cpu = per_request_cpu(url, max(1, users // 2), args.rounds, args.round_seconds)
        for r in range(args.repeats):
            runs["catalogue"].append(
                journeys_rate(url, users, seconds, root / f"catalogue-{r}", catalogue_mix())
            )
            runs["replay"].append(bare_rate(url, users, seconds, root / f"replay-{r}", "BareCatalogue"))
            runs["journeys"].append(journeys_rate(url, users, seconds, root / f"journeys-{r}"))
            runs["healthz"].append(bare_rate(url, users, seconds, root / f"healthz-{r}"))
            print(f"  repeat {r + 1}: " + ", ".join(f"{k} {v[-1].per_core:,.0f}" for k, v in runs.items())
                  + " req/s/core", flush=True)  # fmt: skip
        low, high = user_counts(args.idle_users)
        idle = (
            idle_bare(url, high, root / "idle-bare"),
            idle_journeys(url, high, root / "idle-catalogue", catalogue_mix()),
            idle_journeys(url, high, root / "idle-mix", JourneyMix.default()),
        )
    _print_cpu(cpu, max(1, users // 2), args.round_seconds)
    c, rb, j, b = (_median(runs[k]) for k in ("catalogue", "replay", "journeys", "healthz"))
    side = statistics.median(
        x.per_core / y.per_core for x, y in zip(runs["catalogue"], runs["replay"], strict=True) if y.per_core
    )
    print(f"\nPer generator core, each kind in its own Locust process (medians of {args.repeats}):")
    print("| generator user | req/s per generator core | vs bare replay |\n|---|---:|---:|")
    print(f"| bare FastHttpUser replaying browse_catalogue's requests | {rb:,.0f} | 1.00 |")
    print(f"| drill journey browse_catalogue (same requests, think 0) | {c:,.0f} | {c / rb:.2f} |")
    print(f"| drill journeys (default mix, think 0) | {j:,.0f} | {j / rb:.2f} |")
    print(f"| bare FastHttpUser, GET /healthz (ceiling) | {b:,.0f} | {b / rb:.2f} |")
    print(f"(median of the side-by-side ratios: the journey costs {1 / side - 1:+.0%} CPU per request)")
    _print_idle(*idle, low, high)
    _print_sizing(j, idle[2])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
