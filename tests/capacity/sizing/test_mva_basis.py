"""A sizing that rests on MVA from the measured CPU demands: its operating point, node counts, P50/P90 from
MVA networks rebuilt from resampled repeats, and a validation judged on MVA's held-out error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from capacity.exceptions import ModelError
from capacity.mva import MVAModel
from capacity.sizing.inputs import MeasuredProfile, profile_from_documents
from capacity.sizing.models import MVACurve, build_predictors, mva_bootstrap
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import size
from capacity.sizing.synthetic import SyntheticStack, synthetic_sweep
from cuaso.cli import main
from results.document import CpuAllotment, ResultsDocument, save_results

LEVELS = (1, 2, 4, 8, 12, 16, 24, 32)
STACK = SyntheticStack()


def _mva_truth() -> MVAModel:
    """The synthetic stack as an MVA network: its CPU demands on its 2 cores, and 5 ms of delay."""
    return MVAModel({"cpu": sum(STACK.demands_s.values()), "delay": 0.005}, delay_tiers={"delay"},
                    servers={"cpu": STACK.cores})  # fmt: skip


def _confined(doc: ResultsDocument) -> ResultsDocument:
    """The stack on its 2 cores, Locust apart (so the generator's CPU is not the node's load)."""
    allotments = (
        CpuAllotment(group="generator", kinds=("locust",), cpus="2", cores=1.0, mechanism="cgroup-v2"),
        CpuAllotment(group="sut", kinds=("app", "redis", "sim-eid"), cpus="0,1", cores=2.0,
                     mechanism="cgroup-v2"),
    )  # fmt: skip
    return doc.model_copy(update={"run": doc.run.model_copy(update={"allotments": allotments})})


def _profile(noise: float, seed: int = 4) -> MeasuredProfile:
    truth = _mva_truth()
    doc = synthetic_sweep(lambda n: truth.throughput_at_concurrency(round(n)), LEVELS, repeats=3, noise=noise,
                          seed=seed)  # fmt: skip
    return profile_from_documents([("sweep", _confined(doc))])


def test_the_mva_curve_is_the_network_at_whole_users_and_linear_between() -> None:
    model = _mva_truth()
    curve = MVACurve(model)
    for n in (1, 2, 7, 30):
        assert curve.throughput_at_concurrency(n) == pytest.approx(model.throughput_at_concurrency(n))
    between = (model.throughput_at_concurrency(2) + model.throughput_at_concurrency(3)) / 2
    assert curve.throughput_at_concurrency(2.5) == pytest.approx(between)
    assert curve.peak_concurrency == float("inf")
    assert np.allclose(
        curve.throughputs(np.array([1.0, 4.0])), [curve.throughput_at_concurrency(v) for v in (1, 4)]
    )


def test_a_sizing_on_mva_validates_mva_and_draws_from_the_repeats() -> None:
    profile = _profile(0.01)
    predictors = build_predictors(profile)
    sized = size(profile, SizingParameters(capacity_model="mva", slo_ms=60, bootstrap_samples=60))
    assert sized.validation.status == "held"
    assert sized.validation.reason.startswith("MVA built on ")
    assert sized.nodes.node_capacity_rps == pytest.approx(
        MVACurve(predictors.mva).throughput_at_concurrency(sized.operating.concurrency)
        * sized.load.core_scale
    )
    u = sized.nodes.uncertainty
    assert u is not None
    assert u.covariance_p50 is None
    assert u.bootstrap_draws == 60
    assert sized.operating.limited_by in ("slo", "measured range")


def test_noisier_repeats_spread_the_mva_draws_wider() -> None:
    quiet, noisy = _profile(0.01), _profile(0.2)
    spread = []
    for profile in (quiet, noisy):
        draws = mva_bootstrap(profile, 16.0, 80, seed=0)
        spread.append(float(np.quantile(draws, 0.9) - np.quantile(draws, 0.1)))
    assert spread[1] > 3 * spread[0]


def test_the_model_is_chosen_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(ModelError, match="capacity_model: must be one of usl, mva, got 'erlang'"):
        SizingParameters(capacity_model="erlang")
    truth = _mva_truth()
    doc = synthetic_sweep(lambda n: truth.throughput_at_concurrency(round(n)), LEVELS, repeats=2, seed=1)
    path = save_results(_confined(doc), tmp_path / "results.json")
    argv = ["size", str(path), "--format", "json", "--capacity-model", "mva", "--slo-ms", "60",
            "--bootstrap-samples", "20"]  # fmt: skip
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["parameters"]["capacity_model"] == {
        "value": "mva", "note": document["parameters"]["capacity_model"]["note"], "origin": "command line",
    }  # fmt: skip
    assert document["validation"]["reason"].startswith("MVA built on ")
    assert document["app_nodes"]["uncertainty"]["bootstrap"]["method"] == "repeats (MVA rebuilt)"
    assert main(["size", str(path), "--param", "capacity_model=erlang"]) == 2
    assert "capacity_model: must be one of usl, mva, got 'erlang'" in capsys.readouterr().err
