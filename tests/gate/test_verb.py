"""``cuaso gate`` end to end on files: exit codes, thresholds, JUnit XML that parses, Markdown."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from cuaso.cli import main
from tests.gate.factory import PROCEDURES, write_docs

ROOT = Path(__file__).resolve().parents[2]


def test_pass_writes_junit_and_markdown_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_docs(tmp_path, "base", [1, 2])
    cand = write_docs(tmp_path, "cand", [3])
    rules = tmp_path / "thresholds.txt"
    rules.write_text(
        f"p95({PROCEDURES}) < 150ms\nerror_rate(run) < 1%\nthroughput(run) > 20/s\n", encoding="utf-8"
    )
    junit, markdown = tmp_path / "out" / "gate.xml", tmp_path / "out" / "gate.md"
    argv = [
        "gate",
        "--baseline",
        *map(str, base),
        "--candidate",
        *map(str, cand),
        "--thresholds",
        str(rules),
        "--junit",
        str(junit),
        "--markdown",
        str(markdown),
        "--calibrate",
        "GET /healthz",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"wrote JUnit XML to {junit}" in out
    assert f"wrote Markdown summary to {markdown}" in out
    assert "PASS: 0 failed" in out
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert root.get("failures") == "0"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == int(root.get("tests", "-1")) > 3
    assert {c.get("name") for c in cases} >= {f"p95({PROCEDURES}) < 150ms", "p95(run)", "throughput(run)"}
    assert not root.findall(".//failure")
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## cuaso gate: PASS")
    assert "| ✅ | p95(GET /api/v1/procedures) < 150ms |" in text
    assert "machine speed factors" in text


def test_regression_exits_1_with_a_failure_per_failed_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_docs(tmp_path, "base", [1])
    cand = write_docs(tmp_path, "cand", [2], shift_ms=50.0)
    rules = tmp_path / "t.txt"
    rules.write_text("p50(run) < 1ms\n", encoding="utf-8")
    junit = tmp_path / "gate.xml"
    argv = [
        "gate",
        "--baseline",
        str(base[0]),
        "--candidate",
        str(cand[0]),
        "--thresholds",
        str(rules),
        "--junit",
        str(junit),
        "--scope",
        "run",
        "--quantiles",
        "50,99",
    ]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL  p50(run) < 1ms: breached" in out
    assert "FAIL  p50(run): regression" in out
    root = ET.parse(junit).getroot()
    failures = root.findall(".//testcase/failure")
    assert int(root.get("failures", "0")) == len(failures) >= 2
    assert {f.get("type") for f in failures} == {"breached", "regression"}
    assert any(c.get("name") == "p99(run)" for c in root.iter("testcase"))


def test_inconclusive_exits_3_and_the_reports_show_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_docs(tmp_path, "base", [1])
    cand = write_docs(tmp_path, "cand", [2], shift_ms=3.0)  # +37%: within the stated noise floor
    junit, markdown = tmp_path / "gate.xml", tmp_path / "gate.md"
    argv = ["gate", "--baseline", str(base[0]), "--candidate", str(cand[0]), "--scope", "run"]
    assert main([*argv, "--junit", str(junit), "--markdown", str(markdown)]) == 3
    out = capsys.readouterr().out
    assert "????  p50(run): within noise:" in out
    assert "cuaso gate: INCONCLUSIVE: 0 failed, " in out
    root = ET.parse(junit).getroot()
    assert root.get("failures") == "0"
    assert root.find("./properties/property[@name='cuaso.verdict']").get("value") == "INCONCLUSIVE"  # type: ignore[union-attr]
    skipped = [s.get("message", "") for s in root.iter("skipped")]
    assert any(m.startswith("INCONCLUSIVE: within noise:") for m in skipped)
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("## cuaso gate: INCONCLUSIVE")
    assert "### Inconclusive" in text
    assert "| ❔ | p50(run) |" in text
    # with a stated noise floor of 20% the same evidence is decided
    assert main([*argv, "--noise-floor", "20%"]) == 1


def test_invalid_runs_and_bad_thresholds_exit_2_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = write_docs(tmp_path, "base", [1])
    bad_run = write_docs(tmp_path, "cand", [2], generator_cpu=99.0)
    assert main(["gate", "--baseline", str(base[0]), "--candidate", str(bad_run[0])]) == 2
    assert "load generator saturated" in capsys.readouterr().err
    rules = tmp_path / "t.txt"
    rules.write_text("p95(run) < 1ms\np95(run) << 1ms\n", encoding="utf-8")
    assert (
        main(["gate", "--baseline", str(base[0]), "--candidate", str(base[0]), "--thresholds", str(rules)])
        == 2
    )
    assert f"{rules}:2:11: '<': expected a number" in capsys.readouterr().err
    assert main(["gate", "--baseline", str(base[0]), "--candidate", str(tmp_path / "missing.json")]) == 2
    assert "no such results file" in capsys.readouterr().err


def test_bad_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    for option, value in (("--tolerance", "ten"), ("--quantiles", "50,100"), ("--scope", "everything")):
        with pytest.raises(SystemExit) as caught:
            main(["gate", "--candidate", "x.json", option, value])
        assert caught.value.code == 2
        assert f"argument {option}: '{value}'" in capsys.readouterr().err


def test_the_installed_command_runs(tmp_path: Path) -> None:
    base = write_docs(tmp_path, "base", [1])
    cand = write_docs(tmp_path, "cand", [2])
    done = subprocess.run(
        [sys.executable, "-m", "cuaso", "gate", "--baseline", str(base[0]), "--candidate", str(cand[0])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "cuaso gate: PASS" in done.stdout
