"""The sizing recovers known answers from synthetic sweeps of a known USL curve (seeded noise).

The synthetic documents (``capacity.sizing.synthetic``) have a known truth: goodput X(N) of the curve
λ=100, σ=0.05, κ=0.001 (peak N≈30.8), exponential latencies (P95/mean = ln 20), known CPU seconds per
request per process kind, known response bytes and generator requests per core. Each figure of the
sizing is checked against the same arithmetic done by hand from that truth.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from capacity.exceptions import ModelError
from capacity.sizing.data import GBIT, GIB
from capacity.sizing.facts import MixFigures, YearlyVolumes, years_of_history
from capacity.sizing.inputs import MeasuredProfile, profile_from_documents
from capacity.sizing.params import PARAMETER_NOTES, SizingParameters
from capacity.sizing.plan import Sizing, nodes_curve, size
from capacity.sizing.render import to_json
from capacity.sizing.synthetic import EXPONENTIAL_P95_RATIO, SyntheticStack, synthetic_sweep
from capacity.usl import USLParameters

TRUTH = USLParameters(100.0, 0.05, 0.001)
LEVELS = (1, 2, 4, 8, 12, 16, 20, 24, 32, 40)
STACK = SyntheticStack()
# Reference node = planned node (2 cores), no surge or growth, so the hand arithmetic stays short.
PARAMS = SizingParameters(
    slo_ms=60.0, think_time_s=20.0, surge=1.0, growth_per_year=0.0, node_cores=2, max_utilization=0.5
)


@pytest.fixture(scope="module")
def profile() -> MeasuredProfile:
    doc = synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=2, noise=0.01, seed=3)
    return profile_from_documents([("synthetic.json", doc)])


@pytest.fixture(scope="module")
def sizing(profile: MeasuredProfile) -> Sizing:
    return size(profile, PARAMS)


def _true_operating_concurrency(slo_mean_s: float) -> float:
    """Solve (1 + σ(n−1) + κn(n−1)) / λ = R for n (Z = 0): the smaller positive root."""
    lam, sig, kap = TRUTH.lambda_, TRUTH.sigma, TRUTH.kappa
    b, c = sig - kap, 1 - sig - slo_mean_s * lam
    return (-b + math.sqrt(b * b - 4 * kap * c)) / (2 * kap)


def test_fit_recovers_the_curve(sizing: Sizing) -> None:
    assert sizing.usl.lambda_ == pytest.approx(TRUTH.lambda_, rel=0.05)
    assert sizing.usl.sigma == pytest.approx(TRUTH.sigma, rel=0.15)
    assert sizing.usl.kappa == pytest.approx(TRUTH.kappa, rel=0.15)
    assert sizing.measured_think_time_s == pytest.approx(0.0, abs=1e-3)  # a sweep without think time


def test_operating_point_meets_the_percentile_slo_through_the_empirical_ratio(sizing: Sizing) -> None:
    op = sizing.operating
    assert op.limited_by == "slo"
    assert op.percentile_ratio == pytest.approx(EXPONENTIAL_P95_RATIO, rel=0.02)
    assert op.percentile_ms == pytest.approx(PARAMS.slo_ms, rel=1e-3)
    expected = _true_operating_concurrency(PARAMS.slo_ms / 1000.0 / EXPONENTIAL_P95_RATIO)
    assert op.concurrency == pytest.approx(expected, rel=0.03)
    assert op.throughput == pytest.approx(TRUTH.throughput_at_concurrency(expected), rel=0.02)
    assert to_json(sizing)["operating_point"]["percentile_mapping"].startswith("empirical")


def test_node_counts_match_the_hand_arithmetic(sizing: Sizing) -> None:
    mean_s = PARAMS.slo_ms / 1000.0 / EXPONENTIAL_P95_RATIO
    x_node = TRUTH.throughput_at_concurrency(_true_operating_concurrency(mean_s))
    x_planned = PARAMS.target_users / (PARAMS.think_time_s + mean_s)  # type: ignore[operator]
    assert sizing.load.requests_per_s == pytest.approx(x_planned, rel=1e-3)
    exact = x_planned / (x_node * PARAMS.max_utilization)  # ≈ 14.86
    assert exact <= sizing.nodes.point <= exact + 1
    assert sizing.nodes.p50 <= sizing.nodes.p90
    assert abs(sizing.nodes.p50 - sizing.nodes.point) <= 1
    layout = sizing.nodes.layout_p90
    # Two sites, each carrying the whole load, plus one spare each.
    assert (layout.sites, layout.per_site, layout.total) == (
        2,
        sizing.nodes.p90 + 1,
        2 * (sizing.nodes.p90 + 1),
    )
    assert to_json(sizing)["app_nodes"]["installed"]["p90"]["cores"] == layout.total * PARAMS.node_cores


def test_modes_spread_the_load_as_stated(sizing: Sizing) -> None:
    normal, node_down, site_down = sizing.modes
    per_site, capacity = sizing.nodes.layout_p90.per_site, sizing.nodes.node_capacity_rps
    x = sizing.load.requests_per_s
    assert normal.requests_per_s_per_node == pytest.approx(x / 2 / per_site)
    assert node_down.requests_per_s_per_node == pytest.approx(x / 2 / (per_site - 1))
    assert site_down.requests_per_s_per_node == pytest.approx(x / per_site)
    assert site_down.utilization == pytest.approx(x / per_site / capacity)
    assert site_down.cpu_utilization == pytest.approx(x / per_site * STACK.demands_s["app"] / 2)
    assert all(m.within_headroom for m in sizing.modes)
    assert normal.utilization < node_down.utilization < site_down.utilization <= PARAMS.max_utilization


def test_redis_bandwidth_and_generators(sizing: Sizing) -> None:
    x = sizing.load.requests_per_s
    mix = MixFigures.from_mix()
    assert sizing.redis.shards_for_operations == math.ceil(x * STACK.demands_s["redis"] / 0.5)
    sessions = PARAMS.target_users * mix.logged_in_share * PARAMS.redis_session_bytes
    dossiers = YearlyVolumes.from_facts().dossiers_per_year * PARAMS.redis_dossier_bytes
    memory = (sessions + dossiers) * PARAMS.redis_memory_overhead / GIB
    assert sizing.redis.memory_gib == pytest.approx(memory)
    assert sizing.redis.shards == max(sizing.redis.shards_for_operations, math.ceil(memory / 25))
    assert sizing.redis.instances == 2 * sizing.redis.shards
    assert sizing.bandwidth.out_gbit_s == pytest.approx(x * STACK.response_bytes * 8 / GBIT)
    assert sizing.bandwidth.in_gbit_s == pytest.approx(x * (800 + mix.upload_bytes_per_request) * 8 / GBIT)
    assert sizing.generators.rps_per_core == pytest.approx(STACK.generator_rps_per_core, rel=1e-3)
    assert sizing.generators.workers_for_users == 6  # 120,000 / 20,000 (docs/drills.md)
    assert sizing.generators.workers_for_rate == math.ceil(x / (STACK.generator_rps_per_core * 0.8))
    assert sizing.nodes.memory.rss_per_worker_gib == pytest.approx(150 / 1024)


def test_storage_from_facts_volumes() -> None:
    volumes = YearlyVolumes.from_facts()
    assert years_of_history() == pytest.approx(5.83, abs=0.01)  # 2019-12 to 2025-10
    assert volumes.dossiers_per_year == pytest.approx(92.6e6 / years_of_history())
    assert volumes.mean_payment_vnd == pytest.approx(770_000, rel=0.001)  # FACTS: ≈ 770,000 VND
    mix = MixFigures.from_mix()
    assert mix.think_time_per_request_s == pytest.approx(24.72, abs=0.01)
    assert mix.attachments_per_dossier == 2.5
    from capacity.sizing.data import storage

    params = SizingParameters(growth_per_year=0.0, horizon_years=1, retention_years=1, storage_copies=2)
    one_year = (
        volumes.dossiers_per_year * (4096 + 2.5 * 1_050_000)
        + volumes.synced_per_year * 1024
        + volumes.payments_per_year * 1024
    )
    result = storage(params, volumes, mix)
    assert result.retained_tb == pytest.approx(one_year / 1e12)
    assert result.provisioned_tb == pytest.approx(one_year * 2 / 0.7 / 1e12)
    # Ten years kept, three of them grown: 3 future years plus 7 of the history (it has 5.83).
    longer = storage(replace(params, horizon_years=3, retention_years=10, growth_per_year=0.1), volumes, mix)
    grown = sum(1.1**y for y in (1, 2, 3))
    assert longer.retained_tb == pytest.approx(one_year * (grown + years_of_history()) / 1e12)


def test_layouts_for_other_site_plans(profile: MeasuredProfile) -> None:
    shared = size(profile, replace(PARAMS, site_failover=False))
    base = shared.nodes.p90
    assert shared.nodes.layout_p90.per_site == math.ceil(base / 2) + 1
    assert not shared.modes[2].within_headroom  # losing a site was not planned for, and it shows
    assert any(w.startswith("one site down: nodes would run at") for w in shared.warnings)
    three = size(profile, replace(PARAMS, sites=3))
    assert three.nodes.layout_p90.per_site == math.ceil(three.nodes.p90 / 2) + 1
    single = size(profile, replace(PARAMS, sites=1, site_failover=False))
    assert [m.mode for m in single.modes] == ["normal", "one node down"]


def test_nodes_curve_grows_with_users(profile: MeasuredProfile) -> None:
    curve = nodes_curve(profile, PARAMS, [10_000, 60_000, 120_000, 240_000])
    p50 = [c.p50 for c in curve]
    assert p50 == sorted(p50)
    assert p50[0] < p50[-1]
    assert all(c.p50 <= c.p90 <= c.installed_p90 for c in curve)
    assert curve[2].point == size(profile, PARAMS).nodes.point


def test_same_input_same_output(profile: MeasuredProfile, sizing: Sizing) -> None:
    again = size(profile, PARAMS)
    assert json.dumps(to_json(again)) == json.dumps(to_json(sizing))
    reread = profile_from_documents(
        [
            (
                "synthetic.json",
                synthetic_sweep(TRUTH.throughput_at_concurrency, LEVELS, repeats=2, noise=0.01, seed=3),
            )
        ]
    )
    assert json.dumps(to_json(size(reread, PARAMS))) == json.dumps(to_json(sizing))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"max_utilization": 1.5}, r"max_utilization: must lie in \(0, 1\], got 1.5"),
        ({"sites": 1}, "site_failover: needs at least 2 sites"),
        ({"node_cores": 2.5}, "node_cores: must be a whole number, got 2.5"),
        ({"surge": float("nan")}, "surge: must be a finite number, got nan"),
        ({"think_time_s": 0.0}, "think_time_s: must be > 0, got 0.0"),
        ({"slo_percentile": 100}, r"slo_percentile: must lie in \(0, 100\), got 100"),
    ],
)
def test_parameters_name_the_bad_field(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ModelError, match=message):
        SizingParameters(**changes)  # type: ignore[arg-type]


def test_sizing_defaults_carry_their_source() -> None:
    params = SizingParameters()
    assert params.target_users == 120_000
    assert params.planned_users == pytest.approx(120_000 * 1.5 * 1.1**3)
    assert set(PARAMETER_NOTES) == set(params.as_dict())
    assert PARAMETER_NOTES["target_users"].startswith("FACTS")
    assert PARAMETER_NOTES["surge"].startswith("assumption")
