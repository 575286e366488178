"""The planner's questions to a sizing: one immutable, validated value with every default explained.

Each field of :class:`SizingParameters` is either a figure from ``../shared/FACTS.md`` (the 120,000
designed concurrent users), derived from the journey mix (think time, when not given), or an
**assumption** with a default a planner is expected to replace; :data:`PARAMETER_NOTES` says which for
every field, and the sizing output repeats it next to the value used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from types import MappingProxyType

from capacity.exceptions import ModelError

PARAMETER_NOTES: MappingProxyType[str, str] = MappingProxyType(
    {
        "target_users": "FACTS: designed capacity 120,000 concurrent users (Government Office, Oct 2025)",
        "think_time_s": "mean think time between two requests of a real user; None: derived from the "
        "default journey mix (its think times are assumptions)",
        "surge": "assumption: the cutover spike over the target (everyone redirected logs in again)",
        "slo_ms": "assumption: latency objective at slo_percentile, in ms",
        "slo_percentile": "assumption: the percentile the latency objective is stated at",
        "max_utilization": "assumption: utilization headroom, nodes, shards, links and disks are planned "
        "to run at most this share of their capacity at the planned peak",
        "spares_per_site": "assumption: redundancy N+k, k spare app nodes in every site",
        "sites": "assumption: data-center sites serving the portal",
        "site_failover": "assumption: each remaining site carries the whole load when one site is lost",
        "node_cores": "assumption: app node shape, cores",
        "node_ram_gib": "assumption: app node shape, RAM in GiB",
        "reference_cores": "cores of the measured node (the machine the sweep ran on); None: the "
        "results document's environment.cores",
        "horizon_years": "assumption: planning horizon in years",
        "growth_per_year": "assumption: yearly growth of load and volumes",
        "users_per_generator": "measured (docs/drills.md, python -m bench.generator): one Locust worker "
        "process holds 20,000 idle journey users, bound by the open-file limit (~36,000 by memory)",
        "generator_max_cpu": "the drill's validity limit: a generator process above 80% CPU measures itself",
        "workers_per_core": "assumption: uvicorn worker processes per node core",
        "os_reserved_gib": "assumption: RAM per node kept for the OS, agents and page cache",
        "redis_shard_memory_gib": "assumption: largest dataset per Redis shard (fast resync and failover)",
        "redis_replicas": "assumption: replicas per Redis primary (one in the other site)",
        "redis_session_bytes": "assumption: Redis bytes per logged-in user (session, login state, profile)",
        "redis_dossier_bytes": "assumption: Redis bytes per dossier (hash, attachment hash, index entry)",
        "redis_hot_days": "assumption: days a dossier stays in Redis before it is archived",
        "redis_memory_overhead": "assumption: allocator fragmentation, replication and AOF-rewrite buffers",
        "dossier_record_bytes": "assumption: stored bytes per dossier record (form, status history)",
        "sync_record_bytes": "assumption: stored bytes per dossier synchronised with a back-office system",
        "payment_record_bytes": "assumption: stored bytes per payment record (with reconciliation)",
        "retention_years": "assumption: years dossiers and their attachments are kept online",
        "storage_copies": "assumption: full copies of the data (one per site)",
        "request_overhead_bytes": "assumption: request line, headers and cookies per request",
        "max_extrapolation": "assumption: the operating concurrency reaches at most this multiple of the "
        "highest measured level (1: stay within what was measured)",
        "samples": "draws of the USL parameters from the fit's covariance for the P50/P90 node counts",
        "bootstrap_samples": "assumption: USL refits to the points resampled between repeats (residuals "
        "when every level was measured once), pooled with the covariance draws for P50/P90; 0: off",
        "seed": "seed of those draws (same seed, same output)",
        "validation_tolerance": "assumption: largest held-out prediction error that counts as validated",
        "holdout_share": "assumption: share of the measured levels (the highest) held out for validation",
        "capacity_model": "the model the node capacity, operating point and validation rest on: 'usl' (the "
        "fitted curve) or 'mva' (exact MVA from the measured CPU demands per request)",
    }
)


CAPACITY_MODELS: tuple[str, ...] = ("usl", "mva")
"""Models a sizing can rest on (``capacity_model``)."""


@dataclass(frozen=True)
class SizingParameters:
    """What to size for; every error names the field and its bad value."""

    target_users: float = 120_000
    think_time_s: float | None = None
    surge: float = 1.5
    slo_ms: float = 1000.0
    slo_percentile: float = 95.0
    max_utilization: float = 0.7
    spares_per_site: int = 1
    sites: int = 2
    site_failover: bool = True
    node_cores: int = 16
    node_ram_gib: float = 64.0
    reference_cores: float | None = None
    horizon_years: float = 3.0
    growth_per_year: float = 0.10
    users_per_generator: int = 20_000
    generator_max_cpu: float = 0.8
    workers_per_core: float = 1.0
    os_reserved_gib: float = 2.0
    redis_shard_memory_gib: float = 25.0
    redis_replicas: int = 1
    redis_session_bytes: float = 2048.0
    redis_dossier_bytes: float = 4096.0
    redis_hot_days: float = 365.0
    redis_memory_overhead: float = 1.5
    dossier_record_bytes: float = 4096.0
    sync_record_bytes: float = 1024.0
    payment_record_bytes: float = 1024.0
    retention_years: float = 10.0
    storage_copies: int = 2
    request_overhead_bytes: float = 800.0
    max_extrapolation: float = 1.0
    samples: int = 2000
    bootstrap_samples: int = 200  # assumption: ~1 s of refits, enough for a stable P90
    seed: int = 0
    validation_tolerance: float = 0.10
    holdout_share: float = 0.25
    capacity_model: str = "usl"

    def __post_init__(self) -> None:
        for spec in fields(self):
            value = getattr(self, spec.name)
            if spec.name == "site_failover":
                if not isinstance(value, bool):
                    raise ModelError(f"site_failover: must be true or false, got {value!r}")
                continue
            if spec.name == "capacity_model":
                if value not in CAPACITY_MODELS:
                    raise ModelError(
                        f"capacity_model: must be one of {', '.join(CAPACITY_MODELS)}, got {value!r}"
                    )
                continue
            if value is None and spec.name in ("think_time_s", "reference_cores"):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ModelError(f"{spec.name}: must be a finite number, got {value!r}")
            if spec.type == "int" and not isinstance(value, int):
                raise ModelError(f"{spec.name}: must be a whole number, got {value!r}")
        self._check_ranges()

    def _check_ranges(self) -> None:
        positive = (
            "target_users", "surge", "slo_ms", "node_cores", "node_ram_gib", "users_per_generator",
            "workers_per_core", "redis_shard_memory_gib", "redis_session_bytes", "redis_dossier_bytes",
            "redis_hot_days", "dossier_record_bytes", "sync_record_bytes", "payment_record_bytes",
            "retention_years", "storage_copies", "samples", "validation_tolerance",
        )  # fmt: skip
        for name in positive:
            if getattr(self, name) <= 0:
                raise ModelError(f"{name}: must be > 0, got {getattr(self, name)!r}")
        non_negative = (
            "spares_per_site", "horizon_years", "growth_per_year", "os_reserved_gib", "redis_replicas",
            "request_overhead_bytes", "seed", "bootstrap_samples",
        )  # fmt: skip
        for name in non_negative:
            if getattr(self, name) < 0:
                raise ModelError(f"{name}: must be >= 0, got {getattr(self, name)!r}")
        for name in ("think_time_s", "reference_cores"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ModelError(f"{name}: must be > 0, got {value!r}")
        for name in ("max_utilization", "generator_max_cpu"):
            if not 0 < getattr(self, name) <= 1:
                raise ModelError(f"{name}: must lie in (0, 1], got {getattr(self, name)!r}")
        if not 0 < self.slo_percentile < 100:
            raise ModelError(f"slo_percentile: must lie in (0, 100), got {self.slo_percentile!r}")
        if not 0 < self.holdout_share < 1:
            raise ModelError(f"holdout_share: must lie in (0, 1), got {self.holdout_share!r}")
        if self.max_extrapolation < 1:
            raise ModelError(f"max_extrapolation: must be >= 1, got {self.max_extrapolation!r}")
        if self.redis_memory_overhead < 1:
            raise ModelError(f"redis_memory_overhead: must be >= 1, got {self.redis_memory_overhead!r}")
        if self.sites < 1:
            raise ModelError(f"sites: must be >= 1, got {self.sites!r}")
        if self.site_failover and self.sites < 2:
            raise ModelError(
                "site_failover: needs at least 2 sites (one to lose, one to carry the load), "
                f"got sites={self.sites}"
            )

    @property
    def growth_factor(self) -> float:
        """(1 + growth)^horizon: how much the load and yearly volumes grow by the end of the horizon."""
        return float((1.0 + self.growth_per_year) ** self.horizon_years)

    @property
    def planned_users(self) -> float:
        """Concurrent users to plan for: target × surge × growth factor."""
        return self.target_users * self.surge * self.growth_factor

    def as_dict(self) -> dict[str, object]:
        """Every field with its value, in declaration order (for the sizing output)."""
        return {spec.name: getattr(self, spec.name) for spec in fields(self)}
