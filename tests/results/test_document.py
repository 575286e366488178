"""The results document: round trip, validation naming the bad key, version handling, histograms."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from results.document import (
    Check,
    EndpointStats,
    Environment,
    Offered,
    Phase,
    ResultsDocument,
    ResultsError,
    RunInfo,
    Scale,
    Validity,
    load_results,
    save_results,
)
from results.histogram import LatencyHistogram


def _doc(latencies_ms: list[float]) -> ResultsDocument:
    hist = LatencyHistogram()
    for ms in latencies_ms:
        hist.record_ms(ms)
    endpoint = EndpointStats(
        name="GET /healthz", requests=len(latencies_ms), failures=1, histogram=hist.encode()
    )
    return ResultsDocument(
        run=RunInfo(
            id="r1", scenario="steady", target="http://127.0.0.1:8000", local_stack=True,
            started_at="2026-11-22T00:00:00Z", duration_s=10, seed=1,
            scale=Scale(modelled_users=120_000, scale=0.001, simulated_users_peak=120),
        ),
        environment=Environment(
            hostname="h", os="linux", cpu_model="x", cores=2, memory_bytes=1, python="3.11"
        ),
        phases=(Phase(name="steady", start_s=0, end_s=10, offered=Offered(users_mean=120, users_max=120),
                      endpoints=(endpoint,)),),
        validity=Validity(valid=True, checks=(Check(name="generator_cpu", ok=True, reason="ok"),)),
    )  # fmt: skip


def test_round_trip_keeps_histograms_mergeable(tmp_path: Path) -> None:
    doc = _doc([1.0, 2.0, 3.0, 50.0])
    path = save_results(doc, tmp_path / "results.json")
    back = load_results(path)
    assert back == doc
    phase = back.phase("steady")
    assert phase.throughput_rps == pytest.approx(0.4)
    merged = LatencyHistogram.merged(
        [phase.endpoints[0].histogram, _doc([100.0]).phases[0].endpoints[0].histogram]
    )
    assert merged.count == 5
    assert merged.max_ms() == pytest.approx(100.0, rel=1e-3)
    assert orjson.loads(path.read_bytes())["schema"] == "cuaso.results"


def test_bad_documents_are_refused_naming_the_key(tmp_path: Path) -> None:
    raw = orjson.loads(_doc([1.0]).to_json())
    raw["phases"][0]["endpoints"][0]["requests"] = -1
    bad = tmp_path / "bad.json"
    bad.write_bytes(orjson.dumps(raw))
    with pytest.raises(ResultsError, match=r"phases\.0\.endpoints\.0\.requests"):
        load_results(bad)
    raw["schema_version"] = 99
    bad.write_bytes(orjson.dumps(raw))
    with pytest.raises(ResultsError, match="newer cuaso"):
        load_results(bad)
    bad.write_bytes(b"{}")
    with pytest.raises(ResultsError, match="schema=None"):
        load_results(bad)
    with pytest.raises(ResultsError, match="no such results file"):
        load_results(tmp_path / "missing.json")


def test_histogram_percentiles_and_slo_share() -> None:
    hist = LatencyHistogram()
    for ms in range(1, 101):
        hist.record_ms(float(ms))
    assert hist.percentile_ms(50) == pytest.approx(50, rel=0.01)
    assert hist.percentile_ms(95) == pytest.approx(95, rel=0.01)
    assert hist.share_above_ms(90) == pytest.approx(0.10, abs=0.011)
    assert LatencyHistogram.decode(hist.encode()).summary() == hist.summary()
