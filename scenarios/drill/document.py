"""Assemble a drill's results document (:mod:`results.document`) from what was measured.

Inputs: the master's ``collector.json`` (:meth:`scenarios.drill.monitor.Monitor.output`: per (phase,
endpoint) and (phase, journey) tallies with HDR histograms, think time, users per phase, timeline,
how the run ended), the runner's resource samples, ``/metrics`` snapshots, and the run's settings.
Phases are the shape's, cut at the instant the run ended.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from results.document import (
    Arrivals,
    CpuAllotment,
    EndpointStats,
    Environment,
    ErrorCount,
    GeneratorUse,
    JourneyStats,
    LoopLag,
    MetricsSnapshot,
    Offered,
    Phase,
    ResultsDocument,
    RunInfo,
    Scale,
    TimelinePoint,
)
from scenarios.drill.collector import Delta
from scenarios.drill.config import DrillConfig
from scenarios.drill.loop_lag import LOOP_SAMPLE_S
from scenarios.drill.sampler import ResourceSampler
from scenarios.drill.user_file import UserFile
from scenarios.drill.validity import assess
from scenarios.journeys.open_model import LATE_AFTER_S
from scenarios.mix import summary
from scenarios.shapes.base import Shape
from scenarios.shapes.schedule import OpenModel


@dataclass(frozen=True)
class RunFacts:
    """What the runner knows about the run besides the measurements."""

    run_id: str
    config: DrillConfig
    shape: Shape
    target: str
    local_stack: bool
    started_at: str
    workers: int
    stack_settings: dict[str, Any]
    killed: bool = False
    remote_workers: int = 0
    allotments: tuple[CpuAllotment, ...] = ()
    user_file: UserFile | None = None  # the user's own Locust file, run instead of cuaso's journeys


def _mean_arrivals(shape: Shape, start: float, end: float) -> float | None:
    arrivals = getattr(shape, "arrivals_at", None)
    if arrivals is None:
        return None
    instants = [start + i for i in range(max(1, math.ceil(end - start)))]
    return float(sum(arrivals(t) for t in instants) / len(instants))


def _arrivals(name: str, start: float, end: float, data: Delta, shape: Shape) -> Arrivals | None:
    """The open model's counts for a phase (None in a closed drill)."""
    if not isinstance(shape, OpenModel):
        return None
    tally = data.arrivals.get(name)
    schedule = shape.schedule((("any", 1.0),), 1)
    rates = [schedule.rate_at(start + (end - start) * i / 20) for i in range(20)]
    rates.append(schedule.rate_at(max(start, end - 1e-6)))
    return Arrivals(
        expected=round(schedule.expected(start, end), 4),
        scheduled=tally.scheduled if tally else 0,
        returned=tally.returned if tally else 0,
        started=tally.started if tally else 0,
        late=tally.late if tally else 0,
        dropped=tally.dropped if tally else 0,
        rate_min_per_s=round(min(rates), 6),
        rate_max_per_s=round(max(rates), 6),
        late_after_s=LATE_AFTER_S,
        start_lag_histogram=tally.lag.encode() if tally else "",
    )


def _loop_lag(name: str, data: Delta) -> LoopLag | None:
    tally = data.loop.get(name)
    if tally is None or tally.lag.count == 0:
        return None
    return LoopLag(
        samples=tally.lag.count,
        interval_s=LOOP_SAMPLE_S,
        p50_ms=round(tally.lag.percentile_ms(50), 3),
        p99_ms=round(tally.lag.percentile_ms(99), 3),
        max_ms=round(tally.lag.max_ms(), 3),
        histogram=tally.lag.encode(),
    )


def _reported_generator(by_process: dict[str, Any] | None) -> GeneratorUse | None:
    """The generator's CPU as Locust reported it (used when workers run on other machines)."""
    if not by_process:
        return None
    return GeneratorUse(
        processes=len(by_process),
        cpu_percent_mean=round(max(float(v["mean"]) for v in by_process.values()), 2),
        cpu_percent_max=round(max(float(v["max"]) for v in by_process.values()), 2),
    )


