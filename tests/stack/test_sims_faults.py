"""Fault configuration and the fault-injecting middleware, in process (no network)."""

from __future__ import annotations

import asyncio
import math

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from stack.sims.faults import FaultConfig, FaultConfigError, Outage
from stack.sims.middleware import FaultInjector, FaultState
from stack.sims.serve import base_parser, fault_config_from_args


def test_defaults_are_valid_and_round_trip_through_json_form() -> None:
    config = FaultConfig(outages=(Outage(5, 10), Outage(20, 30.5)), outage_mode="hang", error_rate=0.25)
    assert FaultConfig.from_mapping(config.to_dict()) == config
    assert FaultConfig.from_mapping({}) == FaultConfig()


def test_keys_left_out_take_the_base_values() -> None:
    base = FaultConfig(latency_ms=3, error_rate=0.5)
    config = FaultConfig.from_mapping({"error_rate": 0.1}, base=base)
    assert config.latency_ms == 3
    assert config.error_rate == 0.1


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": -0.1}, "error_rate"),
        ({"latency_ms": -1}, "latency_ms"),
        ({"latency_ms": True}, "latency_ms"),
        ({"latency_ms": math.inf}, "latency_ms"),
        ({"jitter_ms": "5"}, "jitter_ms"),
        ({"error_status": 200}, "error_status"),
        ({"error_status": 503.5}, "error_status"),
        ({"outage_mode": "sleep"}, "outage_mode"),
        ({"outages": "0:5"}, "outages"),
        ({"outages": [{"start_s": 0}]}, "outages[0]"),
        ({"outages": [{"start_s": 0, "end_s": 5}, {"start_s": 5, "end_s": 5}]}, "outages[1].end_s"),
        ({"outages": [{"start_s": -1, "end_s": 5}]}, "outages[0].start_s"),
        ({"outages": [{"start_s": "a", "end_s": 5}]}, "outages[0].start_s"),
        ({"latency": 5}, "latency"),
    ],
)
def test_invalid_settings_name_the_key(data: dict[str, object], key: str) -> None:
    with pytest.raises(FaultConfigError) as info:
        FaultConfig.from_mapping(data)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}=")


def test_constructor_validates_too() -> None:
    with pytest.raises(FaultConfigError, match=r"error_rate=2"):
        FaultConfig(error_rate=2)
    with pytest.raises(FaultConfigError, match="end_s"):
        Outage(10, 3)


def test_outage_parse_and_window_edges() -> None:
    assert Outage.parse("30:90") == Outage(30.0, 90.0)
    for bad in ("30", "a:b", "90:30", "-1:5"):
        with pytest.raises(FaultConfigError, match="outage"):
            Outage.parse(bad)
    config = FaultConfig(outages=(Outage(10, 20), Outage(15, 40)))
    assert config.outage_at(9.99) is None
    assert config.outage_at(10) == Outage(10, 20)
    assert config.outage_at(17) == Outage(15, 40)  # overlapping: the one ending last
    assert config.outage_at(40) is None  # end is exclusive


def test_flags_build_the_initial_config_and_bad_flags_are_named() -> None:
    parser = base_parser("sim", "test", 1)
    args = parser.parse_args(
        ["--latency-ms", "7", "--outage", "1:2", "--outage", "5:9", "--outage-mode", "hang"]
    )
    config = fault_config_from_args(args)
    assert config.latency_ms == 7
    assert config.outages == (Outage(1, 2), Outage(5, 9))
    assert config.outage_mode == "hang"
    with pytest.raises(FaultConfigError) as info:
        fault_config_from_args(parser.parse_args(["--error-rate", "3"]))
    assert info.value.key == "--error-rate"


def test_draws_are_deterministic_per_seed() -> None:
    config = FaultConfig(latency_ms=20, jitter_ms=5, error_rate=0.3)

    def draws(seed: int) -> list[tuple[float, bool]]:
        state = FaultState(config, seed=seed)
        return [(state.draw_latency_s(config), state.draw_error(config)) for _ in range(2000)]

    first = draws(11)
    assert draws(11) == first
    assert draws(12) != first
    latencies = [latency for latency, _ in first]
    assert min(latencies) >= 0.015
    assert max(latencies) <= 0.025
    errors = sum(error for _, error in first)
    sd = (2000 * 0.3 * 0.7) ** 0.5
    assert abs(errors - 600) < 4 * sd


def test_jitter_never_makes_latency_negative() -> None:
    config = FaultConfig(latency_ms=1, jitter_ms=50)
    state = FaultState(config, seed=3)
    draws = [state.draw_latency_s(config) for _ in range(500)]
    assert min(draws) == 0.0
    assert max(draws) > 0.02


async def ok_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


def injector(config: FaultConfig) -> tuple[FaultInjector, FaultState]:
    state = FaultState(config, seed=1)
    return FaultInjector(ok_app, state), state


async def get(app: FaultInjector, path: str) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sim") as client:
        return await client.get(path)


def test_control_paths_are_never_faulted() -> None:
    app, state = injector(FaultConfig(latency_ms=0, error_rate=1.0))

    async def scenario() -> tuple[int, int]:
        return (await get(app, "/_sim/health")).status_code, (await get(app, "/citizens/1")).status_code

    assert asyncio.run(scenario()) == (200, 503)
    assert state.stats.requests == 1
    assert state.stats.injected_error == 1


def test_hang_outage_holds_requests_until_the_config_changes() -> None:
    app, state = injector(FaultConfig(latency_ms=0, outages=(Outage(0, 3600),), outage_mode="hang"))

    async def scenario() -> httpx.Response:
        request = asyncio.create_task(get(app, "/held"))
        for _ in range(500):
            if state.stats.outage_hang:
                break
            await asyncio.sleep(0.01)
        assert state.stats.outage_hang == 1
        assert not request.done()
        state.replace(FaultConfig(latency_ms=0))
        return await asyncio.wait_for(request, timeout=5)

    response = asyncio.run(scenario())
    assert response.status_code == 200
    assert state.stats.passed == 1


def test_error_outage_answers_503_with_retry_after_until_the_window_ends() -> None:
    app, state = injector(FaultConfig(latency_ms=0, outages=(Outage(0, 3600),)))
    response = asyncio.run(get(app, "/down"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "outage"
    assert 3590 <= int(response.headers["retry-after"]) <= 3600
    assert state.stats.outage_error == 1
    assert state.stats.passed == 0
