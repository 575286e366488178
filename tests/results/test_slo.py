"""The threshold language: what parses, to what, and errors that name the line, column and token."""

from __future__ import annotations

from pathlib import Path

import pytest

from gate.errors import GateInputError, ThresholdSyntaxError
from results.slo import Metric, parse_threshold, parse_thresholds, read_thresholds
from results.targets import Target


def test_the_examples_of_the_issue_parse_to_normalised_limits() -> None:
    text = """
    # latency of one endpoint
    p95(GET /api/v1/procedures) < 150ms
    error_rate(run) < 1%        # whole run
    throughput(journey:dossier) > 20/s
    p99(run) < 0.5s
    p99.9( GET   /api/v1/dossiers/{code} ) <= 40x
    mean(journey:login) >= 250 us
    error_rate(journey:login) < 0.02
    throughput(run) > 90/min
    """
    found = parse_thresholds(text, source="t.txt")
    assert [t.line_no for t in found] == [3, 4, 5, 6, 7, 8, 9, 10]
    p95, err, thr, p99, p999, mean, err2, per_min = found
    assert (p95.metric, p95.target, p95.op, p95.limit, p95.unit) == (
        Metric("quantile", 95.0), Target("endpoint", "GET /api/v1/procedures"), "<", 150.0, "ms"
    )  # fmt: skip
    assert (err.metric.kind, err.target, err.limit, err.unit) == ("error_rate", Target("run"), 0.01, "ratio")
    assert (thr.target, thr.op, thr.limit, thr.unit) == (Target("journey", "dossier"), ">", 20.0, "per_s")
    assert p99.limit == 500.0
    assert (p999.metric.quantile, p999.target.name, p999.unit, p999.limit) == (
        99.9, "GET /api/v1/dossiers/{code}", "x", 40.0
    )  # fmt: skip
    assert mean.limit == pytest.approx(0.25)
    assert err2.limit == 0.02
    assert per_min.limit == pytest.approx(1.5)
    assert err.name == "error_rate(run) < 1%"


@pytest.mark.parametrize(("op", "value", "holds"), [("<", 1.0, False), ("<=", 1.0, True), (">", 2.0, True)])
def test_comparisons(op: str, value: float, holds: bool) -> None:
    assert parse_threshold(f"p50(run) {op} 1ms").holds(value) is holds


@pytest.mark.parametrize(
    ("line", "column", "token", "reason"),
    [
        ("q95(run) < 1ms", 1, "q95", "unknown metric"),
        ("p100(run) < 1ms", 1, "p100", "strictly between p0 and p100"),
        ("p95 run) < 1ms", 5, "run)", "expected '('"),
        ("p95(run < 1ms", 5, "run < 1ms", "expected ')'"),
        ("p95() < 1ms", 5, ")", "expected a target"),
        ("p95(journey:) < 1ms", 5, "journey:", "expected a target"),
        ("p95(run) = 1ms", 10, "=", "expected a comparison"),
        ("p95(run) < fast", 12, "fast", "expected a number"),
        ("p95(run) < 150", 15, "", "needs a time unit"),
        ("p95(run) < 1mss", 13, "mss", "unknown unit"),
        ("p95(run) < 2%", 13, "%", "needs a time unit"),
        ("p95(run) < 1ms and more", 16, "and", "unexpected text"),
        ("error_rate(run) < 5", 19, "5", "fraction in [0, 1]"),
        ("error_rate(run) < 5ms", 20, "ms", "percentage"),
        ("throughput(run) > 5ms", 20, "ms", "rate unit"),
    ],
)
def test_errors_name_the_line_column_and_token(line: str, column: int, token: str, reason: str) -> None:
    with pytest.raises(ThresholdSyntaxError) as caught:
        parse_thresholds(f"# header\n{line}\n", source="gate.txt")
    error = caught.value
    assert (error.line_no, error.column, error.token) == (2, column, token)
    assert reason in error.reason
    assert str(error).startswith(f"gate.txt:2:{column}: ")
    assert error.exit_code == 2


def test_reading_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("p95(run) < 1s\n", encoding="utf-8")
    assert len(read_thresholds(tmp_path / "ok.txt")) == 1
    with pytest.raises(GateInputError, match=r"missing\.txt.*cannot read"):
        read_thresholds(tmp_path / "missing.txt")
