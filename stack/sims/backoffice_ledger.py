"""What the back-office systems received: one receipt per dossier code, however often it was delivered.

A dossier is *applied* once, on its first delivery; every later delivery of the same code (a retry
after a lost acknowledgement, a redelivery after a forwarder crash) is acknowledged again and counted as
a duplicate. ``GET /_sim/received`` exposes the counts so that tests can check "exactly once in effect":
every code has a receipt (none lost) and every receipt was applied once (none applied twice), whatever
the number of deliveries. The ledger lives in the simulator's memory (a restart forgets it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(slots=True)
class Receipt:
    """One dossier at one system (mutable: deliveries grow, the decision is filled in later)."""

    code: str
    system: str
    received_at: str
    deliveries: int = 1
    status: str = "received"
    decision: str = ""
    late: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "received_at": self.received_at,
            "deliveries": self.deliveries,
            "applied": 1,
            "status": self.status,
            "decision": self.decision,
            "late": self.late,
        }


class Ledger:
    """Receipts by dossier code."""

    def __init__(self) -> None:
        self._receipts: dict[str, Receipt] = {}
        self.deliveries = 0
        self.duplicates = 0
        self.misdirected = 0

    def record(self, code: str, system: str) -> tuple[Receipt, bool]:
        """Record a delivery of ``code`` to ``system``; True when it is the first (to be applied)."""
        self.deliveries += 1
        receipt = self._receipts.get(code)
        if receipt is not None:
            receipt.deliveries += 1
            self.duplicates += 1
            return receipt, False
        receipt = Receipt(code, system, datetime.now(UTC).isoformat(timespec="milliseconds"))
        self._receipts[code] = receipt
        return receipt, True

    def get(self, code: str) -> Receipt | None:
        return self._receipts.get(code)

    def snapshot(self, system: str | None = None) -> dict[str, Any]:
        """Totals, and each code's receipt (only ``system``'s when given)."""
        receipts = {
            code: r.to_dict() for code, r in self._receipts.items() if system is None or r.system == system
        }
        return {
            "dossiers": len(self._receipts),
            "deliveries": self.deliveries,
            "duplicates": self.duplicates,
            "misdirected": self.misdirected,
            "received": receipts,
        }
