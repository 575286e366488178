"""The results document: the contract between drills, capacity models, reports and the CI gate.

One JSON document per run (``results.json``), versioned by ``schema_version`` and validated on read.
Per phase of the run it holds offered and achieved load, per-endpoint and per-journey requests,
errors by kind and **mergeable HDR latency histograms** (microseconds, base64), the generator's own
CPU, and the resources the system under test used per process kind; plus a timeline, /metrics
snapshots, the environment, the CPU allotments the processes were confined to (``run.allotments``, empty
when nothing was confined; documents without the key read as before) and the run's validity checks.

Reading: :func:`load_results` validates and upgrades older versions, so old runs stay readable.
Writing: :func:`save_results`. Build documents with the pydantic models below.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from results.histogram import LatencyHistogram

SCHEMA = "cuaso.results"
SCHEMA_VERSION = 1


class ResultsError(ValueError):
    """A results document that cannot be read: names the file and the bad key."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ErrorCount(_Model):
    kind: str  # e.g. "http_503", "http_429", "timeout", "connection", "not_allowed", "assertion"
    count: int = Field(ge=0)


class EndpointStats(_Model):
    """One endpoint (method + route template) or one named journey step, within one phase."""

    name: str  # e.g. "GET /api/v1/procedures"
    journey: str | None = None
    requests: int = Field(ge=0)
    failures: int = Field(ge=0)
    errors: tuple[ErrorCount, ...] = ()
    histogram: str = Field(description="HDR histogram of response times in µs, base64 (compressed)")
    ok_histogram: str = Field(
        "",
        description="the same for successful answers only (what admitted requests took); '' in old documents",
    )
    bytes_received: int = Field(0, ge=0)

    def latency(self) -> LatencyHistogram:
        return LatencyHistogram.decode(self.histogram)

    def ok_latency(self) -> LatencyHistogram:
        """Response times of successful answers (refusals and errors left out); empty if not recorded."""
        return LatencyHistogram.decode(self.ok_histogram) if self.ok_histogram else LatencyHistogram()


class JourneyStats(_Model):
    name: str
    started: int = Field(ge=0)
    completed: int = Field(ge=0)
    failed: int = Field(0, ge=0)
    abandoned: int = Field(0, ge=0)
    retries: int = Field(0, ge=0)
    histogram: str = Field("", description="HDR histogram of whole-journey durations in µs")


class ResourceUse(_Model):
    """What one kind of process of the system under test used during a phase (sampled with psutil)."""

    kind: str  # "app", "redis", "sim-eid", "sim-population", "forwarder", ...
    processes: int = Field(ge=0)
    cpu_seconds: float = Field(ge=0)
    cpu_cores_mean: float = Field(ge=0)
    rss_bytes_max: int = Field(ge=0)


class GeneratorUse(_Model):
    """The load generator's own CPU: a saturated generator measures itself, not the system."""

    processes: int = Field(ge=1)
    cpu_percent_mean: float = Field(ge=0, description="per generator process, 100 = one full core")
    cpu_percent_max: float = Field(ge=0)


class Arrivals(_Model):
    """The open model within one phase (by each arrival's intended start): what the schedule meant,
    what started, how late. Absent in closed-model runs."""

    expected: float = Field(ge=0, description="sessions the schedule's rate means to start in the phase")
    scheduled: int = Field(ge=0, description="arrivals released at their intended instant")
    returned: int = Field(0, ge=0, description="citizens who gave up and came back as new arrivals")
    started: int = Field(ge=0)
    late: int = Field(0, ge=0, description="started, but more than late_after_s after the intended instant")
    dropped: int = Field(0, ge=0, description="never started (no free user in time, or the drill ended)")
    rate_min_per_s: float = Field(0.0, ge=0, description="lowest intended arrival rate in the phase")
    rate_max_per_s: float = Field(0.0, ge=0, description="highest intended arrival rate in the phase")
    late_after_s: float = Field(ge=0)
    start_lag_histogram: str = Field("", description="HDR histogram of started arrivals' start lag in µs")

    @property
    def late_or_dropped_share(self) -> float:
        released = self.scheduled + self.returned
        return (self.late + self.dropped) / released if released else 0.0

    def start_lag(self) -> LatencyHistogram:
        return LatencyHistogram.decode(self.start_lag_histogram)


