"""The drill's parts without Locust: exact merging of recorders, the monitor's verdicts, the config's
round trip through environment variables, validity checks, the resource sampler and the document."""

from __future__ import annotations

import os
import time

import pytest

from cuaso.verbs.drill import SCENARIOS
from results.document import EndpointStats, GeneratorUse, Offered, Phase
from results.exceptions import TargetNotAllowedError
from results.histogram import LatencyHistogram
from scenarios.drill.collector import Aggregate, Delta, Recorder, error_kind
from scenarios.drill.config import DrillConfig
from scenarios.drill.document import RunFacts, build_document
from scenarios.drill.environment import collect_environment
from scenarios.drill.monitor import Monitor
from scenarios.drill.progress import progress_line
from scenarios.drill.sampler import ResourceSampler, kind_of
from scenarios.drill.scenario import build_shape, scenario_names
from scenarios.drill.validity import GENERATOR_CPU_LIMIT, assess
from tests.scenarios.test_journeys import fixed_mix


def _record(recorder: Recorder, latencies_ms: list[float], phase: str = "steady") -> None:
    for i, ms in enumerate(latencies_ms):
        recorder.request(phase, "GET /a", ms, 100, "http_503" if i % 5 == 0 else None)


def test_worker_deltas_merge_exactly_into_what_one_process_sees() -> None:
    latencies = [1.0 + (i * 37 % 500) / 7 for i in range(400)]
    single = Recorder()
    _record(single, latencies)
    workers = [Recorder(), Recorder()]
    for i, ms in enumerate(latencies):  # the same requests, spread over two workers and several reports
        workers[i % 2].request("steady", "GET /a", ms, 100, "http_503" if i % 5 == 0 else None)
    merged = Aggregate()
    for recorder in workers:
        merged.add(Delta.decode(recorder.drain().encode()))  # over the wire, as Locust carries it
    one = single.drain().endpoints[("steady", "GET /a")]
    both = merged.total.endpoints[("steady", "GET /a")]
    assert (both.requests, both.failures, both.bytes_received) == (
        one.requests,
        one.failures,
        one.bytes_received,
    )
    assert both.errors == one.errors == {"http_503": 80}
    # each request was recorded once; drained, ``histogram`` holds all of them, ``ok_histogram`` the rest
    assert (one.histogram.count, one.ok_histogram.count) == (both.histogram.count, both.ok_histogram.count)
    assert (one.histogram.count, one.ok_histogram.count) == (400, 320)
    for q in (50, 95, 99, 100):
        assert both.histogram.percentile_ms(q) == one.histogram.percentile_ms(q)


def test_the_checkpoint_encoding_re_encodes_only_what_changed_and_equals_the_whole() -> None:
    merged = Aggregate()
    for step, phase in enumerate(["warmup", "level-1", "level-2", "level-1", "level-3"]):
        recorder = Recorder()
        _record(recorder, [1.0 + step, 2.0 + step, 40.0 * (step + 1)], phase)
        recorder.journey_started(phase, "j")
        recorder.journey_ended(phase, "j", "completed", 0.5 + step, retries=step % 2)
        recorder.arrival_scheduled(phase)
        recorder.arrival_started(phase, 0.001 * step, late=False)
        recorder.loop_sample(phase, 0.002 * step, 3, 0.1)
        recorder.thought(phase, 1.0)
        merged.add(Delta.decode(recorder.drain().encode()))
        assert merged.encode() == merged.total.encode()  # after every checkpoint, not only the last
    cached = merged.encode()["endpoints"]["level-2\tGET /a"]
    recorder = Recorder()
    _record(recorder, [5.0], "level-3")
    merged.add(recorder.drain())
    again = merged.encode()
    assert again["endpoints"]["level-2\tGET /a"] is cached  # untouched: not encoded again
    assert again == merged.total.encode()
    assert again["endpoints"]["level-3\tGET /a"]["requests"] == 4


def test_draining_starts_afresh() -> None:
    recorder = Recorder()
    recorder.journey_started("p", "j")
    recorder.journey_ended("p", "j", "abandoned", 1.5, retries=2)
    recorder.thought("p", 3.0)
    first = recorder.drain()
    assert first.journeys[("p", "j")].abandoned == 1
    assert first.journeys[("p", "j")].retries == 2
    assert first.think_s == {"p": 3.0}
    assert recorder.drain().requests == 0
    with pytest.raises(ValueError, match="outcome"):
        recorder.journey_ended("p", "j", "lost", 1.0, retries=0)


