"""The open model's arrival schedule: pure, seeded, independent of the portal, split exactly across
workers."""

from __future__ import annotations

import itertools

import pytest

from scenarios.shapes.registry import ArrivalShape
from scenarios.shapes.schedule import ArrivalSchedule

JOURNEYS = (("browse_catalogue", 0.6), ("track_status", 0.3), ("submit_dossier", 0.1))


def _schedule(process: str = "poisson", seed: int = 1, duration_s: float = 120.0) -> ArrivalSchedule:
    return ArrivalSchedule(
        knots=((0.0, 0.0), (20.0, 5.0)), duration_s=duration_s, journeys=JOURNEYS, process=process, seed=seed
    )


def test_a_constant_schedule_starts_exactly_the_expected_sessions_evenly() -> None:
    schedule = ArrivalSchedule(knots=((0.0, 4.0),), duration_s=30.0, journeys=JOURNEYS, process="constant")
    times = list(schedule.times())
    assert len(times) == 120 == schedule.expected()
    assert times[0] == pytest.approx(0.125)
    assert all(b - a == pytest.approx(0.25) for a, b in itertools.pairwise(times))


def test_a_ramp_starts_sessions_where_its_rate_says() -> None:
    schedule = _schedule("constant")
    times = list(schedule.times())
    assert schedule.expected(0, 20) == pytest.approx(50.0)  # ramp 0 → 5/s over 20 s: 50 sessions
    assert schedule.expected() == pytest.approx(50.0 + 5 * 100)
    assert sum(t < 20 for t in times) == 50
    assert len(times) == 550
    assert schedule.rate_at(10) == pytest.approx(2.5)
    assert schedule.rate_at(60) == 5.0
    assert schedule.rate_at(120) == 0.0


def test_poisson_arrivals_are_seeded_and_near_the_expected_count() -> None:
    first, again, other = list(_schedule(seed=7)), list(_schedule(seed=7)), list(_schedule(seed=8))
    assert first == again
    assert first != other
    assert all(0 <= a.at_s < 120 for a in first)
    assert [a.index for a in first] == list(range(len(first)))
    # 550 expected; a Poisson count's standard deviation is sqrt(550) ≈ 23: 5 of them is far beyond chance
    assert abs(len(first) - 550) < 5 * 23
    shares = {name: sum(a.journey == name for a in first) / len(first) for name, _ in JOURNEYS}
    assert shares["browse_catalogue"] > shares["track_status"] > shares["submit_dossier"] > 0


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_workers_split_the_schedule_exactly(workers: int) -> None:
    whole = list(_schedule(seed=3))
    parts = [list(_schedule(seed=3).for_worker(k, workers)) for k in range(workers)]
    assert sorted(itertools.chain(*parts), key=lambda a: a.index) == whole
    assert max(len(p) for p in parts) - min(len(p) for p in parts) <= 1
    assert whole[5].rng(1).random() == whole[5].rng(1).random() != whole[6].rng(1).random()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"knots": ()}, "schedule.knots"),
        ({"knots": ((1.0, 2.0),)}, "schedule.knots[0]"),
        ({"knots": ((0.0, 2.0), (5.0, -1.0))}, "schedule.knots[1].rate"),
        ({"knots": ((0.0, 2.0), (5.0, 1.0), (4.0, 1.0))}, "schedule.knots[2].t"),
        ({"process": "bursty"}, "schedule.process"),
        ({"duration_s": 0.0}, "schedule.duration_s"),
        ({"journeys": (("a", 0.0),)}, "schedule.journeys"),
    ],
)
def test_bad_schedules_name_the_key(changes: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"knots": ((0.0, 1.0),), "duration_s": 10.0, "journeys": JOURNEYS, **changes}
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        ArrivalSchedule(**values)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="worker"):
        list(_schedule().for_worker(2, 2))


def test_the_arrivals_shape_holds_a_pool_ahead_of_its_rate_and_gives_its_schedule() -> None:
    shape = ArrivalShape(arrivals_per_s=400, scale=0.01, duration_s=60, ramp_s=10, mean_session_s=5.0)
    # 4 sessions/s × 5 s = 20 online by Little's law; the pool holds twice that, 5 s ahead of the ramp
    assert shape.users_at(59) == 40
    assert shape.users_at(0) == 20  # the rate at t = 5 s is 2/s
    assert shape.users_at(60) == 0
    assert shape.tick(0) == (20, 20.0)  # the whole pool spawned within one tick
    assert ArrivalShape(arrivals_per_s=400, scale=0.01, duration_s=60, max_users=7).users_at(30) == 7
    schedule = shape.schedule(JOURNEYS, seed=2)
    assert schedule.knots == ((0.0, 0.0), (10.0, 4.0))
    assert schedule.expected() == pytest.approx(20 + 4 * 50)
    assert ArrivalShape(arrivals_per_s=100, duration_s=30).ramp == 7.5  # a quarter of a short drill
    with pytest.raises(ValueError, match=r"arrivals\.process"):
        ArrivalShape(process="bursty")
