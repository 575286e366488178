"""Synthetic but realistic results documents for the report tests, built with the pydantic models.

A phase-1 cutover at 1 : 10,000 scale: warm-up, baseline, redirect (the cutover at 30 s), growth and
plateau, six endpoints with seeded log-normal latencies, three journeys, resources per process kind,
the generator's CPU, a timeline every 3 s and the drill's validity checks. Knobs make the redirect
phase slow and failing, saturate a tier or the generator, or mark the run invalid, so each part of
the report can be made to say something specific.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from results.document import (
    Check,
    EndpointStats,
    Environment,
    ErrorCount,
    GeneratorUse,
    JourneyStats,
    Offered,
    Phase,
    ResourceUse,
    ResultsDocument,
    RunInfo,
    Scale,
    TimelinePoint,
    Validity,
)
from results.histogram import LatencyHistogram

PHASES = (("warmup", 0.0, 10.0, 4), ("baseline", 10.0, 30.0, 5), ("redirect", 30.0, 40.0, 9),
          ("growth", 40.0, 55.0, 11), ("plateau", 55.0, 90.0, 12))  # fmt: skip
"""(name, start, end, simulated users) of the synthetic cutover."""

ENDPOINTS = (
    # name, median ms, share of requests
    ("GET /api/v1/procedures", 4.0, 0.38),
    ("GET /api/v1/procedures/{procedure_id}", 3.0, 0.3),
    ("GET /api/v1/public/dossiers/{code}/status", 3.5, 0.15),
    ("GET /api/v1/auth/login", 2.5, 0.06),
    ("GET /api/v1/auth/callback", 30.0, 0.06),
    ("POST /api/v1/dossiers", 9.0, 0.05),
)
RATE_PER_USER = 18.0  # requests/s one simulated user makes (short think times)


@dataclass(frozen=True)
class Knobs:
    seed: int = 7
    redirect_slowdown: float = 1.0  # latency multiplier in the redirect phase
    redirect_error_rate: float = 0.0  # share of login requests failing (http_503) in the redirect phase
    app_utilisation: float = 0.45  # per app process, share of a core, at the plateau
    generator_cpu: float = 35.0  # percent of a core
    valid: bool = True
    timeline: bool = True


def _histogram(rng: np.random.Generator, median_ms: float, n: int) -> str:
    h = LatencyHistogram()
    for value in rng.lognormal(np.log(median_ms * 1000.0), 0.6, size=n):
        h.record_us(float(value))
    return h.encode()


def _endpoints(rng: np.random.Generator, phase: str, requests: int, k: Knobs) -> tuple[EndpointStats, ...]:
    out = []
    slow = k.redirect_slowdown if phase == "redirect" else 1.0
    for name, median, share in ENDPOINTS:
        n = max(1, round(requests * share))
        failures = round(n * k.redirect_error_rate) if phase == "redirect" and "/auth/" in name else 0
        errors = (ErrorCount(kind="http_503", count=failures),) if failures else ()
        out.append(
            EndpointStats(
                name=name,
                requests=n,
                failures=failures,
                errors=errors,
                histogram=_histogram(rng, median * slow, n),
                bytes_received=n * 1500,
            )
        )
    return tuple(out)


def _journeys(rng: np.random.Generator, requests: int) -> tuple[JourneyStats, ...]:
    specs = (("browse_catalogue", 0.6, 0.3), ("track_status", 0.3, 0.05), ("submit_dossier", 0.1, 1.2))
    out = []
    for name, share, median_s in specs:
        started = max(1, round(requests / 5 * share))
        out.append(
            JourneyStats(
                name=name,
                started=started,
                completed=started - 1,
                failed=0,
                histogram=_histogram(rng, median_s * 1000.0, started),
            )
        )
    return tuple(out)


def _resources(users: int, k: Knobs) -> tuple[ResourceUse, ...]:
    load = users / PHASES[-1][3]
    app = 2 * k.app_utilisation * load
    kinds = (("app", 2, app, 190), ("redis", 1, 0.06 * load, 14), ("sim-eid", 1, 0.03 * load, 60),
             ("sim-population", 1, 0.02, 60))  # fmt: skip
    return tuple(
        ResourceUse(
            kind=kind, processes=n, cpu_seconds=cores * 10, cpu_cores_mean=cores, rss_bytes_max=mib << 20
        )
        for kind, n, cores, mib in kinds
    )


def _timeline(phases: tuple[Phase, ...], k: Knobs) -> tuple[TimelinePoint, ...]:
    points = []
    for phase in phases:
        t = phase.start_s + 3.0
        while t <= phase.end_s:
            latency = phase.latency()
            error = phase.failures / phase.requests if phase.requests else 0.0
            points.append(
                TimelinePoint(
                    t_s=t,
                    phase=phase.name,
                    users=phase.offered.users_max,
                    rps=phase.throughput_rps,
                    error_rate=error,
                    p50_ms=latency.percentile_ms(50),
                    p95_ms=latency.percentile_ms(95),
                    p99_ms=latency.percentile_ms(99),
                )
            )
            t += 3.0
    return tuple(points) if k.timeline else ()


def cutover_document(knobs: Knobs | None = None) -> ResultsDocument:
    k = knobs or Knobs()
    rng = np.random.default_rng(k.seed)
    phases = []
    for name, start, end, users in PHASES:
        requests = round(users * RATE_PER_USER * (end - start))
        phases.append(
            Phase(
                name=name,
                start_s=start,
                end_s=end,
                offered=Offered(users_mean=users * 0.95, users_max=users, think_time_s=0.05),
                endpoints=_endpoints(rng, name, requests, k),
                journeys=_journeys(rng, requests),
                generator=GeneratorUse(
                    processes=1, cpu_percent_mean=k.generator_cpu, cpu_percent_max=k.generator_cpu + 9
                ),
                resources=_resources(users, k),
            )
        )  # fmt: skip
    checks = (
        Check(
            name="generator_cpu", ok=True, value=k.generator_cpu, threshold=80.0, reason="generator under 80%"
        ),
        Check(name="min_samples", ok=True, value=9000.0, threshold=100.0, reason="9000 requests measured"),
        Check(
            name="completed",
            ok=k.valid,
            reason="Locust ended by itself" if k.valid else "killed at the bound",
        ),
    )
    scale = 12 / 120_000
    return ResultsDocument(
        run=RunInfo(
            id="phase1-cutover-20261122T120000Z-s7",
            scenario="phase1-cutover",
            shape={
                "shape": "phase1-cutover",
                "params": {"cutover_s": 30.0, "duration_s": 90.0, "scale": scale},
            },
            target="http://127.0.0.1:8000",
            local_stack=True,
            started_at="2026-11-22T12:00:00Z",
            duration_s=90.0,
            seed=k.seed,
            scale=Scale(modelled_users=120_000, scale=scale, simulated_users_peak=12, time_compression=10.0),
            stack_settings={"workers": 2, "appendfsync": "everysec"},
        ),
        environment=Environment(
            hostname="test-host",
            os="Linux",
            cpu_model="Test CPU",
            cores=2,
            memory_bytes=8 << 30,
            python="3.11.7",
            versions={"cuaso": "0.1.0", "locust": "2.47.0"},
            git_revision="abc123def456",
        ),
        phases=tuple(phases),
        timeline=_timeline(tuple(phases), k),
        validity=Validity(valid=k.valid, checks=checks),
    )
