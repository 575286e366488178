"""``cuaso overload`` end to end, tiny: the calibration drills, then a spike with admission control off
and on, each against its own real stack with the injected CPU; the figures land in overload.json and
overload.md. (The figures themselves are judged in docs/overload.md's full run, not here: a test on a
shared 2-core machine can check the wiring, not the performance.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cuaso.cli import main
from results.document import load_results


@pytest.mark.slow
def test_a_tiny_overload_drill_writes_its_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "overload"
    code = main([
        "overload", "--factors", "3", "--calibration", "6", "--capacity-users", "8", "--probe-users", "4",
        "--ramp", "2", "--before", "6", "--spike", "9", "--after", "9", "--out", str(out),
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed[-3000:]
    document = json.loads((out / "overload.json").read_text())
    calibration = document["calibration"]
    assert calibration["peak_rps"] > 0
    assert calibration["base_users"] >= 1
    assert [(r["factor"], r["admission"]) for r in document["runs"]] == [(3.0, False), (3.0, True)]
    for run in document["runs"]:
        assert run["requests"] > 0
        for share in ("refused_share", "timeout_share", "error_share"):
            assert 0.0 <= run[share] <= 1.0
        # the mean over a 9-s spike: Locust needs a tick or two to start the step's users
        assert run["users_spike"] == pytest.approx(3 * run["users_base"], rel=0.2)
    for name, admission in (("k3-off", False), ("k3-on", True)):
        settings = load_results(out / name / "results.json").run.stack_settings
        assert (settings["admission"], settings["inject_cpu_ms"], settings["max_in_flight"]) == (
            admission, 10.0, 8,
        )  # fmt: skip
    table = (out / "overload.md").read_text()
    assert "| 3x | off |" in table
    assert "| 3x | on |" in table
    assert "goodput" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--host", "http://127.0.0.1:9"], "--host="),
        (["--admission", "on"], "--admission='on'"),
        (["--factors", "0.5"], "--factors='0.5'"),
        (["--modes", "maybe"], "--modes='maybe'"),
        (["--models", "closed,both"], "--models='closed,both'"),
        (["--spike", "0"], "--spike=0"),
        (["--slo-ms", "-5"], "--slo-ms=-5.0"),
        (["--slo-ms", "nan"], "--slo-ms=nan"),
    ],
)
def test_bad_options_are_refused_before_anything_starts(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["overload", *argv, "--out", str(tmp_path / "o")]) == 2
    assert message in capsys.readouterr().err
