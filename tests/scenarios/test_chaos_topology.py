"""One real chaos drill on a 4-node, 2-site topology behind HAProxy with a 3-primary Redis Cluster: a whole
node lost, a Redis primary lost (its replica in the other site promoted), a whole site lost (its nodes and
its Redis nodes; the survivors take over). The audit, read across the cluster, must show acknowledged
dossiers and payments, none lost, none duplicated, every fault survived."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main
from scenarios.chaos.audit import load_audit


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_node_primary_and_site_loss_lose_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "chaos"
    code = main([
        "chaos", "steady", "--duration", "40", "--out", str(out), "--users", "4", "--drain", "40",
        "--faults", "node-loss,primary-failover,site-loss", "--topology", "nodes=4,sites=2,shards=3",
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    audit = load_audit(out / "audit.json")
    assert audit.passed, audit.reasons
    assert audit.faults_by_kind == {"node-loss": 1, "primary-failover": 1, "site-loss": 1}
    assert all(f.ok for f in audit.faults), audit.faults
    details = " ".join(f.detail for f in audit.faults)
    assert "balancer: DOWN" in details  # HAProxy took the lost node out
    assert "promoted" in details
    assert "rejoined as replicas" in details
    d, p = audit.dossiers, audit.payments
    assert d.acknowledged > 0
    assert p.acknowledged > 0
    assert (d.lost, d.duplicated, p.lost, p.duplicated) == (0, 0, 0, 0)
    assert d.found == d.acknowledged
    assert d.delivered == d.submitted_acknowledged
    assert audit.reconciliation.get("clean") is True, audit.reconciliation
    assert audit.drill["error"] is None, audit.drill
