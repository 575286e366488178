"""The journey mix: FACTS-derived defaults, validation naming keys, file overrides, session lengths."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from results.exceptions import ConfigError
from scenarios.mix import (
    Attachments,
    CountRange,
    Journey,
    JourneyMix,
    Step,
    ThinkTime,
    concurrent_shares,
    journey_session_s,
    logged_in_concurrent_share,
    mean_session_s,
    summary,
)


def _tiny_mix(share_a: float = 0.25, share_b: float = 0.75) -> JourneyMix:
    """Two journeys with round numbers, to check the session-length arithmetic by hand."""
    a = Journey(
        name="a",
        share=share_a,
        login=True,
        steps=(
            Step("read", "GET /x", "slow", repeat=CountRange(1, 3)),  # 2 × (15 + 0.5)
            Step("attach", "PUT /y", "quick", per_attachment=True),  # 3 × (5 + 0.5)
        ),
    )
    b = Journey(name="b", share=share_b, login=False, steps=(Step("look", "GET /z", "quick", requests=2),))
    return JourneyMix(
        journeys=(a, b),
        think={"slow": ThinkTime(10, 20), "quick": ThinkTime(4, 6)},
        attachments=Attachments(count=CountRange(2, 4), size_bytes=CountRange(10, 20)),
    )


def test_default_shares_come_from_facts() -> None:
    mix = JourneyMix.default()
    assert math.isclose(mix.journey("submit_dossier").share, 92.6e6 / 7.3e9)
    assert math.isclose(mix.journey("pay_fee").share, 38.7e6 / 7.3e9)
    assert math.isclose(math.fsum(j.share for j in mix.enabled()), 1.0, abs_tol=1e-12)
    assert {j.name for j in mix.enabled()} == {"browse_catalogue", "track_status", "submit_dossier"}
    assert math.isclose(mix.login_share, 92.6e6 / 7.3e9)  # only submitting logs in by default


def test_round_trip_through_plain_data_and_json() -> None:
    mix = JourneyMix.default()
    assert JourneyMix.from_dict(json.loads(json.dumps(mix.to_dict()))) == mix


def test_with_enabled_takes_the_share_from_the_remainder() -> None:
    mix = JourneyMix.default()
    more = mix.with_enabled("pay_fee")
    assert more.journey("pay_fee").enabled
    expected = mix.journey("browse_catalogue").share - mix.journey("pay_fee").share
    assert math.isclose(more.journey("browse_catalogue").share, expected)
    assert math.isclose(math.fsum(j.share for j in more.enabled()), 1.0, abs_tol=1e-12)


def test_toml_override_enables_a_journey_and_changes_a_think_time(tmp_path: Path) -> None:
    path = tmp_path / "mix.toml"
    path.write_text(
        "[journeys.pay_fee]\nenabled = true\n\n[think]\nfill_form = [30.0, 90.0]\n", encoding="utf-8"
    )
    mix = JourneyMix.from_file(path)
    assert mix.journey("pay_fee").enabled
    assert mix.think["fill_form"] == ThinkTime(30.0, 90.0)
    assert mix.think["search"] == JourneyMix.default().think["search"]
    assert mean_session_s(mix) < mean_session_s(JourneyMix.default().with_enabled("pay_fee"))


def test_json_override_of_attachments(tmp_path: Path) -> None:
    path = tmp_path / "mix.json"
    path.write_text(json.dumps({"attachments": {"count": [5, 5], "size_bytes": [1, 2]}}), encoding="utf-8")
    mix = JourneyMix.from_file(path)
    default = JourneyMix.default()
    choose_file = default.think["choose_file"].mean + 0.25
    grown = journey_session_s(mix, "submit_dossier") - journey_session_s(default, "submit_dossier")
    assert math.isclose(grown, (5 - 2.5) * choose_file)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[journeys.track_status]\nshare = -0.1\n", r"journeys.track_status.share: must be >= 0, got -0.1"),
        ("[think]\nsearch = [9.0, 3.0]\n", r"think.search: max_s: must be >= min_s=9.0, got 3.0"),
        ("[journeys.browse_catalogue]\nshare = 0.5\n", r"journeys.browse_catalogue.share: is derived"),
        ("[journeys.track_status]\nshare = 0.995\n", r"journeys.browse_catalogue.share: the remainder"),
        ("colour = 'red'\n", r"mix: unknown key 'colour'"),
        ("remainder = ''\n", r"journeys.browse_catalogue: missing share"),
        ("[journeys.track_status]\nlogin = 'yes'\n", r"journeys.track_status.login: must be true or false"),
        (
            "[[journeys.track_status.steps]]\nname = 's'\nendpoint = 'GET /'\nthink = 'nap'\n",
            r"unknown think time 'nap'",
        ),
        ("this is = not toml [", r"not valid TOML"),
    ],
)
def test_bad_override_files_name_the_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as info:
        JourneyMix.from_file(path)
    assert str(path) in str(info.value)


def test_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read it"):
        JourneyMix.from_file(tmp_path / "missing.toml")
    other = tmp_path / "mix.yaml"
    other.write_text("a: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"must end in \.json or \.toml"):
        JourneyMix.from_file(other)


def test_constructor_validation_names_key_and_value() -> None:
    with pytest.raises(ValueError, match=r"journeys: shares of the enabled journeys must sum to 1.*got 0.9"):
        _tiny_mix(0.25, 0.65)
    with pytest.raises(ValueError, match=r"journeys.x.share: must be >= 0, got -1"):
        Journey(name="x", share=-1, login=False, steps=(Step("s", "GET /", "t"),))
    with pytest.raises(ValueError, match=r"max_s: must be >= min_s=2, got 1"):
        ThinkTime(2, 1)
    with pytest.raises(ValueError, match=r"requests: must be >= 1, got 0"):
        Step("s", "GET /", "t", requests=0)
    with pytest.raises(ValueError, match=r"journeys.x.steps: step names must be unique, got 's' twice"):
        Journey(name="x", share=1, login=False, steps=(Step("s", "GET /", "t"), Step("s", "GET /", "t")))


def test_session_lengths_by_hand() -> None:
    mix = _tiny_mix()
    a = 2 * (15 + 0.5) + 3 * (5 + 0.5)  # 47.5 s
    b = 1 * (5 + 2 * 0.5)  # 6 s
    assert math.isclose(journey_session_s(mix, "a", response_time_s=0.5), a)
    assert math.isclose(journey_session_s(mix, "b", response_time_s=0.5), b)
    assert math.isclose(mean_session_s(mix, response_time_s=0.5), 0.25 * a + 0.75 * b)
    shares = concurrent_shares(mix, response_time_s=0.5)
    assert math.isclose(shares["a"], 0.25 * a / (0.25 * a + 0.75 * b))
    assert math.isclose(logged_in_concurrent_share(mix, response_time_s=0.5), shares["a"])
    with pytest.raises(ValueError, match="response_time_s: must be >= 0, got -1"):
        mean_session_s(mix, response_time_s=-1)


def test_logged_in_users_outweigh_their_share_of_sessions() -> None:
    mix = JourneyMix.default()
    derived = summary(mix)
    assert math.isclose(sum(derived["concurrent_shares"].values()), 1.0)
    assert derived["logged_in_concurrent_share"] > 2 * mix.login_share  # long sessions hold more users
    assert 30 < derived["mean_session_s"] < 600
