"""Dossiers in Redis: one hash per dossier, one hash of its attachments, one index per citizen.

Every write is one Lua script over keys of one hash tag (see :mod:`stack.data.keys`), so it is atomic
on a single Redis and on Redis Cluster. A successful return means Redis applied (and, with AOF on,
logged) the write: the API answers 2xx only after that.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum
from importlib import resources
from typing import Any

import orjson

from stack.data import keys
from stack.data.client import RedisClient, timed
from stack.data.statistics import SYNC_STATUSES

_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I/O: codes are read aloud and typed


def _script(name: str) -> str:
    return resources.files("stack.data").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def new_code(citizen_id: str) -> str:
    day = datetime.now(UTC).strftime("%y%m%d")
    rand = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))
    return f"HS-{day}-{keys.citizen_tag(citizen_id)}-{rand}"


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Dossier:
    code: str
    owner: str
    procedure_id: str
    province_code: str
    status: str
    created_at: str
    updated_at: str
    submitted_at: str | None
    fee_vnd: int
    form: dict[str, Any]
    attachments: tuple[Attachment, ...] = field(default=())

    def to_public(self) -> dict[str, Any]:
        """What the owner sees (the owner's own ID is not repeated)."""
        return {
            "code": self.code,
            "procedure_id": self.procedure_id,
            "province_code": self.province_code,
            "status": self.status,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "submitted_at": self.submitted_at,
            "fee_vnd": self.fee_vnd,
            "form": self.form,
            "attachments": [{"name": a.name, "sha256": a.sha256, "size": a.size} for a in self.attachments],
        }


class CreateOutcome(Enum):
    CREATED = 1
    REPLAYED = 0
    KEY_REUSED = -1


class WriteOutcome(Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    NOT_DRAFT = "not_draft"
    TOO_MANY = "too_many"
    ALREADY = "already"


class StatusOutcome(Enum):
    """What became of a back-office status update (linked processing, docs/linked-processing.md)."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the same sequence number again
    STALE = "stale"  # older than the dossier's latest
    NOT_FOUND = "not_found"
    NOT_SUBMITTED = "not_submitted"


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One status update to apply: ``seq`` orders one dossier's updates; ``agency``/``system`` process
    it; ``processing_ms`` is the procedure's processing time (its deadline is submission + that)."""

    seq: int
    status: str
    at_ms: int
    at_iso: str
    agency: str
    system: str
    processing_ms: int

    def __post_init__(self) -> None:
        if isinstance(self.seq, bool) or not isinstance(self.seq, int) or self.seq < 1:
            raise ValueError(f"seq: need an integer >= 1, got {self.seq!r}")
        if self.status not in SYNC_STATUSES:
            raise ValueError(f"status: need one of {list(SYNC_STATUSES)}, got {self.status!r}")
        if self.processing_ms < 0:
            raise ValueError(f"processing_ms: need >= 0, got {self.processing_ms!r}")


@dataclass(frozen=True, slots=True)
class StatusResult:
    """The outcome, and the dossier's status and sequence number after the update."""

    outcome: StatusOutcome
    status: str
    seq: int


def _decode(raw: dict[bytes, bytes], attachments: dict[bytes, bytes]) -> Dossier:
    s = {k.decode(): v.decode() for k, v in raw.items()}
    atts = sorted(
        (Attachment(name.decode(), **orjson.loads(meta)) for name, meta in attachments.items()),
        key=lambda a: a.name,
    )
    return Dossier(
        code=s["code"],
        owner=s["owner"],
        procedure_id=s["procedure_id"],
        province_code=s["province_code"],
        status=s["status"],
        created_at=s["created_at"],
        updated_at=s["updated_at"],
        submitted_at=s.get("submitted_at") or None,
        fee_vnd=int(s["fee_vnd"]),
        form=orjson.loads(s["form"]),
        attachments=tuple(atts),
    )


class DossierStore:
    def __init__(self, redis: RedisClient, idempotency_ttl_s: int) -> None:
        self._redis = redis
        self._idem_ttl = idempotency_ttl_s
        self._create = redis.register_script(_script("dossier_create"))
        self._attach = redis.register_script(_script("dossier_attach"))
        self._submit = redis.register_script(_script("dossier_submit"))
        self._status = redis.register_script(_script("dossier_status"))

    async def create(
        self,
        owner: str,
        procedure_id: str,
        province_code: str,
        fee_vnd: int,
        form: dict[str, Any],
        idempotency_key: str | None,
    ) -> tuple[CreateOutcome, str]:
        code = new_code(owner)
        tag = keys.citizen_tag(owner)
        now = now_iso()
        form_json = orjson.dumps(form, option=orjson.OPT_SORT_KEYS)
        fingerprint = hashlib.sha256(
            b"|".join((procedure_id.encode(), province_code.encode(), form_json))
        ).hexdigest()
        fields = {
            "code": code,
            "owner": owner,
            "procedure_id": procedure_id,
            "province_code": province_code,
            "status": "draft",
            "created_at": now,
            "updated_at": now,
            "fee_vnd": str(fee_vnd),
            "form": form_json.decode(),
        }
        argv: list[str | int] = [code, int(time.time() * 1000), self._idem_ttl if idempotency_key else 0]
        argv.append(fingerprint)
        for k, v in fields.items():
            argv += [k, v]
        key_list = [keys.idempotency(owner, idempotency_key or ""), keys.dossier(code, tag)]
        key_list.append(keys.dossier_index(owner))
        async with timed("dossier_create"):
            flag, got = await self._create(keys=key_list, args=argv)
        return CreateOutcome(int(flag)), got.decode() if isinstance(got, bytes) else str(got)

    async def attach(self, owner: str, code: str, attachment: Attachment, max_count: int) -> WriteOutcome:
        tag = keys.tag_of_code(code)
        if tag is None:
            return WriteOutcome.NOT_FOUND
        meta = orjson.dumps({"sha256": attachment.sha256, "size": attachment.size})
        key_list = [keys.dossier(code, tag), keys.dossier_attachments(code, tag)]
        async with timed("dossier_attach"):
            res = await self._attach(keys=key_list, args=[owner, attachment.name, meta, max_count, now_iso()])
        return WriteOutcome(res.decode())

    async def submit(self, owner: str, code: str) -> WriteOutcome:
        tag = keys.tag_of_code(code)
        if tag is None:
            return WriteOutcome.NOT_FOUND
        # The outbox entry and the province counters share the dossier's tag: one atomic script.
        key_list = [keys.dossier(code, tag), keys.outbox(tag), keys.stats_provinces(tag)]
        async with timed("dossier_submit"):
            res = await self._submit(keys=key_list, args=[owner, now_iso(), int(time.time() * 1000)])
        return WriteOutcome(res.decode())

    async def apply_status(self, code: str, update: StatusChange) -> StatusResult:
        """Apply a back-office status update in sequence order (stale and duplicate ones are ignored),
        keeping the public statistics counters of its partition (see ``dossier_status.lua``)."""
        tag = keys.tag_of_code(code)
        if tag is None:
            return StatusResult(StatusOutcome.NOT_FOUND, "", 0)
        key_list = [keys.dossier(code, tag), keys.stats_provinces(tag), keys.stats_agencies(tag)]
        argv: list[str | int] = [update.seq, update.status, update.at_ms, update.at_iso, now_iso()]
        argv += [update.agency, update.system, update.processing_ms]
        async with timed("dossier_status"):
            outcome, status, seq = await self._status(keys=key_list, args=argv)
        return StatusResult(StatusOutcome(outcome.decode()), status.decode(), int(seq))

    async def get(self, code: str) -> Dossier | None:
        """Any dossier by code (callers check the owner)."""
        tag = keys.tag_of_code(code)
        if tag is None:
            return None
        async with timed("dossier_get"), self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(keys.dossier(code, tag))
            pipe.hgetall(keys.dossier_attachments(code, tag))
            raw, atts = await pipe.execute()
        return _decode(raw, atts) if raw else None

    async def list_codes(self, owner: str, limit: int, offset: int) -> tuple[int, list[str]]:
        """The owner's dossier codes, newest first, and how many there are in all."""
        index = keys.dossier_index(owner)
        async with timed("dossier_list"), self._redis.pipeline(transaction=False) as pipe:
            pipe.zcard(index)
            pipe.zrevrange(index, offset, offset + limit - 1)
            total, codes = await pipe.execute()
        return int(total), [c.decode() for c in codes]

    async def summaries(self, codes: list[str]) -> list[dict[str, str | None]]:
        """Code, procedure, province, status and times of each dossier, in one round trip."""
        fields = ("code", "procedure_id", "province_code", "status", "created_at", "updated_at")
        async with timed("dossier_summaries"), self._redis.pipeline(transaction=False) as pipe:
            for code in codes:
                tag = keys.tag_of_code(code) or "00"
                pipe.hmget(keys.dossier(code, tag), list(fields))
            rows = await pipe.execute()
        return [
            {f: (v.decode() if v is not None else None) for f, v in zip(fields, row, strict=True)}
            for row in rows
            if row[0] is not None
        ]
