"""The data tier and the wires: Redis shards, bandwidth and storage growth.

* **Redis shards** = max(operations bound, memory bound), plus replicas. The operations bound uses the
  utilization law on Redis's measured CPU seconds per request (one shard is one single-threaded
  process: at most ``max_utilization`` of one core). The memory bound holds the sessions of the
  logged-in share of the planned users and the dossiers of the hot window (FACTS yearly volume, grown
  to the horizon), with an overhead factor, in shards of at most ``redis_shard_memory_gib``.
* **Bandwidth**: out = planned requests/s × measured response bytes per request; in = planned
  requests/s × (request overhead + the mix's attachment bytes per request). A link is provisioned at
  peak / ``max_utilization``; with site failover each site's link must carry the whole peak.
* **Storage** at the horizon: the volumes of the last ``retention_years`` (future years grown, then
  the portal's history at the FACTS rate), dossier records + attachments (the mix's count and size) +
  synchronised dossier records + payment records, times ``storage_copies``, provisioned at
  ``max_utilization`` of the disks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from capacity.sizing.facts import MixFigures, YearlyVolumes, years_of_history
from capacity.sizing.inputs import REDIS_KIND, MeasuredProfile
from capacity.sizing.params import SizingParameters

GIB = float(2**30)
TB = 1e12
GBIT = 1e9

RESPONSE_BYTES_FALLBACK = 4096.0
"""Assumption: response bytes per request when the results document recorded none."""


@dataclass(frozen=True)
class RedisSizing:
    demand_s: float
    shards_for_operations: int
    memory_gib: float
    shards_for_memory: int
    replicas: int

    @property
    def shards(self) -> int:
        return max(1, self.shards_for_operations, self.shards_for_memory)

    @property
    def instances(self) -> int:
        return self.shards * (1 + self.replicas)

    @property
    def bound(self) -> str:
        return "memory" if self.shards_for_memory > self.shards_for_operations else "operations"


def redis_sizing(
    profile: MeasuredProfile,
    params: SizingParameters,
    requests_per_s: float,
    volumes: YearlyVolumes,
    mix: MixFigures,
) -> RedisSizing:
    demand = profile.demand_s(REDIS_KIND)
    ops = math.ceil(requests_per_s * demand / params.max_utilization - 1e-12)
    sessions = params.planned_users * mix.logged_in_share * params.redis_session_bytes
    hot_dossiers = volumes.dossiers_per_year * params.growth_factor * params.redis_hot_days / 365.0
    memory = (sessions + hot_dossiers * params.redis_dossier_bytes) * params.redis_memory_overhead / GIB
    return RedisSizing(
        demand_s=demand,
        shards_for_operations=ops,
        memory_gib=memory,
        shards_for_memory=math.ceil(memory / params.redis_shard_memory_gib - 1e-12),
        replicas=params.redis_replicas,
    )


@dataclass(frozen=True)
class Bandwidth:
    response_bytes_per_request: float
    response_bytes_measured: bool
    request_bytes_per_request: float
    out_gbit_s: float
    in_gbit_s: float
    per_site_link_gbit_s: float


def bandwidth(
    profile: MeasuredProfile, params: SizingParameters, requests_per_s: float, mix: MixFigures
) -> Bandwidth:
    received = sum(m.bytes_received for m in profile.levels)
    requests = sum(m.requests for m in profile.levels)
    measured = received > 0
    response = received / requests if measured else RESPONSE_BYTES_FALLBACK
    request = params.request_overhead_bytes + mix.upload_bytes_per_request
    out_gbit = requests_per_s * response * 8 / GBIT
    in_gbit = requests_per_s * request * 8 / GBIT
    share = 1.0 if params.site_failover else 1.0 / params.sites
    return Bandwidth(
        response_bytes_per_request=response,
        response_bytes_measured=measured,
        request_bytes_per_request=request,
        out_gbit_s=out_gbit,
        in_gbit_s=in_gbit,
        per_site_link_gbit_s=max(out_gbit, in_gbit) * share / params.max_utilization,
    )


@dataclass(frozen=True)
class Storage:
    bytes_per_dossier: float
    first_year_tb: float
    last_year_tb: float
    retained_tb: float
    provisioned_tb: float
    payments_per_year: float
    payment_vnd_per_year: float


def _yearly_bytes(volumes: YearlyVolumes, params: SizingParameters, mix: MixFigures, scale: float) -> float:
    per_dossier = params.dossier_record_bytes + mix.attachments_per_dossier * mix.attachment_bytes_mean
    return scale * (
        volumes.dossiers_per_year * per_dossier
        + volumes.synced_per_year * params.sync_record_bytes
        + volumes.payments_per_year * params.payment_record_bytes
    )


def storage(params: SizingParameters, volumes: YearlyVolumes, mix: MixFigures) -> Storage:
    """Bytes kept at the end of the horizon: the most recent ``retention_years`` of volume."""
    horizon = max(1, math.ceil(params.horizon_years))
    future = [
        _yearly_bytes(volumes, params, mix, (1 + params.growth_per_year) ** year)
        for year in range(1, horizon + 1)
    ]
    retained = 0.0
    window = params.retention_years
    for year_bytes in reversed(future):
        take = min(1.0, window)
        retained += take * year_bytes
        window -= take
        if window <= 0:
            break
    retained += max(0.0, min(window, years_of_history())) * _yearly_bytes(volumes, params, mix, 1.0)
    per_dossier = params.dossier_record_bytes + mix.attachments_per_dossier * mix.attachment_bytes_mean
    return Storage(
        bytes_per_dossier=per_dossier,
        first_year_tb=future[0] / TB,
        last_year_tb=future[-1] / TB,
        retained_tb=retained / TB,
        provisioned_tb=retained * params.storage_copies / params.max_utilization / TB,
        payments_per_year=volumes.payments_per_year * params.growth_factor,
        payment_vnd_per_year=volumes.payment_vnd_per_year * params.growth_factor,
    )
