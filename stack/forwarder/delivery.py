"""One delivery attempt of one outbox entry to the back-office system that processes it.

Routing is the catalogue's (``system_for(procedure_id, province_code)``); the payload is the dossier as
stored (form, attachment references) with its processing deadline. The receiver's answer is sorted into
an :class:`Attempt`: delivered, worth retrying (timeouts, refused connections, 408/425/429, 5xx: a
system that is down or overloaded), or permanent (any other 4xx, an unroutable or vanished dossier),
which goes to the dead-letter stream at once since retrying cannot help.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from redis.exceptions import RedisError

from stack.catalogue.catalogue import Catalogue
from stack.catalogue.model import BackOfficeSystem, UnknownValueError
from stack.data.dossiers import DossierStore
from stack.data.outbox import OutboxEntry
from stack.forwarder import metrics
from stack.sims.backoffice_protocol import AttachmentRef, Delivery

RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""4xx answers that mean "not now" rather than "never" (plus every 5xx)."""
DAY = timedelta(days=1)
REDIS_ERROR = "redis_error"
"""Reason of an attempt that failed on the portal's own Redis before anything was sent."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """The outcome of one attempt: ``kind`` is delivered | retry | permanent; ``reason`` a short label
    (a metric label value); ``retry_after_s`` the receiver's Retry-After, if it sent one."""

    kind: str
    reason: str
    detail: str = ""
    system: str = ""
    agency: str = ""
    duplicate: bool = False
    retry_after_s: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("delivered", "retry", "permanent"):
            raise ValueError(f"kind: need delivered, retry or permanent, got {self.kind!r}")


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


class Deliverer:
    """Routes, builds and sends deliveries over one HTTP client."""

    def __init__(
        self, backoffice_url: str, catalogue: Catalogue, dossiers: DossierStore, http: httpx.AsyncClient
    ):
        self._base = backoffice_url.rstrip("/")
        self._catalogue = catalogue
        self._dossiers = dossiers
        self._http = http

    def route(self, entry: OutboxEntry) -> BackOfficeSystem:
        """The system that processes ``entry`` (UnknownValueError for a procedure or province the
        catalogue does not hold)."""
        return self._catalogue.system_for(entry.procedure_id, entry.province_code)

    async def payload(self, entry: OutboxEntry) -> Delivery | None:
        """The delivery body, or None when the dossier is gone."""
        dossier = await self._dossiers.get(entry.code)
        procedure = self._catalogue.get(entry.procedure_id)
        if dossier is None or procedure is None:
            return None
        submitted = datetime.fromtimestamp(entry.submitted_ms / 1000, UTC)
        return Delivery(
            code=dossier.code,
            procedure_id=dossier.procedure_id,
            province_code=dossier.province_code,
            submitted_at=submitted,
            deadline_at=submitted + procedure.processing_days * DAY,
            form=dossier.form,
            attachments=tuple(
                AttachmentRef(name=a.name, sha256=a.sha256, size=a.size) for a in dossier.attachments
            ),
        )

    async def deliver(self, entry: OutboxEntry) -> Attempt:
        """One attempt: route, build, POST, classify."""
        try:
            system = self.route(entry)
        except UnknownValueError as exc:
            return Attempt("permanent", "unroutable", str(exc))
        try:
            payload = await self.payload(entry)
        except RedisError as exc:  # not the receiver's fault: retried without counting as an attempt
            return Attempt("retry", REDIS_ERROR, f"{type(exc).__name__}: {exc}", system.code, system.agency)
        if payload is None:
            return Attempt(
                "permanent", "missing", f"dossier {entry.code} or its procedure is gone", system.code
            )
        url = f"{self._base}/systems/{system.code}/dossiers"
        headers = {"Idempotency-Key": entry.code, "Content-Type": "application/json"}
        start = time.perf_counter()
        try:
            response = await self._http.post(url, content=payload.body(), headers=headers)
        except httpx.TimeoutException as exc:
            metrics.ATTEMPT_SECONDS.labels("timeout").observe(time.perf_counter() - start)
            return Attempt("retry", "timeout", f"{type(exc).__name__}: {exc}", system.code, system.agency)
        except httpx.TransportError as exc:
            metrics.ATTEMPT_SECONDS.labels("transport").observe(time.perf_counter() - start)
            return Attempt("retry", "transport", f"{type(exc).__name__}: {exc}", system.code, system.agency)
        status = response.status_code
        result = "ok" if status < 300 else f"http_{status // 100}xx"
        metrics.ATTEMPT_SECONDS.labels(result).observe(time.perf_counter() - start)
        if 200 <= status < 300:
            duplicate = bool(response.json().get("duplicate", False))
            return Attempt("delivered", "ok", "", system.code, system.agency, duplicate)
        detail = f"HTTP {status}: {response.text[:300]}"
        if status >= 500 or status in RETRYABLE_STATUSES:
            return Attempt(
                "retry", f"http_{status}", detail, system.code, system.agency, False, _retry_after(response)
            )
        return Attempt("permanent", f"http_{status}", detail, system.code, system.agency)
