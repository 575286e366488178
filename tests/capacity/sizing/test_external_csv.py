"""The measurements CSV: a sweep exported to it sizes as the sweep does; bad files are refused with the
file, line, column and value named; CPU can come from a CPU CSV per level or as a time series."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import pytest

from capacity.sizing.external import ExternalInputError, ExternalSources, pooled_profile, read_external
from capacity.sizing.external.__main__ import main as export_main
from capacity.sizing.external.export import export_csv
from capacity.sizing.external.model import documented_columns
from capacity.sizing.inputs import MeasuredProfile, profile_from_documents
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import size
from capacity.sizing.render import to_json
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import ResultsDocument, save_results

ROOT = Path(__file__).resolve().parents[3]
TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 12, 16, 20, 24, 32, 40)
PARAMS = SizingParameters(slo_ms=60.0)


@pytest.fixture(scope="module")
def sweep() -> ResultsDocument:
    return synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=2, noise=0.01, seed=5)


@pytest.fixture(scope="module")
def levels_csv(sweep: ResultsDocument, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "levels.csv"
    path.write_text(export_csv(sweep, "results.json"), encoding="utf-8")
    return path


def _external(path: Path, **kw: Any) -> MeasuredProfile:
    reference = kw.pop("reference_cores", None)
    levels = read_external(ExternalSources(measurements=(path,), **kw), percentile=95.0)
    return pooled_profile(None, levels, percentile=95.0, reference_cores=reference)


def _comparable(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document.pop("sources")
    for level in document["measured"]["levels"]:
        level.pop("source")
    return document


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, rows: list[dict[str, str]], drop: tuple[str, ...] = ()) -> Path:
    fields = [f for f in rows[0] if f not in drop]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_sweep_exported_to_csv_sizes_exactly_as_the_sweep(sweep: ResultsDocument, levels_csv: Path) -> None:
    from_document = size(profile_from_documents([("results.json", sweep)]), PARAMS)
    from_csv = size(_external(levels_csv), PARAMS)
    assert _comparable(to_json(from_csv)) == _comparable(to_json(from_document))
    assert to_json(from_csv)["sources"] == [str(levels_csv)]


def test_other_spellings_of_the_same_measurements_size_the_same(levels_csv: Path, tmp_path: Path) -> None:
    """throughput_rps for requests, error_rate for failures, cores for CPU seconds: same sizing."""
    rows = _rows(levels_csv)
    for row in rows:
        duration = float(row["duration_s"])
        row["throughput_rps"] = repr(int(row["requests"]) / duration)
        row["error_rate"] = "0"
        for tier in ("app", "redis", "sim-eid"):
            row[f"cpu_{tier}_cores"] = repr(float(row[f"cpu_{tier}_s"]) / duration)
    drop = ("requests", "failures", "cpu_app_s", "cpu_redis_s", "cpu_sim-eid_s")
    respelled = _write(tmp_path / "respelled.csv", rows, drop)
    first = to_json(size(_external(levels_csv), PARAMS))
    second = to_json(size(_external(respelled), PARAMS))
    assert second["app_nodes"] == first["app_nodes"]
    assert second["redis"] == first["redis"]
    assert second["measured"]["levels"][3]["throughput_rps"] == pytest.approx(
        first["measured"]["levels"][3]["throughput_rps"], rel=1e-6
    )


def test_missing_columns_are_listed_by_name(levels_csv: Path, tmp_path: Path) -> None:
    rows = _rows(levels_csv)
    path = _write(tmp_path / "missing.csv", rows, ("mean_ms", "p95_ms", "failures", "cpu_redis_s"))
    with pytest.raises(ExternalInputError) as caught:
        _external(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:1: missing column(s): failures or error_rate; mean_ms; p95_ms; ")
    assert "cpu_redis_cores or cpu_redis_s (have window, users," in message


@pytest.mark.parametrize(
    ("line", "column", "value", "expected"),
    [
        (4, "p95_ms", "fast", "column p95_ms='fast': Input should be a valid number"),
        (2, "users", "-3", "column users='-3': Input should be greater than 0"),
        (7, "cpu_app_s", "1e", "column cpu_app_s='1e': Input should be a valid number"),
        (3, "processes_redis", "0", "column processes_redis='0': Input should be greater than or equal to 1"),
        (5, "failures", "999999", "failures=999999 is more than requests="),
        (6, "p95_ms", "", "column p95_ms='': empty"),
    ],
)
def test_a_bad_cell_names_file_line_column_and_value(
    levels_csv: Path, tmp_path: Path, line: int, column: str, value: str, expected: str
) -> None:
    rows = _rows(levels_csv)
    rows[line - 2][column] = value
    path = _write(tmp_path / "bad.csv", rows)
    with pytest.raises(ExternalInputError, match=re.escape(f"{path}:{line}: {expected}")):
        _external(path)


def test_header_and_row_mistakes_are_refused(levels_csv: Path, tmp_path: Path) -> None:
    rows = _rows(levels_csv)
    for row in rows:
        row["p95ms"] = "1"
        row["x_note"] = "kept as a note"
    with pytest.raises(ExternalInputError, match=r"bad.csv:1: unknown column\(s\) 'p95ms'; known: "):
        _external(_write(tmp_path / "bad.csv", rows))
    rows = _rows(levels_csv)
    rows[0]["throughput_rps"] = "1"
    with pytest.raises(ExternalInputError, match=r"two.csv:2: requests=\d+ disagrees with throughput_rps=1"):
        _external(_write(tmp_path / "two.csv", rows))
    with pytest.raises(ExternalInputError, match=r"has CPU columns and --cpu .* gives CPU too"):
        _external(levels_csv, cpu=_write(tmp_path / "cpu.csv", [{"users": "1", "cpu_app_cores": "1",
                                                                  "cpu_redis_cores": "0.1"}]))  # fmt: skip
    with pytest.raises(ExternalInputError, match="the cores of the measured machine are not known; give "):
        _external(_write(tmp_path / "nocores.csv", _rows(levels_csv), ("machine_cores",)))
    profile = _external(
        _write(tmp_path / "nocores.csv", _rows(levels_csv), ("machine_cores",)), reference_cores=4
    )
    assert profile.reference_cores == 4


def test_cpu_from_a_cpu_csv_per_level_or_over_time(levels_csv: Path, tmp_path: Path) -> None:
    rows = _rows(levels_csv)
    load_only = _write(
        tmp_path / "load.csv", rows, tuple(c for c in rows[0] if c.startswith(("cpu_", "rss_")))
    )
    reference = _external(levels_csv)
    # Per level: the mean cores of each level (repeats averaged) → CPU seconds = cores × duration.
    per_level: dict[str, dict[str, float]] = {}
    for row in rows:
        for tier in ("app", "redis"):
            per_level.setdefault(row["users"], {}).setdefault(tier, 0.0)
            per_level[row["users"]][tier] += float(row[f"cpu_{tier}_s"]) / float(row["duration_s"]) / 2
    cpu_rows = [{"users": u, "cpu_app_cores": repr(c["app"]), "cpu_redis_cores": repr(c["redis"]),
                 "rss_app_bytes": "314572800", "processes_app": "2", "machine_cores": "2"}
                for u, c in per_level.items()]  # fmt: skip
    by_level = _external(load_only, cpu=_write(tmp_path / "cpu.csv", cpu_rows))
    assert by_level.reference_cores == 2
    assert by_level.demand_s("app") == pytest.approx(reference.demand_s("app"), rel=0.03)
    assert by_level.rss_per_process("app") == reference.rss_per_process("app")
    # Over time: one sample a second, each the window's own cores; start/end join them.
    series = [{"timestamp": repr(float(rows[0]["start"])), "cpu_app_cores": "0", "cpu_redis_cores": "0"}]
    for row in rows:
        duration = float(row["duration_s"])
        for second in range(1, round(duration) + 1):
            series.append({"timestamp": repr(float(row["start"]) + second),
                           "cpu_app_cores": repr(float(row["cpu_app_s"]) / duration),
                           "cpu_redis_cores": repr(float(row["cpu_redis_s"]) / duration)})  # fmt: skip
    over_time = _external(load_only, cpu=_write(tmp_path / "series.csv", series), reference_cores=2)
    assert [m.cpu_seconds["app"] for m in over_time.levels] == pytest.approx(
        [m.cpu_seconds["app"] for m in reference.levels], rel=1e-9
    )
    assert over_time.notes == (
        "no memory (RSS) of tier 'app' was measured: RAM per node counts only the other tiers and the OS "
        "reserve; give rss_app_bytes",
    )
    short = _write(tmp_path / "short.csv", series[:100])
    with pytest.raises(ExternalInputError, match=r"short.csv: covers \d+–\d+ \(Unix s\), but .*load.csv: "):
        _external(load_only, cpu=short, reference_cores=2)
    with pytest.raises(
        ExternalInputError,
        match=r"cpu2.csv: no row for users=8 \(.*load.csv: level-008-r1\); it has users 1, 2, 4",
    ):
        _external(load_only, cpu=_write(tmp_path / "cpu2.csv", cpu_rows[:3]))


def test_the_cli_sizes_from_a_csv_and_says_what_is_missing(
    levels_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["size", "--measurements", str(levels_csv), "--slo-ms", "60", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["sources"] == [str(levels_csv)]
    assert len(document["measured"]["levels"]) == 20
    assert main(["size", "--measurements", str(levels_csv), "--slo-percentile", "99.9"]) == 2
    assert f"{levels_csv}:1: missing column(s): p99.9_ms (have" in capsys.readouterr().err
    assert main(["size"]) == 2
    assert (
        "give results.json files of cuaso sweeps, or measurements made elsewhere" in capsys.readouterr().err
    )


def test_export_refuses_an_invalid_run_and_writes_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = synthetic_sweep(TRUTH.throughput_at_concurrency, (1, 2, 4), valid=False)
    results = save_results(invalid, tmp_path / "results.json")
    assert export_main(["export", str(results)]) == 2
    assert "validity: the run is marked invalid" in capsys.readouterr().err
    out = tmp_path / "levels.csv"
    assert (
        export_main(["export", str(results), "--allow-invalid", "--percentiles", "95,99.9", "-o", str(out)])
        == 0
    )
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[6:8] == ["p95_ms", "p99.9_ms"]


def test_the_documented_format_is_the_model(tmp_path: Path) -> None:
    """docs/sizing.md lists every column of the model, and its example file sizes."""
    text = (ROOT / "docs" / "sizing.md").read_text(encoding="utf-8")
    section = text[text.index("### The measurements CSV") :]
    for column in documented_columns():
        assert f"`{column}`" in section, column
    example = re.search(r"```csv\n(.*?)```", section, re.S)
    assert example is not None
    path = tmp_path / "example.csv"
    path.write_text(example.group(1), encoding="utf-8")
    profile = _external(path)
    assert len(profile.levels) >= 6
    assert size(profile, PARAMS).nodes.p90 >= 1
