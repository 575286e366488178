"""The one typed settings object of the reference portal.

Read from environment variables prefixed ``CUASO_`` (``CUASO_REDIS_URL``, ``CUASO_EID_URL``...), which is
how the launcher hands them to every uvicorn worker process. Every default that is not sourced in
``../shared/FACTS.md`` is an assumption, and says so.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUASO_", frozen=True, extra="ignore")

    # --- data layer -------------------------------------------------------------------------------
    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_cluster: bool = Field(False, description="Use redis-py's cluster client (Redis Cluster).")
    redis_max_connections: int = Field(
        64, ge=1, description="Connection pool size per worker (assumption: enough for uvicorn's loop)."
    )
    redis_timeout_s: float = Field(2.0, gt=0, description="Socket timeout for Redis calls (assumption).")
    blob_dir: str = Field("var/blobs", description="Content-addressed attachment store (fsync'd files).")

    # --- national e-ID (OpenID Connect provider) --------------------------------------------------
    eid_url: str = Field("http://127.0.0.1:8101", description="Issuer / base URL of the e-ID provider.")
    eid_public_url: str = Field(
        "", description="e-ID URL as browsers see it (redirects); empty means the same as eid_url."
    )
    eid_client_id: str = "cuaso-portal"
    eid_client_secret: str = "cuaso-dev-secret"  # a development secret for the simulator only
    public_url: str = Field("http://127.0.0.1:8000", description="The portal's own URL (redirect_uri).")
    eid_timeout_s: float = Field(5.0, gt=0, description="Timeout for e-ID calls (assumption).")

    # --- population database (auto-fill) ----------------------------------------------------------
    population_url: str = "http://127.0.0.1:8102"
    population_timeout_s: float = Field(3.0, gt=0, description="Timeout for profile look-ups (assumption).")

    # --- sessions and limits ----------------------------------------------------------------------
    session_ttl_s: int = Field(
        1800, ge=60, description="Idle session lifetime, sliding (assumption: 30 min)."
    )
    login_state_ttl_s: int = Field(300, ge=10, description="Time to finish an e-ID login (assumption).")
    idempotency_ttl_s: int = Field(86_400, ge=60, description="How long Idempotency-Keys are remembered.")
    max_attachment_bytes: int = Field(
        5 * 1024 * 1024, ge=1, description="Largest attachment accepted (assumption: 5 MiB, scans of papers)."
    )
    max_attachments_per_dossier: int = Field(20, ge=1, description="Assumption.")
    max_json_body_bytes: int = Field(64 * 1024, ge=1024, description="Largest JSON body (assumption).")

    # --- catalogue --------------------------------------------------------------------------------
    catalogue_seed: int = Field(2025, description="Seed of the synthetic procedure catalogue.")
    catalogue_size: int = Field(6400, ge=10, description="FACTS-shaped: ~6,400 procedures.")

    # --- durability -------------------------------------------------------------------------------
    appendfsync: Literal["always", "everysec", "no"] = Field(
        "everysec",
        description=(
            "Redis AOF fsync policy when cuaso starts Redis. 'always' makes every acknowledged write "
            "survive a power loss at a large cost in write latency; 'everysec' (default) can lose up to "
            "~1 s of writes on a machine crash but none on a Redis process crash or restart. See "
            "docs/durability.md."
        ),
    )

    # --- experiments ------------------------------------------------------------------------------
    inject_delay_ms: float = Field(0.0, ge=0, description="Delay added to every API request (regressions).")
    metrics_dir: str = Field("", description="prometheus-client multiprocess dir; empty: single process.")

    @property
    def eid_browser_url(self) -> str:
        return self.eid_public_url or self.eid_url


@cache
def get_settings() -> StackSettings:
    """The process-wide settings, read once from the environment."""
    return StackSettings()
