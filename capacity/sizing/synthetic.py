"""Synthetic sweep results documents from a known throughput curve, for tests, examples and demos.

A real sweep takes minutes and a stack; checking that the sizing recovers *known* answers needs data
whose truth is known. :func:`synthetic_sweep` writes a valid :class:`results.document.ResultsDocument`
shaped like the one ``cuaso sweep`` writes: one phase ``level-NNN-rR`` per level and repeat, whose
goodput follows ``throughput(n)`` times seeded Gaussian noise, whose latencies are exponential with the
mean Little's law demands (R = N/X − Z, so P95/mean = ln 20 ≈ 3.0), and whose process kinds used known
CPU seconds per request. Everything is reproducible from the seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from results.document import (
    Check,
    EndpointStats,
    Environment,
    GeneratorUse,
    Offered,
    Phase,
    ResourceUse,
    ResultsDocument,
    RunInfo,
    Scale,
    Validity,
)
from results.histogram import LatencyHistogram

QUANTILES = 400
"""Latency samples per phase histogram: the exponential distribution's quantiles, each weighted equally."""

EXPONENTIAL_P95_RATIO = -math.log(0.05)
"""P95 / mean of an exponential distribution, ln 20 ≈ 2.996: the ratio the synthetic histograms carry."""


@dataclass(frozen=True)
class SyntheticStack:
    """The known truth of the synthetic system under test."""

    demands_s: Mapping[str, float] = field(
        default_factory=lambda: {"app": 0.0012, "redis": 0.0002, "sim-eid": 0.0001}
    )
    processes: Mapping[str, int] = field(default_factory=lambda: {"app": 2, "redis": 1, "sim-eid": 1})
    rss_bytes_per_process: Mapping[str, int] = field(
        default_factory=lambda: {"app": 150 * 2**20, "redis": 40 * 2**20, "sim-eid": 60 * 2**20}
    )
    cores: int = 2
    response_bytes: int = 1500
    generator_rps_per_core: float = 1500.0


def _histogram(mean_ms: float, requests: int) -> str:
    hist = LatencyHistogram()
    weight = max(1, requests // QUANTILES)
    for k in range(QUANTILES):
        hist.record_us(-mean_ms * 1000.0 * math.log(1.0 - (k + 0.5) / QUANTILES), weight)
    return hist.encode()


def _phase(
    n: float, repeat: int, x: float, stack: SyntheticStack, think_s: float, window_s: float, start: float
) -> Phase:
    requests = max(1, round(x * window_s))
    mean_ms = max(0.05, (n / x - think_s) * 1000.0)
    return Phase(
        name=f"level-{round(n):03d}-r{repeat}",
        start_s=start,
        end_s=start + window_s,
        offered=Offered(users_mean=n, users_max=math.ceil(n), think_time_s=think_s),
        endpoints=(
            EndpointStats(
                name="GET /api/v1/procedures",
                requests=requests,
                failures=0,
                histogram=_histogram(mean_ms, requests),
                bytes_received=requests * stack.response_bytes,
            ),
        ),
        generator=GeneratorUse(
            processes=1,
            cpu_percent_mean=100.0 * x / stack.generator_rps_per_core,
            cpu_percent_max=100.0 * x / stack.generator_rps_per_core,
        ),
        resources=tuple(
            ResourceUse(
                kind=kind,
                processes=stack.processes.get(kind, 1),
                cpu_seconds=demand * requests,
                cpu_cores_mean=demand * requests / window_s,
                rss_bytes_max=stack.rss_bytes_per_process.get(kind, 0) * stack.processes.get(kind, 1),
            )
            for kind, demand in stack.demands_s.items()
        ),
    )


def synthetic_sweep(
    throughput: Callable[[float], float],
    levels: Sequence[float],
    *,
    repeats: int = 1,
    noise: float = 0.02,
    seed: int = 0,
    think_time_s: float = 0.0,
    window_s: float = 60.0,
    stack: SyntheticStack | None = None,
    valid: bool = True,
) -> ResultsDocument:
    """A sweep document over ``levels`` × ``repeats`` whose goodput is ``throughput(n)`` ± ``noise``."""
    chosen = stack if stack is not None else SyntheticStack()
    rng = np.random.default_rng(seed)
    phases: list[Phase] = []
    start = 0.0
    for n in levels:
        for repeat in range(1, repeats + 1):
            x = throughput(float(n)) * float(1.0 + noise * rng.standard_normal())
            phases.append(_phase(float(n), repeat, x, chosen, think_time_s, window_s, start))
            start += window_s
    return ResultsDocument(
        run=RunInfo(
            id=f"synthetic-{seed}",
            scenario="sweep",
            target="http://127.0.0.1:8000",
            local_stack=True,
            started_at="2026-01-01T00:00:00Z",
            duration_s=start,
            seed=seed,
            scale=Scale(
                modelled_users=120_000, scale=max(levels) / 120_000, simulated_users_peak=round(max(levels))
            ),
        ),
        environment=Environment(
            hostname="synthetic",
            os="linux",
            cpu_model="synthetic",
            cores=chosen.cores,
            memory_bytes=8 * 2**30,
            python="3.11",
        ),
        phases=tuple(phases),
        validity=Validity(
            valid=valid,
            checks=(
                Check(
                    name="generator_cpu",
                    ok=valid,
                    value=50.0 if valid else 95.0,
                    threshold=80.0,
                    reason="generator CPU within 80%" if valid else "generator CPU 95% > 80%: saturated",
                ),
            ),
        ),
    )
