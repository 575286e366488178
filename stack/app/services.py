"""Everything a worker holds for its lifetime, built once at start-up and closed at shutdown."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from stack.app.oidc import OidcClient
from stack.app.ratelimit import CitizenRateLimiter
from stack.catalogue.catalogue import Catalogue
from stack.catalogue.generate import generate_catalogue
from stack.data.blobs import BlobStore
from stack.data.client import RedisClient, make_client
from stack.data.dossiers import DossierStore
from stack.data.payments import PaymentStore
from stack.data.replication import ReplicaWait
from stack.data.sessions import LoginStateStore, ProfileCache, SessionStore
from stack.data.statistics import StatisticsStore
from stack.settings import StackSettings

HTTP_POOL_LIMIT = 200  # assumption: concurrent outbound connections per worker to outside systems


@dataclass(frozen=True, slots=True)
class Services:
    settings: StackSettings
    redis: RedisClient
    http: httpx.AsyncClient
    sessions: SessionStore
    login_states: LoginStateStore
    profiles: ProfileCache
    dossiers: DossierStore
    payments: PaymentStore
    statistics: StatisticsStore
    blobs: BlobStore
    catalogue: Catalogue
    oidc: OidcClient
    rate_limiter: CitizenRateLimiter
    replicas: ReplicaWait

    @classmethod
    def build(cls, settings: StackSettings) -> Services:
        redis = make_client(settings)
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(settings.eid_timeout_s),
            limits=httpx.Limits(max_connections=HTTP_POOL_LIMIT, max_keepalive_connections=HTTP_POOL_LIMIT),
        )
        return cls(
            settings=settings,
            redis=redis,
            http=http,
            sessions=SessionStore(redis, settings.session_ttl_s),
            login_states=LoginStateStore(redis, settings.login_state_ttl_s),
            profiles=ProfileCache(redis, settings.session_ttl_s),
            dossiers=DossierStore(redis, settings.idempotency_ttl_s),
            payments=PaymentStore(redis, settings.idempotency_ttl_s),
            statistics=StatisticsStore(redis, settings.statistics_cache_s),
            blobs=BlobStore(settings.blob_dir),
            catalogue=generate_catalogue(seed=settings.catalogue_seed, size=settings.catalogue_size),
            oidc=OidcClient(settings, http),
            rate_limiter=CitizenRateLimiter.from_settings(redis, settings),
            replicas=ReplicaWait(redis, settings.redis_wait_replicas, settings.redis_wait_timeout_ms),
        )

    async def close(self) -> None:
        await self.http.aclose()
        await self.redis.aclose()
