"""The audit's inputs read back through the portal's own API, for a system cuaso did not start.

Against ``--host`` cuaso has no access to the store, the back office or the payments ledgers; it has
what any client has, and asks only for what the witness was told:

- a dossier's status: ``GET /api/v1/public/dossiers/{code}/status`` (anonymous; ``404``: absent);
- its delivery: a back-office system that applied a dossier reports ``received`` (then ``processing``,
  ``done`` or ``returned``) to the portal (linked processing, docs/linked-processing.md), which the public
  status shows: a submitted dossier past ``submitted`` reached its back office;
- a payment's status: ``GET /api/v1/payments/{id}`` as the citizen who made it (a fresh e-ID login, the
  witness's own, whose redirects are asked of the allow-list).

A read that keeps failing (after the witness's retries) leaves the record unread: :class:`Readings`
lists them, and the audit counts them as not found, saying why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from scenarios.chaos.audit import Receipt
from scenarios.chaos.witness import REQUEST_TIMEOUT_S, STEP_ATTEMPTS, STEP_BACKOFF_S, Ack, StepFailed, Witness
from stack.data.statistics import SYNC_STATUSES

DELIVERED = frozenset(SYNC_STATUSES)
"""Statuses only a back-office system sets: the dossier reached it."""
POLL_S = 2.0
"""How often the drain reads the submitted dossiers' statuses again."""


@dataclass
class Readings:
    """What the API answered, by id (None: absent, a 404), and what could not be read, with why."""

    statuses: dict[str, str | None] = field(default_factory=dict)
    unread: dict[str, str] = field(default_factory=dict)


def _read(http: httpx.Client, path: str, headers: dict[str, str] | None = None) -> tuple[str | None, str]:
    """The ``status`` field at ``path`` (None on a 404) and ``""``, or None and why it could not be read."""
    why = ""
    for _ in range(STEP_ATTEMPTS):
        try:
            response = http.get(path, headers=headers)
        except httpx.HTTPError as exc:
            why = f"GET {path}: {type(exc).__name__}"
        else:
            if response.status_code == 200:
                return str(response.json()["status"]), ""
            if response.status_code == 404:
                return None, ""
            why = f"GET {path} answered {response.status_code}"
        time.sleep(STEP_BACKOFF_S)
    return None, why


def dossier_statuses(http: httpx.Client, codes: Iterable[str]) -> Readings:
    readings = Readings()
    for code in sorted(set(codes)):
        status, why = _read(http, f"/api/v1/public/dossiers/{code}/status")
        readings.statuses[code] = status
        if why:
            readings.unread[code] = why
    return readings


def payment_statuses(http: httpx.Client, witness: Witness, acks: Iterable[Ack]) -> Readings:
    """Each acknowledged payment's status, read as its citizen (one login per citizen)."""
    readings = Readings()
    sessions: dict[str, dict[str, str]] = {}
    for ack in sorted((a for a in acks if a.kind == "payment_created"), key=lambda a: a.record_id):
        if ack.citizen_id not in sessions:
            try:
                sessions[ack.citizen_id] = witness.login(http, ack.citizen_id)
            except StepFailed:
                readings.statuses[ack.record_id] = None
                readings.unread[ack.record_id] = f"e-ID login as {ack.citizen_id} failed"
                continue
        status, why = _read(http, f"/api/v1/payments/{ack.record_id}", sessions[ack.citizen_id])
        readings.statuses[ack.record_id] = status
        if why:
            readings.unread[ack.record_id] = why
    return readings


def received(readings: Readings) -> dict[str, Receipt]:
    """The back office's receipts as the public statuses show them: one application per dossier past
    ``submitted`` (how often a back office applied it is not visible from outside)."""
    return {code: Receipt(deliveries=1, applied=1) for code, s in readings.statuses.items() if s in DELIVERED}


def drain(http: httpx.Client, submitted: set[str], timeout_s: float, say: Callable[[str], None]) -> Readings:
    """Read the submitted dossiers' statuses until every one is past ``submitted`` or ``timeout_s``
    passes; the last readings."""
    start = time.monotonic()
    while True:
        readings = dossier_statuses(http, submitted)
        waiting = [code for code in submitted if readings.statuses.get(code) not in DELIVERED]
        elapsed = time.monotonic() - start
        if not waiting or elapsed >= timeout_s:
            say(f"drain: {len(waiting)} submitted dossiers not yet received by a back office after "
                f"{elapsed:.0f} s (public status)")  # fmt: skip
            return readings
        say(f"drain: {len(waiting)} submitted dossiers not yet received by a back office ({elapsed:.0f} s)")
        time.sleep(POLL_S)


def client(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, trust_env=False)
