"""One real chaos drill: ``cuaso chaos`` starts its own stack, runs a short Locust drill with the witness
beside it, SIGKILLs app workers, kills and restarts Redis, takes the back-office systems down and makes
a payment partner drop and duplicate callbacks; the audit must show acknowledged records, none lost,
none applied twice, every fault survived."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main
from scenarios.chaos.audit import load_audit


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_short_chaos_drill_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chaos"
    code = main([
        "chaos", "steady", "--duration", "30", "--out", str(out), "--users", "6", "--kill-every", "8",
        "--faults", "worker-kill,redis-restart,backoffice-outage,partner-callbacks", "--drain", "40",
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"wrote {out.resolve() / 'audit.json'}" in printed
    audit = load_audit(out / "audit.json")  # validated against the schema
    assert audit.passed, audit.reasons
    assert audit.faults_by_kind == {
        "worker-kill": 3, "redis-restart": 1, "backoffice-outage": 1, "partner-callbacks": 1,
    }  # fmt: skip
    assert all(f.ok for f in audit.faults), audit.faults
    assert all("not replaced" not in f.detail for f in audit.faults)
    d, p = audit.dossiers, audit.payments
    assert d.acknowledged > 0
    assert p.acknowledged > 0
    assert (d.lost, d.duplicated, p.lost, p.duplicated) == (0, 0, 0, 0)
    assert d.found == d.acknowledged
    assert d.delivered == d.submitted_acknowledged
    assert audit.drill["error"] is None, audit.drill
    assert isinstance(audit.drill["requests"], int)
    assert audit.drill["requests"] > 0  # the drill's load ran beside the witness
    assert (out / "audit.md").read_text().startswith("# Chaos audit: steady")
