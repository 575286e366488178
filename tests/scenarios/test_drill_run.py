"""Real drills: ``cuaso drill`` runs real Locust processes against a real stack and writes a results
document; 2 Locust workers give exactly the totals of one process on the same fixed load; a target
that is not allowed is refused before anything is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main
from results.document import ResultsDocument, load_results
from stack.launcher import LocalStack
from tests.scenarios.test_journeys import fixed_mix, write_mix
from tests.scenarios.test_open_drill import valid_but_for_the_machine

JOURNEY_ENDPOINTS = {
    "browse_catalogue": "GET /api/v1/procedures/{procedure_id}",
    "track_status": "GET /api/v1/public/dossiers/{code}/status",
    "submit_dossier": "POST /api/v1/dossiers/{code}/submit",
}


@pytest.mark.slow
def test_a_short_drill_on_its_own_local_stack_writes_a_valid_results_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = write_mix(tmp_path / "mix.json", fixed_mix(think_s=0.2))
    out = tmp_path / "drill"
    code = main([
        "drill", "steady", "--users", "6", "--duration", "20", "--param", "ramp_s=2", "--mix", str(mix),
        "--stack-workers", "1", "--eid-latency-ms", "2", "--population-latency-ms", "2", "--out", str(out),
        "--slo", "error_rate(run) < 50%", "--slo", "p50(run) < 0.001ms",  # one met, one breached
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 1, printed  # a breached SLO fails the drill (an invalid run would exit 2)
    assert "FAIL: 1 of 2 SLOs met" in printed
    assert "met      error rate of all requests < 50" in printed
    assert "BREACHED p50 of all requests < 0" in printed
    assert f"results: {out.resolve() / 'results.json'}" in printed
    assert "errors" in printed
    assert "req/s" in printed  # progress lines
    doc = load_results(out / "results.json")
    assert [p.name for p in doc.phases] == ["ramp", "steady"]
    steady = doc.phase("steady")
    names = {e.name for e in steady.endpoints}
    assert set(JOURNEY_ENDPOINTS.values()) <= names
    for endpoint in steady.endpoints:
        assert endpoint.latency().count == endpoint.requests > 0
    assert {j.name for j in steady.journeys} == set(JOURNEY_ENDPOINTS)
    assert {r.kind for r in steady.resources} >= {"app", "redis", "sim-eid", "sim-population"}
    assert all(r.rss_bytes_max > 0 for r in steady.resources)
    assert steady.generator is not None
    assert doc.timeline
    assert doc.metrics_snapshots
    assert "cuaso_" in doc.metrics_snapshots[-1].text or "http_" in doc.metrics_snapshots[-1].text
    assert doc.environment.versions["locust"]
    assert {c.name for c in doc.validity.checks} >= {"generator_cpu", "littles_law", "min_samples"}
    assert not valid_but_for_the_machine(doc)
    assert (out / "locust.html").is_file()
    assert (out / "locust_stats.csv").is_file()


def test_a_drill_with_an_unreadable_slo_is_refused_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "drill"
    code = main(["drill", "steady", "--duration", "20", "--out", str(out), "--slo", "p95(run) < fast"])
    assert code == 2
    assert "--slo:1:" in capsys.readouterr().err
    assert not out.exists()


def _fixed_run(host: str, tmp_path: Path, workers: int) -> ResultsDocument:
    mix = write_mix(tmp_path / "mix.json", fixed_mix(think_s=0.01))
    out = tmp_path / f"workers-{workers}"
    code = main([
        "drill", "steady", "--host", host, "--users", "6", "--iterations", "3", "--duration", "60",
        "--param", "ramp_s=1", "--mix", str(mix), "--workers", str(workers), "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    return load_results(out / "results.json")


def _totals(doc: ResultsDocument) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for phase in doc.phases:
        for e in phase.endpoints:
            requests, failures = totals.get(e.name, (0, 0))
            totals[e.name] = (requests + e.requests, failures + e.failures)
    return totals


@pytest.mark.slow
def test_two_local_workers_give_the_same_totals_as_one_process(
    local_stack: LocalStack, tmp_path: Path
) -> None:
    one = _fixed_run(local_stack.url, tmp_path, workers=0)
    two = _fixed_run(local_stack.url, tmp_path, workers=2)
    assert _totals(one) == _totals(two)
    assert sum(f for _, f in _totals(one).values()) == 0
    sessions = [sum(j.completed for p in d.phases for j in p.journeys) for d in (one, two)]
    assert sessions == [18, 18]  # 6 users x 3 journeys, each completed
    assert two.run.workers == 2
    assert any(
        c.name == "completed" and "all 6 users ran 3 journeys" in c.reason for c in two.validity.checks
    )


def test_a_target_that_is_not_allowed_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never"
    code = main(["drill", "steady", "--host", "http://10.0.0.1:8000", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "10.0.0.1 is not a loopback address" in err
    assert "--allow-host 10.0.0.1" in err
    assert not out.exists()  # nothing started, nothing written, nothing sent
