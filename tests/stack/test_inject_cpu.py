"""``--inject-cpu-ms``: every API request burns that much CPU in the portal worker (a known, CPU-bound
capacity for overload drills), measured as the worker processes' CPU time with psutil; other paths do
not burn."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import psutil
import pytest

from stack.app.delay import burn_cpu
from stack.launcher import LocalStack, SimFaults, StackOptions

CPU_MS = 25.0
REQUESTS = 12


def test_burn_cpu_spends_thread_cpu_time_not_wall_time() -> None:
    start = time.thread_time()
    assert burn_cpu(0.02) > 0
    assert time.thread_time() - start >= 0.02


@pytest.fixture(scope="module")
def cpu_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = StackOptions(
        port=0, workers=1, data_dir=tmp_path_factory.mktemp("cpu"), inject_cpu_ms=CPU_MS,
        eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0), forwarders=0,
        feedback_answers=False,
    )  # fmt: skip
    with LocalStack(options) as stack:
        yield stack


def _portal_cpu_s(stack: LocalStack) -> float:
    pid = stack.processes["portal"].pid
    assert pid is not None
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        times = proc.cpu_times()
        total += times.user + times.system
    return total


def _cpu_of(stack: LocalStack, path: str) -> float:
    with httpx.Client(base_url=stack.url, timeout=10.0, trust_env=False) as http:
        http.get(path)  # warm: the first request may import or fill caches
        before = _portal_cpu_s(stack)
        for _ in range(REQUESTS):
            assert http.get(path).status_code == 200
        return _portal_cpu_s(stack) - before


def test_api_requests_burn_the_injected_cpu_and_ops_paths_do_not(cpu_stack: LocalStack) -> None:
    burnt = REQUESTS * CPU_MS / 1000.0
    api = _cpu_of(cpu_stack, "/api/v1/procedures?limit=5")
    assert api >= burnt * 0.95, f"{REQUESTS} API requests used {api:.3f} s CPU, expected >= {burnt:.3f} s"
    ops = _cpu_of(cpu_stack, "/healthz")
    assert ops < burnt / 2, f"{REQUESTS} /healthz used {ops:.3f} s CPU: the burn must skip non-API paths"
