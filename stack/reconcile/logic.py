"""Reconciliation proper: a pure function from the two ledgers of a period to the mismatches.

Entries are matched on (partner, payment id). A group belongs to the period when its anchor does: the
portal payment's creation time, or, for a payment the portal does not know, its earliest partner charge
or callback. The callers may therefore pass entries from a wider window (a partner charge made just
after the period for a payment created inside it) without producing false mismatches.

Per group, in this order:

- no portal payment: **unknown_payment** (the partner charged, or the portal was called back, for a
  payment the portal never created);
- two or more successful charges: **duplicate** (the citizen paid twice); also, two or more successful
  portal payments of one dossier are a **duplicate**;
- a charge whose amount or currency differs from the payment's: **amount_mismatch** (the portal refused
  that callback, so its pending status follows from this and is not reported again);
- the partner's outcome is final, the portal's still pending: **missing_callback**;
- both final but different, or the portal final with no charge at the partner: **status_mismatch**.

A pending portal payment without any charge is not a mismatch: the citizen did not check out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from stack.reconcile.model import LedgerEntry, Mismatch, MismatchKind, Period, Report, Status, iso


def _group(
    entries: Iterable[LedgerEntry], wanted: set[str] | None
) -> dict[tuple[str, str], list[LedgerEntry]]:
    groups: dict[tuple[str, str], list[LedgerEntry]] = defaultdict(list)
    for entry in entries:
        if wanted is None or entry.partner in wanted:
            groups[entry.key].append(entry)
    return groups


def _portal_index(
    portal: Iterable[LedgerEntry], wanted: set[str] | None
) -> dict[tuple[str, str], LedgerEntry]:
    index: dict[tuple[str, str], LedgerEntry] = {}
    for entry in portal:
        if wanted is not None and entry.partner not in wanted:
            continue
        seen = index.get(entry.key)
        if seen is not None and seen != entry:
            raise ValueError(f"portal: two different entries for payment {entry.payment_id!r}")
        index[entry.key] = entry
    return index


def _partner_outcome(charges: Sequence[LedgerEntry]) -> Status | None:
    statuses = {c.status for c in charges}
    if "succeeded" in statuses:
        return "succeeded"
    if "failed" in statuses:
        return "failed"
    return None


def _compare(
    key: tuple[str, str],
    payment: LedgerEntry | None,
    charges: Sequence[LedgerEntry],
    callbacks: Sequence[LedgerEntry],
) -> list[Mismatch]:
    partner, payment_id = key
    portal = (payment,) if payment else ()
    evidence = {"portal": portal, "partner_entries": tuple(charges), "unknown_callbacks": tuple(callbacks)}
    if payment is None:
        if charges:
            detail = f"{partner} has {len(charges)} charge(s) for a payment the portal never created"
        else:
            detail = f"{partner} called back for a payment the portal never created; no charge in its ledger"
        if callbacks:
            detail += f" (the portal refused {len(callbacks)} callback(s) for it)"
        return [Mismatch(MismatchKind.UNKNOWN_PAYMENT, partner, payment_id, detail, **evidence)]
    found: list[Mismatch] = []
    succeeded = [c for c in charges if c.status == "succeeded"]
    if len(succeeded) > 1:
        txns = ", ".join(str(c.txn_id) for c in succeeded)
        detail = f"{partner} charged {len(succeeded)} times ({txns}) for one payment"
        found.append(Mismatch(MismatchKind.DUPLICATE, partner, payment_id, detail, **evidence))
    wrong = [c for c in charges if (c.amount, c.currency) != (payment.amount, payment.currency)]
    if wrong:
        detail = f"the portal expects {payment.amount} {payment.currency}; {partner} charged " + ", ".join(
            f"{c.amount} {c.currency}" for c in wrong
        )
        found.append(Mismatch(MismatchKind.AMOUNT_MISMATCH, partner, payment_id, detail, **evidence))
        return found
    outcome = _partner_outcome(charges)
    if outcome is None:
        if payment.status != "pending":
            detail = f"the portal says {payment.status}; {partner} has no charge for it"
            found.append(Mismatch(MismatchKind.STATUS_MISMATCH, partner, payment_id, detail, **evidence))
    elif payment.status == "pending":
        last = max(c.at for c in charges)
        detail = (
            f"{partner} says {outcome} (at {iso(last)}); the portal never learned it and is still pending"
        )
        found.append(Mismatch(MismatchKind.MISSING_CALLBACK, partner, payment_id, detail, **evidence))
    elif payment.status != outcome:
        detail = f"the portal says {payment.status}; {partner} says {outcome}"
        found.append(Mismatch(MismatchKind.STATUS_MISMATCH, partner, payment_id, detail, **evidence))
    return found


def _dossiers_paid_twice(payments: Iterable[LedgerEntry]) -> list[Mismatch]:
    paid: dict[str, list[LedgerEntry]] = defaultdict(list)
    for payment in payments:
        if payment.status == "succeeded" and payment.dossier_code:
            paid[payment.dossier_code].append(payment)
    found = []
    for dossier, entries in paid.items():
        if len(entries) > 1:
            entries.sort(key=lambda e: (e.at, e.payment_id))
            ids = ", ".join(e.payment_id for e in entries)
            detail = f"dossier {dossier} was paid {len(entries)} times ({ids})"
            last = entries[-1]
            found.append(
                Mismatch(MismatchKind.DUPLICATE, last.partner, last.payment_id, detail, tuple(entries))
            )
    return found


def reconcile(
    period: Period,
    portal: Iterable[LedgerEntry],
    partner: Iterable[LedgerEntry],
    unknown_callbacks: Iterable[LedgerEntry] = (),
    partners: Sequence[str] | None = None,
) -> Report:
    """Every mismatch between the portal's and the partners' ledgers for ``period``, by kind.

    ``partners`` limits the comparison to those partner codes (None: every partner in the entries).
    Entries outside the period are allowed and ignored by the anchor rule (module docstring)."""
    wanted = set(partners) if partners is not None else None
    payments = _portal_index(portal, wanted)
    charges = _group(partner, wanted)
    callbacks = _group(unknown_callbacks, wanted)
    mismatches: list[Mismatch] = []
    counted_payments: list[LedgerEntry] = []
    counted_charges = counted_callbacks = 0
    for key in sorted(set(payments) | set(charges) | set(callbacks)):
        payment = payments.get(key)
        group_charges, group_callbacks = charges.get(key, []), callbacks.get(key, [])
        anchor = payment.at if payment else min(e.at for e in (*group_charges, *group_callbacks))
        if not period.contains(anchor):
            continue
        if payment is not None:
            counted_payments.append(payment)
        counted_charges += len(group_charges)
        counted_callbacks += len(group_callbacks)
        mismatches += _compare(key, payment, group_charges, group_callbacks)
    mismatches += _dossiers_paid_twice(counted_payments)
    seen_partners = {k[0] for k in (*payments, *charges, *callbacks)}
    return Report(
        period=period,
        partners=tuple(partners) if partners is not None else tuple(sorted(seen_partners)),
        portal_payments=len(counted_payments),
        partner_entries=counted_charges,
        unknown_callbacks=counted_callbacks,
        mismatches=tuple(sorted(mismatches, key=lambda m: (m.kind.value, m.partner, m.payment_id))),
    )
