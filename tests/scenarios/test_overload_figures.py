"""The overload drill's figures from hand-built results documents: goodput, admitted latency (successful
answers only), refusals, timeouts and recovery read off the timeline."""

from __future__ import annotations

import math

import pytest

from results.document import (
    Arrivals,
    EndpointStats,
    Environment,
    ErrorCount,
    Offered,
    Phase,
    ResultsDocument,
    RunInfo,
    Scale,
    TimelinePoint,
    Validity,
)
from results.histogram import LatencyHistogram
from scenarios.overload import OverloadError, figures, markdown_table, recovery_s


def _hist(values_ms: list[float]) -> str:
    hist = LatencyHistogram()
    for v in values_ms:
        hist.record_ms(v)
    return hist.encode()


def _phase(
    name: str, start: float, end: float, ok_ms: list[float], refused: int = 0, timeouts: int = 0
) -> Phase:
    failed_ms = [1.0] * refused + [4000.0] * timeouts
    errors = tuple(
        ErrorCount(kind=k, count=n) for k, n in (("http_503", refused), ("timeout", timeouts)) if n
    )
    endpoint = EndpointStats(
        name="GET /api/v1/procedures",
        requests=len(ok_ms) + refused + timeouts,
        failures=refused + timeouts,
        errors=errors,
        histogram=_hist(ok_ms + failed_ms),
        ok_histogram=_hist(ok_ms),
    )
    return Phase(name=name, start_s=start, end_s=end, offered=Offered(users_mean=10, users_max=10),
                 endpoints=(endpoint,))  # fmt: skip


def _point(t: float, rps: float, error_rate: float) -> TimelinePoint:
    return TimelinePoint(
        t_s=t, phase="x", users=10, rps=rps, error_rate=error_rate, p50_ms=1, p95_ms=1, p99_ms=1
    )


def _doc(phases: tuple[Phase, ...], timeline: tuple[TimelinePoint, ...] = ()) -> ResultsDocument:
    return ResultsDocument(
        run=RunInfo(
            id="spike-1", scenario="spike", shape={"shape": "spike", "params": {"factor": 5.0}},
            target="http://127.0.0.1:1", local_stack=True, started_at="2026-11-22T00:00:00Z",
            duration_s=phases[-1].end_s, seed=1,
            scale=Scale(modelled_users=50, scale=1.0, simulated_users_peak=50),
        ),
        environment=Environment(
            hostname="t", os="linux", cpu_model="x", cores=2, memory_bytes=1, python="3.11"
        ),
        phases=phases,
        timeline=timeline,
        validity=Validity(valid=True, checks=()),
    )  # fmt: skip


def test_figures_of_a_spike_with_refusals_and_timeouts() -> None:
    before = _phase("before", 10, 20, [10.0] * 1000)  # 100 good req/s
    # 10 s of spike: 800 admitted (80 req/s good), 150 refused at once, 50 timed out at 4 s
    spike = _phase("spike", 20, 30, [100.0] * 792 + [900.0] * 8, refused=150, timeouts=50)
    after = _phase("after", 30, 60, [10.0] * 3000)
    timeline = (
        _point(27, 95, 0.2), _point(30, 95, 0.2),  # still failing when the spike ends
        _point(33, 60, 0.0),  # no errors, but goodput not back (60 < 90% of 100)
        _point(36, 98, 0.0), _point(39, 99, 0.005), _point(42, 97, 0.0), _point(45, 100, 0.0),
    )  # fmt: skip
    row = figures(_doc((before, spike, after), timeline), peak_rps=100.0, admission=True)
    assert row.factor == 5.0
    assert row.requests == 1000
    assert row.goodput_rps == pytest.approx(80.0)
    assert row.goodput_share == pytest.approx(0.8)
    assert row.refused_share == pytest.approx(0.15)
    assert row.timeout_share == pytest.approx(0.05)
    assert row.error_share == pytest.approx(0.2)
    # p99 of the admitted answers only: 1% of 800 is 8 at 900 ms, so p99 is ~100 ms, not the 4 s timeouts
    assert row.p99_admitted_ms == pytest.approx(100.0, rel=0.01)
    assert row.p50_admitted_ms == pytest.approx(100.0, rel=0.01)
    assert row.recovery_s == pytest.approx(3.0)  # healthy from the point at 36 s, covering (33, 36]
    assert row.p99_within_slo
    assert row.model == "closed"
    assert (
        "| 5x | on | closed | 10 → 10 | 80.0 | 0.80 | 100 | 100 | yes | 15.0% | 5.0% | 20.0% | 3 | – |"
        in (markdown_table([row]))
    )
    strict = figures(_doc((before, spike, after), timeline), peak_rps=100.0, admission=True, slo_p99_ms=50.0)
    assert not strict.p99_within_slo
    with pytest.raises(OverloadError, match="slo_p99_ms: need a latency objective > 0 ms, got 0"):
        figures(_doc((before, spike, after), timeline), peak_rps=100.0, admission=True, slo_p99_ms=0.0)


