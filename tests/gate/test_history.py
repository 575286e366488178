"""``cuaso gate --history``: change points in a nightly series of synthetic runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main
from gate.engine import GateOptions
from gate.history import load_history, run_history
from results.document import save_results
from tests.gate.factory import PROCEDURES, make_doc


def _nightly(directory: Path, shifts: list[float]) -> None:
    # folders named so that their order is not the time order: the start time orders them
    for night, shift in enumerate(shifts, start=1):
        doc = make_doc(night, shift_ms=shift, started_at=f"2026-11-{night:02d}T02:00:00Z")
        save_results(doc, directory / f"z{len(shifts) - night:02d}" / "results.json")


def test_a_step_is_found_between_the_runs_it_separates(tmp_path: Path) -> None:
    _nightly(tmp_path, [0.0] * 6 + [3.0] * 6)  # +3 ms on every API request from the 7th night on
    runs = load_history(tmp_path)
    assert [r.doc.run.started_at[:10] for r in runs][:2] == ["2026-11-01", "2026-11-02"]
    report = run_history(runs, GateOptions(scopes=("run", "endpoints")))
    p50 = next(c for c in report.checks if c.name == f"p50({PROCEDURES})")
    assert (p50.kind, p50.status, p50.verdict) == ("history", "fail", "regression")
    assert f"between {runs[5].label} (2026-11-06 02:00) and {runs[6].label} (2026-11-07 02:00)" in p50.message
    assert "6 runs before, 6 after" in p50.message
    assert p50.change == pytest.approx(3.0 / 8.0, abs=0.05)
    assert p50.effect == 1.0
    assert report.exit_code == 1
    flat = [c for c in report.checks if c.name == "throughput(run)"]
    assert [c.verdict for c in flat] == ["no change point"]


def test_a_quiet_history_passes_and_the_cli_reads_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _nightly(tmp_path, [0.0] * 8)
    assert main(["gate", "--history", str(tmp_path), "--scope", "run"]) == 0
    out = capsys.readouterr().out
    assert "history of 8 run(s)" in out
    assert "no change point in 8 runs" in out
    _nightly(tmp_path / "more", [])
    assert main(["gate", "--history", str(tmp_path), "--candidate", "x.json"]) == 2
    assert "give it alone" in capsys.readouterr().err


def test_too_short_a_history_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _nightly(tmp_path, [0.0] * 3)
    assert main(["gate", "--history", str(tmp_path)]) == 2
    assert "3 judgeable runs (need >= 6" in capsys.readouterr().err


def test_steps_too_small_alone_fail_together_as_a_drift(tmp_path: Path) -> None:
    _nightly(tmp_path, [0.0] * 6 + [0.6] * 6 + [1.2] * 6)  # two steps of +0.6 ms (+7.5%) on an 8-ms median
    report = run_history(load_history(tmp_path), GateOptions(scopes=("endpoints",)))
    steps = [c for c in report.checks if c.name == f"p50({PROCEDURES})"]
    assert [c.verdict for c in steps] == ["change point", "change point"]  # each below the tolerance
    assert all(c.status == "pass" for c in steps)
    drift = next(c for c in report.checks if c.name == f"drift p50({PROCEDURES})")
    assert (drift.status, drift.verdict) == ("fail", "regression")
    assert "first segment against the last (2 change points)" in drift.message
    assert drift.change == pytest.approx(1.2 / 8.0, abs=0.04)
