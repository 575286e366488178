"""The calibration probe: real GET /healthz requests against the session's stack, merged by phase."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from gate.probe import ENDPOINT, Prober, Sample, merge_probe
from stack.launcher import LocalStack
from tests.gate.factory import PROCEDURES, Endpoint, make_doc


def _wait_for(prober: Prober, count: int) -> None:
    deadline = time.monotonic() + 10.0
    while len(prober.samples) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_prober_measures_real_requests(local_stack: LocalStack) -> None:
    with Prober(f"{local_stack.url}/healthz", rate_per_s=50.0) as prober:
        _wait_for(prober, 10)
    assert len(prober.samples) >= 10
    assert all(s.ok for s in prober.samples)
    assert all(s.latency_ms > 0 for s in prober.samples)
    with Prober(f"{local_stack.url}/no-such-path", rate_per_s=50.0) as failing:
        _wait_for(failing, 1)
    assert failing.samples
    assert not failing.samples[0].ok
    with pytest.raises(ValueError, match="rate_per_s=0"):
        Prober(local_stack.url, rate_per_s=0)


def test_samples_are_merged_into_the_phase_they_fall_in() -> None:
    doc = make_doc(1, endpoints={PROCEDURES: Endpoint(8.0, 500)}, duration_s=60.0)
    start = datetime.fromisoformat(doc.run.started_at).timestamp()
    samples = [Sample(start + t, 1.5, ok=t != 30) for t in (-5, 0, 10, 30, 59.9, 61)]
    merged = merge_probe(doc, samples, rate_per_s=20.0)
    probe = next(e for e in merged.phase("steady").endpoints if e.name == ENDPOINT)
    assert (probe.requests, probe.failures) == (4, 1)
    assert probe.latency().percentile_ms(50) == pytest.approx(1.5, rel=1e-2)
    assert merged.run.stack_settings["calibration_probe"] == {"endpoint": ENDPOINT, "rate_per_s": 20.0}
    with pytest.raises(ValueError, match="already records 'GET /healthz'"):
        merge_probe(merged, samples, rate_per_s=20.0)
