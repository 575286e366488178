"""The back-office simulator's parts without a process: per-system behaviour and its validation, the
deterministic registry of 151 systems, the ledger, and the signing of status updates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from stack.catalogue.generate import generate_catalogue
from stack.sims.backoffice_ledger import Ledger
from stack.sims.backoffice_protocol import (
    SIGNATURE_HEADER,
    SYSTEM_HEADER,
    StatusUpdate,
    signature_matches,
    signed_status,
    system_secret,
)
from stack.sims.backoffice_systems import Behaviour, Registry
from stack.sims.faults import FaultConfigError

CATALOGUE = generate_catalogue(seed=2025, size=640)


def test_decisions_are_a_pure_function_of_seed_and_code_and_follow_the_rates() -> None:
    codes = [f"HS-250701-A7-{i:08d}" for i in range(2000)]
    mixed = Behaviour(return_rate=0.25, late_rate=0.5)
    first = [mixed.decide(7, code) for code in codes]
    assert first == [mixed.decide(7, code) for code in reversed(codes)][::-1]  # order does not matter
    assert first != [mixed.decide(8, code) for code in codes]
    returned = sum(final == "returned" for final, _ in first) / len(codes)
    late = sum(is_late for _, is_late in first) / len(codes)
    assert 0.2 < returned < 0.3
    assert 0.45 < late < 0.55
    assert {Behaviour(return_rate=0.0, late_rate=0.0).decide(1, c) for c in codes[:50]} == {("done", False)}
    assert {Behaviour(return_rate=1.0, late_rate=1.0).decide(1, c) for c in codes[:50]} == {
        ("returned", True)
    }


def test_behaviour_changes_keep_unnamed_values_and_name_bad_keys() -> None:
    base = Behaviour(processing_after_s=2.0)
    changed = Behaviour.from_mapping({"return_rate": 0.5}, base=base)
    assert (changed.processing_after_s, changed.return_rate) == (2.0, 0.5)
    for data, key in (({"late_rate": -0.1}, "late_rate"), ({"decision_after_s": "1"}, "decision_after_s"),
                      ({"speed": 1}, "speed"), ([], "body")):  # fmt: skip
        with pytest.raises(FaultConfigError) as info:
            Behaviour.from_mapping(data, base=base)
        assert info.value.key == key


def test_the_registry_holds_every_system_with_its_own_deterministic_latency() -> None:
    registry = Registry(CATALOGUE, seed=3, latency_ms=40.0, spread=0.5)
    again = Registry(CATALOGUE, seed=3, latency_ms=40.0, spread=0.5)
    assert len(registry.systems) == 151
    latencies = {code: s.faults.config.latency_ms for code, s in registry.systems.items()}
    assert latencies == {code: s.faults.config.latency_ms for code, s in again.systems.items()}
    assert all(20.0 <= value <= 60.0 for value in latencies.values())
    assert len(set(latencies.values())) > 100  # each its own
    assert registry.select("*") == list(registry.systems.values())
    assert registry.select("NOPE") == []
    with pytest.raises(ValueError, match="spread"):
        Registry(CATALOGUE, spread=1.5)


def test_the_ledger_applies_a_dossier_once_however_often_it_arrives() -> None:
    ledger = Ledger()
    receipt, first = ledger.record("HS-250701-A7-AAAAAAAA", "P01-HT01")
    again, second = ledger.record("HS-250701-A7-AAAAAAAA", "P01-HT01")
    assert (first, second, again is receipt, receipt.deliveries) == (True, False, True, 2)
    ledger.record("HS-250701-A7-BBBBBBBB", "P02-HT01")
    snapshot = ledger.snapshot("P01-HT01")
    assert (snapshot["dossiers"], snapshot["deliveries"], snapshot["duplicates"]) == (2, 3, 1)
    assert list(snapshot["received"]) == ["HS-250701-A7-AAAAAAAA"]


def test_each_system_signs_with_its_own_key() -> None:
    update = StatusUpdate(code="HS-250701-A7-AAAAAAAA", seq=1, status="received", at=datetime.now(UTC))
    body, headers = signed_status(update, "P01-HT01", "seed")
    assert headers[SYSTEM_HEADER] == "P01-HT01"
    assert signature_matches(system_secret("P01-HT01", "seed"), body, headers[SIGNATURE_HEADER])
    assert not signature_matches(system_secret("P02-HT01", "seed"), body, headers[SIGNATURE_HEADER])
    assert not signature_matches(system_secret("P01-HT01", "other"), body, headers[SIGNATURE_HEADER])
    with pytest.raises(ValidationError):
        StatusUpdate(code="HS-250701-A7-AAAAAAAA", seq=1, status="received", at=datetime(2025, 7, 1))
    with pytest.raises(ValueError, match="system"):
        system_secret("", "seed")
