"""Payments of dossier fees in Redis: one hash per payment, one status map per dossier, one time index
per partition (the portal's ledger, read by ``cuaso reconcile``), and the callbacks for unknown ids.

A payment id is its dossier's code with ``PM-`` for ``HS-`` plus 4 random characters
(:data:`stack.data.keys.PAYMENT_ID_RE`), so every key a payment touches shares the dossier's hash tag
and each write is one Lua script: atomic on a single Redis and on Redis Cluster. A successful return
means Redis applied (and, with AOF on, logged) the write; the API answers 2xx only after that.

Callbacks are applied by ``payment_callback.lua``: each sequence number at most once (a replay is a
``duplicate``), a final status (succeeded, failed) never changes again (later notices are ``ignored``),
and a notice whose partner, currency or amount differ from the payment's is refused without a write.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib import resources
from typing import Any

import orjson

from stack.data import keys
from stack.data.client import RedisClient, timed

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # as dossier codes: no I or O
CREATE_ATTEMPTS = 3
"""Fresh random ids tried when one is taken (34^4 per dossier: a second draw is already rare)."""


def _script(name: str) -> str:
    return resources.files("stack.data").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


def new_payment_id(dossier_code: str) -> str:
    """A fresh payment id for a dossier (ValueError naming the code when it is malformed)."""
    if keys.tag_of_code(dossier_code) is None:
        raise ValueError(f"dossier_code: malformed {dossier_code!r}")
    return "PM-" + dossier_code[3:] + "-" + "".join(secrets.choice(_ALPHABET) for _ in range(4))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True, slots=True)
class Payment:
    """One payment as the portal knows it."""

    payment_id: str
    dossier_code: str
    owner: str
    partner: str
    amount: int
    currency: str
    status: str
    created_at: str
    created_ms: int
    updated_at: str
    partner_txn_id: str | None
    final_at: str | None
    callbacks: int

    def to_public(self) -> dict[str, Any]:
        """What the owner sees."""
        return {
            "payment_id": self.payment_id,
            "dossier_code": self.dossier_code,
            "partner": self.partner,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "final_at": self.final_at,
            "partner_txn_id": self.partner_txn_id,
        }


def decode_payment(raw: Mapping[Any, Any]) -> Payment:
    """A payment from its Redis hash (as ``HGETALL`` returns it, bytes or str)."""
    s = {_text(k): _text(v) for k, v in raw.items()}
    return Payment(
        payment_id=s["payment_id"],
        dossier_code=s["dossier_code"],
        owner=s["owner"],
        partner=s["partner"],
        amount=int(s["amount"]),
        currency=s["currency"],
        status=s["status"],
        created_at=s["created_at"],
        created_ms=int(s["created_ms"]),
        updated_at=s["updated_at"],
        partner_txn_id=s.get("partner_txn_id") or None,
        final_at=s.get("final_at") or None,
        callbacks=int(s.get("callbacks", "0")),
    )


class CreateOutcome(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"
    KEY_REUSED = "key_reused"
    NOT_FOUND = "not_found"
    NO_FEE = "no_fee"
    ALREADY_PAID = "already_paid"


class CallbackOutcome(StrEnum):
    UNKNOWN = "unknown"
    PARTNER_MISMATCH = "partner_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    AMOUNT_MISMATCH = "amount_mismatch"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    NOTED = "noted"
    APPLIED = "applied"


class PaymentStore:
    def __init__(self, redis: RedisClient, idempotency_ttl_s: int) -> None:
        self.redis = redis
        self._idem_ttl = idempotency_ttl_s
        self._create = redis.register_script(_script("payment_create"))
        self._callback = redis.register_script(_script("payment_callback"))

    async def create(
        self, owner: str, dossier_code: str, partner: str, currency: str, idempotency_key: str | None
    ) -> tuple[CreateOutcome, str]:
        """A pending payment of the dossier's fee (read inside the script), or why there is none.

        The caller has checked that the dossier's hash tag is the owner's (else every key would not
        share one slot)."""
        tag = keys.tag_of_code(dossier_code)
        if tag is None or tag != keys.citizen_tag(owner):
            return CreateOutcome.NOT_FOUND, ""
        fingerprint = hashlib.sha256(f"{dossier_code}|{partner}|{currency}".encode()).hexdigest()
        for _ in range(CREATE_ATTEMPTS):
            payment_id = new_payment_id(dossier_code)
            now = datetime.now(UTC)
            created_ms = int(now.timestamp() * 1000)
            key_list = [
                keys.payment_idempotency(owner, idempotency_key or ""),
                keys.dossier(dossier_code, tag),
                keys.dossier_payments(dossier_code, tag),
                keys.payment(payment_id, tag),
                keys.payments_by_time(tag),
            ]
            argv: list[str | int] = [
                owner,
                payment_id,
                created_ms,
                self._idem_ttl if idempotency_key else 0,
                fingerprint,
                partner,
                currency,
                now.isoformat(timespec="milliseconds"),
            ]
            async with timed("payment_create"):
                outcome, got = await self._create(keys=key_list, args=argv)
            if _text(outcome) != "collision":
                return CreateOutcome(_text(outcome)), _text(got)
        raise RuntimeError(f"payment_id: {CREATE_ATTEMPTS} random ids for {dossier_code} were all taken")

    async def get(self, payment_id: str) -> Payment | None:
        tag = keys.tag_of_payment(payment_id)
        if tag is None:
            return None
        async with timed("payment_get"):
            raw = await self.redis.hgetall(keys.payment(payment_id, tag))
        return decode_payment(raw) if raw else None

    async def for_dossier(self, dossier_code: str) -> list[Payment]:
        """Every payment of a dossier, oldest first."""
        tag = keys.tag_of_code(dossier_code)
        if tag is None:
            return []
        async with timed("payment_list"):
            ids = await self.redis.hkeys(keys.dossier_payments(dossier_code, tag))
            async with self.redis.pipeline(transaction=False) as pipe:
                for pid in ids:
                    pipe.hgetall(keys.payment(_text(pid), tag))
                rows = await pipe.execute()
        return sorted((decode_payment(r) for r in rows if r), key=lambda p: (p.created_ms, p.payment_id))

    async def apply_callback(
        self,
        partner: str,
        payment_id: str,
        *,
        amount: int,
        currency: str,
        status: str,
        sequence: int,
        partner_txn_id: str,
    ) -> tuple[CallbackOutcome, str]:
        """Apply one verified notification; returns what happened and the payment's status after it."""
        tag = keys.tag_of_payment(payment_id)
        dossier_code = keys.dossier_of_payment(payment_id)
        if tag is None or dossier_code is None:
            return CallbackOutcome.UNKNOWN, ""
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        key_list = [keys.payment(payment_id, tag), keys.dossier_payments(dossier_code, tag)]
        argv: list[str | int] = [partner, amount, currency, status, sequence, partner_txn_id, now]
        async with timed("payment_callback"):
            outcome, current = await self._callback(keys=key_list, args=argv)
        return CallbackOutcome(_text(outcome)), _text(current)

    async def record_unknown(self, partner: str, entry: Mapping[str, object]) -> None:
        """Keep a signed callback for an unknown payment id for reconciliation (a replay of the same
        notification keeps its first receipt time)."""
        member = orjson.dumps(dict(entry), option=orjson.OPT_SORT_KEYS)
        async with timed("payment_unknown"):
            await self.redis.zadd(
                keys.unknown_payment_callbacks(partner), {member: int(time.time() * 1000)}, nx=True
            )
