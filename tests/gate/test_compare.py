"""The statistical comparison on synthetic runs: shifts are caught, A/A is not, noise is respected."""

from __future__ import annotations

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


def test_a_shift_of_a_few_ms_is_caught_as_a_regression() -> None:
    report = run_gate(_runs("base", [1]), _runs("cand", [2], shift_ms=3.0), GateOptions())
    assert report.exit_code == 1
    p50 = _check(report, f"p50({PROCEDURES})")
    assert (p50.status, p50.verdict) == ("fail", "regression")
    assert p50.change == pytest.approx(3.0 / 8.0, abs=0.05)
    assert p50.ci is not None
    assert p50.ci[0] > 0.1
    assert p50.effect is not None
    assert p50.effect > 0.33  # Cliff's delta: at least medium
    assert "noise not measured" in p50.message
    assert _check(report, "p50(run)").verdict == "regression"
    assert _check(report, "p95(journey:dossier)").verdict == "below tolerance"  # 9 ms of 400 ms
    healthz = [c for c in report.checks if HEALTHZ in c.name]
    assert all(c.status == "pass" for c in healthz)  # the delay skips /healthz, as the stack's does


@pytest.mark.parametrize("pair", [(1, 2), (3, 4), (5, 6), (7, 8), (9, 10)])
def test_same_distribution_with_another_seed_is_not_flagged(pair: tuple[int, int]) -> None:
    base, cand = pair
    report = run_gate(_runs("base", [base]), _runs("cand", [cand]), GateOptions())
    assert report.exit_code == 0, [c.message for c in report.failed]
    assert not report.within_noise
    assert all(c.verdict in ("below tolerance", "not significant") for c in report.checks)


def test_noise_larger_than_the_change_is_not_called_a_regression_and_says_so() -> None:
    # baseline repeats whose medians differ by ~30% (a noisy machine); the candidate is 15% slower
    noisy = [
        RunDoc(f"base-{i}", make_doc(i, speed=speed)) for i, speed in enumerate((1.0, 1.3, 1.1), start=1)
    ]
    cand = _runs("cand", [9], speed=1.15 * 1.13)  # 15% slower than the baselines' pooled latency
    report = run_gate(noisy, cand, GateOptions(scopes=("run",)))
    p50 = _check(report, "p50(run)")
    assert p50.verdict == "within noise"
    assert p50.status == "pass"
    assert p50.noise is not None
    assert p50.noise > (p50.change or 0) > 0.1
    assert "the noise between repeats" in p50.message
    assert "is larger than the change" in p50.message
    assert report.exit_code == 0
    assert "within the noise" in report.headline()
    # the same change against quiet repeats is a regression
    quiet = _runs("base", [1, 2, 3], speed=1.13)
    assert _check(run_gate(quiet, cand, GateOptions(scopes=("run",))), "p50(run)").verdict == "regression"


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
    slow_and_worse = _runs("cand", [3, 4], speed=1.6, shift_ms=4.0)
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
