"""The calibration study's analysis on synthetic runs laid out as scripts/gate-calibrate.sh lays them out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.study import main
from results.document import save_results
from tests.gate.factory import make_doc


def test_study_reports_false_positives_and_detection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for seed in range(1, 5):
        save_results(make_doc(seed), tmp_path / "delay-0" / f"run-{seed}" / "results.json")
    for seed in (11, 12):
        save_results(make_doc(seed, shift_ms=4.0), tmp_path / "delay-4" / f"run-{seed}" / "results.json")
    out_json = tmp_path / "study.json"
    assert (
        main([str(tmp_path), "--repeats", "2", "--calibrate", "GET /healthz", "--json", str(out_json)]) == 0
    )
    table = capsys.readouterr().out
    assert "| A/A, 1 run vs 1 | 6 | 0 | 0 | 0% |" in table
    assert "| A/A, 2 runs vs 2 | 3 | 0 | 0 | 0% |" in table
    assert "| +4 ms injected, 1 run vs 1 | 8 | 8 | 0 | 100% |" in table
    assert "| +4 ms injected, 2 runs vs 2 | 1 | 1 | 0 | 100% |" in table
    assert '"rate": 1.0' in out_json.read_text(encoding="utf-8")
