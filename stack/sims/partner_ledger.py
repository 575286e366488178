"""A simulated partner's own ledger: every charge it made, by time, as reconciliation reads it.

In memory, one per partner, for the life of the simulator process (assumption: a drill's payments fit
in memory; a charge is a few hundred bytes, so a million take a few hundred MB). Transaction ids are
``<PARTNER>-<10-digit counter>``: deterministic for a given order of charges.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime

from stack.sims.partner_protocol import FINAL_STATUSES, NotificationStatus, iso


@dataclass(frozen=True, slots=True)
class Txn:
    """One charge (or declined attempt) the partner made for a payment."""

    txn_id: str
    partner: str
    payment_id: str
    amount: int
    currency: str
    status: NotificationStatus
    order_info: str
    created_at: datetime

    def __post_init__(self) -> None:
        if self.status not in FINAL_STATUSES:
            raise ValueError(f"status: a charge is {list(FINAL_STATUSES)}, got {self.status!r}")
        if self.created_at.tzinfo is None:
            raise ValueError(f"created_at: need a timezone, got {self.created_at!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount: need a whole number of dong >= 0, got {self.amount!r}")

    def to_dict(self) -> dict[str, object]:
        return {
            "txn_id": self.txn_id,
            "partner": self.partner,
            "payment_id": self.payment_id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "order_info": self.order_info,
            "created_at": iso(self.created_at),
        }


class PartnerLedger:
    """The charges of one partner, ordered by time, with the notice sequence of each payment."""

    def __init__(self, partner: str) -> None:
        self.partner = partner
        self._txns: list[Txn] = []
        self._times: list[datetime] = []
        self._by_payment: dict[str, list[Txn]] = {}
        self._sequences: dict[str, int] = {}
        self._counter = 0

    def __len__(self) -> int:
        return len(self._txns)

    def charges_for(self, payment_id: str) -> tuple[Txn, ...]:
        return tuple(self._by_payment.get(payment_id, ()))

    def record(
        self,
        payment_id: str,
        amount: int,
        currency: str,
        status: NotificationStatus,
        order_info: str,
        at: datetime,
    ) -> Txn:
        """Book a charge (kept in time order even if the wall clock stepped back)."""
        self._counter += 1
        txn = Txn(f"{self.partner}-{self._counter:010d}", self.partner, payment_id, amount, currency, status,
                  order_info, at)  # fmt: skip
        index = bisect.bisect_right(self._times, at)
        self._times.insert(index, at)
        self._txns.insert(index, txn)
        self._by_payment.setdefault(payment_id, []).append(txn)
        return txn

    def next_sequence(self, payment_id: str) -> int:
        """The next notice number for a payment (1, 2, ... across all of its charges)."""
        self._sequences[payment_id] = self._sequences.get(payment_id, 0) + 1
        return self._sequences[payment_id]

    def between(self, start: datetime | None, end: datetime | None) -> list[Txn]:
        """Charges made in ``[start, end)``; an open end when None."""
        lo = 0 if start is None else bisect.bisect_left(self._times, start)
        hi = len(self._times) if end is None else bisect.bisect_left(self._times, end)
        return self._txns[lo:hi]
