"""The calibration study's analysis on synthetic runs laid out as scripts/gate-calibrate.sh lays them out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.study import load_study, main
from results.document import save_results
from tests.gate.factory import make_doc


def test_study_reports_false_positives_inconclusive_and_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for seed in range(1, 5):
        save_results(make_doc(seed), tmp_path / "delay-0" / f"run-{seed}" / "results.json")
    for seed in (11, 12):
        save_results(make_doc(seed, shift_ms=3.0), tmp_path / "delay-3" / f"run-{seed}" / "results.json")
    for seed in (21, 22, 23):
        save_results(make_doc(seed, shift_ms=50.0), tmp_path / "delay-50" / f"run-{seed}" / "results.json")
    out_json = tmp_path / "study.json"
    argv = [str(tmp_path), "--repeats", "2", "--calibrate", "GET /healthz", "--json", str(out_json)]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "| A/A, 1 run vs 1 | 6 | 0 | 0 | 0 | 0% |" in table
    assert "| A/A, 2 runs vs 2 | 3 | 0 | 0 | 0 | 0% |" in table
    # +3 ms on an 8-ms endpoint (+37%) lies within the calibrated stated floor (50%) with one run per side:
    # inconclusive, never a FAIL; repeats decide it
    assert "| +3 ms injected, 1 run vs 1 | 8 | 0 | 8 | 0 | 0% |" in table
    assert "| +3 ms injected, 2 runs vs 2 | 1 | 1 | 0 | 0 | 100% |" in table
    assert "| +50 ms injected, 1 run vs 1 | 12 | 12 | 0 | 0 | 100% |" in table
    assert "| +50 ms injected, 2 runs vs 2 | 3 | 3 | 0 | 0 | 100% |" in table
    assert '"rate": 1.0' in out_json.read_text(encoding="utf-8")


def test_runs_are_paired_in_the_order_they_were_made(tmp_path: Path) -> None:
    for run in (1, 2, 9, 10, 11):
        save_results(make_doc(run), tmp_path / "delay-0" / f"run-{run}" / "results.json")
    runs = load_study(tmp_path)[0.0]
    assert [Path(r.label).parent.name for r in runs] == ["run-1", "run-2", "run-9", "run-10", "run-11"]
