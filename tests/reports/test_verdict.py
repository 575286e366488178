"""The SLO verdict: whole run and every judged phase, gate syntax, clear errors, invalid runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import ThresholdSyntaxError
from reports.verdict import MIN_PHASE_SAMPLES, SloError, choose_slos, default_slos, judge, judge_all
from results.document import ResultsDocument
from results.histogram import LatencyHistogram
from tests.reports.synthetic import Knobs, cutover_document


def test_defaults_are_p95_and_error_rate_of_the_run() -> None:
    p95, errors = default_slos()
    assert (p95.name, errors.name) == ("p95(run) <= 1000ms", "error_rate(run) <= 0.01")
    assert p95.limit == 1000.0
    assert errors.limit == pytest.approx(0.01)


def test_whole_run_figure_is_the_merged_histograms(cutover_doc: ResultsDocument) -> None:
    (p95, _) = default_slos()
    result = judge(p95, cutover_doc)
    merged = LatencyHistogram.merged(e.histogram for p in cutover_doc.phases for e in p.endpoints)
    assert result.overall.value == merged.percentile_ms(95)
    assert result.overall.samples == sum(p.requests for p in cutover_doc.phases)
    assert [p.phase for p in result.phases] == ["warmup", "baseline", "redirect", "growth", "plateau"]


def test_a_breach_in_one_phase_fails_although_the_whole_run_holds(cutover_doc: ResultsDocument) -> None:
    (_, errors) = default_slos(error_rate=0.01)
    result = judge(errors, cutover_doc)
    assert result.overall_met  # 0.26% over the whole run
    assert not result.met
    assert result.breached_phases == ("redirect",)
    assert result.worst is not None
    assert result.worst.phase == "redirect"
    assert result.worst.figure.value == pytest.approx(38 / 1620)
    assert result.objective == "error rate of all requests ≤ 1%"


def test_verdict_pass_fail_and_inconclusive(cutover_doc: ResultsDocument) -> None:
    assert judge_all(default_slos(p95_ms=5000, error_rate=0.05), cutover_doc).status == "pass"
    failed = judge_all(default_slos(), cutover_doc)
    assert failed.status == "fail"
    assert failed.headline() == "FAIL: 1 of 2 SLOs met"
    invalid = judge_all(default_slos(p95_ms=5000, error_rate=0.05), cutover_document(Knobs(valid=False)))
    assert invalid.status == "inconclusive"
    assert invalid.headline().startswith("INCONCLUSIVE: the run is not a valid measurement (2 of 2 SLOs met;")
    assert invalid.invalid_reasons == ("killed at the bound",)


def test_slo_file_in_gate_syntax_with_endpoints_journeys_and_throughput(
    cutover_doc: ResultsDocument, tmp_path: Path
) -> None:
    path = tmp_path / "slo.txt"
    path.write_text(
        "# portal SLOs\n"
        "p99(GET /api/v1/auth/callback) < 2s\n"
        "error_rate(journey:submit_dossier) < 2%\n"
        "throughput(run) > 100/s   # whole run only\n",
        encoding="utf-8",
    )
    slos = choose_slos(path, p95_ms=300.0)
    assert [s.name for s in slos][-1] == "p95(run) <= 300ms"
    mixed = choose_slos(["error_rate(run) < 5%", path])  # an expression and a file, as --slo repeats
    assert [s.name for s in mixed] == ["error_rate(run) < 5%", *(s.name for s in slos[:-1])]
    verdict = judge_all(slos, cutover_doc)
    callback, journey, throughput, _ = verdict.results
    assert callback.slo.limit == 2000.0
    assert callback.met
    assert journey.overall.samples == sum(j.started for p in cutover_doc.phases for j in p.journeys
                                          if j.name == "submit_dossier")  # fmt: skip
    assert throughput.overall.value == pytest.approx(14_671 / 90.0)
    assert not any(p.judged for p in throughput.phases)


def test_small_phases_are_shown_but_not_judged(cutover_doc: ResultsDocument, tmp_path: Path) -> None:
    path = tmp_path / "slo.txt"
    path.write_text("p95(POST /api/v1/dossiers) <= 1ms\n", encoding="utf-8")
    result = judge(choose_slos(path)[0], cutover_doc)
    samples = {p.phase: p.figure.samples for p in result.phases}
    assert samples["warmup"] < MIN_PHASE_SAMPLES <= samples["plateau"]
    assert {p.phase: p.judged for p in result.phases} == {
        n: s >= MIN_PHASE_SAMPLES for n, s in samples.items()
    }
    assert "warmup" not in result.breached_phases
    assert "plateau" in result.breached_phases


def test_bad_slos_name_what_is_wrong(cutover_doc: ResultsDocument, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("p95(run) < fast\n", encoding="utf-8")
    with pytest.raises(ThresholdSyntaxError, match=r"bad.txt:1:12: 'fast': expected a number"):
        choose_slos(bad)
    missing = tmp_path / "slo.txt"
    missing.write_text("p95(GET /nope) < 1s\n", encoding="utf-8")
    with pytest.raises(
        SloError, match=r"slo\.txt:1: p95\(GET /nope\) < 1s: the run has no endpoint 'GET /nope' \(have \["
    ):
        judge_all(choose_slos(missing), cutover_doc)
    calibrated = tmp_path / "x.txt"
    calibrated.write_text("p95(run) < 40x\n", encoding="utf-8")
    with pytest.raises(SloError, match="calibration"):
        judge_all(choose_slos(calibrated), cutover_doc)
    with pytest.raises(SloError, match=r"--slo='.*nothing.txt': cannot read"):
        choose_slos(tmp_path / "nothing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(SloError, match="holds no SLO"):
        choose_slos(empty)
    with pytest.raises(SloError, match=r"--slo-error-rate=5\.0: must be a fraction"):
        default_slos(error_rate=5.0)


def test_a_run_that_measured_nothing_cannot_be_judged() -> None:
    empty = cutover_document().model_copy(update={"phases": (), "timeline": ()})
    with pytest.raises(
        SloError, match=r"--slo-p95-ms: p95\(run\) <= 1000ms: the run has no samples to judge"
    ):
        judge_all(default_slos(), empty)
