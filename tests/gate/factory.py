"""Synthetic results documents for the gate's tests, built from the real pydantic models.

Latencies are drawn from seeded log-normal distributions (the usual shape of response times), so a
test can shift one by X ms, scale a whole machine, or draw the same distribution with another seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from results.document import (
    Check,
    EndpointStats,
    Environment,
    GeneratorUse,
    JourneyStats,
    Offered,
    Phase,
    ResultsDocument,
    RunInfo,
    Scale,
    Validity,
    save_results,
)
from results.histogram import LatencyHistogram

HEALTHZ = "GET /healthz"
PROCEDURES = "GET /api/v1/procedures"
DOSSIER = "POST /api/v1/dossiers"


@dataclass(frozen=True)
class Endpoint:
    """Log-normal latency with this median (ms) and sigma; ``make_doc`` adds its shift and speed."""

    median_ms: float
    requests: int
    sigma: float = 0.5
    failures: int = 0


DEFAULT_ENDPOINTS: Mapping[str, Endpoint] = {
    HEALTHZ: Endpoint(1.0, 600, sigma=0.3),
    PROCEDURES: Endpoint(8.0, 3000),
    DOSSIER: Endpoint(12.0, 1500),
}


def histogram(
    median_ms: float, n: int, sigma: float, rng: np.random.Generator, shift_ms: float, speed: float
) -> str:
    hist = LatencyHistogram()
    for value in (rng.lognormal(np.log(median_ms), sigma, n) + shift_ms) * speed:
        hist.record_ms(float(value))
    return hist.encode()


def make_doc(
    seed: int,
    *,
    endpoints: Mapping[str, Endpoint] = DEFAULT_ENDPOINTS,
    shift_ms: float = 0.0,
    speed: float = 1.0,
    duration_s: float = 60.0,
    valid: bool = True,
    generator_cpu: float = 40.0,
    scenario: str = "smoke",
    journey_completed: int = 400,
    journey_failed: int = 0,
    started_at: str = "2026-11-22T00:00:00Z",
) -> ResultsDocument:
    """A one-phase run. ``shift_ms`` is added to every API endpoint (not /healthz), like the stack's
    injected delay; ``speed`` multiplies every request latency (a slower machine), but not the think
    time that makes up most of a journey's duration."""
    rng = np.random.default_rng(seed)
    stats = tuple(
        EndpointStats(
            name=name,
            requests=spec.requests,
            failures=spec.failures,
            histogram=histogram(
                spec.median_ms, spec.requests, spec.sigma, rng, 0.0 if name == HEALTHZ else shift_ms, speed
            ),
        )
        for name, spec in endpoints.items()
    )
    journey = JourneyStats(
        name="dossier",
        started=journey_completed + journey_failed,
        completed=journey_completed,
        failed=journey_failed,
        # a journey is mostly think time (not machine-dependent) plus three requests of ~8 ms each
        histogram=histogram(400.0, journey_completed, 0.3, rng, 3 * (8.0 * speed + shift_ms), 1.0),
    )
    phase = Phase(
        name="steady",
        start_s=0.0,
        end_s=duration_s,
        offered=Offered(users_mean=50, users_max=50),
        endpoints=stats,
        journeys=(journey,),
        generator=GeneratorUse(processes=1, cpu_percent_mean=generator_cpu, cpu_percent_max=generator_cpu),
    )
    checks = (Check(name="generator_cpu", ok=valid, reason="ok" if valid else "generator CPU 97% > 90%"),)
    return ResultsDocument(
        run=RunInfo(
            id=f"run-{seed}",
            scenario=scenario,
            target="http://127.0.0.1:8000",
            local_stack=True,
            started_at=started_at,
            duration_s=duration_s,
            seed=seed,
            scale=Scale(modelled_users=120_000, scale=0.0005, simulated_users_peak=50),
        ),
        environment=Environment(
            hostname="ci", os="linux", cpu_model="x", cores=2, memory_bytes=1, python="3.11"
        ),
        phases=(phase,),
        validity=Validity(valid=valid, checks=checks),
    )


def write_docs(directory: Path, prefix: str, seeds: list[int], **kwargs: object) -> list[Path]:
    """Save one document per seed as ``<prefix>-<seed>.json`` and return the paths."""
    return [
        save_results(make_doc(seed, **kwargs), directory / f"{prefix}-{seed}.json")  # type: ignore[arg-type]
        for seed in seeds
    ]
