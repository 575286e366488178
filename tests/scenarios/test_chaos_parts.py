"""Chaos drill parts without a stack: the fault schedule, ``--faults`` parsing, the audit arithmetic and
the audit document (an injected lost or duplicated record makes the drill fail, exit 1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from cuaso.cli import main
from results.exceptions import ConfigError
from scenarios.chaos.audit import (
    ChaosAudit,
    FaultLine,
    PaymentTally,
    Receipt,
    exit_code,
    load_audit,
    tally_dossiers,
    tally_payments,
    verdict,
    write_audit,
)
from scenarios.chaos.schedule import FAULT_KINDS, TOPOLOGY_KINDS, FaultEvent, build_schedule, parse_faults
from scenarios.chaos.witness import Ack


def test_schedule_spreads_faults_over_the_drill_and_repeats_worker_kills() -> None:
    events = build_schedule(100.0, FAULT_KINDS, kill_every_s=10.0)
    kills = [e.at_s for e in events if e.kind == "worker-kill"]
    assert kills == pytest.approx([15, 25, 35, 45, 55, 65, 75])
    assert [e.at_s for e in events] == sorted(e.at_s for e in events)
    windows = {e.kind: (e.at_s, e.end_s) for e in events if e.duration_s > 0}
    assert windows["backoffice-outage"] == pytest.approx((20, 45))
    assert windows["eid-slow"] == pytest.approx((55, 70))
    assert [e.at_s for e in events if e.kind == "redis-restart"] == [50.0]
    assert all(e.end_s <= 85.0 for e in events)  # the end of the drill is fault-free
    assert windows["node-loss"] == pytest.approx((10, 30))
    assert windows["primary-failover"] == pytest.approx((35, 50))
    assert windows["site-loss"] == pytest.approx((55, 80))


def test_schedule_has_only_the_faults_asked_for() -> None:
    events = build_schedule(40.0, ("redis-restart",))
    assert [(e.kind, e.at_s) for e in events] == [("redis-restart", 20.0)]


def test_schedule_refuses_a_drill_too_short_for_its_faults() -> None:
    with pytest.raises(ConfigError, match="--duration"):
        build_schedule(5.0, FAULT_KINDS)


def test_parse_faults_names_an_unknown_fault() -> None:
    assert parse_faults(None) == tuple(k for k in FAULT_KINDS if k not in TOPOLOGY_KINDS)
    assert parse_faults("all", topology=True) == tuple(k for k in FAULT_KINDS if k != "redis-restart")
    with pytest.raises(ConfigError, match=r"'site-loss'.*--topology"):
        parse_faults("site-loss")
    with pytest.raises(ConfigError, match=r"'redis-restart'.*single-node"):
        parse_faults("redis-restart", topology=True)
    assert parse_faults("redis-restart, worker-kill,redis-restart") == ("redis-restart", "worker-kill")
    with pytest.raises(ConfigError, match="'disk-full'"):
        parse_faults("worker-kill,disk-full")


def test_fault_event_is_validated() -> None:
    with pytest.raises(ConfigError, match="at_s"):
        FaultEvent(-1.0, "worker-kill")


def _acks(*codes: str) -> list[Ack]:
    acks = []
    for code in codes:
        acks += [Ack("dossier_created", code, 201, 1.0), Ack("dossier_submitted", code, 200, 2.0)]
    return acks


def test_tally_counts_found_lost_delivered_and_duplicates() -> None:
    acks = _acks("A", "B", "C", "D")
    store = {"A": "forwarded", "B": "submitted", "C": None, "D": "draft"}
    received = {"A": Receipt(deliveries=3, applied=1), "B": Receipt(deliveries=1, applied=2)}
    tally = tally_dossiers(acks, store, received, dead_lettered={"D"})
    assert (tally.acknowledged, tally.found, tally.lost) == (4, 2, 2)
    assert tally.lost_ids == ["C", "D"]  # C absent; D acknowledged submitted but still a draft
    assert (tally.delivered, tally.undelivered, tally.dead_lettered) == (2, 2, 1)
    assert tally.duplicated == 1  # B applied twice in effect
    assert tally.duplicate_deliveries == 2  # A delivered three times, deduplicated: fine


def test_a_clean_tally_passes_and_an_injected_lost_record_fails() -> None:
    acks = _acks("A", "B")
    received = {c: Receipt(deliveries=1, applied=1) for c in "AB"}
    clean = tally_dossiers(acks, {"A": "done", "B": "forwarded"}, received)
    payments = tally_payments([Ack("payment_created", "P1", 201, 3.0)], {"P1": "succeeded"})
    assert verdict(clean, payments) == []
    lost = tally_dossiers(acks, {"A": "done", "B": None}, received)
    assert verdict(lost, payments) == ["1 acknowledged dossiers lost"]
    lost_payment = tally_payments([Ack("payment_created", "P1", 201, 3.0)], {"P1": None})
    assert lost_payment.lost_ids == ["P1"]
    assert verdict(clean, lost_payment) == ["1 acknowledged payments lost"]
    twice = tally_payments([Ack("payment_created", "P1", 201, 3.0)], {"P1": "succeeded"}, duplicated=1)
    assert "paid twice" in verdict(clean, twice)[0]


def _audit(tmp: Path, store: dict[str, str | None]) -> ChaosAudit:
    acks = _acks("A")
    dossiers = tally_dossiers(acks, store, {"A": Receipt(deliveries=1, applied=1)})
    payments = PaymentTally(acknowledged=0, found=0, lost=0, lost_ids=[], by_status={}, duplicated=0)
    reasons = verdict(dossiers, payments)
    fault = FaultLine(kind="worker-kill", phase="start", at_s=4.5, ok=True, detail="pid 1")
    return ChaosAudit(
        scenario="steady",
        duration_s=30,
        started_at="t0",
        ended_at="t1",
        faults=[fault],
        faults_survived=1,
        faults_by_kind={"worker-kill": 1},
        dossiers=dossiers,
        payments=payments,
        reconciliation={"clean": True},
        witness={"journeys": 1},
        drill={},
        passed=not reasons,
        reasons=reasons,
    )


def test_audit_document_round_trips_and_sets_the_exit_code(tmp_path: Path) -> None:
    good = _audit(tmp_path, {"A": "done"})
    json_path, md_path = write_audit(good, tmp_path / "ok")
    assert load_audit(json_path) == good
    assert exit_code(good) == 0
    assert "**PASS**" in md_path.read_text()
    bad = _audit(tmp_path, {"A": None})
    json_path, md_path = write_audit(bad, tmp_path / "bad")
    assert exit_code(load_audit(json_path)) == 1
    assert "**FAIL**: 1 acknowledged dossiers lost" in md_path.read_text()


def test_audit_document_with_a_bad_field_is_refused(tmp_path: Path) -> None:
    path, _ = write_audit(_audit(tmp_path, {"A": "done"}), tmp_path)
    path.write_text(path.read_text().replace('"lost": 0', '"lost": -1', 1))
    with pytest.raises(ValidationError, match="lost"):
        load_audit(path)


def test_cli_refuses_an_unknown_fault_before_starting_anything(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["chaos", "steady", "--duration", "30", "--out", "/nonexistent", "--faults", "meteor"])
    assert code == 2
    assert "'meteor'" in capsys.readouterr().err


def test_cli_takes_the_stack_tuning_options_of_stack_up() -> None:
    from cuaso.cli import build_parser
    from cuaso.verbs.stack import options_from

    argv = ["chaos", "steady", "--duration", "30", "--out", "x"]
    plain = build_parser().parse_args(argv)
    assert options_from(plain).appendfsync == "always"  # chaos' own default: a SIGKILLed Redis keeps all
    tuned = build_parser().parse_args([
        *argv, "--loop", "asyncio", "--max-in-flight", "4", "--queue", "2", "--rate-limit", "0",
        "--appendfsync", "everysec", "--inject-cpu-ms", "2",
    ])  # fmt: skip
    options = options_from(tuned, workers=tuned.stack_workers)
    assert (options.loop, options.max_in_flight, options.admission_queue) == ("asyncio", 4, 2)
    assert (options.rate_limit_per_s, options.appendfsync, options.inject_cpu_ms) == (0.0, "everysec", 2.0)
    assert options.workers == 2


def test_cli_refuses_a_bad_stack_option_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["chaos", "steady", "--duration", "30", "--out", "/nonexistent", "--max-in-flight", "0"])
    assert code == 2
    assert "max_in_flight: need at least 1, got 0" in capsys.readouterr().err
