"""The scale-out check: capacity at several CPU allotments, the largest predicted from the smaller ones;
and a confined sweep's allotment is the measured node's cores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capacity.exceptions import TooFewPointsError
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


def _confined(cores: float, per_core_rps: float, noise: float = 0.0) -> ResultsDocument:
    """A sweep of a stack confined to a quota of ``cores`` whose capacity is ``per_core_rps`` × cores."""
    curve = USLParameters(per_core_rps * cores / 4.0, 0.02, 0.0005)
    doc = synthetic_sweep(curve.throughput_at_concurrency, LEVELS, repeats=2, noise=noise, seed=3)
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


def test_the_sizing_names_the_check_and_the_extrapolation() -> None:
    profiles = [profile_from_documents([(f"q{c}", _confined(c, 2000.0, 0.01))]) for c in (0.25, 0.5, 1.0)]
    check = scale_out_check(profiles, tolerance=0.1)
    params = SizingParameters(slo_ms=60, samples=200, bootstrap_samples=20)
    sized = size(profiles[2], params, scale_out=check)
    assert sized.reference_cores == 1.0
    assert sized.load.core_scale == 16.0
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
