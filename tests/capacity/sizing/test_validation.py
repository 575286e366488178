"""Self-validation: held-out prediction error is small on USL data, large on data that breaks the USL;
the USL/MVA/linear cross-check; a sizing beyond the validated range is marked."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from capacity.sizing.inputs import MeasuredProfile, profile_from_documents
from capacity.sizing.models import build_predictors
from capacity.sizing.params import SizingParameters
from capacity.sizing.plan import size
from capacity.sizing.synthetic import synthetic_sweep
from capacity.sizing.validation import validate
from capacity.usl import USLParameters

TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 12, 16, 20, 24, 32, 40)
PARAMS = SizingParameters(slo_ms=60.0, node_cores=2)


def _profile(
    curve: Callable[[float], float], levels: tuple[int, ...] = LEVELS, repeats: int = 1
) -> MeasuredProfile:
    doc = synthetic_sweep(curve, levels, repeats=repeats, noise=0.01, seed=11)
    return profile_from_documents([("sweep.json", doc)])


def _cliff(n: float) -> float:
    """Follows the USL up to 24 users, then loses half its throughput (a pool runs dry): not a USL."""
    x = TRUTH.throughput_at_concurrency(n)
    return x if n <= 24 else 0.5 * x


@pytest.fixture(scope="module")
def usl_profile() -> MeasuredProfile:
    return _profile(TRUTH.throughput_at_concurrency, repeats=2)


def test_held_out_error_is_small_on_usl_data(usl_profile: MeasuredProfile) -> None:
    validation = validate(usl_profile, tolerance=0.10, holdout_share=0.25)
    assert validation.status == "held"
    assert validation.training_levels == (1, 2, 4, 8, 12, 16, 20, 24)
    assert [level.concurrency for level in validation.held_out] == [32, 40]
    assert validation.errors["usl"].max_abs < 0.03
    assert validation.validated_up_to == 40
    # Ideal linear scaling from one user is far off near the peak: the USL earns its keep.
    assert validation.errors["linear"].mean_abs > 1.0
    sizing = size(usl_profile, PARAMS)
    assert sizing.within_validated_range
    assert not any("validat" in w for w in sizing.warnings)


def test_held_out_error_is_large_when_the_data_breaks_the_usl() -> None:
    validation = validate(_profile(_cliff, repeats=2), tolerance=0.10, holdout_share=0.25)
    assert validation.status == "failed"
    assert validation.errors["usl"].max_abs > 0.5
    assert validation.validated_up_to is None
    assert "does not follow the USL" in validation.reason
    sizing = size(_profile(_cliff, repeats=2), PARAMS)
    assert not sizing.within_validated_range
    assert any(w.startswith("validation failed") for w in sizing.warnings)
    assert any(w.startswith("beyond the validated range") for w in sizing.warnings)


def test_the_tolerance_decides() -> None:
    profile = _profile(TRUTH.throughput_at_concurrency, repeats=2)
    assert validate(profile, tolerance=1e-5, holdout_share=0.25).status == "failed"


def test_too_few_levels_skip_validation_and_say_why() -> None:
    profile = _profile(TRUTH.throughput_at_concurrency, levels=(1, 2, 4, 8, 16, 32))
    validation = validate(profile, tolerance=0.10, holdout_share=0.25)
    assert validation.status == "skipped"
    assert "too few levels to validate: 6 points on 6 levels" in validation.reason
    sizing = size(profile, PARAMS)  # the sizing itself still works on 6 points
    assert not sizing.within_validated_range
    assert any(w.startswith("not validated: too few levels") for w in sizing.warnings)


def test_cross_check_shows_how_far_apart_the_models_are(usl_profile: MeasuredProfile) -> None:
    predictors = build_predictors(usl_profile)
    lowest = usl_profile.distinct_levels[0]
    assert predictors.throughput("linear", lowest) == pytest.approx(usl_profile.level_throughput(lowest))
    # MVA is calibrated at the lowest level: it reproduces that level's measured throughput.
    assert predictors.throughput("mva", lowest) == pytest.approx(
        usl_profile.level_throughput(lowest), rel=0.02
    )
    sizing = size(usl_profile, PARAMS)
    cross = sizing.cross_check
    assert cross.concurrency == sizing.operating.concurrency
    assert cross.throughput["usl"] == pytest.approx(sizing.operating.throughput)
    assert cross.throughput["linear"] > cross.throughput["usl"]
    assert cross.nodes["usl"] == sizing.nodes.point
    counts = list(cross.nodes.values())
    assert cross.spread == pytest.approx(max(counts) / min(counts) - 1)


def test_a_sizing_past_the_validated_range_is_marked() -> None:
    # No coherency (no peak), a loose SLO and extrapolation allowed: the operating point runs to twice
    # the highest measured level, where nothing was validated.
    profile = _profile(USLParameters(100.0, 0.02, 0.0).throughput_at_concurrency, repeats=2)
    sizing = size(profile, SizingParameters(slo_ms=10_000.0, node_cores=2, max_extrapolation=2.0))
    assert sizing.validation.status == "held"
    assert sizing.operating.limited_by == "extrapolation limit"
    assert sizing.operating.beyond_measured
    assert sizing.operating.concurrency == pytest.approx(80.0)
    assert not sizing.within_validated_range
    assert any("beyond the validated range" in w and "held up to N=40" in w for w in sizing.warnings)


def test_by_default_the_operating_point_stays_within_the_measured_levels() -> None:
    profile = _profile(USLParameters(100.0, 0.02, 0.0).throughput_at_concurrency, repeats=2)
    sizing = size(profile, SizingParameters(slo_ms=10_000.0, node_cores=2))
    assert sizing.operating.limited_by == "measured range"
    assert sizing.operating.concurrency == pytest.approx(40.0)
    assert sizing.within_validated_range
    assert any("the SLO still held at N=40 (measured range)" in w for w in sizing.warnings)
