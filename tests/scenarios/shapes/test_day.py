"""Busy-day shapes: an office day compressed into a drill, and a filing-deadline rush."""

from __future__ import annotations

import pytest

from scenarios.shapes.registry import FilingDeadlineRush, OfficeDay


def at_clock(shape: OfficeDay, hours: float) -> float:
    """Drill second at which the compressed clock shows ``hours`` (since the first midnight)."""
    return (hours - shape.start_clock_h) * 3600 / shape.time_compression


@pytest.fixture
def day() -> OfficeDay:
    return OfficeDay(scale=0.01)  # 24 h in 864 drill seconds; peak 1,200 simulated users


def test_office_day_levels(day: OfficeDay) -> None:
    assert day.real_s(day.duration_s) == 24 * 3600
    assert day.users_at(at_clock(day, 3.0)) == 120  # night floor: 10%
    assert day.users_at(at_clock(day, 7.25)) == round(1_200 * (0.1 + 0.9 / 2))  # half way up the ramp
    assert day.users_at(at_clock(day, 10.0)) == 1_200  # office hours
    assert day.users_at(at_clock(day, 12.5)) == 600  # lunch dip: 50%
    assert day.users_at(at_clock(day, 15.0)) == 1_200
    assert day.users_at(at_clock(day, 20.0)) == 120


def test_office_day_phases(day: OfficeDay) -> None:
    assert [p.name for p in day.phases()] == ["night", "morning", "lunch", "afternoon", "night"]
    morning = day.phases()[1]
    assert (morning.start_s, morning.end_s) == (at_clock(day, 7.5), at_clock(day, 11.5))
    assert day.phase_at(at_clock(day, 12.0)) == "lunch"


def test_office_day_starting_mid_morning() -> None:
    shape = OfficeDay(start_clock_h=8.0, duration_s=36.0)  # 8:00 to 9:00
    assert [p.name for p in shape.phases()] == ["morning"]
    assert shape.users_at(0) == shape.users_at(35) == round(120_000 * shape.scale)


def test_office_day_weekend_stays_at_the_floor() -> None:
    friday_evening = OfficeDay(start_weekday=4, start_clock_h=16.0, duration_s=864.0)  # Fri 16:00 → Sat 16:00
    assert [p.name for p in friday_evening.phases()] == ["afternoon", "night", "weekend"]
    saturday_noon = at_clock(friday_evening, 24 + 12)
    assert friday_evening.users_at(saturday_noon) == round(120_000 * 0.1 * friday_evening.scale)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"morning_end_h": 7.0},
            r"office-day.morning_end_h: must come after morning_start_h \(7.5 h\), got 7.0",
        ),
        (
            {"afternoon_start_h": 12.0},
            r"office-day.afternoon_start_h: must come 2 × ramp_h after morning_end_h",
        ),
        ({"lunch_fraction": 1.5}, r"office-day.lunch_fraction: must be <= 1, got 1.5"),
        ({"start_weekday": 7}, r"office-day.start_weekday: must be in 0..6"),
        ({"start_clock_h": 24.0}, r"office-day.start_clock_h: must be < 24, got 24.0"),
    ],
)
def test_office_day_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        OfficeDay(**kwargs)  # type: ignore[arg-type]


def test_rush_grows_faster_towards_the_deadline_then_drops() -> None:
    rush = FilingDeadlineRush(scale=0.01)
    assert rush.baseline == 50_000  # 120,000 / 2.4
    assert rush.users_at(100) == 500
    during = [rush.users_at(t) for t in range(120, 420)]
    assert during == sorted(during)
    assert rush.users_at(270) == round((50_000 + 70_000 * 0.5**2) * 0.01)  # quadratic: a quarter at half time
    assert rush.users_at(420) == 1_200  # the peak at the deadline
    assert rush.users_at(435) == round((120_000 + 25_000) / 2 * 0.01)  # half way down the drop
    assert rush.users_at(500) == 250  # after: half the baseline
    assert [rush.phase_at(t) for t in (0, 100, 300, 430, 500)] == [
        "warmup",
        "baseline",
        "rush",
        "drop",
        "after",
    ]
    assert rush.tick(600) is None


def test_rush_multiple_scales_the_peak_over_the_baseline() -> None:
    rush = FilingDeadlineRush(rush_multiple=4.0, modelled_users=80_000, scale=1.0)
    assert rush.users_at(100) == 20_000
    assert rush.users_at(420) == 80_000


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deadline_s": 100.0}, r"filing-deadline-rush.deadline_s: must be > 120, got 100.0"),
        ({"drop_s": 200.0}, r"filing-deadline-rush.drop_s: deadline_s \+ drop_s must be <= duration_s=600"),
        ({"rush_multiple": 0.5}, r"filing-deadline-rush.rush_multiple: must be >= 1, got 0.5"),
        ({"rush_exponent": 0}, r"filing-deadline-rush.rush_exponent: must be > 0, got 0"),
    ],
)
def test_rush_bad_parameters(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FilingDeadlineRush(**kwargs)  # type: ignore[arg-type]
