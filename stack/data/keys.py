"""Redis key names. Every key of one citizen carries the same hash tag, so that each multi-key write is
one slot (atomic on a single Redis and on Redis Cluster alike).

The tag is one of ``PARTITIONS`` = 256 values (2 hex digits of a hash of the citizen ID). It is also the
partition of the forwarding outbox: a dossier and its outbox entry live in the same slot, so storing a
submission and queueing it for its back-office system is one atomic script even on Redis Cluster.
256 partitions spread well over up to ~16 shards (assumption; raise with care, it changes key names).
The tag leaks nothing useful about the citizen when it appears inside a (public) dossier code.
"""

from __future__ import annotations

import hashlib
import re

CITIZEN_ID_RE = re.compile(r"^[0-9]{12}$")
DOSSIER_CODE_RE = re.compile(r"^HS-[0-9]{6}-([0-9A-F]{2})-[0-9A-Z]{8}$")
PARTITIONS = 256


def citizen_tag(citizen_id: str) -> str:
    return hashlib.blake2b(citizen_id.encode(), digest_size=1).hexdigest().upper()


def all_tags() -> tuple[str, ...]:
    return tuple(f"{i:02X}" for i in range(PARTITIONS))


def tag_of_code(code: str) -> str | None:
    """The hash tag inside a dossier code, or None when the code is malformed."""
    match = DOSSIER_CODE_RE.match(code)
    return match.group(1) if match else None


def session(token: str) -> str:
    return f"sess:{{{token}}}"


def login_state(state: str) -> str:
    return f"oidc:{{{state}}}"


def profile(citizen_id: str) -> str:
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:profile"


def dossier_index(citizen_id: str) -> str:
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:dossiers"


def idempotency(citizen_id: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:idem:{digest}"


def dossier(code: str, tag: str) -> str:
    return f"d:{{{tag}}}:{code}"


def dossier_attachments(code: str, tag: str) -> str:
    return f"d:{{{tag}}}:{code}:att"
