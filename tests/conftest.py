"""Session-wide test setup: one real Redis and one real local stack for every test folder.

Locust monkey-patches the whole process with gevent when it is imported, which would break the asyncio
and threading code other tests run in this process. Tests that import Locust's classes (shapes) get them
unpatched; real drills run Locust in its own processes.
"""

from __future__ import annotations

import os

os.environ.setdefault("LOCUST_SKIP_MONKEY_PATCH", "1")

from collections.abc import Iterator

import httpx
import pytest

from stack.launcher import LocalStack, SimFaults, StackOptions
from stack.redis_server import RedisServer


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = StackOptions(
        port=0,
        workers=2,
        data_dir=tmp_path_factory.mktemp("stack"),
        # Small simulated latencies keep the suite quick; drills use the realistic defaults.
        eid=SimFaults(latency_ms=1.0),
        population=SimFaults(latency_ms=1.0),
        extra_env=(("CUASO_MAX_ATTACHMENT_BYTES", str(64 * 1024)),),
        feedback_answers=False,  # tests answer by hand; test_feedback_answers enables one agency
    )
    with LocalStack(options) as stack:
        yield stack


@pytest.fixture
def client(local_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.url, timeout=10.0) as http:
        yield http
