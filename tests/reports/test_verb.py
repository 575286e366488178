"""``cuaso report``: writes where it says, prints the verdict, exit 2 with a clear message on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cuaso.cli import main


def test_writes_html_and_markdown_and_says_where(
    cutover_path: Path, sizing_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    argv = [
        "report",
        str(cutover_path),
        "--sizing",
        str(sizing_path),
        "--slo-p95-ms",
        "500",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("Measured at simulated scale (12 simulated users at peak, ")
    assert lines[0].endswith("cores): FAIL: 1 of 2 SLOs met")
    assert lines[1].startswith("Modelled: sizing for 120,000 users: ")
    assert lines[2:] == [
        f"wrote {out / 'report.html'}",
        f"wrote {out / 'report.md'}",
    ]
    assert f"cuaso report: reading {cutover_path}" in captured.err
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "p95 of all requests ≤ 500 ms" in html
    assert 'id="sizing"' in html


def test_default_folder_is_reports_out_run_id(
    cutover_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(cutover_path), "--slo-error-rate", "0.05"]) == 0
    folder = Path("reports/out/phase1-cutover-20261122T120000Z-s7")
    assert (tmp_path / folder / "report.html").is_file()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("cores): PASS: 2 of 2 SLOs met")
    assert lines[1].startswith("Modelled: this drill stands for 120,000 users at 1 : 10,000; no sizing")
    assert lines[2:] == [
        f"wrote {folder / 'report.html'}",
        f"wrote {folder / 'report.md'}",
    ]


@pytest.mark.parametrize(
    ("make", "options", "message"),
    [
        ("missing", [], "missing.json: no such results file"),
        ("notjson", [], "notjson.json: not JSON"),
        ("sizing", ["--sizing", "{results}"], "schema='cuaso.results': expected 'cuaso.sizing'"),
        ("slo", ["--slo", "{slo}"], "slo.txt:1:10: '=': expected a comparison"),
        ("rate", ["--slo-error-rate", "2"], "--slo-error-rate=2.0: must be a fraction in [0, 1]"),
    ],
)
def test_bad_input_exits_2_naming_the_problem(
    make: str,
    options: list[str],
    message: str,
    cutover_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    results = cutover_path
    if make == "missing":
        results = tmp_path / "missing.json"
    elif make == "notjson":
        results = tmp_path / "notjson.json"
        results.write_text("{", encoding="utf-8")
    slo = tmp_path / "slo.txt"
    slo.write_text("p95(run) = 1s\n", encoding="utf-8")
    argv = ["report", str(results), "--out", str(tmp_path / "out"),
            *(o.format(results=cutover_path, slo=slo) for o in options)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"cuaso report: error: {tmp_path if make in ('missing', 'notjson', 'slo') else ''}" in err
    assert message in err
    assert not (tmp_path / "out").exists()


def test_help_lists_the_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "report" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    text = capsys.readouterr().out
    for option in ("--sizing", "--slo", "--slo-p95-ms", "--slo-error-rate", "--out"):
        assert option in text


def test_sizing_with_unknown_keys_still_renders(
    cutover_path: Path, sizing_path: Path, tmp_path: Path
) -> None:
    data = json.loads(sizing_path.read_text(encoding="utf-8"))
    data["something_new"] = {"from": "a later cuaso"}
    del data["redis"]
    data["validation"]["status"] = "failed"
    changed = tmp_path / "sizing.json"
    changed.write_text(json.dumps(data), encoding="utf-8")
    assert main(["report", str(cutover_path), "--sizing", str(changed), "--out", str(tmp_path / "out")]) == 0
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert '<td>Redis shards (primaries)</td><td class="num">–</td>' in html
    assert "Caution: the sizing&#x27;s validation failed (below)" in html
