"""The bottleneck rules, each made to fire by a synthetic run built for it."""

from __future__ import annotations

from reports.bottleneck import find_bottleneck
from tests.reports.synthetic import Knobs, cutover_document


def test_nothing_saturated_names_the_busiest_tier_and_the_headroom() -> None:
    b = find_bottleneck(cutover_document(Knobs(app_utilisation=0.3, generator_cpu=20.0)))
    assert b.culprit == "none"
    assert b.phase == "plateau"
    assert b.tiers[0].kind == "app"
    assert b.summary.startswith("nothing saturated: the busiest tier, app, averaged 30% of a core")
    assert b.spike is None


def test_a_saturated_tier() -> None:
    b = find_bottleneck(cutover_document(Knobs(app_utilisation=0.92)))
    assert b.culprit == "tier"
    assert b.summary.startswith(
        "the app tier: its 2 process(es) averaged 92% of a core each in phase plateau"
    )


def test_the_shared_machine() -> None:
    # app 2 × 0.7 + redis + sims + generator 60% > 85% of 2 cores, but no tier at 80% per process.
    b = find_bottleneck(cutover_document(Knobs(app_utilisation=0.7, generator_cpu=60.0)))
    assert b.culprit == "machine"
    assert b.machine_busy_share >= 0.85
    assert "the machine's CPU" in b.summary


def test_a_saturated_generator_comes_first() -> None:
    b = find_bottleneck(cutover_document(Knobs(app_utilisation=0.95, generator_cpu=93.0)))
    assert b.culprit == "generator"
    assert "93% of a core" in b.summary
    assert "--workers" in b.summary


def test_an_error_spike_is_reported_with_its_phase_and_kinds() -> None:
    b = find_bottleneck(cutover_document(Knobs(redirect_error_rate=0.9)))
    assert b.spike is not None
    assert b.spike.phase == "redirect"
    assert b.spike.t_s == 33.0
    assert b.spike.kinds[0][0] == "http_503"
