"""The two CSV formats cuaso sizes from, as typed models: measurements per window, and CPU per tier.

**Measurements CSV** (:class:`MeasurementRow`, ``cuaso size --measurements FILE.csv``): one row per
measured steady window (or per level), made with any tool. Load columns: ``users``, ``duration_s``,
``requests`` or ``throughput_rps``, ``failures`` or ``error_rate``, ``mean_ms`` and ``p<P>_ms`` at the
SLO's percentile; resources per tier: ``cpu_<tier>_cores`` or ``cpu_<tier>_s``, optionally
``rss_<tier>_bytes`` and ``processes_<tier>``; the tiers ``app`` and ``redis`` are required (the
sizing's app nodes and Redis shards rest on them), unless a CPU CSV gives them.

**CPU CSV** (:class:`CpuRow`, ``--cpu FILE.csv``): CPU per tier for measurements that carry none
(Locust's and k6's files), either per level (a ``users`` column) or as a time series (a ``timestamp``
column, Unix seconds; each row is the mean over the interval since the row before).

The field descriptions are the documentation: docs/sizing.md lists them and a test checks it does.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from capacity.sizing.external.columns import TIER, Pattern

NonNegative = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Percentile = Annotated[float, Field(gt=0, le=100)]

CPU_CORES = Pattern("cpu_cores", rf"cpu_({TIER})_cores", "cpu_<tier>_cores")
CPU_SECONDS = Pattern("cpu_s", rf"cpu_({TIER})_s", "cpu_<tier>_s")
RSS = Pattern("rss_bytes", rf"rss_({TIER})_bytes", "rss_<tier>_bytes")
PROCESSES = Pattern("processes", rf"processes_({TIER})", "processes_<tier>")
PERCENTILES = Pattern("percentiles_ms", r"p(\d+(?:\.\d+)?)_ms", "p<P>_ms")

PATTERN_DOCS: dict[str, str] = {
    CPU_CORES.shown: "mean cores the tier kept busy over the window (2.5 = two and a half cores)",
    CPU_SECONDS.shown: "CPU seconds the tier used in the window (instead of cpu_<tier>_cores)",
    RSS.shown: "peak resident memory of the tier, all its processes together, bytes (optional)",
    PROCESSES.shown: "processes (or containers) of the tier sharing that memory (optional, default 1)",
    PERCENTILES.shown: "latency percentile P in ms (p50_ms, p95_ms, p99_ms...); the SLO's is required",
}


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MeasurementRow(_Row):
    """One measured window of the measurements CSV."""

    window: str | None = Field(None, description="a name for the row in messages (default: its line)")
    users: Positive = Field(description="concurrency: simulated users (closed model) during the window")
    duration_s: Positive = Field(description="length of the window, s")
    requests: int | None = Field(
        None, ge=0, description="requests completed in the window, failures included"
    )
    throughput_rps: NonNegative | None = Field(
        None, description="requests per second, failures included (instead of requests)"
    )
    failures: int | None = Field(None, ge=0, description="failed requests in the window")
    error_rate: float | None = Field(None, ge=0, le=1, description="failed share, 0-1 (instead of failures)")
    mean_ms: Positive = Field(description="mean latency, ms")
    percentiles_ms: dict[Percentile, Positive] = Field(default_factory=dict)
    cpu_cores: dict[str, NonNegative] = Field(default_factory=dict)
    cpu_s: dict[str, NonNegative] = Field(default_factory=dict)
    rss_bytes: dict[str, NonNegative] = Field(default_factory=dict)
    processes: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    response_bytes: NonNegative | None = Field(None, description="mean response bytes per request (optional)")
    machine_cores: Positive | None = Field(
        None, description="cores the measured app tier could use (else --reference-cores)"
    )
    start: float | None = Field(None, description="window start, Unix seconds (joins a --cpu time series)")
    end: float | None = Field(None, description="window end, Unix seconds")
    generator_processes: int | None = Field(None, ge=1, description="load-generator processes (optional)")
    generator_cpu_percent: NonNegative | None = Field(
        None, description="their mean CPU, % of one core each (optional: sizes the generator fleet)"
    )
    generator_on_machine: bool = Field(
        False, description="true when the generator ran on the measured machine (its CPU counts there)"
    )

    @model_validator(mode="after")
    def _consistent(self) -> MeasurementRow:
        if self.requests is None and self.throughput_rps is None:
            raise ValueError("requests or throughput_rps: give one of them")
        if self.failures is None and self.error_rate is None:
            raise ValueError("failures or error_rate: give one of them (0 when nothing failed)")
        if self.requests is not None and self.throughput_rps is not None:
            implied = self.throughput_rps * self.duration_s
            if abs(implied - self.requests) > max(1.0, 0.01 * self.requests):
                raise ValueError(
                    f"requests={self.requests} disagrees with throughput_rps={self.throughput_rps:g} × "
                    f"duration_s={self.duration_s:g} = {implied:.0f}; give one of them"
                )
        both = sorted(set(self.cpu_cores) & set(self.cpu_s))
        if both:
            raise ValueError(f"cpu_{both[0]}_cores and cpu_{both[0]}_s: give one of them")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end={self.end!r} is not after start={self.start!r}")
        return self

    @property
    def request_count(self) -> int:
        if self.requests is not None:
            return self.requests
        return round((self.throughput_rps or 0.0) * self.duration_s)

    @property
    def failure_count(self) -> int:
        if self.failures is not None:
            return self.failures
        return round((self.error_rate or 0.0) * self.request_count)

    def cpu_seconds(self) -> dict[str, float]:
        return {**{k: v * self.duration_s for k, v in self.cpu_cores.items()}, **self.cpu_s}


MEASUREMENT_PATTERNS = (CPU_CORES, CPU_SECONDS, RSS, PROCESSES, PERCENTILES)


class CpuRow(_Row):
    """One row of a CPU CSV: a level (``users``) or the interval ending at ``timestamp``."""

    users: Positive | None = Field(None, description="the level this row's CPU was measured at")
    timestamp: float | None = Field(
        None, description="end of the interval (Unix s) the row's means are over, since the row before"
    )
    cpu_cores: dict[str, NonNegative] = Field(default_factory=dict)
    rss_bytes: dict[str, NonNegative] = Field(default_factory=dict)
    processes: dict[str, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)
    machine_cores: Positive | None = Field(None, description="cores the measured app tier could use")

    @model_validator(mode="after")
    def _keyed(self) -> CpuRow:
        if (self.users is None) == (self.timestamp is None):
            raise ValueError("users or timestamp: give exactly one of them in each row")
        return self


CPU_PATTERNS = (CPU_CORES, RSS, PROCESSES)


def documented_columns() -> dict[str, str]:
    """Every column of the measurements CSV with its meaning (docs/sizing.md lists these)."""
    fields = MeasurementRow.model_fields
    fixed = {name: f.description or "" for name, f in fields.items() if f.description}
    return {**fixed, **PATTERN_DOCS}
