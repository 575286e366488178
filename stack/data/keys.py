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


# --- payments (stack/data/payments.py) ----------------------------------------------------------
# A payment id is its dossier's code (HS- replaced by PM-) plus 4 random characters, so a partner's
# callback names every key it touches: the payment, its dossier's payments, one hash tag.
PAYMENT_ID_RE = re.compile(r"^PM-([0-9]{6}-([0-9A-F]{2})-[0-9A-Z]{8})-[0-9A-Z]{4}$")


def tag_of_payment(payment_id: str) -> str | None:
    """The hash tag inside a payment id (its dossier's), or None when the id is malformed."""
    match = PAYMENT_ID_RE.match(payment_id)
    return match.group(2) if match else None


def dossier_of_payment(payment_id: str) -> str | None:
    """The code of the dossier a payment id belongs to, or None when the id is malformed."""
    match = PAYMENT_ID_RE.match(payment_id)
    return "HS-" + match.group(1) if match else None


def payment(payment_id: str, tag: str) -> str:
    return f"p:{{{tag}}}:{payment_id}"


def payments_by_time(tag: str) -> str:
    """Payment ids of one partition scored by creation time (ms): the portal's ledger, by period."""
    return f"p:{{{tag}}}:bytime"


def dossier_payments(code: str, tag: str) -> str:
    """Payment id -> status of every payment of one dossier."""
    return f"d:{{{tag}}}:{code}:payments"


def payment_idempotency(citizen_id: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:payidem:{digest}"


def unknown_payment_callbacks(partner: str) -> str:
    """Signed callbacks for payment ids the portal does not know, scored by receipt time (ms)."""
    return f"pu:{{{partner}}}"


# --- linked processing (stack/data/outbox.py, stack/data/statistics.py) --------------------------
# One outbox stream and one set of statistics counters per partition: the same hash tag as the
# dossiers of that partition, so a status change, its outbox entry and its counters are one script.
def outbox(tag: str) -> str:
    """Submitted dossiers waiting to be forwarded to their back-office system (a stream)."""
    return f"ob:{{{tag}}}"


def outbox_dead(tag: str) -> str:
    """Outbox entries given up after the last attempt (a stream, for people to look at and replay)."""
    return f"ob:{{{tag}}}:dead"


def stats_provinces(tag: str) -> str:
    """Counters per province of this partition's dossiers (a hash, see stack/data/statistics.py)."""
    return f"st:{{{tag}}}:prov"


def stats_agencies(tag: str) -> str:
    """Counters per processing agency of this partition's dossiers (a hash)."""
    return f"st:{{{tag}}}:agency"


# --- accounts: activity, inactivity lock, recovery (stack/data/accounts.py) -----------------------
# An account's record carries its citizen's tag; the activity indexes, counters and recovery tickets
# of a partition carry the same tag, so a login, a notice, a lock or a recovery is one atomic script.
RECOVERY_TICKET_RE = re.compile(r"^RC-([0-9A-F]{2})-[0-9A-Z]{10}$")


def account(citizen_id: str) -> str:
    """One citizen's account lifecycle record (a hash: state, last activity, notice, lock, ticket)."""
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:account"


def accounts_active(tag: str) -> str:
    """Citizen ids of this partition not yet warned, scored by last activity (ms): the job's index."""
    return f"ac:{{{tag}}}:active"


def accounts_noticed(tag: str) -> str:
    """Citizen ids of this partition warned of the coming lock, scored by last activity (ms)."""
    return f"ac:{{{tag}}}:noticed"


def accounts_stats(tag: str) -> str:
    """Lifecycle counters of this partition (notices, locks, recoveries; a hash)."""
    return f"ac:{{{tag}}}:stats"


def tag_of_ticket(ticket_id: str) -> str | None:
    """The hash tag inside a recovery ticket id, or None when the id is malformed."""
    match = RECOVERY_TICKET_RE.match(ticket_id)
    return match.group(1) if match else None


def recovery_ticket(ticket_id: str, tag: str) -> str:
    return f"rc:{{{tag}}}:{ticket_id}"


def recoveries_open(tag: str) -> str:
    """Open recovery tickets of this partition, scored by deadline (ms): overdue ones without a scan."""
    return f"rc:{{{tag}}}:open"


# --- feedback and petitions (stack/data/feedback.py) ----------------------------------------------
FEEDBACK_ID_RE = re.compile(r"^PA-[0-9]{6}-([0-9A-F]{2})-[0-9A-Z]{8}$")


def tag_of_feedback(feedback_id: str) -> str | None:
    """The hash tag inside a feedback id (its author's), or None when the id is malformed."""
    match = FEEDBACK_ID_RE.match(feedback_id)
    return match.group(1) if match else None


def feedback(feedback_id: str, tag: str) -> str:
    return f"fb:{{{tag}}}:{feedback_id}"


def feedback_index(citizen_id: str) -> str:
    """A citizen's feedback ids scored by filing time (ms)."""
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:feedback"


def feedback_idempotency(citizen_id: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:fbidem:{digest}"


def feedback_open(tag: str) -> str:
    """Unanswered feedback of this partition, scored by answer deadline (ms)."""
    return f"fb:{{{tag}}}:open"


def feedback_open_agency(tag: str, agency: str) -> str:
    """Unanswered feedback of this partition for one agency, scored by deadline (ms): what the agency's
    back-office system lists, without reading other agencies' items."""
    return f"fb:{{{tag}}}:open:{agency}"


def feedback_stats(tag: str) -> str:
    """Feedback counters per agency of this partition (``<agency>|filed``, ``|on_time``, ``|late``)."""
    return f"fb:{{{tag}}}:stats"
