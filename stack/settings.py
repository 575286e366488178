"""The one typed settings object of the reference portal.

Read from environment variables prefixed ``CUASO_`` (``CUASO_REDIS_URL``, ``CUASO_EID_URL``...), which is
how the launcher hands them to every uvicorn worker process. Every default that is not sourced in
``../shared/FACTS.md`` is an assumption, and says so.
"""

from __future__ import annotations

from datetime import date
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
    redis_wait_replicas: int = Field(
        0,
        ge=0,
        description="Replicas a submission or payment waits for before its 2xx (cluster only; 0: off).",
    )
    redis_wait_timeout_ms: int = Field(
        500, ge=1, description="Longest WAIT for a replica before a 503 (assumption: a replica acks in ms)."
    )
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

    # --- overload protection (docs/overload.md) ----------------------------------------------------
    admission_enabled: bool = Field(True, description="Per-worker admission control on /api/ requests.")
    admission_max_in_flight: int = Field(
        64,
        ge=1,
        description=(
            "Requests served at once per worker (assumption: Little's law, ~2,000 req/s per worker core "
            "(docs/benchmarks.md) x ~30 ms per request including e-ID/population waits = 60)."
        ),
    )
    admission_queue: int = Field(
        64, ge=0, description="Requests waiting for a slot per worker; more get 503 at once (assumption)."
    )
    admission_queue_timeout_s: float = Field(
        0.5,
        gt=0,
        le=30,
        description="Longest wait in the queue before a 503 (assumption: short next to a page load).",
    )
    admission_retry_after_s: int = Field(
        1, ge=1, le=3600, description="Retry-After of an admission 503 (assumption: 1 s)."
    )
    rate_limit_per_s: float = Field(
        20.0,
        ge=0,
        description=(
            "Sustained authenticated requests per second per citizen; 0 turns the limit off (assumption: a "
            "person never comes near 20/s, a script does)."
        ),
    )
    rate_limit_burst: int = Field(
        40, ge=1, description="Requests a citizen may send at once above the rate (assumption: 2 s worth)."
    )

    # --- payment partners (stack/sims/payments.py, docs/payments.md) -------------------------------
    payments_url: str = Field(
        "http://127.0.0.1:8103", description="Payment-partner simulator as clients see it (checkouts)."
    )
    payment_secret_seed: str = Field(
        "cuaso-dev-payments",
        min_length=1,
        description="Seed of every partner's HMAC key (a development value; same in the simulator).",
    )
    payment_callback_max_age_s: int = Field(
        86_400,
        ge=1,
        description=(
            "Callbacks whose timestamp is further than this from now are refused as replays "
            "(assumption: partners retry notifications for up to a day)."
        ),
    )

    # --- linked processing: forwarding and status sync (docs/linked-processing.md) ----------------
    backoffice_url: str = Field(
        "http://127.0.0.1:8104", description="Back-office systems simulator (151 systems under one URL)."
    )
    sync_secret_seed: str = Field(
        "cuaso-dev-sync",
        min_length=1,
        description="Seed of every back-office system's HMAC key for status sync (a development value).",
    )
    forwarder_group: str = Field("forwarders", min_length=1, description="Outbox consumer group name.")
    forwarder_concurrency: int = Field(
        64, ge=1, description="Deliveries in flight per forwarder process (assumption)."
    )
    forwarder_block_ms: int = Field(
        1000, ge=10, description="Longest wait of one outbox read for new entries (assumption)."
    )
    forwarder_read_mode: Literal["multi", "per_partition"] = Field(
        "multi",
        description=(
            "multi: one blocking XREADGROUP over every partition (one Redis); per_partition: one "
            "non-blocking read per partition, pipelined (Redis Cluster refuses cross-slot reads)."
        ),
    )
    forwarder_max_attempts: int = Field(
        10, ge=1, description="Delivery attempts before an entry goes to the dead-letter stream (assumption)."
    )
    forwarder_backoff_base_s: float = Field(
        0.5, gt=0, description="First retry delay; doubles per attempt, full jitter (assumption)."
    )
    forwarder_backoff_max_s: float = Field(30.0, gt=0, description="Longest retry delay (assumption).")
    forwarder_claim_idle_s: float = Field(
        30.0,
        gt=0,
        description="An entry pending this long without a heartbeat is claimed from its (dead) consumer.",
    )
    forwarder_timeout_s: float = Field(
        10.0, gt=0, description="Timeout of one delivery to a back-office system (assumption)."
    )
    forwarder_seed: int = Field(0, description="Seed of the retry jitter (mixed with the consumer name).")
    statistics_cache_s: float = Field(
        1.0, ge=0, description="How stale public statistics may be, per worker (assumption: 1 s)."
    )

    # --- feedback and the account lifecycle (docs/accounts-and-feedback.md) -------------------------
    notify_url: str = Field(
        "http://127.0.0.1:8105", description="SMS/e-mail gateway (the notify sink simulator) for notices."
    )
    agency_secret: str = Field(
        "cuaso-dev-agency",
        min_length=8,
        description="Shared secret agencies send in X-Agency-Secret to answer feedback (a development value)",
    )
    feedback_answer_working_days: int = Field(
        10, ge=1, le=260, description="Working days an agency has to answer feedback (assumption: 10)."
    )
    public_holidays: tuple[date, ...] = Field(
        (),
        description=(
            "Public holidays skipped by working-week deadlines, local dates as a JSON list in "
            "CUASO_PUBLIC_HOLIDAYS (assumption: none unless given; Tết moves every year)."
        ),
    )
    account_min_notice_days: int = Field(
        7, ge=0, le=60, description="Least days between an inactivity notice and the lock (assumption: 7)."
    )

    # --- experiments ------------------------------------------------------------------------------
    inject_delay_ms: float = Field(0.0, ge=0, description="Delay added to every API request (regressions).")
    inject_cpu_ms: float = Field(
        0.0, ge=0, le=1000, description="CPU time burnt on every API request (a known capacity, overload)."
    )
    metrics_dir: str = Field("", description="prometheus-client multiprocess dir; empty: single process.")

    @property
    def eid_browser_url(self) -> str:
        return self.eid_public_url or self.eid_url


@cache
def get_settings() -> StackSettings:
    """The process-wide settings, read once from the environment."""
    return StackSettings()
