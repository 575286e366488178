"""The statistical comparison on synthetic runs: shifts are caught, A/A is not, noise is respected."""

from __future__ import annotations

import numpy as np
import pytest

from gate.compare import CompareRules
from gate.engine import GateOptions, run_gate
from gate.measure import RunDoc
from gate.model import CheckResult, GateReport
from tests.gate.factory import DOSSIER, HEALTHZ, PROCEDURES, Endpoint, make_doc


def _runs(prefix: str, seeds: list[int], **kwargs: object) -> list[RunDoc]:
    return [RunDoc(f"{prefix}-{s}", make_doc(s, **kwargs)) for s in seeds]  # type: ignore[arg-type]


def _check(report: GateReport, name: str) -> CheckResult:
    found = [c for c in report.checks if c.name == name]
    assert found, f"no check {name!r} in {[c.name for c in report.checks]}"
    return found[0]


FAST = "GET /api/v1/procedures/{procedure_id}"
TWO_MS = {HEALTHZ: Endpoint(1.0, 600, sigma=0.3), FAST: Endpoint(2.0, 3000, sigma=0.4)}
"""The issue's case: a 2-ms endpoint (the catalogue's detail page under a light load)."""


def test_one_run_per_side_a_change_within_the_stated_noise_floor_is_inconclusive() -> None:
    report = run_gate(_runs("base", [1]), _runs("cand", [2], shift_ms=3.0), GateOptions())
    p50 = _check(report, f"p50({PROCEDURES})")
    assert (p50.status, p50.verdict) == ("inconclusive", "within noise")
    assert p50.change == pytest.approx(3.0 / 8.0, abs=0.05)
    assert p50.ci is not None
    assert p50.ci[0] > 0.1  # significant within the run, and still not a FAIL: one run per side
    assert "stated noise floor (100.0%: noise not measured, one run per side)" in p50.message
    assert report.exit_code == 3
    assert report.headline().startswith("INCONCLUSIVE: 0 failed")
    assert _check(report, "p95(journey:dossier)").verdict == "below tolerance"  # 9 ms of 400 ms
    assert all(c.status == "pass" for c in report.checks if HEALTHZ in c.name)  # the delay skips /healthz


def test_a_50ms_slowdown_on_a_2ms_endpoint_fails_with_one_run_per_side() -> None:
    report = run_gate(
        _runs("base", [1], endpoints=TWO_MS),
        _runs("cand", [2], endpoints=TWO_MS, shift_ms=50.0),
        GateOptions(),
    )
    assert report.exit_code == 1
    p50 = _check(report, f"p50({FAST})")
    assert (p50.status, p50.verdict) == ("fail", "regression")
    assert p50.change is not None
    assert p50.change > 10.0  # 2 -> 52 ms
    assert p50.effect is not None
    assert p50.effect > 0.474  # Cliff's delta over the requests: large, consistent with the FAIL
    assert p50.effect_level == "requests"
    assert "beyond the stated noise floor" in p50.message


@pytest.mark.parametrize("pair", range(20))
def test_aa_one_run_per_side_on_a_noisy_machine_never_fails_by_default(pair: int) -> None:
    # two runs of the same code: other seeds, and the whole run slower or faster by up to 30% (a busy
    # shared machine), within the stated noise floor's assumption
    speeds = np.random.default_rng(pair).uniform(0.8, 1.3, size=2)
    base = [RunDoc("base", make_doc(100 + pair, endpoints=TWO_MS, speed=float(speeds[0])))]
    cand = [RunDoc("cand", make_doc(200 + pair, endpoints=TWO_MS, speed=float(speeds[1])))]
    report = run_gate(base, cand, GateOptions())
    assert report.exit_code != 1, [c.message for c in report.failed]
    assert not report.failed


def test_the_issues_aa_pair_is_not_actionable() -> None:
    # p95 2.06 -> 2.40 ms (+16.5%, significant within the run, Cliff's delta negligible): not a FAIL
    base = _runs("base", [1], endpoints=TWO_MS)
    cand = [RunDoc("cand", make_doc(2, endpoints=TWO_MS, speed=1.15))]
    p95 = _check(run_gate(base, cand, GateOptions()), f"p95({FAST})")
    assert p95.change is not None
    assert 0.10 < p95.change < 0.25
    assert (p95.status, p95.verdict) == ("pass", "not actionable")
    assert "under the absolute floor" in p95.message


