"""Sizing from k6 end-of-test summaries, one per level, with CPU per level from a CPU CSV.

k6 is not installed here, so the summaries are written by this test in the two shapes k6 writes,
taken from k6's source (grafana/k6): ``handleSummary``'s data object (``internal/js/summary.go``,
``summarizeMetricsToObject`` and ``metricValueGetter``: ``metrics.NAME.values``, a counter's ``count``
and ``rate``, a gauge's ``value/min/max``, a rate's ``rate/passes/fails``, a trend's
``summaryTrendStats``, ``state.testRunDurationMs``) and ``--summary-export``'s flattened form
(``internal/js/summary-wrapper.js``, ``oldJSONSummary``: options and state dropped, each metric its
``values``, a rate's ``rate`` renamed ``value``). Their figures are those of a synthetic sweep's levels,
so the sizing from the summaries must read the same curve as the sizing from the sweep.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from capacity.sizing.external import ExternalInputError, ExternalSources, pooled_profile, read_external
from capacity.sizing.inputs import LevelMeasurement, profile_from_documents
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import save_results

TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 16, 24)
TREND_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)")


def _handle_summary(m: LevelMeasurement, p50: float, p90: float) -> dict[str, Any]:
    """k6's handleSummary data for one constant-VUs run of ``m``'s level and window."""
    duration = m.duration_s
    vus = {"value": m.users, "min": m.users, "max": m.users}
    return {
        "root_group": {"name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e",
                       "groups": [], "checks": []},
        "options": {"summaryTrendStats": list(TREND_STATS), "summaryTimeUnit": "", "noColor": False},
        "state": {"isStdOutTTY": False, "isStdErrTTY": False, "testRunDurationMs": duration * 1000},
        "metrics": {
            "http_reqs": {"type": "counter", "contains": "default",
                          "values": {"count": m.requests, "rate": m.requests / duration}},
            "http_req_duration": {"type": "trend", "contains": "time",
                                  "values": {"avg": m.mean_ms, "min": 0.1, "med": p50,
                                             "max": 5 * m.percentile_ms, "p(90)": p90,
                                             "p(95)": m.percentile_ms}},
            "http_req_failed": {"type": "rate", "contains": "default",
                                "values": {"rate": 0.0, "passes": 0, "fails": m.requests}},
            "vus": {"type": "gauge", "contains": "default", "values": vus},
            "vus_max": {"type": "gauge", "contains": "default", "values": vus},
            "data_received": {"type": "counter", "contains": "data",
                              "values": {"count": m.bytes_received, "rate": m.bytes_received / duration}},
        },
        "setup_data": None,
    }  # fmt: skip


def _summary_export(data: dict[str, Any]) -> dict[str, Any]:
    """What ``--summary-export`` writes from the same data (oldJSONSummary)."""
    flat: dict[str, Any] = {"root_group": data["root_group"], "metrics": {}}
    for name, metric in data["metrics"].items():
        values = dict(metric["values"])
        if metric["type"] == "rate":
            values["value"] = values.pop("rate")
        flat["metrics"][name] = values
    return flat


@pytest.fixture(scope="module")
def summaries(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path, list[LevelMeasurement]]:
    """One summary per level and repeat (every other in each shape) and a CPU CSV per level."""
    out = tmp_path_factory.mktemp("k6")
    doc = synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=2, noise=0.01, seed=2)
    truth = profile_from_documents([("sweep", doc)]).levels
    phases = {p.name: p for p in doc.phases}
    paths = []
    for k, m in enumerate(truth):
        latency = phases[m.phase].latency()
        data = _handle_summary(m, latency.percentile_ms(50), latency.percentile_ms(90))
        path = out / f"k6-{m.phase}.json"
        path.write_text(json.dumps(data if k % 2 else _summary_export(data)), encoding="utf-8")
        paths.append(path)
    cores = {m.users: m.cpu_seconds for m in truth}  # the last repeat's, as cores over 60 s
    lines = ["users,cpu_app_cores,cpu_redis_cores,rss_app_bytes,processes_app,machine_cores"]
    lines += [f"{u:g},{c['app'] / 60},{c['redis'] / 60},314572800,2,2" for u, c in cores.items()]
    cpu = out / "cpu.csv"
    cpu.write_text("\n".join(lines) + "\n", encoding="utf-8")
    save_results(doc, out / "results.json")
    return paths, cpu, list(truth)


def test_each_summary_is_one_level_of_the_curve(
    summaries: tuple[list[Path], Path, list[LevelMeasurement]],
) -> None:
    paths, cpu, truth = summaries
    levels = read_external(ExternalSources(k6=tuple(paths), cpu=cpu), percentile=95.0)
    profile = pooled_profile(None, levels, percentile=95.0, reference_cores=None)
    assert profile.reference_cores == 2
    by_source = {m.source: m for m in profile.levels}
    last_repeat = {m.users: m.cpu_seconds["app"] for m in truth}  # what the CPU CSV holds per level
    for path, expected in zip(paths, truth, strict=True):
        got = by_source[str(path)]
        assert got.users == expected.users
        assert got.throughput == pytest.approx(expected.throughput, rel=1e-12)
        assert got.mean_ms == expected.mean_ms
        assert got.percentile_ms == expected.percentile_ms
        assert got.bytes_received == expected.bytes_received
        assert got.cpu_seconds["app"] == pytest.approx(last_repeat[expected.users], rel=1e-12)


def test_the_cli_sizes_from_summaries_and_names_what_is_missing(
    summaries: tuple[list[Path], Path, list[LevelMeasurement]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    paths, cpu, _ = summaries
    argv = ["size", "--k6-summary", *map(str, paths), "--cpu", str(cpu), "--slo-ms", "60", "--format", "json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert [level["users"] for level in document["measured"]["levels"]] == [n for n in LEVELS for _ in (1, 2)]
    # The same curve as the sweep's own document: the same app nodes, the same USL validation (MVA
    # differs: it rests on the CPU, here without the generator's and one repeat's per level).
    assert main(["size", str(paths[0].parent / "results.json"), "--slo-ms", "60", "--format", "json"]) == 0
    sweep = json.loads(capsys.readouterr().out)
    assert document["app_nodes"]["base"] == sweep["app_nodes"]["base"]
    assert document["validation"]["errors"]["usl"] == sweep["validation"]["errors"]["usl"]
    assert main(["size", "--k6-summary", *map(str, paths)]) == 2
    assert "a k6 summary records no CPU per tier; give --cpu FILE.csv" in capsys.readouterr().err
    assert main(["size", "--k6-summary", str(paths[0]), "--cpu", str(cpu), "--slo-percentile", "99"]) == 2
    err = capsys.readouterr().err
    assert (
        f"{paths[0]}: the k6 summary lacks http_req_duration.p(99); run k6 with --summary-trend-stats " in err
    )
    series = tmp_path / "series.csv"
    series.write_text("timestamp,cpu_app_cores,cpu_redis_cores\n1,1,1\n2,1,1\n", encoding="utf-8")
    assert main(["size", "--k6-summary", str(paths[0]), "--cpu", str(series), "--reference-cores", "2"]) == 2
    assert "the window has no start and end time" in capsys.readouterr().err


def test_a_file_that_is_not_a_k6_summary_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"metrics": {"http_reqs": {"count": 10}}}', encoding="utf-8")
    with pytest.raises(ExternalInputError, match=r"lacks http_reqs\.rate, http_req_duration\.avg, "):
        read_external(ExternalSources(k6=(other,)), percentile=95.0)
    other.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ExternalInputError, match="no 'metrics' object: not a k6 summary"):
        read_external(ExternalSources(k6=(other,)), percentile=95.0)
