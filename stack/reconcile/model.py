"""The values reconciliation works on: a period, ledger entries, mismatches and the report.

All immutable and validated on construction; errors name the bad field and value. A
:class:`LedgerEntry` is one line of either ledger: the portal's (one per payment) or a partner's (one
per charge), or a callback the portal received for a payment it does not know.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

Status = Literal["pending", "succeeded", "failed"]
STATUSES: tuple[Status, ...] = ("pending", "succeeded", "failed")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True, slots=True)
class Period:
    """The half-open interval ``[start, end)`` of aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValueError(f"{name}: need a datetime with a timezone, got {value!r}")
        if self.start >= self.end:
            raise ValueError(f"end: must be later than start={iso(self.start)}, got {iso(self.end)}")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def to_dict(self) -> dict[str, str]:
        return {"from": iso(self.start), "to": iso(self.end)}


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One payment (portal) or charge (partner) or unknown-payment callback (portal), at time ``at``."""

    partner: str
    payment_id: str
    amount: int
    currency: str
    status: Status
    at: datetime
    txn_id: str | None = None
    dossier_code: str | None = None

    def __post_init__(self) -> None:
        if not self.partner:
            raise ValueError(f"partner: empty in entry for {self.payment_id!r}")
        if not self.payment_id:
            raise ValueError(f"payment_id: empty in entry of {self.partner!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount: need a whole number >= 0 for {self.payment_id}, got {self.amount!r}")
        if not _CURRENCY_RE.fullmatch(self.currency):
            raise ValueError(f"currency: need 3 capitals for {self.payment_id}, got {self.currency!r}")
        if self.status not in STATUSES:
            raise ValueError(
                f"status: need one of {list(STATUSES)} for {self.payment_id}, got {self.status!r}"
            )
        if not isinstance(self.at, datetime) or self.at.tzinfo is None:
            raise ValueError(f"at: need a datetime with a timezone for {self.payment_id}, got {self.at!r}")

    @property
    def key(self) -> tuple[str, str]:
        """What the two ledgers are matched on: the partner and the payment id."""
        return self.partner, self.payment_id

    def to_dict(self) -> dict[str, object]:
        return {
            "partner": self.partner,
            "payment_id": self.payment_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "at": iso(self.at),
            "txn_id": self.txn_id,
            "dossier_code": self.dossier_code,
        }


class MismatchKind(StrEnum):
    """What can disagree between the portal and a partner (see docs/payments.md)."""

    MISSING_CALLBACK = "missing_callback"
    AMOUNT_MISMATCH = "amount_mismatch"
    DUPLICATE = "duplicate"
    UNKNOWN_PAYMENT = "unknown_payment"
    STATUS_MISMATCH = "status_mismatch"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One disagreement, with the entries that show it."""

    kind: MismatchKind
    partner: str
    payment_id: str
    detail: str
    portal: tuple[LedgerEntry, ...] = ()
    partner_entries: tuple[LedgerEntry, ...] = ()
    unknown_callbacks: tuple[LedgerEntry, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "partner": self.partner,
            "payment_id": self.payment_id,
            "detail": self.detail,
            "portal": [e.to_dict() for e in self.portal],
            "partner_entries": [e.to_dict() for e in self.partner_entries],
            "unknown_callbacks": [e.to_dict() for e in self.unknown_callbacks],
        }


REPORT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of reconciling one period over some partners."""

    period: Period
    partners: tuple[str, ...]
    portal_payments: int
    partner_entries: int
    unknown_callbacks: int
    mismatches: tuple[Mismatch, ...]

    @property
    def clean(self) -> bool:
        return not self.mismatches

    def counts_by_kind(self) -> dict[str, int]:
        counts = {kind.value: 0 for kind in MismatchKind}
        for mismatch in self.mismatches:
            counts[mismatch.kind.value] += 1
        return counts

    def to_dict(self) -> dict[str, object]:
        return {
            "version": REPORT_VERSION,
            "period": self.period.to_dict(),
            "partners": list(self.partners),
            "counts": {
                "portal_payments": self.portal_payments,
                "partner_entries": self.partner_entries,
                "unknown_callbacks": self.unknown_callbacks,
            },
            "clean": self.clean,
            "mismatches_by_kind": self.counts_by_kind(),
            "mismatches": [m.to_dict() for m in self.mismatches],
        }
