"""Thin I/O of reconciliation: the portal's ledger from Redis, each partner's ledger over HTTP.

The portal's ledger of a window is read from the 256 per-partition time indexes
(:func:`stack.data.keys.payments_by_time`) in one pipelined round trip, then the payments themselves in
pipelined batches; callbacks for unknown payments from one sorted set per partner. A partner's ledger is
``GET <partners>/partners/{code}/ledger?from=&to=``, retried a few times on 5xx or network errors (the
simulator may be running with injected faults). Any other failure raises :class:`SourceError` naming the
source, which the CLI reports to a person.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import orjson
from redis import Redis, RedisCluster
from redis.exceptions import RedisError

from results.exceptions import CuasoError
from stack.data import keys
from stack.data.client import blocking_client
from stack.data.payments import decode_payment
from stack.reconcile.model import LedgerEntry, Status, iso

BATCH = 1000
"""Payments read per pipelined round trip (assumption: large enough to amortise, small enough for memory)."""
HTTP_ATTEMPTS = 4
HTTP_RETRY_S = 0.5
"""Assumption: a partner's ledger is asked for 4 times, 0.5 s apart, before reconciliation gives up."""
HTTP_TIMEOUT_S = 30.0


class SourceError(CuasoError):
    """A ledger could not be read; the message names which one and why."""


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _payment_entry(raw: Mapping[Any, Any]) -> LedgerEntry:
    payment = decode_payment(raw)
    return LedgerEntry(
        partner=payment.partner,
        payment_id=payment.payment_id,
        amount=payment.amount,
        currency=payment.currency,
        status=cast(Status, payment.status),
        at=datetime.fromisoformat(payment.created_at),
        txn_id=payment.partner_txn_id,
        dossier_code=payment.dossier_code,
    )


class PortalLedger:
    """The portal's payments and unknown-payment callbacks, read from its Redis."""

    def __init__(self, redis: Redis | RedisCluster) -> None:
        self.redis = redis

    @classmethod
    def from_url(cls, url: str, cluster: bool = False) -> PortalLedger:
        """From the portal's Redis (a Redis Cluster's nodes, comma-separated, when ``cluster``)."""
        if cluster:
            return cls(blocking_client(url, cluster=True))
        return cls(Redis.from_url(url, socket_timeout=HTTP_TIMEOUT_S))

    def payments_between(self, start: datetime, end: datetime) -> list[LedgerEntry]:
        """Payments created in ``[start, end)``."""
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for tag in keys.all_tags():
                    pipe.zrangebyscore(keys.payments_by_time(tag), _ms(start), f"({_ms(end)}")
                per_tag = pipe.execute()
        except RedisError as exc:
            raise SourceError(f"portal ledger: cannot read Redis: {exc}") from exc
        ids = [pid.decode() for found in per_tag for pid in found]
        return self.payments(ids)

    def payments(self, payment_ids: Iterable[str]) -> list[LedgerEntry]:
        """The payments with these ids (ids the portal does not know, or malformed ones, are skipped)."""
        wanted = [(pid, tag) for pid in payment_ids if (tag := keys.tag_of_payment(pid)) is not None]
        entries: list[LedgerEntry] = []
        try:
            for i in range(0, len(wanted), BATCH):
                with self.redis.pipeline(transaction=False) as pipe:
                    for pid, tag in wanted[i : i + BATCH]:
                        pipe.hgetall(keys.payment(pid, tag))
                    entries += [_payment_entry(raw) for raw in pipe.execute() if raw]
        except RedisError as exc:
            raise SourceError(f"portal ledger: cannot read Redis: {exc}") from exc
        return entries

    def unknown_callbacks(self, partners: Sequence[str], start: datetime, end: datetime) -> list[LedgerEntry]:
        """Signed callbacks for unknown payment ids received in ``[start, end)``."""
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for partner in partners:
                    key = keys.unknown_payment_callbacks(partner)
                    pipe.zrangebyscore(key, _ms(start), f"({_ms(end)}", withscores=True)
                rows = pipe.execute()
        except RedisError as exc:
            raise SourceError(f"portal ledger: cannot read Redis: {exc}") from exc
        entries = []
        for partner, found in zip(partners, rows, strict=True):
            for member, score in found:
                note = orjson.loads(member)
                entries.append(
                    LedgerEntry(
                        partner=partner,
                        payment_id=note["payment_id"],
                        amount=note["amount"],
                        currency=note["currency"],
                        status=note["status"],
                        at=datetime.fromtimestamp(score / 1000, UTC),
                        txn_id=note.get("partner_txn_id"),
                    )
                )
        return entries

    def close(self) -> None:
        self.redis.close()


def _charge_entry(partner: str, row: Mapping[str, Any]) -> LedgerEntry:
    return LedgerEntry(
        partner=partner,
        payment_id=str(row["payment_id"]),
        amount=row["amount"],
        currency=str(row["currency"]),
        status=row["status"],
        at=datetime.fromisoformat(str(row["created_at"])),
        txn_id=str(row["txn_id"]),
        dossier_code=str(row.get("order_info") or "") or None,
    )


def partner_ledger(
    http: httpx.Client, partners_url: str, partner: str, start: datetime, end: datetime
) -> list[LedgerEntry]:
    """One partner's charges made in ``[start, end)``."""
    url = f"{partners_url.rstrip('/')}/partners/{partner}/ledger"
    params = {"from": iso(start), "to": iso(end)}
    problem = ""
    for attempt in range(HTTP_ATTEMPTS):
        if attempt:
            time.sleep(HTTP_RETRY_S)
        try:
            response = http.get(url, params=params)
        except httpx.HTTPError as exc:
            problem = str(exc) or type(exc).__name__
            continue
        if response.status_code >= 500:
            problem = f"HTTP {response.status_code}"
            continue
        if response.status_code != 200:
            raise SourceError(
                f"{partner} ledger: {url} answered {response.status_code}: {response.text[:200]}"
            )
        try:
            return [_charge_entry(partner, row) for row in response.json()["entries"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(f"{partner} ledger: {url} answered an unreadable ledger: {exc}") from exc
    raise SourceError(f"{partner} ledger: {url} failed {HTTP_ATTEMPTS} times, last: {problem}")
