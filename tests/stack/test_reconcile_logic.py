"""Reconciliation logic, pure: each mismatch kind is found alone, and nothing is found where both agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from stack.reconcile.logic import reconcile
from stack.reconcile.model import LedgerEntry, MismatchKind, Period, Report, Status
from stack.reconcile.render import summary, write_report

T0 = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
PERIOD = Period(T0, T0 + timedelta(hours=1))
MINUTE = timedelta(minutes=1)


def pay(
    pid: str,
    status: Status = "succeeded",
    *,
    amount: int = 100_000,
    partner: str = "VCB",
    at: datetime = T0 + MINUTE,
    dossier: str | None = None,
) -> LedgerEntry:
    return LedgerEntry(partner, pid, amount, "VND", status, at, None, dossier or f"HS-{pid}")


def charge(
    pid: str,
    status: Status = "succeeded",
    *,
    amount: int = 100_000,
    partner: str = "VCB",
    at: datetime = T0 + 2 * MINUTE,
    txn: str = "T1",
    currency: str = "VND",
) -> LedgerEntry:
    return LedgerEntry(partner, pid, amount, currency, status, at, f"{partner}-{txn}")


def kinds(report: Report) -> list[tuple[str, str]]:
    return [(m.kind.value, m.payment_id) for m in report.mismatches]


def test_agreeing_ledgers_are_clean() -> None:
    portal = [pay("A"), pay("B", "failed"), pay("C", "pending"), pay("D", "pending")]
    partner = [charge("A"), charge("B", "failed")]
    report = reconcile(PERIOD, portal, partner)
    assert report.clean
    assert (report.portal_payments, report.partner_entries, report.unknown_callbacks) == (4, 2, 0)
    assert "Clean" in summary(report)


@pytest.mark.parametrize(
    ("portal", "partner", "expected"),
    [
        ([pay("A", "pending")], [charge("A")], "missing_callback"),
        ([pay("A", "pending")], [charge("A", "failed")], "missing_callback"),
        ([pay("A", "pending")], [charge("A", amount=100_001)], "amount_mismatch"),
        ([pay("A", "pending")], [charge("A", currency="USD")], "amount_mismatch"),
        ([pay("A")], [charge("A"), charge("A", txn="T2")], "duplicate"),
        ([], [charge("A")], "unknown_payment"),
        ([pay("A")], [charge("A", "failed")], "status_mismatch"),
        ([pay("A")], [], "status_mismatch"),
    ],
)
def test_each_kind_is_found_alone(
    portal: list[LedgerEntry], partner: list[LedgerEntry], expected: str
) -> None:
    report = reconcile(PERIOD, portal, partner)
    assert kinds(report) == [(expected, "A")]
    assert report.counts_by_kind()[expected] == 1
    assert sum(report.counts_by_kind().values()) == 1


def test_every_kind_at_once_and_nothing_else() -> None:
    portal = [
        pay("OK"),
        pay("LOST", "pending"),
        pay("WRONG", "pending"),
        pay("TWICE"),
        pay("IDLE", "pending"),
    ]
    partner = [
        charge("OK"),
        charge("LOST"),
        charge("WRONG", amount=99_000),
        charge("TWICE", txn="T1"),
        charge("TWICE", txn="T2"),
        charge("STRAY", partner="MOMO"),
    ]
    report = reconcile(PERIOD, portal, partner)
    assert kinds(report) == [
        ("amount_mismatch", "WRONG"),
        ("duplicate", "TWICE"),
        ("missing_callback", "LOST"),
        ("unknown_payment", "STRAY"),
    ]
    text = summary(report)
    for kind in ("missing_callback", "amount_mismatch", "duplicate", "unknown_payment"):
        assert f"## {kind} (1)" in text


def test_a_callback_for_an_unknown_payment_is_unknown_even_without_a_charge() -> None:
    callback = LedgerEntry("MOMO", "X", 5, "VND", "succeeded", T0 + MINUTE, "MOMO-9")
    report = reconcile(PERIOD, [], [], [callback])
    assert kinds(report) == [("unknown_payment", "X")]
    assert report.unknown_callbacks == 1
    assert "no charge" in report.mismatches[0].detail


def test_a_dossier_paid_twice_is_a_duplicate() -> None:
    portal = [pay("A", dossier="HS-1"), pay("B", partner="MOMO", dossier="HS-1", at=T0 + 3 * MINUTE)]
    report = reconcile(PERIOD, portal, [charge("A"), charge("B", partner="MOMO")])
    assert kinds(report) == [("duplicate", "B")]
    assert "HS-1" in report.mismatches[0].detail


def test_the_period_is_anchored_on_the_portal_payment() -> None:
    late_charge = charge("A", at=PERIOD.end + 5 * MINUTE)  # checkout after the period, payment inside
    before = pay("OLD", "pending", at=T0 - MINUTE)  # created in the previous period: its business
    stray_outside = charge("OUT", at=PERIOD.end + MINUTE)  # unknown, but in the next period
    report = reconcile(PERIOD, [pay("A"), before], [late_charge, charge("OLD"), stray_outside])
    assert report.clean
    assert (report.portal_payments, report.partner_entries) == (1, 1)


def test_partners_limits_the_comparison() -> None:
    partner = [charge("A", partner="VCB"), charge("B", partner="MOMO")]
    report = reconcile(PERIOD, [], partner, partners=["MOMO"])
    assert kinds(report) == [("unknown_payment", "B")]
    assert report.partners == ("MOMO",)


def test_bad_values_are_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match=r"^amount"):
        LedgerEntry("VCB", "A", -1, "VND", "succeeded", T0)
    with pytest.raises(ValueError, match=r"^currency"):
        LedgerEntry("VCB", "A", 1, "vnd", "succeeded", T0)
    with pytest.raises(ValueError, match=r"^status"):
        LedgerEntry("VCB", "A", 1, "VND", "paid", T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^at"):
        LedgerEntry("VCB", "A", 1, "VND", "succeeded", datetime(2025, 7, 1))
    with pytest.raises(ValueError, match=r"^end"):
        Period(T0, T0)
    with pytest.raises(ValueError, match=r"^portal"):
        reconcile(PERIOD, [pay("A"), pay("A", "pending")], [])


def test_the_report_is_written_as_json_and_markdown(tmp_path: Path) -> None:
    report = reconcile(PERIOD, [pay("LOST", "pending")], [charge("LOST")])
    json_path, md_path = write_report(report, tmp_path / "out")
    data = orjson.loads(json_path.read_bytes())
    assert data["clean"] is False
    assert data["mismatches_by_kind"] == {
        kind.value: int(kind is MismatchKind.MISSING_CALLBACK) for kind in MismatchKind
    }
    assert data["mismatches"][0]["partner_entries"][0]["txn_id"] == "VCB-T1"
    assert data["period"] == {"from": "2025-07-01T08:00:00.000+00:00", "to": "2025-07-01T09:00:00.000+00:00"}
    assert "missing_callback" in md_path.read_text()
