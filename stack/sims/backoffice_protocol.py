"""The wire protocol of linked processing (liên thông), shared by the forwarder, the back-office
simulator and the portal's sync endpoint.

1. **Delivery** (forwarder → back-office system): ``POST <backoffice>/systems/{system}/dossiers`` with a
   :class:`Delivery` as JSON and ``Idempotency-Key: <dossier code>``. Any 2xx means the system holds the
   dossier; delivering the same code again is acknowledged again and changes nothing (idempotent at the
   receiver), so a redelivery after a crash is harmless.
2. **Status update** (back-office system → portal): ``POST /api/v1/sync/status`` with a
   :class:`StatusUpdate` as JSON, the system's code in :data:`SYSTEM_HEADER` and the hex HMAC-SHA256 of
   the exact body bytes in :data:`SIGNATURE_HEADER`, keyed with :func:`system_secret` (one key per
   system, all derived from one seed that the portal and the systems share: a system can only speak for
   itself). ``seq`` numbers one dossier's updates (1 received, 2 processing, 3 done or returned); the
   portal applies a higher ``seq`` and ignores an equal (duplicate) or lower (stale) one, so replays are
   harmless and need no timestamp window.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt

from stack.data.keys import DOSSIER_CODE_RE

SIGNATURE_HEADER = "X-Signature"
SYSTEM_HEADER = "X-Backoffice-System"
SyncStatus = Literal["received", "processing", "done", "returned"]
MAX_SEQ = 1000
"""Assumption: no dossier has more than 1,000 status updates; larger numbers are refused as garbage."""
MAX_FORM_FIELDS = 50
"""The portal's own bound on form fields (stack/app/routers/dossiers.py)."""


def system_secret(system: str, seed: str) -> bytes:
    """The HMAC-SHA256 key back-office system ``system`` shares with the portal under ``seed``."""
    if not system:
        raise ValueError("system: need a system code, got an empty string")
    return hmac.new(seed.encode(), b"cuaso-backoffice-secret:" + system.encode(), hashlib.sha256).digest()


def sign(secret: bytes, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body``."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the HMAC of ``body`` (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, body), signature.strip().lower())


class AttachmentRef(BaseModel):
    """An attachment as a back-office system receives it: name and content hash (the file itself is
    fetched separately by hash; this model does not carry files)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: StrictInt = Field(ge=0)


class Delivery(BaseModel):
    """One dossier as the portal forwards it to the system that processes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=DOSSIER_CODE_RE.pattern)
    procedure_id: str = Field(min_length=1, max_length=40)
    province_code: str = Field(pattern=r"^P[0-9]{2}$")
    submitted_at: AwareDatetime
    deadline_at: AwareDatetime
    form: dict[str, str | int | float | bool | None] = Field(default_factory=dict, max_length=MAX_FORM_FIELDS)
    attachments: tuple[AttachmentRef, ...] = Field(default=(), max_length=100)

    def body(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


class StatusUpdate(BaseModel):
    """A back-office system's statement about one dossier; ``at`` is when it happened there."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=DOSSIER_CODE_RE.pattern)
    seq: StrictInt = Field(ge=1, le=MAX_SEQ)
    status: SyncStatus
    at: AwareDatetime
    note: str = Field(default="", max_length=200)

    def body(self) -> bytes:
        """The JSON bytes that are sent and signed."""
        return orjson.dumps(self.model_dump(mode="json"))


def signed_status(update: StatusUpdate, system: str, seed: str) -> tuple[bytes, dict[str, str]]:
    """The request body and headers system ``system`` sends for ``update``."""
    body = update.body()
    headers = {
        SIGNATURE_HEADER: sign(system_secret(system, seed), body),
        SYSTEM_HEADER: system,
        "Content-Type": "application/json",
    }
    return body, headers