@pytest.mark.parametrize(
    ("status", "exc", "kind"),
    [(503, None, "http_503"), (429, None, "http_429"), (0, TimeoutError("x"), "timeout"),
     (0, ConnectionRefusedError("refused"), "connection"), (200, ValueError("bad"), "assertion"),
     (0, TargetNotAllowedError("refused: x.example is not allowed"), "not_allowed")],
)  # fmt: skip
def test_error_kinds(status: int, exc: BaseException | None, kind: str) -> None:
    assert error_kind(status, exc) == kind


def test_config_round_trips_through_the_environment_and_names_bad_values() -> None:
    config = DrillConfig(
        scenario="phase1-cutover", shape_params={"cutover_s": 30}, modelled_users=50_000, scale=0.002,
        duration_s=90.0, seed=9, mix=fixed_mix(), think_scale=0.5, retry="impatient", iterations=2,
    )  # fmt: skip
    assert DrillConfig.from_env(config.to_env()) == config
    with pytest.raises(ValueError, match=r"CUASO_DRILL_SCALE=2.0: must be in \(0, 1\]"):
        DrillConfig.from_env({"CUASO_DRILL_SCALE": "2"})
    with pytest.raises(ValueError, match="CUASO_DRILL_SEED='x'"):
        DrillConfig.from_env({"CUASO_DRILL_SEED": "x"})


def test_scaled_think_times() -> None:
    mix = DrillConfig(think_scale=0.1).effective_mix()
    assert mix.think["fill_form"].max_s == pytest.approx(30.0)


def test_the_verb_lists_every_shape_and_the_staircase_is_built_from_params() -> None:
    assert set(SCENARIOS) | {"staircase"} == set(scenario_names())
    shape = build_shape(DrillConfig(scenario="staircase", shape_params={"levels": [2, 4], "steady_s": 5}))
    assert shape.peak_users() == 4


def _monitor(**changes: object) -> Monitor:
    config = DrillConfig(abort_error_rate=0.5, abort_min_requests=10).with_changes(**changes)
    return Monitor(config, duration_s=60.0, expected_users=2, started_at=0.0)


def test_the_monitor_aborts_on_the_recent_error_rate_after_enough_requests() -> None:
    monitor = _monitor()
    recorder = Recorder()
    _record(recorder, [5.0] * 4)
    for _ in range(4):
        recorder.request("steady", "GET /a", 5.0, 0, "http_503")
    monitor.add(recorder.drain())
    monitor.timeline_point(3.0, "steady", 4)
    assert monitor.verdict() is None  # 8 requests: below the minimum
    for _ in range(10):
        recorder.request("steady", "GET /a", 5.0, 0, "connection")
    monitor.add(recorder.drain())
    point = monitor.timeline_point(6.0, "steady", 4)
    assert point["rps"] == pytest.approx(10 / 3)
    reason = monitor.verdict()
    assert reason is not None
    assert "aborted: error rate" in reason
    assert monitor.aborted


def test_the_monitor_finishes_when_every_user_ran_its_iterations() -> None:
    monitor = _monitor(iterations=3)
    recorder = Recorder()
    recorder.user_finished()
    monitor.add(recorder.drain())
    assert monitor.verdict() is None
    recorder.user_finished()
    monitor.add(recorder.drain())
    assert monitor.verdict() == "finished: all 2 users ran 3 journeys each"
    assert not monitor.aborted


def _phase(
    users: float, rps: float, response_ms: float, think_s: float, cpu: float, seconds: float = 20
) -> Phase:
    hist = LatencyHistogram()
    for _ in range(int(rps * seconds)):
        hist.record_ms(response_ms)
    endpoint = EndpointStats(name="GET /a", requests=hist.count, failures=0, histogram=hist.encode())
    return Phase(
        name="steady", start_s=0, end_s=seconds,
        offered=Offered(users_mean=users, users_max=round(users), think_time_s=think_s),
        endpoints=(endpoint,), generator=GeneratorUse(processes=1, cpu_percent_mean=cpu, cpu_percent_max=cpu),
    )  # fmt: skip


