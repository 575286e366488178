"""``cuaso size``: Markdown or JSON on stdout, files written where it says, exit 2 on bad input with a
clear message, exit 3 with --require-validated beyond the validated range."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from capacity.sizing.synthetic import SyntheticStack, synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import save_results

TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 12, 16, 20, 24, 32, 40)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    doc = synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=2, noise=0.01, seed=5)
    return save_results(doc, tmp_path_factory.mktemp("sweep") / "results.json")


def test_markdown_on_stdout_and_files_where_it_says(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sizing"
    assert main(["size", str(results), "--slo-ms", "60", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("## Sizing for 120,000 concurrent users\n")
    assert "| app nodes (16 cores, 64 GiB) |" in captured.out
    assert "| one site down |" in captured.out
    assert "Validation: **held**" in captured.out
    for name in ("sizing.json", "sizing.md", "usl.png", "latency.png", "nodes.png", "utilization.png"):
        assert f"cuaso size: wrote {out / name}" in captured.err
        assert (out / name).stat().st_size > 0
    assert (out / "sizing.md").read_text(encoding="utf-8") == captured.out
    document = json.loads((out / "sizing.json").read_text(encoding="utf-8"))
    assert document["schema"] == "cuaso.sizing"
    assert document["sources"] == [str(results)]
    assert document["within_validated_range"] is True
    assert (out / "nodes.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_json_format_and_options_reach_the_sizing(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["size", str(results), "--format", "json", "--slo-ms", "60", "--target-users", "50000",
            "--no-site-failover", "--sites", "3", "--node-cores", "32", "--surge", "2"]  # fmt: skip
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["parameters"]["target_users"]["value"] == 50_000
    assert document["parameters"]["site_failover"]["value"] is False
    assert document["load"]["planned_users"] == pytest.approx(50_000 * 2 * 1.1**3, rel=1e-5)
    assert document["app_nodes"]["installed"]["p90"]["sites"] == 3
    assert document["app_nodes"]["node_shape"] == {"cores": 32, "ram_gib": 64.0}
    assert [m["mode"] for m in document["utilization"]] == ["normal", "one node down", "one site down"]
    assert document["validation"]["status"] == "held"
    assert set(document["cross_check"]["base_nodes"]) == {"usl", "mva", "linear"}


def test_same_input_gives_byte_identical_output(results: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["size", str(results), "--format", "json"]) == 0
    first = capsys.readouterr().out
    assert main(["size", str(results), "--format", "json"]) == 0
    assert capsys.readouterr().out == first


def _write(tmp_path: Path, levels: tuple[int, ...], **kw: object) -> Path:
    doc = synthetic_sweep(TRUTH.throughput_at_concurrency, levels, seed=1, **kw)  # type: ignore[arg-type]
    return save_results(doc, tmp_path / "results.json")


def _edit(path: Path, change: str) -> Path:
    raw = orjson.loads(path.read_bytes())
    if change == "no resources":
        for phase in raw["phases"]:
            phase["resources"] = []
    elif change == "no redis":
        for phase in raw["phases"]:
            phase["resources"] = [r for r in phase["resources"] if r["kind"] != "redis"]
    elif change == "no levels":
        for i, phase in enumerate(raw["phases"]):
            phase["name"] = f"steady-{i}"
    path.write_bytes(orjson.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("too few levels", "levels: 4 points on 4 levels [1.0, 2.0, 4.0, 8.0] are too few to size from"),
        ("no resources", "phases.level-001-r1.resources: empty; the sizing needs the CPU seconds"),
        ("no redis", "phases.level-001-r1.resources: no 'redis' entry (have ['app', 'sim-eid'])"),
        ("no levels", "phases: none named level-* (have ['steady-0', 'steady-1'"),
        (
            "invalid",
            "validity: the run is marked invalid: generator CPU 95% > 80%: saturated (--allow-invalid",
        ),
        ("unreachable", "slo_ms: 1.0 ms at P95 is below what one user already gets"),
    ],
)
def test_bad_input_exits_2_with_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: str, expected: str
) -> None:
    if change == "too few levels":
        path = _write(tmp_path, (1, 2, 4, 8))
    elif change == "invalid":
        path = _write(tmp_path, LEVELS, valid=False)
    else:
        path = (
            _edit(_write(tmp_path, LEVELS), change) if change != "unreachable" else _write(tmp_path, LEVELS)
        )
    extra = ["--slo-ms", "1"] if change == "unreachable" else []
    assert main(["size", str(path), *extra]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"cuaso size: error: {path}" in captured.err
    assert expected in captured.err


def test_invalid_runs_can_be_sized_on_purpose(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, LEVELS, valid=False)
    assert main(["size", str(path), "--allow-invalid", "--format", "json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert any(w.startswith("sized from a run marked invalid") for w in warnings)


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--max-utilization", "2"], r"option max_utilization: must lie in (0, 1], got 2.0"),
        (["--sites", "1"], "option site_failover: needs at least 2 sites"),
        (["--slo-percentile", "100"], "option slo_percentile: must lie in (0, 100), got 100.0"),
    ],
)
def test_bad_options_exit_2(
    results: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert main(["size", str(results), *argv]) == 2
    assert expected in capsys.readouterr().err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["size", str(tmp_path / "nope.json")]) == 2
    assert "nope.json: no such results file" in capsys.readouterr().err


def test_require_validated_exits_3_beyond_the_validated_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path, (1, 2, 4, 8, 16, 32), stack=SyntheticStack())  # too few levels to validate
    assert main(["size", str(path), "--require-validated"]) == 3
    captured = capsys.readouterr()
    assert "Within the validated range: **no**." in captured.out  # the sizing is still printed
    assert "beyond the range where validation held (too few levels to validate" in captured.err
