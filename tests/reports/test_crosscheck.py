"""The client's percentiles beside the portal's own histograms, phase by phase (snapshots differenced)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from reports.crosscheck import crosscheck, main, quantile_ms
from results.document import MetricsSnapshot, save_results
from tests.results.test_document import _doc

ROUTE = 'method="GET",route="/healthz"'


def _metrics(counts: dict[str, int]) -> str:
    lines = ["# TYPE cuaso_http_request_duration_seconds histogram"]
    lines += [
        f'cuaso_http_request_duration_seconds_bucket{{le="{le}",{ROUTE}}} {n}' for le, n in counts.items()
    ]
    return "\n".join(lines) + "\n"


def test_histogram_quantile_interpolates_within_the_bucket() -> None:
    bounds = {0.005: 0.0, 0.01: 50.0, 0.025: 100.0, math.inf: 100.0}
    assert quantile_ms(bounds, 50) == pytest.approx(10.0)
    assert quantile_ms(bounds, 25) == pytest.approx(7.5)
    assert quantile_ms(bounds, 99) == pytest.approx(24.7)
    assert quantile_ms({0.01: 0.0, math.inf: 4.0}, 50) == pytest.approx(10.0)  # beyond the last bound
    assert math.isnan(quantile_ms({0.01: 0.0, math.inf: 0.0}, 50))


def test_each_phase_is_the_difference_of_two_snapshots(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _doc([12.0, 13.0, 14.0, 40.0])  # one phase, "steady": GET /healthz seen by the client
    before = MetricsSnapshot(
        t_s=1, phase="ramp", text=_metrics({"0.01": 5, "0.025": 9, "0.05": 9, "+Inf": 9})
    )
    after = MetricsSnapshot(
        t_s=10, phase="steady", text=_metrics({"0.01": 5, "0.025": 12, "0.05": 13, "+Inf": 13})
    )
    doc = doc.model_copy(update={"metrics_snapshots": (before, after)})
    [row] = crosscheck(doc)
    assert (row.phase, row.endpoint, row.client_requests, row.server_requests) == (
        "steady",
        "GET /healthz",
        4,
        4,
    )
    assert row.server_ms[0] == pytest.approx(10 + 15 * (2 / 3))  # p50: rank 2 of the 3 in (10, 25] ms
    assert row.client_ms[0] == pytest.approx(13.0, rel=0.01)
    path = save_results(doc, tmp_path / "results.json")
    assert main([str(path)]) == 0
    assert "| steady | GET /healthz | 4 / 4 |" in capsys.readouterr().out
    assert main([str(save_results(_doc([1.0]), tmp_path / "bare.json"))]) == 1
