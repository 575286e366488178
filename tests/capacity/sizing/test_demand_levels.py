"""Service demands come from the busy levels: CPU per request falls as load rises (an idle event loop pays
a wake-up per request), and the capacity bound the models extrapolate to is the busy regime's."""

from __future__ import annotations

import pytest

from capacity.sizing.inputs import SATURATED_SHARE, LevelMeasurement, MeasuredProfile

DURATION_S = 10.0


def _level(users: int, rps: float, demand_ms: float) -> LevelMeasurement:
    requests = round(rps * DURATION_S)
    return LevelMeasurement(
        source="sweep", phase=f"level-{users:03d}", users=users, duration_s=DURATION_S,
        requests=requests, failures=0, mean_ms=users / rps * 1000, percentile_ms=2 * users / rps * 1000,
        cpu_seconds={"app": requests * demand_ms / 1000}, processes={"app": 1}, rss_bytes_max={"app": 1},
        bytes_received=requests * 100,
    )  # fmt: skip


def test_the_demand_is_read_where_the_cores_were_busy() -> None:
    # one core: N = 1 keeps it 66% busy at 0.47 ms per request, N = 2..4 keep it 95%+ busy at ~0.375
    levels = (_level(1, 1400, 0.47), _level(2, 2500, 0.38), _level(3, 2600, 0.37), _level(4, 2650, 0.375))
    profile = MeasuredProfile(levels, reference_cores=1.0, sources=("sweep",), percentile=95.0)
    assert [m.users for m in profile.demand_levels] == [2, 3, 4]
    assert profile.machine_demand_s() == pytest.approx(0.000375)
    assert profile.demand_s("app") == pytest.approx(0.000375)
    # on two cores none of these levels is busy enough: every level counts
    spread = MeasuredProfile(levels, reference_cores=2.0, sources=("sweep",), percentile=95.0)
    assert spread.demand_levels == spread.levels
    assert spread.machine_demand_s() == pytest.approx((0.000375 + 0.00038) / 2)
    assert 0.5 < SATURATED_SHARE < 1.0
