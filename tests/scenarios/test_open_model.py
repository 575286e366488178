"""The open model inside one Locust process, on a patched clock: arrivals are released at their intended
instants whatever the users do, late and dropped ones are counted, the start lag is measured; the event
loop's lag is sampled; validity names a run whose arrivals were late or whose generator lagged."""

from __future__ import annotations

import pytest

from results.document import Arrivals, EndpointStats, GeneratorUse, LoopLag, Offered, Phase
from results.histogram import LatencyHistogram
from scenarios.drill.collector import Delta, Recorder
from scenarios.drill.loop_lag import LoopSampler, percentile_shifts_ms
from scenarios.drill.validity import LAG_SHARE, MAX_LATE_SHARE, assess
from scenarios.journeys.open_model import MAX_RETURNS, RETURN_AFTER_S, ArrivalQueue
from scenarios.shapes.schedule import Arrival, ArrivalSchedule

T0 = 1_000_000.0


class FakeClock:
    """A clock that only moves when someone sleeps (or a test advances it)."""

    def __init__(self, now: float = T0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def _queue(clock: FakeClock, rate: float = 2.0, duration_s: float = 10.0) -> tuple[ArrivalQueue, Recorder]:
    schedule = ArrivalSchedule(
        knots=((0.0, rate),), duration_s=duration_s, journeys=(("track_status", 1.0),), process="constant"
    )
    recorder = Recorder()
    phase_at = lambda epoch: "early" if epoch - T0 < 5 else "late"  # noqa: E731
    queue = ArrivalQueue(iter(schedule), recorder, phase_at, T0, clock=clock, sleep=clock.sleep)
    return queue, recorder


def test_arrivals_are_released_at_their_intended_instants_and_taken_on_time() -> None:
    clock = FakeClock()
    queue, recorder = _queue(clock)
    queue.dispatch()  # nobody takes anything meanwhile: the schedule does not wait for users
    assert clock.now == pytest.approx(T0 + 9.75)
    assert clock.sleeps == pytest.approx([0.25] + [0.5] * 19)
    assert queue.waiting() == 20
    delta = recorder.drain()
    assert (delta.arrivals["early"].scheduled, delta.arrivals["late"].scheduled) == (10, 10)
    assert delta.arrivals["early"].started == 0


def test_a_late_start_is_counted_and_its_lag_measured_from_the_intended_instant() -> None:
    clock = FakeClock()
    queue, recorder = _queue(clock)
    queue.dispatch()  # now T0 + 9.75: arrival 0 was meant for T0 + 0.25, arrival 19 for T0 + 9.75
    clock.now = T0 + 9.75  # arrivals 0..? have waited; the drop threshold is 10 s, so none is dropped
    first = queue.take()
    assert first.arrival.index == 0
    assert first.intended == T0 + 0.25
    assert first.lag_s == pytest.approx(9.5)
    for _ in range(18):
        queue.take()
    last = queue.take()
    assert last.arrival.index == 19
    assert last.lag_s == 0.0
    delta = recorder.drain()
    early, late = delta.arrivals["early"], delta.arrivals["late"]
    assert (early.started, early.late, late.started) == (10, 10, 10)
    assert late.late == 7  # arrivals 10..16 waited more than 1 s; 17 (1 s), 18 (0.5 s) and 19 did not
    assert early.lag.max_ms() == pytest.approx(9500, rel=1e-3)


def test_arrivals_waiting_past_the_drop_threshold_or_the_end_are_dropped() -> None:
    clock = FakeClock()
    queue, recorder = _queue(clock, duration_s=30.0)
    queue.dispatch()
    clock.now = T0 + 29.75 + 0.1  # arrivals meant before T0 + 19.85 have waited > 10 s
    taken = queue.take()
    assert taken.arrival.at_s == pytest.approx(20.25)
    assert queue.close() == 60 - 41
    delta = recorder.drain()
    assert sum(a.dropped for a in delta.arrivals.values()) == 40 + 19
    assert sum(a.started for a in delta.arrivals.values()) == 1
    assert sum(a.scheduled for a in delta.arrivals.values()) == 60
    queue.dispatch()  # a closed queue releases nothing more
    assert queue.waiting() == 0


def test_the_loop_sampler_records_how_late_the_loop_woke_and_the_sessions_in_progress() -> None:
    clock = FakeClock(0.0)
    oversleep = iter([0.0, 0.03, 0.25])

    def slow_sleep(seconds: float) -> None:
        clock.sleep(seconds + next(oversleep))

    recorder = Recorder()
    sampler = LoopSampler(recorder, lambda _: "steady", lambda: 4, clock=clock, wall=clock, sleep=slow_sleep)
    assert [sampler.sample_once() for _ in range(3)] == pytest.approx([0.0, 0.03, 0.25])
    tally = recorder.drain().loop["steady"]
    assert tally.lag.count == 3
    assert tally.lag.max_ms() == pytest.approx(250, rel=1e-3)
    assert tally.sessions_s == pytest.approx(4 * (0.1 + 0.13 + 0.35))
    with pytest.raises(ValueError, match="interval_s"):
        LoopSampler(recorder, lambda _: "x", lambda: 0, interval_s=0)


def test_open_tallies_travel_in_worker_deltas() -> None:
    recorder = Recorder()
    recorder.arrival_scheduled("steady")
    recorder.arrival_started("steady", 0.002, late=False)
    recorder.arrival_dropped("steady")
    recorder.loop_sample("steady", 0.001, 3, 0.1)
    twice = Delta()
    delta = Delta.decode(recorder.drain().encode())
    twice.add(delta)
    twice.add(delta)
    a, loop = twice.arrivals["steady"], twice.loop["steady"]
    assert (a.scheduled, a.started, a.late, a.dropped, a.lag.count) == (2, 2, 0, 2, 2)
    assert loop.lag.count == 2
    assert loop.sessions_s == pytest.approx(0.6)


def _open_phase(scheduled: int, late: int, dropped: int, lag_ms: float, latency_ms: float) -> Phase:
    hist, lag = LatencyHistogram(), LatencyHistogram()
    for _ in range(400):
        hist.record_ms(latency_ms)
    for _ in range(200):
        lag.record_ms(lag_ms)
    endpoint = EndpointStats(name="GET /a", requests=hist.count, failures=0, histogram=hist.encode())
    return Phase(
        name="steady", start_s=0, end_s=20,
        offered=Offered(users_mean=20 * latency_ms / 1000, users_max=40, think_time_s=0.0),
        endpoints=(endpoint,), generator=GeneratorUse(processes=1, cpu_percent_mean=20, cpu_percent_max=30),
        arrivals=Arrivals(expected=scheduled, scheduled=scheduled, started=scheduled - dropped, late=late,
                          dropped=dropped, rate_min_per_s=5, rate_max_per_s=5, late_after_s=1.0),
        loop_lag=LoopLag(samples=200, interval_s=0.1, p50_ms=lag_ms, p99_ms=lag_ms, max_ms=lag_ms,
                         histogram=lag.encode()),
    )  # fmt: skip


def test_validity_names_late_arrivals_and_a_lagging_generator() -> None:
    good = assess([_open_phase(100, 1, 1, 2.0, 100.0)], None, aborted=False, killed=False)
    assert good.valid, good.reasons
    checks = {c.name: c for c in good.checks}
    assert checks["open_model"].ok
    assert checks["generator_lag"].ok
    assert checks["littles_law"].ok, checks["littles_law"].reason
    late = assess([_open_phase(100, 2, 1, 2.0, 100.0)], None, aborted=False, killed=False)
    assert not late.valid
    assert any("2 started late" in r and f"{MAX_LATE_SHARE:.0%} limit" in r for r in late.reasons)
    assert assess([_open_phase(100, 0, 0, 8.0, 20.0)], None, aborted=False, killed=False).valid  # < floor
    noted = assess([_open_phase(100, 0, 0, 30.0, 100.0)], None, aborted=False, killed=False)
    assert noted.valid  # a third of the percentile: reported, not fatal
    noted_lag = next(c for c in noted.checks if c.name == "generator_lag")
    assert "by about 30.0 ms, 30% of it" in noted_lag.reason
    assert noted_lag.value == pytest.approx(0.3, abs=0.02)
    lagging = assess([_open_phase(100, 0, 0, 60.0, 100.0)], None, aborted=False, killed=False)
    assert not lagging.valid
    reason = next(r for r in lagging.reasons if "event loop" in r)
    assert "moves the reported p50 of phase steady by about 60.0 ms" in reason
    assert f"limit {LAG_SHARE:.0%}" in reason
    assert "distorts the reported percentiles" in reason
    # the same lag next to slow answers distorts nothing
    assert assess([_open_phase(100, 0, 0, 60.0, 1000.0)], None, aborted=False, killed=False).valid


def test_the_shift_a_lag_causes_is_estimated_per_percentile() -> None:
    latency, steady_lag, rare_stall = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    for i in range(1000):
        latency.record_ms(50.0 + i / 10)  # 50 .. 150 ms, evenly
        steady_lag.record_ms(5.0)
        rare_stall.record_ms(200.0 if i % 100 == 0 else 0.5)  # 1% of wake-ups 200 ms late
    assert latency.quantiles_ms([50, 99]) == [latency.percentile_ms(50), latency.percentile_ms(99)]
    assert percentile_shifts_ms(latency, steady_lag, [50, 99]) == pytest.approx([5.0, 5.0], abs=1.0)
    p50, p99 = percentile_shifts_ms(latency, rare_stall, [50, 99])
    assert p50 < 2.0  # a rare stall hardly moves the median...
    assert p99 < 200.0  # ...nor the p99 by all of itself
    assert percentile_shifts_ms(LatencyHistogram(), steady_lag, [50]) == [0.0]


def test_citizens_who_give_up_come_back_as_new_arrivals_a_bounded_number_of_times() -> None:
    clock = FakeClock()
    schedule = ArrivalSchedule(
        knots=((0.0, 1.0),), duration_s=3.0, journeys=(("x", 1.0),), process="constant"
    )
    pending: list[tuple[float, Arrival]] = []
    recorder = Recorder()
    queue = ArrivalQueue(
        iter(schedule), recorder, lambda _: "steady", T0, clock=clock, sleep=clock.sleep,
        spawn_later=lambda delay, _release, arrival: pending.append((delay, arrival)), return_share=1.0,
    )  # fmt: skip
    queue.dispatch()
    first = queue.take().arrival
    assert queue.come_back(first)
    delay, again = pending.pop()
    assert (delay, again.index, again.attempt, again.journey) == (RETURN_AFTER_S, 0, 1, "x")
    assert again.at_s == pytest.approx(clock.now - T0 + RETURN_AFTER_S)
    assert again.rng(1).random() != first.rng(1).random()
    queue._release_return(again)  # what gevent.spawn_later calls
    assert recorder.drain().arrivals["steady"].returned == 1
    last = Arrival(0, 0.0, "x", attempt=MAX_RETURNS)
    assert not queue.come_back(last)  # came back often enough
    never = ArrivalQueue(iter(()), recorder, lambda _: "steady", T0, return_share=0.0)
    assert not never.come_back(first)
    queue.close()
    assert not queue.come_back(first)
