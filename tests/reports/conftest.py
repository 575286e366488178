"""Fixtures of the report tests: synthetic cutover documents on disk and a real sizing from ``cuaso size``."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import ResultsDocument, save_results
from tests.reports.synthetic import Knobs, cutover_document


@pytest.fixture(scope="session")
def cutover_doc() -> ResultsDocument:
    """A cutover whose redirect phase is 4× slower and drops 20% of logins (an SLO breach to report)."""
    return cutover_document(Knobs(redirect_slowdown=4.0, redirect_error_rate=0.2))


@pytest.fixture(scope="session")
def cutover_path(cutover_doc: ResultsDocument, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_results(cutover_doc, tmp_path_factory.mktemp("drill") / "results.json")


@pytest.fixture(scope="session")
def sizing_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sizing.json`` and its plots, written by the real ``cuaso size`` from a synthetic sweep."""
    truth = USLParameters(100.0, 0.05, 0.001)
    doc = synthetic_sweep(
        truth.throughput_at_concurrency, (1, 2, 4, 8, 12, 16, 20, 24, 32, 40), repeats=2, seed=5
    )
    folder = tmp_path_factory.mktemp("sizing")
    results = save_results(doc, folder / "sweep" / "results.json")
    assert (
        main(["size", str(results), "--slo-ms", "60", "--samples", "400", "--out", str(folder / "out")]) == 0
    )
    return folder / "out" / "sizing.json"