def test_validity_holds_when_littles_law_holds_and_the_generator_is_idle() -> None:
    # 10 users, 1 s think + 0.1 s response → X = 10 / 1.1 = 9.09 req/s
    validity = assess([_phase(10, 10 / 1.1, 100.0, 1.0, cpu=20)], None, aborted=False, killed=False)
    assert validity.valid, validity.reasons


def test_validity_names_a_saturated_generator_and_a_broken_littles_law() -> None:
    saturated = assess([_phase(10, 10 / 1.1, 100.0, 1.0, cpu=95)], None, aborted=False, killed=False)
    assert not saturated.valid
    assert any(f"over the {GENERATOR_CPU_LIMIT:.0f}% limit" in r for r in saturated.reasons)
    lagging = assess([_phase(10, 4.0, 100.0, 1.0, cpu=20)], None, aborted=False, killed=False)
    assert any("Little's law" in r and "apart" in r for r in lagging.reasons)
    few = assess([_phase(1, 1.0, 100.0, 0.0, cpu=1, seconds=5)], None, aborted=False, killed=True)
    assert {c.name for c in few.checks if not c.ok} >= {"min_samples", "completed"}


def test_littles_law_is_checked_on_steady_phases_only() -> None:
    # A ramp from 0 to 20 users (mean 10) whose averages break the law is not held against the run...
    ramp = _phase(10, 4.0, 100.0, 1.0, cpu=20).model_copy(
        update={"name": "ramp", "offered": Offered(users_mean=10, users_max=20, think_time_s=1.0)}
    )
    steady = _phase(10, 10 / 1.1, 100.0, 1.0, cpu=20)
    assert assess([ramp, steady], None, aborted=False, killed=False).valid
    # ...but the same numbers in a steady phase are.
    assert not assess([_phase(10, 4.0, 100.0, 1.0, cpu=20), steady], None, aborted=False, killed=False).valid


def test_the_sampler_charges_cpu_and_memory_to_phases() -> None:
    sampler = ResourceSampler({"portal": os.getpid(), "forwarder-1": os.getpid()}, lambda: [os.getpid()])
    sampler.sample("warm")
    end = time.process_time() + 0.2
    while time.process_time() < end:
        pass
    sampler.sample("busy")
    busy = {r.kind: r for r in sampler.resources("busy", 1.0)}
    assert set(busy) == {"app", "forwarder"}
    assert busy["app"].cpu_seconds >= 0.15
    assert busy["app"].rss_bytes_max > 0
    generator = sampler.generator_use("busy")
    assert generator is not None
    assert generator.cpu_percent_max > 0
    assert kind_of("eid") == "sim-eid"


def test_progress_line_says_elapsed_remaining_users_rate_p95_and_errors() -> None:
    line = progress_line(
        {"t_s": 42, "duration_s": 120, "phase": "steady", "users": 12, "rps": 35.1, "p95_ms": 18.24,
         "error_rate": 0.01, "requests": 900, "failures": 9}
    )  # fmt: skip
    assert "42s / 120s (78s left)" in line
    assert "users 12" in line
    assert "35.1 req/s" in line
    assert "p95 18.2 ms" in line
    assert "errors 1.0%" in line


def test_document_cuts_phases_at_the_end_and_computes_think_time() -> None:
    config = DrillConfig(scenario="steady", shape_params={"ramp_s": 5}, duration_s=20.0, scale=1e-4)
    shape = build_shape(config)
    recorder = Recorder()
    _record(recorder, [10.0] * 50, phase="steady")
    recorder.thought("steady", 25.0)
    collected = {
        "data": recorder.drain().encode(), "ended_s": 12.0, "stop_reason": None, "aborted": False,
        "users": {"steady": {"mean": 12.0, "max": 12}},
        "timeline": [{"t_s": 3.0, "phase": "ramp", "users": 6, "rps": 1.0, "error_rate": 0.0,
                      "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0}],
    }  # fmt: skip
    facts = RunFacts(
        run_id="r", config=config, shape=shape, target="http://127.0.0.1:1", local_stack=False,
        started_at="2026-01-01T00:00:00Z", workers=0, stack_settings={},
    )  # fmt: skip
    doc = build_document(facts, collected, collect_environment(), None, [])
    steady = doc.phase("steady")
    assert (steady.start_s, steady.end_s) == (5.0, 12.0)
    assert steady.offered.think_time_s == pytest.approx(0.5)
    assert steady.requests == 50
    assert doc.run.duration_s == 12.0
    assert doc.run.scale.simulated_users_peak == 12
