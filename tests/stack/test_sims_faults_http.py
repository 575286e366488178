"""Fault injection and control endpoints of a real simulator process; clean exit on SIGTERM."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from stack.process import StartupError, free_port
from stack.sims.launch import SIMULATORS, simulator_process

CITIZEN = "/citizens/079203001234"
QUIET = {"latency_ms": 0, "jitter_ms": 0}


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    port = free_port()
    flags = ["--latency-ms", "0", "--jitter-ms", "0", "--seed", "7", "--outage", "100000:100001"]
    flags += ["--outage-mode", "hang", "--error-status", "500"]
    with (
        simulator_process("population", port, flags, log_path=tmp_path_factory.mktemp("sim") / "sim.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client,
    ):
        yield client


@pytest.fixture
def quiet(sim: httpx.Client) -> Iterator[httpx.Client]:
    """The simulator with no faults; restored afterwards so that tests do not leak into each other."""
    assert sim.put("/_sim/faults", json=QUIET).status_code == 200
    yield sim
    assert sim.put("/_sim/faults", json=QUIET).status_code == 200


def put(sim: httpx.Client, config: dict[str, Any]) -> dict[str, Any]:
    response = sim.put("/_sim/faults", json=config)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def faulted(sim: httpx.Client) -> dict[str, int]:
    stats: dict[str, int] = sim.get("/_sim/stats").json()["faulted"]
    return stats


def test_flags_set_the_initial_config(sim: httpx.Client) -> None:
    # Runs first in this module (before any PUT): the config is the one from the command line.
    config = sim.get("/_sim/faults").json()
    assert config == {
        "latency_ms": 0.0,
        "jitter_ms": 0.0,
        "error_rate": 0.0,
        "error_status": 500,
        "outages": [{"start_s": 100000.0, "end_s": 100001.0}],
        "outage_mode": "hang",
    }
    assert sim.get("/_sim/stats").json()["seed"] == 7


def test_error_rate_one_then_zero(quiet: httpx.Client) -> None:
    assert quiet.get(CITIZEN).status_code == 200
    before = faulted(quiet)["injected_error"]
    assert put(quiet, {**QUIET, "error_rate": 1.0})["error_rate"] == 1.0
    for _ in range(3):
        response = quiet.get(CITIZEN)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.json()["error"]["code"] == "injected_fault"
    assert quiet.get("/_sim/health").status_code == 200  # never faulted
    assert faulted(quiet)["injected_error"] == before + 3
    put(quiet, {**QUIET, "error_rate": 0.0})
    assert quiet.get(CITIZEN).status_code == 200


def test_error_status_is_configurable(quiet: httpx.Client) -> None:
    put(quiet, {**QUIET, "error_rate": 1.0, "error_status": 429})
    response = quiet.get(CITIZEN)
    assert response.status_code == 429
    assert "retry-after" in response.headers


def test_outage_window_answers_503_only_during_the_window(quiet: httpx.Client) -> None:
    uptime = quiet.get("/_sim/stats").json()["uptime_s"]
    put(quiet, {**QUIET, "outages": [{"start_s": 0, "end_s": uptime + 3600}]})
    response = quiet.get(CITIZEN)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "outage"
    assert int(response.headers["retry-after"]) > 3000
    assert quiet.get("/_sim/health").status_code == 200
    assert quiet.get("/_sim/faults").status_code == 200
    # A window in the future does not affect requests now.
    put(quiet, {**QUIET, "outages": [{"start_s": uptime + 3600, "end_s": uptime + 7200}]})
    assert quiet.get(CITIZEN).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"error_rate": 1.5}, "error_rate"),
        ({"latency_ms": -5}, "latency_ms"),
        ({"outage_mode": "sleep"}, "outage_mode"),
        ({"outages": [{"start_s": 10, "end_s": 5}]}, "outages[0].end_s"),
        ({"unknown": 1}, "unknown"),
        ([1, 2], "body"),
    ],
)
def test_invalid_config_is_422_naming_the_field_and_changes_nothing(
    quiet: httpx.Client, body: object, field: str
) -> None:
    before = quiet.get("/_sim/faults").json()
    response = quiet.put("/_sim/faults", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == field
    assert field in error["reason"]
    assert quiet.get("/_sim/faults").json() == before


def test_non_json_config_is_422(quiet: httpx.Client) -> None:
    response = quiet.put("/_sim/faults", content=b"error_rate=1")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "body"


@pytest.mark.parametrize("name", SIMULATORS)
def test_sigterm_stops_gracefully_with_exit_0(name: str, tmp_path: Path) -> None:
    port = free_port()
    proc = simulator_process(name, port, ["--latency-ms", "0"], log_path=tmp_path / "sim.log")
    with proc:
        with httpx.Client(timeout=10, trust_env=False) as client:
            assert client.get(f"http://127.0.0.1:{port}/_sim/health").json()["simulator"] == name
        assert proc.pid is not None
    assert proc.returncode == 0
    assert not proc.running


def test_bad_fault_flag_exits_2_naming_it(tmp_path: Path) -> None:
    log = tmp_path / "sim.log"
    proc = simulator_process("population", free_port(), ["--error-rate", "1.5"], log_path=log)
    proc.start()
    try:
        with pytest.raises(StartupError) as info:
            proc.wait_ready(timeout=30)
    finally:
        proc.stop()
    assert info.value.returncode == 2
    assert "--error-rate" in info.value.log_tail