class LoopLag(_Model):
    """The load generator's own delay in one phase: how late its event loop woke up from a sleep of
    ``interval_s`` (every request timed in that process can be late by as much)."""

    samples: int = Field(ge=0)
    interval_s: float = Field(gt=0)
    p50_ms: float = Field(ge=0)
    p99_ms: float = Field(ge=0)
    max_ms: float = Field(ge=0)
    histogram: str = Field("", description="HDR histogram of the lag samples in µs")


class Offered(_Model):
    users_mean: float = Field(ge=0)
    users_max: int = Field(ge=0)
    arrivals_per_s: float | None = Field(None, ge=0, description="open model: offered arrivals/s")
    think_time_s: float | None = Field(None, ge=0, description="mean think time between requests")


class Phase(_Model):
    name: str
    start_s: float = Field(ge=0)
    end_s: float = Field(ge=0)
    offered: Offered
    endpoints: tuple[EndpointStats, ...] = ()
    journeys: tuple[JourneyStats, ...] = ()
    generator: GeneratorUse | None = None
    resources: tuple[ResourceUse, ...] = ()
    arrivals: Arrivals | None = Field(None, description="open model only; absent in older documents")
    loop_lag: LoopLag | None = Field(None, description="generator's loop lag; absent in older documents")

    @property
    def duration_s(self) -> float:
        return max(self.end_s - self.start_s, 1e-9)

    @property
    def requests(self) -> int:
        return sum(e.requests for e in self.endpoints)

    @property
    def failures(self) -> int:
        return sum(e.failures for e in self.endpoints)

    @property
    def throughput_rps(self) -> float:
        return self.requests / self.duration_s

    def latency(self) -> LatencyHistogram:
        """All endpoints of the phase merged."""
        return LatencyHistogram.merged(e.histogram for e in self.endpoints)

    def ok_latency(self) -> LatencyHistogram:
        """Successful answers of all endpoints of the phase merged (the latency of admitted requests)."""
        return LatencyHistogram.merged(e.ok_histogram for e in self.endpoints if e.ok_histogram)


class TimelinePoint(_Model):
    t_s: float = Field(ge=0)
    phase: str
    users: int = Field(ge=0)
    rps: float = Field(ge=0)
    error_rate: float = Field(ge=0, le=1)
    p50_ms: float = Field(ge=0)
    p95_ms: float = Field(ge=0)
    p99_ms: float = Field(ge=0)


class MetricsSnapshot(_Model):
    t_s: float = Field(ge=0)
    phase: str
    text: str = Field(description="the stack's /metrics (Prometheus text format) at that instant")


class Check(_Model):
    name: str  # "generator_cpu", "littles_law", "min_samples", "error_rate_abort", ...
    ok: bool
    value: float | None = None
    threshold: float | None = None
    reason: str


class Validity(_Model):
    valid: bool
    checks: tuple[Check, ...]

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(c.reason for c in self.checks if not c.ok)


class Scale(_Model):
    """Which figures are modelled (the real portal) and which simulated (this run)."""

    modelled_users: int = Field(ge=1, description="population the shape models (default 120,000)")
    scale: float = Field(gt=0, description="simulated users = modelled users x scale")
    simulated_users_peak: int = Field(ge=0)
    time_compression: float = Field(1.0, gt=0, description="modelled seconds per simulated second")


