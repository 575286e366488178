"""The chaos audit: what the clients saw acknowledged, against what the store and the back office hold.

Pure arithmetic (:func:`tally_dossiers`, :func:`tally_payments`, :func:`verdict`) over inputs the runner
gathers (:mod:`scenarios.chaos.evidence`), and the validated document written to ``DIR/audit.json``
(:class:`ChaosAudit`, pydantic, versioned) with a readable summary. The rules:

- a record is **found** when the store (Redis) has it, and an acknowledged submission is found only if
  the dossier is past ``draft``; **lost** = acknowledged - found;
- a submitted dossier is **delivered** when the back-office simulator applied it; **duplicated** when it
  was applied more than once (in effect), while duplicate *deliveries* the receiver recognised are fine
  and counted apart; **undelivered** ones are still waiting (or dead-lettered) after the drain;
- a payment is **duplicated** in effect when reconciliation finds it charged or paid twice.

The drill fails (exit 1) when anything is lost, duplicated in effect, or undelivered after the drain.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scenarios.chaos.witness import Ack

AUDIT_SCHEMA_VERSION: Literal[1] = 1
LISTED_IDS = 50
"""At most this many ids of lost or undelivered records are listed in the audit (the counts are exact)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Receipt(_Model):
    """What the back office holds for one dossier code."""

    deliveries: int = Field(ge=1)
    applied: int = Field(ge=0)


class DossierTally(_Model):
    acknowledged: int = Field(ge=0)
    found: int = Field(ge=0)
    lost: int = Field(ge=0)
    lost_ids: list[str]
    submitted_acknowledged: int = Field(ge=0)
    submitted_found: int = Field(ge=0)
    delivered: int = Field(ge=0)
    undelivered: int = Field(ge=0)
    undelivered_ids: list[str]
    dead_lettered: int = Field(ge=0)
    duplicated: int = Field(ge=0)
    duplicate_deliveries: int = Field(ge=0)


class PaymentTally(_Model):
    acknowledged: int = Field(ge=0)
    found: int = Field(ge=0)
    lost: int = Field(ge=0)
    lost_ids: list[str]
    by_status: dict[str, int]
    duplicated: int = Field(ge=0)


class FaultLine(_Model):
    kind: str
    phase: Literal["start", "end"]
    at_s: float
    ok: bool
    detail: str


class ChaosAudit(_Model):
    """The document of ``DIR/audit.json``."""

    schema_version: Literal[1] = AUDIT_SCHEMA_VERSION
    scenario: str
    duration_s: float = Field(gt=0)
    started_at: str
    ended_at: str
    faults: list[FaultLine]
    faults_survived: int = Field(ge=0)
    faults_by_kind: dict[str, int]
    dossiers: DossierTally
    payments: PaymentTally
    reconciliation: dict[str, object]
    witness: dict[str, int]
    drill: dict[str, object]
    passed: bool
    reasons: list[str]
    host: str | None = None
    """The system drilled when it was not the local stack (``--host``): the audit then read it through
    its public API (docs/chaos.md)."""
    not_checked: list[str] = Field(default_factory=list)
    """What this audit could not see (against ``--host``: the store, the back office's ledger, the
    payments ledgers), each with the reason."""


def _first(ids: Iterable[str]) -> list[str]:
    return sorted(ids)[:LISTED_IDS]


def tally_dossiers(
    acks: Iterable[Ack],
    status_in_store: Mapping[str, str | None],
    received: Mapping[str, Receipt],
    dead_lettered: Iterable[str] = (),
) -> DossierTally:
    """Count the dossiers: ``status_in_store`` maps each acknowledged code to its status in Redis (None:
    absent); ``received`` is the back office's ledger by code; ``dead_lettered`` codes in dead letters."""
    acks = list(acks)
    created = {a.record_id for a in acks if a.kind == "dossier_created"}
    submitted = {a.record_id for a in acks if a.kind == "dossier_submitted"}
    every = created | submitted
    present = {code for code in every if status_in_store.get(code) is not None}
    submitted_ok = {code for code in submitted if status_in_store.get(code) not in (None, "draft")}
    lost = (every - present) | (submitted - submitted_ok)
    delivered = {code for code in submitted if code in received and received[code].applied >= 1}
    dead = set(dead_lettered) & submitted
    return DossierTally(
        acknowledged=len(every),
        found=len(every) - len(lost),
        lost=len(lost),
        lost_ids=_first(lost),
        submitted_acknowledged=len(submitted),
        submitted_found=len(submitted_ok),
        delivered=len(delivered),
        undelivered=len(submitted - delivered),
        undelivered_ids=_first(submitted - delivered),
        dead_lettered=len(dead),
        duplicated=sum(1 for code in submitted if code in received and received[code].applied > 1),
        duplicate_deliveries=sum(received[c].deliveries - 1 for c in submitted if c in received),
    )


