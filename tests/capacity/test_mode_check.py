"""The modes drill's figures beside the sizing's mode table: predictions for the topology's layout, the
differences, the table (no processes)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from capacity.sizing.mode_check import check_modes, render


@dataclass(frozen=True)
class Measure:
    mode: str
    serving_nodes: int
    goodput_rps: float
    balanced_rps: float
    hottest_node_rps: float
    p95_ms: float
    p99_ms: float


def test_modes_are_read_against_the_sizing_for_four_nodes_over_two_sites() -> None:
    measured = [
        Measure("normal", 4, 10.0, 8.0, 2.2, 40.0, 90.0),
        Measure("one node down", 3, 10.0, 8.0, 2.7, 45.0, 95.0),
        Measure("one site down", 2, 9.0, 7.2, 3.6, 80.0, 150.0),
    ]
    checks = {c.mode: c for c in check_modes(4, 2, measured)}
    assert checks["normal"].predicted.requests_per_s_per_node == pytest.approx(2.0)
    assert checks["normal"].predicted.utilization == pytest.approx(0.7)  # normal read at the ceiling
    # The sizing splits the load between sites: one node down leaves its site's half on one node.
    assert checks["one node down"].predicted.requests_per_s_per_node == pytest.approx(4.0)
    assert checks["one site down"].predicted.requests_per_s_per_node == pytest.approx(4.0)
    assert checks["one node down"].node_load_difference == pytest.approx(2.7 / 4.0 - 1)
    assert checks["one site down"].goodput_difference == pytest.approx(-0.1)
    table = render(list(checks.values()))
    assert "| one site down | 4.0 | 140% | 3.6 | -10% | 9.0 | -10% | 80 | 150 |" in table