class CpuAllotment(_Model):
    """The CPUs one group of processes was confined to during the run (cgroups, ``stack/cgroups.py``).

    ``sut``: the local stack's process kinds (app, redis, sim-*, forwarder); ``generator``: Locust.
    Absent from documents of runs without confinement (the processes then shared every core).
    """

    group: str
    kinds: tuple[str, ...] = Field(description="process kinds of the results' resources in this group")
    cpus: str | None = Field(None, description="cpuset CPU list, e.g. '1' or '0-3'; None: every CPU")
    quota_cores: float | None = Field(None, gt=0, description="CFS quota in cores; None: no quota")
    cores: float | None = Field(None, gt=0, description="cores the group could use at most")
    mechanism: str = Field(description="'cgroup-v1' or 'cgroup-v2'")


class RunInfo(_Model):
    id: str
    scenario: str
    shape: dict[str, Any] = Field(default_factory=dict, description="shape class and its parameters")
    mix: dict[str, Any] = Field(
        default_factory=dict,
        description="the journey mix used, or the user's own Locust file its users came from "
        "(``locustfile``: path, sha256, classes with weight and fixed count)",
    )
    target: str = Field(description="base URL load was sent to")
    local_stack: bool
    started_at: str  # ISO 8601, UTC
    duration_s: float = Field(ge=0)
    seed: int
    workers: int = Field(1, ge=0, description="Locust worker processes (0: one local process)")
    scale: Scale
    stack_settings: dict[str, Any] = Field(default_factory=dict)
    allotments: tuple[CpuAllotment, ...] = Field(
        (), description="CPU allotment per group of process kinds; () when nothing was confined"
    )

    def allotment_of(self, kind: str) -> CpuAllotment | None:
        """The allotment of the group ``kind`` ran in, or None when it was not confined."""
        return next((a for a in self.allotments if kind in a.kinds), None)


class Environment(_Model):
    hostname: str
    os: str
    cpu_model: str
    cores: int = Field(ge=1)
    memory_bytes: int = Field(ge=0)
    python: str
    versions: dict[str, str] = Field(default_factory=dict)  # cuaso, locust, fastapi, uvicorn, redis...
    git_revision: str | None = None


class ResultsDocument(_Model):
    schema_name: Literal["cuaso.results"] = Field("cuaso.results", alias="schema")
    schema_version: int = SCHEMA_VERSION
    run: RunInfo
    environment: Environment
    phases: tuple[Phase, ...]
    timeline: tuple[TimelinePoint, ...] = ()
    metrics_snapshots: tuple[MetricsSnapshot, ...] = ()
    validity: Validity

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    def phase(self, name: str) -> Phase:
        for p in self.phases:
            if p.name == name:
                return p
        raise KeyError(f"phase: no phase named {name!r} (have {[p.name for p in self.phases]})")

    def to_json(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json", by_alias=True), option=orjson.OPT_INDENT_2)


def _upgrade(raw: dict[str, Any], path: Path) -> dict[str, Any]:
    """Bring an older document up to :data:`SCHEMA_VERSION` (each step one version)."""
    version = raw.get("schema_version")
    if not isinstance(version, int):
        raise ResultsError(f"{path}: schema_version={version!r}: not a cuaso results document")
    if version > SCHEMA_VERSION:
        raise ResultsError(
            f"{path}: schema_version={version}: written by a newer cuaso (this one reads <= {SCHEMA_VERSION})"
        )
    # Version 1 is the first; later versions add their upgrade steps here.
    return raw


def load_results(path: str | Path) -> ResultsDocument:
    """Read, upgrade and validate a results document; errors name the file and the bad key."""
    path = Path(path)
    try:
        raw = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ResultsError(f"{path}: no such results file") from None
    except orjson.JSONDecodeError as exc:
        raise ResultsError(f"{path}: not JSON: {exc}") from None
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        got = raw.get("schema") if isinstance(raw, dict) else type(raw).__name__
        raise ResultsError(f"{path}: schema={got!r}: expected {SCHEMA!r}")
    try:
        return ResultsDocument.model_validate(_upgrade(raw, path))
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"])
        raise ResultsError(f"{path}: {key}: {first['msg']}") from None


def save_results(doc: ResultsDocument, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(doc.to_json())
    tmp.replace(path)
    return path