def _phase(
    name: str,
    start: float,
    end: float,
    data: Delta,
    collected: dict[str, Any],
    facts: RunFacts,
    sampler: ResourceSampler | None,
) -> Phase:
    endpoints = tuple(
        EndpointStats(
            name=endpoint,
            requests=tally.requests,
            failures=tally.failures,
            errors=tuple(ErrorCount(kind=k, count=v) for k, v in sorted(tally.errors.items())),
            histogram=tally.histogram.encode(),
            ok_histogram=tally.ok_histogram.encode(),
            bytes_received=tally.bytes_received,
        )
        for (phase, endpoint), tally in sorted(data.endpoints.items())
        if phase == name
    )
    journeys = tuple(
        JourneyStats(
            name=journey,
            started=t.started,
            completed=t.completed,
            failed=t.failed,
            abandoned=t.abandoned,
            retries=t.retries,
            histogram=t.histogram.encode(),
        )
        for (phase, journey), t in sorted(data.journeys.items())
        if phase == name
    )
    requests = sum(e.requests for e in endpoints)
    think = data.think_s.get(name)
    seen = collected.get("users", {}).get(name, {})
    arrivals = _arrivals(name, start, end, data, facts.shape)
    users_mean = float(seen.get("mean", 0.0))
    if arrivals is not None and name in data.loop:  # the open model: sessions in progress, not the pool
        users_mean = data.loop[name].sessions_s / max(end - start, 1e-9)
    offered = Offered(
        users_mean=users_mean,
        users_max=int(seen.get("max", 0)),
        arrivals_per_s=_mean_arrivals(facts.shape, start, end),
        think_time_s=(think or 0.0) / requests if requests else None,
    )
    return Phase(
        name=name,
        start_s=start,
        end_s=end,
        offered=offered,
        endpoints=endpoints,
        journeys=journeys,
        generator=(sampler.generator_use(name) if sampler and not facts.remote_workers else None)
        or _reported_generator(collected.get("generator", {}).get(name)),
        resources=sampler.resources(name, end - start) if sampler else (),
        arrivals=arrivals,
        loop_lag=_loop_lag(name, data),
    )


def _users(facts: RunFacts) -> dict[str, Any]:
    """What the users did: cuaso's journey mix and its knobs, or the user's own Locust file."""
    config = facts.config
    if facts.user_file is not None:
        return {"locustfile": facts.user_file.to_dict(), "think_scale": config.think_scale}
    mix = config.effective_mix()
    return {
        "mix": mix.to_dict(),
        "summary": summary(mix),
        "retry": config.retry,
        "think_scale": config.think_scale,
        "iterations": config.iterations,
    }


def build_document(
    facts: RunFacts,
    collected: dict[str, Any],
    environment: Environment,
    sampler: ResourceSampler | None,
    snapshots: list[MetricsSnapshot],
) -> ResultsDocument:
    data = Delta.decode(collected.get("data", {}))
    ended = collected.get("ended_s")
    shape = facts.shape
    duration = min(float(ended), shape.duration_s) if ended is not None else shape.duration_s
    phases = tuple(
        _phase(p.name, p.start_s, min(p.end_s, duration), data, collected, facts, sampler)
        for p in shape.phases()
        if p.start_s < duration
    )
    timeline = tuple(
        TimelinePoint(**{**point, "error_rate": min(1.0, max(0.0, point["error_rate"]))})
        for point in collected.get("timeline", [])
    )
    config = facts.config
    run = RunInfo(
        id=facts.run_id,
        scenario=config.scenario,
        shape=shape.to_dict(),
        mix=_users(facts),
        target=facts.target,
        local_stack=facts.local_stack,
        started_at=facts.started_at,
        duration_s=duration,
        seed=config.seed,
        workers=facts.workers,
        allotments=facts.allotments,
        scale=Scale(
            modelled_users=shape.modelled_users,
            scale=shape.scale,
            simulated_users_peak=shape.peak_users(),
            time_compression=shape.time_compression,
        ),
        stack_settings=facts.stack_settings,
    )
    validity = assess(phases, collected.get("stop_reason"), bool(collected.get("aborted")), facts.killed)
    return ResultsDocument(
        run=run,
        environment=environment,
        phases=phases,
        timeline=timeline,
        metrics_snapshots=tuple(snapshots),
        validity=validity,
    )
