"""Reconcile a period end to end: read both ledgers (with a grace window), compare, report.

The partners' ledgers and the portal's unknown-payment callbacks are read over ``[from - grace,
to + grace)``; charges whose payment the portal created outside the period are then looked up in the
portal one by one, so the anchor rule of :mod:`stack.reconcile.logic` can leave them to their own
period instead of calling them unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import httpx

from stack.reconcile.logic import reconcile
from stack.reconcile.model import LedgerEntry, Period, Report
from stack.reconcile.sources import HTTP_TIMEOUT_S, PortalLedger, partner_ledger

DEFAULT_GRACE_S = 3600.0
"""Assumption: a citizen checks out at the partner within an hour of creating the payment, so charges
up to an hour either side of the period can belong to it."""


def run_reconciliation(
    period: Period,
    portal: PortalLedger,
    partners_url: str,
    partners: Sequence[str],
    grace_s: float = DEFAULT_GRACE_S,
    say: Callable[[str], None] = lambda _msg: None,
) -> Report:
    """Read, compare and return the report; ``say`` hears progress."""
    grace = timedelta(seconds=grace_s)
    wide_start, wide_end = period.start - grace, period.end + grace
    say(f"portal ledger: reading payments created {period.to_dict()['from']} .. {period.to_dict()['to']}")
    payments = portal.payments_between(period.start, period.end)
    say(f"portal ledger: {len(payments)} payments")
    callbacks = portal.unknown_callbacks(partners, wide_start, wide_end)
    say(f"portal ledger: {len(callbacks)} callbacks for unknown payments")
    charges: list[LedgerEntry] = []
    with httpx.Client(timeout=HTTP_TIMEOUT_S, trust_env=False) as http:
        for code in partners:
            found = partner_ledger(http, partners_url, code, wide_start, wide_end)
            say(f"partner {code}: {len(found)} ledger entries")
            charges += found
    known = {p.key for p in payments}
    strays = sorted({e.payment_id for e in (*charges, *callbacks) if e.key not in known})
    if strays:
        extra = portal.payments(strays)
        say(f"portal ledger: looked up {len(strays)} payments outside the period, {len(extra)} exist")
        payments += [p for p in extra if p.key not in known]
    return reconcile(period, payments, charges, callbacks, partners)