def test_baseline_repeats_measure_the_noise_floor() -> None:
    # A/A runs kept with the baseline measure the noise: a quiet machine makes +37% decidable
    report = run_gate(
        _runs("base", [1, 2, 3]), _runs("cand", [9], shift_ms=3.0), GateOptions(scopes=("run",))
    )
    p50 = _check(report, "p50(run)")
    assert (p50.status, p50.verdict) == ("fail", "regression")
    assert "the noise measured between repeats" in p50.message


def test_repeats_are_judged_at_run_level() -> None:
    base = _runs("base", [1, 2, 3], endpoints=TWO_MS)
    slow = _runs("cand", [4, 5, 6], endpoints=TWO_MS, shift_ms=50.0)
    failed = _check(run_gate(base, slow, GateOptions()), f"p50({FAST})")
    assert (failed.status, failed.verdict) == ("fail", "regression")
    assert failed.effect_level == "runs (3×3)"
    assert failed.effect == 1.0  # every candidate run slower than every baseline run
    assert "hierarchical bootstrap" in failed.message
    # the same code on a machine whose speed varies between runs: no FAIL, and the interval is wider
    # than the one over requests (it holds the run-to-run variation)
    noisy_b = [
        RunDoc(f"b{i}", make_doc(i, endpoints=TWO_MS, speed=s)) for i, s in enumerate((1.0, 1.25, 0.9))
    ]
    noisy_c = [
        RunDoc(f"c{i}", make_doc(10 + i, endpoints=TWO_MS, speed=s)) for i, s in enumerate((1.2, 0.95, 1.3))
    ]
    report = run_gate(noisy_b, noisy_c, GateOptions())
    assert report.exit_code != 1, [c.message for c in report.failed]
    run_level = _check(report, f"p50({FAST})")
    one_each = _check(run_gate(noisy_b[:1], noisy_c[:1], GateOptions()), f"p50({FAST})")
    assert run_level.ci is not None
    assert one_each.ci is not None
    assert run_level.ci[1] - run_level.ci[0] > 3 * (one_each.ci[1] - one_each.ci[0])
    # deterministic: the same seed gives the same interval
    again = _check(run_gate(noisy_b, noisy_c, GateOptions()), f"p50({FAST})")
    assert again.ci == run_level.ci


def test_noise_larger_than_the_change_is_inconclusive_and_says_so() -> None:
    # baseline repeats whose medians differ by ~30% (a noisy machine); the candidate is 15% slower
    noisy = [
        RunDoc(f"base-{i}", make_doc(i, speed=speed)) for i, speed in enumerate((1.0, 1.3, 1.1), start=1)
    ]
    cand = _runs("cand", [9], speed=1.15 * 1.13)  # 15% slower than the baselines' pooled latency
    report = run_gate(noisy, cand, GateOptions(scopes=("run",)))
    p50 = _check(report, "p50(run)")
    assert (p50.status, p50.verdict) == ("inconclusive", "within noise")
    assert p50.noise is not None
    assert p50.noise > (p50.change or 0) > 0.1
    assert "the noise measured between repeats" in p50.message
    assert report.exit_code == 3
    # against quiet repeats the change is beyond the noise, but 15% on requests this spread out is a
    # negligible effect (Cliff's delta): never a FAIL with a negligible effect
    quiet = _runs("base", [1, 2, 3], speed=1.13)
    check = _check(run_gate(quiet, cand, GateOptions(scopes=("run",))), "p50(run)")
    assert (check.status, check.verdict) == ("inconclusive", "negligible effect")
    assert check.effect is not None
    assert abs(check.effect) < 0.147


def test_a_slower_machine_cancels_out_with_calibration() -> None:
    base = _runs("base", [1, 2])
    slow = _runs("cand", [3, 4], speed=1.6)
    plain = run_gate(base, slow, GateOptions())
    assert plain.exit_code == 1
    calibrated = run_gate(base, slow, GateOptions(calibrate=HEALTHZ))
    assert calibrated.exit_code == 0, [c.message for c in calibrated.failed]
    assert all(
        f == pytest.approx(1.6, rel=0.05) for label, f in calibrated.calibration.items() if "cand" in label
    )
    assert not any(HEALTHZ in c.name for c in calibrated.checks)  # the yardstick is not judged
    # a real slowdown on the slow machine is still caught
    slow_and_worse = _runs("cand", [3, 4], speed=1.6, shift_ms=6.0)
    assert run_gate(base, slow_and_worse, GateOptions(calibrate=HEALTHZ)).exit_code == 1