def test_recovery_needs_a_held_healthy_stretch() -> None:
    healthy = [_point(t, 100, 0.0) for t in (3, 6, 9, 12)]
    assert recovery_s(healthy, 0.0, 100.0) == 0.0
    flapping = [_point(3, 100, 0.0), _point(6, 100, 0.5), _point(9, 100, 0.0), _point(12, 100, 0.0),
                _point(15, 100, 0.0)]  # fmt: skip
    assert recovery_s(flapping, 0.0, 100.0) == 6.0
    never = [_point(t, 100, 0.3) for t in (3, 6, 9, 12)]
    assert recovery_s(never, 0.0, 100.0) is None
    assert recovery_s([_point(3, 100, 0.0)], 0.0, 100.0) is None  # too short to tell
    refusing = [_point(t, 100, 0.2) for t in (3, 6, 9, 12)]  # as before the spike: 20 % refused at 1x
    assert recovery_s(refusing, 0.0, 80.0, reference_error_rate=0.2) == 0.0
    assert recovery_s(refusing, 0.0, 80.0, reference_error_rate=0.1) is None
    with pytest.raises(OverloadError, match="reference_goodput"):
        recovery_s(healthy, 0.0, 0.0)


def test_documents_that_are_not_spike_drills_are_refused() -> None:
    steady = _doc((_phase("steady", 0, 10, [5.0] * 10),))
    with pytest.raises(OverloadError, match="no phase 'before'"):
        figures(steady, 100.0, admission=False)
    empty_spike = _doc(
        (_phase("before", 0, 10, [5.0]), _phase("spike", 10, 20, []), _phase("after", 20, 30, []))
    )
    with pytest.raises(OverloadError, match="no request in the spike"):
        figures(empty_spike, 100.0, admission=False)
    with pytest.raises(OverloadError, match="peak_rps"):
        figures(steady, math.nan, admission=False)


def test_a_spike_where_nothing_succeeded_has_no_admitted_latency() -> None:
    doc = _doc((_phase("before", 0, 10, [5.0] * 10), _phase("spike", 10, 20, [], refused=10),
                _phase("after", 20, 30, [5.0] * 10)))  # fmt: skip
    row = figures(doc, 10.0, admission=True)
    assert math.isnan(row.p99_admitted_ms)
    assert row.to_dict()["p99_admitted_ms"] is None
    assert not row.p99_within_slo
    assert row.goodput_share == 0.0


def test_an_open_spike_sits_beside_the_closed_one_with_its_late_arrivals() -> None:
    before = _phase("before", 10, 20, [10.0] * 1000)
    spike = _phase("spike", 20, 30, [100.0] * 800)
    after = _phase("after", 30, 60, [10.0] * 3000)
    timeline = (_point(33, 100, 0.0), _point(36, 100, 0.0), _point(39, 100, 0.0), _point(42, 100, 0.0))
    arrivals = Arrivals(expected=200, scheduled=200, started=180, late=10, dropped=20, late_after_s=1.0)
    open_spike = spike.model_copy(update={"arrivals": arrivals})
    closed = figures(_doc((before, spike, after), timeline), peak_rps=100.0, admission=False)
    opened = figures(_doc((before, open_spike, after), timeline), peak_rps=100.0, admission=False)
    assert opened.model == "open"
    assert opened.late_or_dropped_share == pytest.approx(0.15)
    rows = markdown_table([opened, closed]).splitlines()[2:]
    assert [r.split("|")[3].strip() for r in rows] == ["closed", "open"]
    assert rows[1].endswith("| 15.0% |")
