"""``cuaso fit``: JSON on success, exit 2 with file/line/value on bad input; once through the real binary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cuaso.cli import main

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def test_fit_prints_the_coefficients_errors_intervals_and_quality(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fit", str(DATA / "specsdm91.csv")]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["lambda"] == pytest.approx(89.995, abs=1e-3)
    assert document["sigma"] == pytest.approx(0.0277285, rel=1e-4)
    assert document["kappa"] == pytest.approx(0.0001044, rel=1e-3)
    assert document["peak_concurrency"] == pytest.approx(96.5, abs=0.1)
    assert document["max_throughput"] > 1853.2
    assert set(document["stderr"]) == {"lambda", "sigma", "kappa"}
    assert document["confidence"] == 0.95
    low, high = document["confidence_intervals"]["sigma"]
    assert low < document["sigma"] < high
    assert (document["n_points"], document["dof"]) == (7, 4)
    assert document["r_squared"] == pytest.approx(0.9896, abs=1e-4)
    assert document["rmse"] > 0
    assert "plot" not in document


def test_fit_without_a_peak_reports_null(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fit", str(DATA / "raytracer.csv"), "--confidence", "0.9"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["confidence"] == 0.9
    # κ at its bound 0 (R's usl also reports beta 0.0000): no retrograde peak, so null rather than inf.
    assert document["kappa"] == 0.0
    assert document["peak_concurrency"] is None
    assert document["max_throughput"] == pytest.approx(document["lambda"] / document["sigma"])


def test_fit_writes_a_plot_and_says_where(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "fit.png"
    assert main(["fit", str(DATA / "cisco.csv"), "--plot", str(target)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["plot"] == str(target)
    assert f"wrote plot to {target}" in captured.err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("concurrency,throughput\n1,10\n2,x\n", ":3: throughput='x' is not a number"),
        (
            "concurrency,throughput\n1,10\n2,19\n4,35\n8,60\n",
            "need at least 6 (concurrency, throughput) points, got 4",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["fit", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"cuaso fit: error: {path}" in captured.err
    assert expected in captured.err


def test_bad_confidence_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fit", str(DATA / "specsdm91.csv"), "--confidence", "1.5"]) == 2
    assert "--confidence=1.5: must lie strictly between 0 and 1" in capsys.readouterr().err


def test_the_installed_command_runs_end_to_end() -> None:
    cuaso = Path(sys.executable).with_name("cuaso")
    command = [str(cuaso)] if cuaso.exists() else [sys.executable, "-m", "cuaso"]
    completed = subprocess.run(
        [*command, "fit", str(DATA / "specsdm91.csv")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["n_points"] == 7
