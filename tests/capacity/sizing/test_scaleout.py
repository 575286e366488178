"""The scale-out check: capacity at several CPU allotments, the largest predicted from the smaller ones;
and a confined sweep's allotment is the measured node's cores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capacity.exceptions import ModelError, TooFewPointsError
from capacity.sizing.inputs import measured_cores, profile_from_documents
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import size
from capacity.sizing.scaleout import scale_out_check
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import CpuAllotment, ResultsDocument, save_results

LEVELS = (1, 2, 4, 8, 12, 16, 24, 32)
SUT_KINDS = ("app", "redis", "sim-eid")


def _confined(
    cores: float, per_core_rps: float, noise: float = 0.0, levels: tuple[int, ...] = LEVELS
) -> ResultsDocument:
    """A sweep of a stack confined to a quota of ``cores`` whose capacity is ``per_core_rps`` × cores."""
    curve = USLParameters(per_core_rps * cores / 4.0, 0.02, 0.0005)
    doc = synthetic_sweep(curve.throughput_at_concurrency, levels, repeats=2, noise=noise, seed=3)
    allotments = (
        CpuAllotment(group="generator", kinds=("locust",), cpus="0", cores=1.0, mechanism="cgroup-v1"),
        CpuAllotment(group="sut", kinds=SUT_KINDS, cpus="1", quota_cores=cores, cores=cores,
                     mechanism="cgroup-v1"),
    )  # fmt: skip
    return doc.model_copy(update={"run": doc.run.model_copy(update={"allotments": allotments})})


def test_the_allotment_is_the_measured_node_and_the_generator_is_not_its_load() -> None:
    doc = _confined(0.5, 2000.0)
    assert measured_cores(doc) == 0.5
    profile = profile_from_documents([("sweep", doc)])
    assert profile.reference_cores == 0.5
    assert all(not m.generator_on_machine for m in profile.levels)
    unconfined = synthetic_sweep(USLParameters(100.0, 0.05, 0.001).throughput_at_concurrency, LEVELS)
    assert measured_cores(unconfined) == float(unconfined.environment.cores)
    assert all(m.generator_on_machine for m in profile_from_documents([("u", unconfined)]).levels)


def test_linear_scaling_is_predicted_exactly_and_sublinear_scaling_is_caught() -> None:
    linear = [profile_from_documents([(f"q{c}", _confined(c, 2000.0))]) for c in (0.25, 0.5, 1.0)]
    check = scale_out_check(linear, tolerance=0.1)
    assert [p.cores for p in check.points] == [0.25, 0.5, 1.0]
    assert check.error == pytest.approx(0.0, abs=1e-5)  # whole requests per window
    assert check.held
    assert check.extrapolation(16) == 16.0
    # The 1-core allotment delivers only 75 % of linear scaling: predicted 1/0.75 − 1 = +33 % too high.
    sub = [*linear[:2], profile_from_documents([("q1", _confined(1.0, 1500.0))])]
    check = scale_out_check(sub, tolerance=0.1)
    assert check.error == pytest.approx(1 / 0.75 - 1, rel=1e-4)
    assert not check.held
    with pytest.raises(TooFewPointsError, match=r"sweeps at 2 distinct CPU allotment\(s\) \[0.25, 1.0\]"):
        scale_out_check([linear[0], linear[2]], tolerance=0.1)
    flat = [profile_from_documents([(f"f{c}", _confined(c, 1000.0 / c**2))]) for c in (0.25, 0.5, 1.0)]
    with pytest.raises(ModelError, match=r"does not grow with the cores \(0.25 core\(s\) \d+ req/s, 0.5 c"):
        scale_out_check(flat, tolerance=0.1)


def test_a_fixed_background_cpu_is_fitted_not_mistaken_for_poor_scaling() -> None:
    """Capacity ∝ (cores − 0.06): what this machine measures (0.25 core serves less than half of 0.5
    core). Through the origin, 0.25 and 0.5 core would predict one core 9 % low."""
    rps = {c: 2800.0 * (c - 0.06) for c in (0.25, 0.5, 1.0)}
    docs = {c: _confined(c, rps[c] / c, levels=LEVELS[1:]) for c in rps}  # every window saturated
    profiles = [profile_from_documents([(f"q{c}", doc)]) for c, doc in docs.items()]
    check = scale_out_check(profiles, tolerance=0.1)  # no idle window: slope and background fitted
    assert not check.background_measured
    assert check.background_cores == pytest.approx(0.06, abs=1e-3)
    first, second = check.points[0].capacity_rps, check.points[1].capacity_rps
    assert check.slope_rps_per_core * (0.5 - 0.25) == pytest.approx(second - first)
    assert check.error == pytest.approx(0.0, abs=1e-4)
    origin = (0.25 * rps[0.25] + 0.5 * rps[0.5]) / (0.25**2 + 0.5**2)  # the line the sizing used to assume
    assert origin / rps[1.0] - 1 == pytest.approx(-0.089, abs=1e-3)
    # the sizing carries the same line to the node: 16 cores hold (16 − 0.06) / (1 − 0.06) measured nodes
    sized = size(profiles[2], SizingParameters(slo_ms=60, samples=200, bootstrap_samples=20), scale_out=check)
    assert sized.load.core_scale == pytest.approx((16 - 0.06) / (1 - 0.06), rel=1e-3)
    assert check.core_scale(16, 0.04) == 400.0  # a background not below the reference: proportional
    # measured without users (cuaso sweep --idle): the background is read, only the slope is fitted
    idle = [profile_from_documents([(f"q{c}", _with_idle(doc, 0.06))]) for c, doc in docs.items()]
    measured = scale_out_check(idle, tolerance=0.1)
    assert measured.background_measured
    assert measured.background_cores == pytest.approx(0.06, abs=1e-9)
    assert measured.error == pytest.approx(0.0, abs=1e-4)
    assert [p.idle_cores for p in idle] == pytest.approx([0.06] * 3)


def _with_idle(doc: ResultsDocument, background_cores: float) -> ResultsDocument:
    """``doc`` with a first window without users whose processes used ``background_cores``."""
    first = doc.phases[0]
    kinds = [r.kind for r in first.resources]
    idle = first.model_copy(update={
        "name": "idle", "start_s": first.start_s - 5.0, "end_s": first.start_s, "endpoints": (),
        "resources": tuple(
            r.model_copy(update={"cpu_cores_mean": background_cores / len(kinds),
                                 "cpu_seconds": 5.0 * background_cores / len(kinds)})
            for r in first.resources
        ),
    })  # fmt: skip
    return doc.model_copy(update={"phases": (idle, *doc.phases)})


def test_the_sizing_names_the_check_and_the_extrapolation() -> None:
    profiles = [profile_from_documents([(f"q{c}", _confined(c, 2000.0, 0.01))]) for c in (0.25, 0.5, 1.0)]
    check = scale_out_check(profiles, tolerance=0.1)
    params = SizingParameters(slo_ms=60, samples=200, bootstrap_samples=20)
    sized = size(profiles[2], params, scale_out=check)
    assert sized.reference_cores == 1.0
    assert sized.load.core_scale == pytest.approx(check.core_scale(16, 1.0))
    assert sized.load.core_scale == pytest.approx(16.0, rel=0.02)  # 1 % noise: a background near 0
    assert any("× 16 beyond the largest CPU allotment" in w for w in sized.warnings)
    unchecked = size(profiles[2], params)
    assert any(w.startswith("core scaling not checked") for w in unchecked.warnings)


def test_cuaso_size_scale_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [
        save_results(_confined(c, 2000.0, 0.01), tmp_path / f"q{c}" / "results.json") for c in (0.25, 0.5, 1)
    ]
    argv = ["size", str(paths[2]), "--format", "json", "--slo-ms", "60", "--bootstrap-samples", "20",
            "--scale-out", *map(str, paths)]  # fmt: skip
    assert main(argv) == 0
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert document["scale_out"]["held"] is True
    assert [a["cores"] for a in document["scale_out"]["allotments"]] == [0.25, 0.5, 1.0]
    assert abs(document["scale_out"]["error"]) < 0.05
    assert document["measured"]["reference_cores"] == 1.0
    assert "cuaso size: scale-out check: 3 allotments, error " in captured.err
    assert main(["size", str(paths[2]), "--scale-out", str(paths[0]), str(paths[2])]) == 2
    assert "need at least 3 (e.g. --sut-cores 0.25, 0.5 and 1)" in capsys.readouterr().err
