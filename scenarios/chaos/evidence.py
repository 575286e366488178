"""Gather the audit's inputs after the drill: the store (Redis), the back office's ledger, dead letters
and the reconciliation of payments. Each function reads one source; the arithmetic is in
:mod:`scenarios.chaos.audit`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeAlias

import httpx
import redis

from scenarios.chaos.audit import Receipt
from stack.data import keys

HTTP_TIMEOUT_S = 10.0
Store: TypeAlias = "redis.Redis | redis.RedisCluster"
"""The store read: one Redis, or a Redis Cluster (a promoted replica answers for its shard)."""


def dossier_statuses(client: Store, codes: Iterable[str]) -> dict[str, str | None]:
    """Each dossier code's status in Redis (None when absent)."""
    codes = sorted(set(codes))
    pipe = client.pipeline(transaction=False)
    for code in codes:
        tag = keys.tag_of_code(code)
        pipe.hget(keys.dossier(code, tag or "00"), "status")
    return {code: _text(value) for code, value in zip(codes, pipe.execute(), strict=True)}


def payment_statuses(client: Store, payment_ids: Iterable[str]) -> dict[str, str | None]:
    """Each payment's status in Redis (None when absent)."""
    ids = sorted(set(payment_ids))
    pipe = client.pipeline(transaction=False)
    for pid in ids:
        tag = keys.tag_of_payment(pid)
        pipe.hget(keys.payment(pid, tag or "00"), "status")
    return {pid: _text(value) for pid, value in zip(ids, pipe.execute(), strict=True)}


def dead_lettered(client: Store) -> set[str]:
    """Codes of every dossier in a dead-letter stream."""
    pipe = client.pipeline(transaction=False)
    for tag in keys.all_tags():
        pipe.xrange(keys.outbox_dead(tag))
    codes: set[str] = set()
    for entries in pipe.execute():
        for _id, fields in entries:
            code = _text(fields.get(b"code"))
            if code:
                codes.add(code)
    return codes


def outbox_backlog(client: Store) -> int:
    """Entries still in the outbox streams (not yet acknowledged by a back-office system)."""
    pipe = client.pipeline(transaction=False)
    for tag in keys.all_tags():
        pipe.xlen(keys.outbox(tag))
    return sum(int(n) for n in pipe.execute())


def received(backoffice_url: str) -> dict[str, Receipt]:
    """The back-office simulator's ledger: a receipt per dossier code."""
    with httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False) as http:
        response = http.get(f"{backoffice_url}/_sim/received")
        response.raise_for_status()
    rows = response.json()["received"]
    return {code: Receipt(deliveries=row["deliveries"], applied=row["applied"]) for code, row in rows.items()}


def drain(
    client: Store,
    backoffice_url: str,
    submitted: set[str],
    timeout_s: float,
    say: Callable[[str], None],
) -> float:
    """Wait until every submitted dossier reached the back office (or is dead-lettered), or ``timeout_s``
    passes; returns the seconds waited."""
    start = time.monotonic()
    while True:
        waiting = submitted - set(received(backoffice_url)) - dead_lettered(client)
        elapsed = time.monotonic() - start
        if not waiting or elapsed >= timeout_s:
            say(f"drain: {len(waiting)} submitted dossiers not yet delivered after {elapsed:.0f} s")
            return elapsed
        say(f"drain: {len(waiting)} waiting, outbox backlog {outbox_backlog(client)} ({elapsed:.0f} s)")
        time.sleep(2.0)


def settle_callbacks(
    payments_url: str,
    partners: Iterable[str],
    timeout_s: float,
    say: Callable[[str], None],
) -> dict[str, dict[str, object]]:
    """Wait until no partner of ``partners`` has a notice in flight (each is delivered, rejected or given
    up), or ``timeout_s`` passes; every partner's delivery counters. A notice still in flight when the
    ledgers are compared would read as a ``missing_callback`` that is only late."""
    start = time.monotonic()
    with httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False) as http:
        while True:
            counters: dict[str, dict[str, object]] = {}
            for code in partners:
                response = http.get(f"{payments_url}/_sim/partners/{code}/stats")
                response.raise_for_status()
                counters[code] = dict(response.json()["delivery"])
            in_flight = sum(int(str(c.get("in_flight", 0))) for c in counters.values())
            elapsed = time.monotonic() - start
            if not in_flight or elapsed >= timeout_s:
                say(f"callbacks: {in_flight} partner notices still in flight after {elapsed:.1f} s")
                return counters
            time.sleep(0.5)


def reconciliation(
    redis_url: str,
    payments_url: str,
    start: datetime,
    end: datetime,
    partners: tuple[str, ...],
    cluster: bool = False,
) -> dict[str, object]:
    """``cuaso reconcile``'s logic over the drill's period, for ``partners``; its report as a dict."""
    from stack.reconcile.model import Period
    from stack.reconcile.run import run_reconciliation
    from stack.reconcile.sources import PortalLedger

    portal = PortalLedger.from_url(redis_url, cluster)
    try:
        report = run_reconciliation(Period(start, end), portal, payments_url, partners, grace_s=60.0)
    finally:
        portal.close()
    full = report.to_dict()
    return {key: full[key] for key in ("period", "clean", "mismatches_by_kind") if key in full}


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