def tally_payments(
    acks: Iterable[Ack], status_in_store: Mapping[str, str | None], duplicated: int = 0
) -> PaymentTally:
    """Count the payments: ``status_in_store`` maps each acknowledged id to its status (None: absent);
    ``duplicated`` is reconciliation's count of payments charged or paid twice."""
    ids = {a.record_id for a in acks if a.kind == "payment_created"}
    lost = {pid for pid in ids if status_in_store.get(pid) is None}
    by_status: dict[str, int] = {}
    for pid in sorted(ids - lost):
        status = str(status_in_store[pid])
        by_status[status] = by_status.get(status, 0) + 1
    return PaymentTally(
        acknowledged=len(ids),
        found=len(ids) - len(lost),
        lost=len(lost),
        lost_ids=_first(lost),
        by_status=by_status,
        duplicated=duplicated,
    )


def verdict(dossiers: DossierTally, payments: PaymentTally) -> list[str]:
    """The reasons the drill failed; empty when it passed."""
    reasons: list[str] = []
    if dossiers.lost:
        reasons.append(f"{dossiers.lost} acknowledged dossiers lost")
    if payments.lost:
        reasons.append(f"{payments.lost} acknowledged payments lost")
    if dossiers.duplicated:
        reasons.append(f"{dossiers.duplicated} dossiers applied more than once by the back office")
    if payments.duplicated:
        reasons.append(f"{payments.duplicated} payments charged or paid twice (reconciliation)")
    if dossiers.undelivered:
        reasons.append(f"{dossiers.undelivered} submitted dossiers never reached their back-office system")
    if dossiers.acknowledged == 0:
        reasons.append("the witness got no acknowledgement at all: nothing was tested")
    return reasons


def exit_code(audit: ChaosAudit) -> int:
    return 0 if audit.passed else 1


def write_audit(audit: ChaosAudit, out: Path) -> tuple[Path, Path]:
    """Write ``audit.json`` and ``audit.md`` under ``out``; returns both paths."""
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / "audit.json", out / "audit.md"
    json_path.write_text(audit.model_dump_json(indent=2) + "\n", encoding="utf-8")
    md_path.write_text(summary(audit), encoding="utf-8")
    return json_path, md_path


def load_audit(path: Path) -> ChaosAudit:
    """Read and validate an audit document (pydantic names the bad field)."""
    return ChaosAudit.model_validate_json(path.read_bytes())


def summary(audit: ChaosAudit) -> str:
    """The readable summary (Markdown), also printed at the end of ``cuaso chaos``."""
    d, p = audit.dossiers, audit.payments
    kinds = ", ".join(f"{kind} x{n}" for kind, n in sorted(audit.faults_by_kind.items())) or "none"
    twice = (lambda n: "not checked") if audit.host else str
    lines = [
        f"# Chaos audit: {audit.scenario}, {audit.duration_s:g} s ({audit.started_at} .. {audit.ended_at})",
        "",
        f"**{'PASS' if audit.passed else 'FAIL'}**"
        + ("" if audit.passed else ": " + "; ".join(audit.reasons)),
        "",
        f"Target: {audit.host} (a running system, read back through its public API)"
        if audit.host
        else "Target: the local reference stack (store, back office and ledgers read directly)",
        "",
        f"Faults survived: {audit.faults_survived} ({kinds})",
        "",
        "| records | acknowledged | found | lost | duplicated |",
        "|---|---:|---:|---:|---:|",
        f"| dossiers | {d.acknowledged} | {d.found} | {d.lost} | {twice(d.duplicated)} |",
        f"| payments | {p.acknowledged} | {p.found} | {p.lost} | {twice(p.duplicated)} |",
        "",
        *(_remote_lines(audit) if audit.host else _local_lines(audit)),
        "",
        "| t (s) | fault | phase | ok | detail |",
        "|---:|---|---|---|---|",
    ]
    lines += [f"| {f.at_s:.1f} | {f.kind} | {f.phase} | {f.ok} | {f.detail} |" for f in audit.faults]
    if audit.not_checked:
        lines += ["", "Not checked:", *(f"- {item}" for item in audit.not_checked)]
    return "\n".join(lines) + "\n"


def _local_lines(audit: ChaosAudit) -> list[str]:
    d, p, recon = audit.dossiers, audit.payments, audit.reconciliation
    return [
        f"Submitted dossiers: {d.submitted_acknowledged} acknowledged, {d.delivered} delivered to the back "
        f"office, {d.undelivered} undelivered ({d.dead_lettered} dead-lettered); {d.duplicate_deliveries} "
        "duplicate deliveries recognised by the receiver (fine).",
        f"Payments by status: {p.by_status or '{}'}",
        f"Reconciliation: clean={recon.get('clean')} mismatches={recon.get('mismatches_by_kind')}",
        f"Partner notices (delivery counters when reconciled): {recon.get('callbacks', 'not read')}",
    ]


def _remote_lines(audit: ChaosAudit) -> list[str]:
    d, p = audit.dossiers, audit.payments
    return [
        f"Submitted dossiers: {d.submitted_acknowledged} acknowledged, {d.delivered} reported received by "
        f"a back office (their public status), {d.undelivered} not.",
        f"Payments by status: {p.by_status or '{}'}",
        "Reconciliation: not checked (below).",
    ]
