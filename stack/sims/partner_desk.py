"""One simulated partner's desk: it charges at checkout, books the charge in its ledger, and plans the
notices to the portal according to its current :class:`~stack.sims.partner_behaviour.PartnerBehaviour`.

A charge sends, per behaviour, a ``pending`` notice at once and the final one (``succeeded`` or
``failed``) after ``callback_delay_ms``; reordering sends the pending notice :data:`REORDER_GAP_S` after
the final one. Sequence numbers are allocated when planned, so reordering changes only when a notice is
sent, never its number, and a duplicated notice is the same bytes twice (a true replay).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from stack.sims.faults import FaultConfig
from stack.sims.middleware import FaultState
from stack.sims.partner_behaviour import PartnerBehaviour
from stack.sims.partner_callbacks import CallbackSender
from stack.sims.partner_ledger import PartnerLedger, Txn
from stack.sims.partner_protocol import Notification, NotificationStatus
from stack.sims.partners import Partner

REORDER_GAP_S = 0.05
"""Assumption: a reordered pending notice arrives 50 ms after the final one."""


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class DeskStats:
    """What the desk did (mutable on purpose: the one event loop updates it)."""

    checkouts: int = 0
    repeat_checkouts: int = 0
    charges: int = 0
    declined: int = 0
    double_charges: int = 0
    stray_charges: int = 0
    notices_planned: int = 0
    dropped: int = 0
    duplicated: int = 0
    reordered: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


class PartnerDesk:
    """A partner's ledger, behaviour, own faults and random source, and its charging logic."""

    def __init__(
        self,
        partner: Partner,
        secret: bytes,
        sender: CallbackSender,
        seed: int = 0,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.partner = partner
        self.secret = secret
        self.sender = sender
        self.ledger = PartnerLedger(partner.code)
        self.behaviour = PartnerBehaviour()
        self.faults = FaultState(FaultConfig(latency_ms=0.0, jitter_ms=0.0), seed=seed)
        self.stats = DeskStats()
        self._rng = random.Random(f"{seed}:{partner.code}")
        self._clock = clock

    def _draw(self, rate: float) -> bool:
        if rate <= 0.0:
            return False
        return rate >= 1.0 or self._rng.random() < rate

    def checkout(self, payment_id: str, amount: int, currency: str, order_info: str) -> tuple[Txn, ...]:
        """Charge a payment the portal asked for; a repeated checkout of the same payment charges
        nothing more and returns the charges already made."""
        existing = self.ledger.charges_for(payment_id)
        if existing:
            self.stats.repeat_checkouts += 1
            return existing
        self.stats.checkouts += 1
        behaviour = self.behaviour
        status: NotificationStatus = "failed" if self._draw(behaviour.decline_rate) else "succeeded"
        charged = max(0, amount + behaviour.amount_delta)
        txns = [self._charge(payment_id, charged, currency, status, order_info)]
        if status == "succeeded" and self._draw(behaviour.double_charge_rate):
            self.stats.double_charges += 1
            txns.append(self._charge(payment_id, charged, currency, status, order_info))
        return tuple(txns)

    def stray_charge(
        self, payment_id: str, amount: int, currency: str, status: NotificationStatus, order_info: str
    ) -> Txn:
        """A charge the portal never asked for (an injected ``unknown_payment``), notified as usual."""
        self.stats.stray_charges += 1
        return self._charge(payment_id, amount, currency, status, order_info)

    def _charge(
        self, payment_id: str, amount: int, currency: str, status: NotificationStatus, order_info: str
    ) -> Txn:
        txn = self.ledger.record(payment_id, amount, currency, status, order_info, self._clock())
        self.stats.charges += 1
        if status == "failed":
            self.stats.declined += 1
        self._notify(txn)
        return txn

    def _notify(self, txn: Txn) -> None:
        behaviour = self.behaviour
        final_at = behaviour.callback_delay_ms / 1000.0
        plan: list[tuple[float, int, NotificationStatus]] = []
        if behaviour.pending_notice:
            sequence = self.ledger.next_sequence(txn.payment_id)
            reordered = self._draw(behaviour.reorder_rate)
            self.stats.reordered += reordered
            plan.append((final_at + REORDER_GAP_S if reordered else 0.0, sequence, "pending"))
        plan.append((final_at, self.ledger.next_sequence(txn.payment_id), txn.status))
        for delay_s, sequence, status in plan:
            self.stats.notices_planned += 1
            if self._draw(behaviour.drop_rate):
                self.stats.dropped += 1
                continue
            notice = Notification(
                payment_id=txn.payment_id,
                partner=txn.partner,
                amount=txn.amount,
                currency=txn.currency,
                status=status,
                partner_txn_id=txn.txn_id,
                timestamp=self._clock(),
                sequence=sequence,
            )
            copies = 2 if self._draw(behaviour.duplicate_rate) else 1
            self.stats.duplicated += copies - 1
            for _ in range(copies):
                self.sender.schedule(txn.partner, self.secret, notice, delay_s)

    def snapshot(self) -> dict[str, object]:
        """Counters of the desk and of its deliveries, for ``GET /_sim/partners/{code}/stats``."""
        return {
            "partner": self.partner.code,
            "ledger_entries": len(self.ledger),
            **self.stats.to_dict(),
            "delivery": self.sender.stats_for(self.partner.code).to_dict(),
        }
