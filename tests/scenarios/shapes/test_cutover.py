"""The cutover shapes at chosen instants: before, at and after the cutover, within the redirect window."""

from __future__ import annotations

import pytest

from scenarios.mix import JourneyMix, logged_in_concurrent_share
from scenarios.shapes.registry import DEFAULT_RELOGIN_SHARE, Phase1Cutover, Phase2Cutover

SCALE = 0.01


@pytest.fixture
def phase1() -> Phase1Cutover:
    # 50,000 before; 60,000 redirected between 180 s and 210 s; 10,000 more until 300 s; plateau 120,000
    return Phase1Cutover(scale=SCALE)


def test_phase1_defaults_come_from_facts(phase1: Phase1Cutover) -> None:
    assert phase1.baseline_users == 50_000  # highest observed before the cutover
    assert phase1.modelled_users == 120_000  # designed capacity
    assert phase1.redirected_users == 60_000
    assert phase1.real_s(phase1.redirect_window_s) == 300.0  # "within a few minutes": 5 real minutes


def test_phase1_users_at_chosen_instants(phase1: Phase1Cutover) -> None:
    assert phase1.users_at(0) == 0
    assert phase1.users_at(30) == 250  # half way through the warm-up
    assert phase1.users_at(179.9) == 500  # just before the cutover: the baseline
    assert phase1.users_at(180) == 500  # at the cutover: nobody has landed yet
    assert phase1.users_at(195) == 800  # half of the redirected 600 simulated users
    assert phase1.users_at(210) == 1_100  # after the redirect window: baseline + redirected
    assert phase1.users_at(255) == 1_150  # half way through the growth
    assert phase1.users_at(300) == 1_200  # plateau: the modelled population
    assert phase1.users_at(599) == 1_200
    assert phase1.tick(600) is None


def test_phase1_phases_at_chosen_instants(phase1: Phase1Cutover) -> None:
    assert [phase1.phase_at(t) for t in (0, 60, 179, 180, 209, 210, 299, 300, 599)] == [
        "warmup", "baseline", "baseline", "redirect", "redirect", "growth", "growth", "plateau", "plateau",
    ]  # fmt: skip


def test_phase1_is_monotonic_and_redirect_is_the_steepest(phase1: Phase1Cutover) -> None:
    users = [phase1.users_at(t) for t in range(600)]
    assert users == sorted(users)
    rates = {phase1.phase_at(t): phase1.spawn_rate_at(t) for t in (100.0, 195.0, 255.0, 450.0)}
    assert rates["redirect"] == pytest.approx(20.0)  # 600 simulated users in 30 s
    assert rates["redirect"] > rates["growth"] > rates["plateau"]


def test_relogins_only_in_the_redirect_phase(phase1: Phase1Cutover) -> None:
    logins = {p.phase: p for p in phase1.relogins_by_phase()}
    assert list(logins) == [p.name for p in phase1.phases()]
    expected = 60_000 * DEFAULT_RELOGIN_SHARE
    assert logins["redirect"].modelled == round(expected)
    assert logins["redirect"].simulated == round(expected * SCALE)
    assert all(p.modelled == 0 for name, p in logins.items() if name != "redirect")
    worst = {p.phase: p for p in Phase1Cutover(relogin_share=1.0).relogins_by_phase()}
    assert worst["redirect"].modelled == 60_000
    phases = {p["name"]: p for p in phase1.to_dict()["phases"]}
    assert phases["redirect"]["relogins_modelled"] == round(expected)


def test_default_relogin_share_is_the_logged_in_share_of_the_mix() -> None:
    assert logged_in_concurrent_share(JourneyMix.default()) == DEFAULT_RELOGIN_SHARE
    assert 0 < DEFAULT_RELOGIN_SHARE < 1


def test_phase2_starts_from_the_phase1_plateau() -> None:
    shape = Phase2Cutover(scale=SCALE)
    assert shape.baseline_users == Phase1Cutover().modelled_users
    assert shape.users_at(179) == 1_200
    assert shape.users_at(210) == round((120_000 + 14_400) * SCALE)
    assert shape.users_at(400) == 1_440  # past the designed capacity, on purpose


def test_parameters_move_the_timeline() -> None:
    shape = Phase1Cutover(
        scale=SCALE, cutover_s=100.0, redirect_window_s=10.0, growth_s=0.0, duration_s=200.0
    )
    assert [p.name for p in shape.phases()] == ["warmup", "baseline", "redirect", "plateau"]
    assert shape.users_at(105) == 800
    assert shape.users_at(109.9) == round((50_000 + 60_000 * 9.9 / 10) * SCALE)
    assert shape.users_at(110) == 1_200  # growth_s 0: the rest arrives at once with the plateau


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"redirected_share": 0.7}, r"phase1-cutover.redirected_share: .* exceeds modelled_users=120000"),
        ({"baseline_users": 130_000}, r"phase1-cutover.baseline_users: must be <= modelled_users"),
        ({"cutover_s": 30.0}, r"phase1-cutover.cutover_s: must be >= 60, got 30.0"),
        ({"redirect_window_s": 0.0}, r"phase1-cutover.redirect_window_s: must be > 0, got 0.0"),
        ({"duration_s": 250.0}, r"phase1-cutover.duration_s: must be >= .* = 300, got 250.0"),
        ({"relogin_share": 2.0}, r"phase1-cutover.relogin_share: must be <= 1, got 2.0"),
    ],
)
def test_bad_parameters_name_key_and_value(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Phase1Cutover(**kwargs)  # type: ignore[arg-type]