def test_throughput_drop_and_error_rise_are_regressions() -> None:
    base = _runs("base", [1, 2])
    slower = _runs("cand", [3, 4], duration_s=80.0)  # the same requests in more time: -25% throughput
    report = run_gate(base, slower, GateOptions(scopes=("run",)))
    throughput = _check(report, "throughput(run)")
    assert throughput.verdict == "regression"
    assert throughput.change == pytest.approx(-0.25)
    failing = {
        **{n: Endpoint(8.0, 3000) for n in (HEALTHZ, DOSSIER)},
        PROCEDURES: Endpoint(8.0, 3000, failures=300),
    }
    errors = run_gate(base, _runs("cand", [3], endpoints=failing), GateOptions(scopes=("run",)))
    rate = _check(errors, "error_rate(run)")
    assert rate.verdict == "regression"
    assert rate.candidate == pytest.approx(300 / 9000)


def test_improvements_pass_and_small_targets_are_skipped() -> None:
    report = run_gate(_runs("base", [1], shift_ms=4.0), _runs("cand", [2]), GateOptions(scopes=("run",)))
    assert _check(report, "p50(run)").verdict == "improvement"
    strict = GateOptions(compare=CompareRules(min_samples=5000))
    skipped = _check(run_gate(_runs("base", [1]), _runs("cand", [2]), strict), f"p95({PROCEDURES})")
    assert (skipped.status, skipped.verdict) == ("skipped", "too few samples")


def test_an_endpoint_missing_from_a_run_is_reported_not_compared() -> None:
    fewer = {k: v for k, v in make_endpoints().items() if k != DOSSIER}
    report = run_gate(_runs("base", [1]), _runs("cand", [2], endpoints=fewer), GateOptions())
    presence = _check(report, f"presence({DOSSIER})")
    assert (presence.status, presence.verdict) == ("skipped", "not in every run")
    assert "base-1" in presence.message


def make_endpoints() -> dict[str, Endpoint]:
    from tests.gate.factory import DEFAULT_ENDPOINTS

    return dict(DEFAULT_ENDPOINTS)


def test_a_machine_too_much_slower_makes_failures_inconclusive() -> None:
    base = _runs("base", [1, 2], endpoints=TWO_MS)
    busy = _runs("cand", [3, 4], endpoints=TWO_MS, speed=4.0, shift_ms=50.0)  # healthz 4x slower too
    report = run_gate(base, busy, GateOptions(calibrate=HEALTHZ))
    p50 = _check(report, f"p50({FAST})")
    assert (p50.status, p50.verdict) == ("inconclusive", "machine speed differs")
    assert "(speed factors cand-3 4.1" in p50.message
    assert report.exit_code == 3
    tolerant = run_gate(base, busy, GateOptions(calibrate=HEALTHZ, max_speed_factor=5.0))
    assert _check(tolerant, f"p50({FAST})").verdict == "regression"
    assert tolerant.exit_code == 1


def test_calibration_is_quantile_matched_so_a_busy_machines_longer_tails_cancel_out() -> None:
    # a busy machine stretches every endpoint's tail alike (sigma 0.3 -> 0.7), medians unchanged
    quiet = {HEALTHZ: Endpoint(1.0, 1500, sigma=0.3), FAST: Endpoint(2.0, 3000, sigma=0.3)}
    busy = {HEALTHZ: Endpoint(1.0, 1500, sigma=0.7), FAST: Endpoint(2.0, 3000, sigma=0.7)}
    base, cand = _runs("base", [1, 2, 3], endpoints=quiet), _runs("cand", [4, 5, 6], endpoints=busy)
    plain = _check(run_gate(base, cand, GateOptions(scopes=("run",))), "p95(run)")
    assert (plain.status, plain.verdict) == ("fail", "regression")  # +90%: the machine, not the code
    calibrated = _check(run_gate(base, cand, GateOptions(scopes=("run",), calibrate=HEALTHZ)), "p95(run)")
    assert calibrated.status == "pass", calibrated.message
    assert calibrated.change is not None
    assert abs(calibrated.change) < 0.10
