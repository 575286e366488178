"""Admission control: the middleware's rules in process, then a real stack driven past its limit.

The real stack has one worker, 2 slots, a queue of 2 with a 0.2 s timeout and an injected 1.5 s delay
in every API request, so that requests stay in flight: a burst of 12 must get exactly 2 answers 200
and 10 immediate 503s with Retry-After, while /healthz, /readyz and /metrics keep answering.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import re
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from cuaso.cli import build_parser
from cuaso.verbs.stack import options_from
from stack.app.admission import AdmissionLimits, AdmissionMiddleware
from stack.app.main import create_app
from stack.launcher import LocalStack, SimFaults, StackOptions
from stack.settings import StackSettings

# --- the middleware in process (an ASGI app whose requests finish when the test says so) ---------------


class HeldApp:
    """Answers 200 to a request once the test releases it; counts the requests that reached it."""

    def __init__(self) -> None:
        self.release: dict[str, asyncio.Event] = {}
        self.started: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            self.started.append("lifespan")
            return
        self.started.append(scope["path"])
        event = self.release.setdefault(scope["path"], asyncio.Event())
        await event.wait()
        if scope["path"].endswith("/boom"):
            raise RuntimeError("boom")
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def call(mw: AdmissionMiddleware, path: str) -> dict[str, Any]:
    """One request through the middleware: its status, headers and body."""
    out: dict[str, Any] = {"status": None, "headers": {}, "body": b""}

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
            out["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}
        else:
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}
    await mw(scope, receive, send)
    return out


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_requests_past_the_limit_queue_in_order_and_past_the_queue_get_503() -> None:
    async def scenario() -> None:
        app = HeldApp()
        mw = AdmissionMiddleware(app, AdmissionLimits(max_in_flight=1, queue=2, queue_timeout_s=10))
        first = asyncio.create_task(call(mw, "/api/a"))
        await settle()
        second = asyncio.create_task(call(mw, "/api/b"))
        third = asyncio.create_task(call(mw, "/api/c"))
        await settle()
        assert mw.queued == 2
        refused = await call(mw, "/api/d")  # queue full: answered at once, while the others wait
        assert refused["status"] == 503
        assert refused["headers"]["retry-after"] == "1"
        assert b'"code":"overloaded"' in refused["body"]
        assert app.started == ["/api/a"]
        for path in ("/api/a", "/api/b", "/api/c"):
            app.release.setdefault(path, asyncio.Event()).set()
        results = await asyncio.gather(first, second, third)
        assert [r["status"] for r in results] == [200, 200, 200]
        assert app.started == ["/api/a", "/api/b", "/api/c"]  # first come, first served
        assert mw.queued == 0

    asyncio.run(scenario())


def test_a_request_that_waits_too_long_gets_503_and_the_next_one_is_served() -> None:
    async def scenario() -> None:
        app = HeldApp()
        mw = AdmissionMiddleware(app, AdmissionLimits(max_in_flight=1, queue=5, queue_timeout_s=0.05))
        holder = asyncio.create_task(call(mw, "/api/hold"))
        await settle()
        waited = await call(mw, "/api/late")
        assert waited["status"] == 503
        assert "/api/late" not in app.started
        app.release["/api/hold"].set()
        assert (await holder)["status"] == 200
        app.release["/api/next"] = asyncio.Event()
        app.release["/api/next"].set()
        assert (await call(mw, "/api/next"))["status"] == 200
        assert mw.queued == 0

    asyncio.run(scenario())


def test_ops_endpoints_and_lifespan_are_never_held_or_refused() -> None:
    async def scenario() -> None:
        app = HeldApp()
        mw = AdmissionMiddleware(app, AdmissionLimits(max_in_flight=1, queue=0, queue_timeout_s=1))
        holder = asyncio.create_task(call(mw, "/api/hold"))
        await settle()
        assert (await call(mw, "/api/other"))["status"] == 503  # no queue at all
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json"):
            app.release[path] = asyncio.Event()
            app.release[path].set()
            assert (await call(mw, path))["status"] == 200, path
        await mw({"type": "lifespan"}, _never, _discard)
        assert "lifespan" in app.started
        app.release["/api/hold"].set()
        await holder

    asyncio.run(scenario())


def test_a_failing_request_gives_its_slot_back() -> None:
    async def scenario() -> None:
        app = HeldApp()
        mw = AdmissionMiddleware(app, AdmissionLimits(max_in_flight=1, queue=0, queue_timeout_s=1))
        app.release["/api/boom"] = asyncio.Event()
        app.release["/api/boom"].set()
        with pytest.raises(RuntimeError, match="boom"):
            await call(mw, "/api/boom")
        app.release["/api/fine"] = asyncio.Event()
        app.release["/api/fine"].set()
        assert (await call(mw, "/api/fine"))["status"] == 200

    asyncio.run(scenario())


async def _never() -> Message:
    raise AssertionError("lifespan messages are not read in this test")


async def _discard(_: Message) -> None:
    return None


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"max_in_flight": 0, "queue": 1, "queue_timeout_s": 1.0}, "max_in_flight"),
        ({"max_in_flight": 1, "queue": -1, "queue_timeout_s": 1.0}, "queue"),
        ({"max_in_flight": 1, "queue": 1, "queue_timeout_s": 0.0}, "queue_timeout_s"),
        ({"max_in_flight": 1, "queue": 1, "queue_timeout_s": 1.0, "retry_after_s": 0}, "retry_after_s"),
    ],
)
def test_limits_name_the_bad_value(kwargs: dict[str, Any], key: str) -> None:
    with pytest.raises(ValueError, match=f"^{key}: "):
        AdmissionLimits(**kwargs)


def _has_admission(app: FastAPI) -> bool:
    return any(getattr(m, "cls", None) is AdmissionMiddleware for m in app.user_middleware)


def test_the_command_line_options_reach_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    args = build_parser().parse_args(
        ["stack", "up", "--admission", "off", "--max-in-flight", "8", "--queue", "0", "--rate-limit", "2.5"]
    )
    env = options_from(args).overload_env()
    assert env == {
        "CUASO_ADMISSION_ENABLED": "false",
        "CUASO_ADMISSION_MAX_IN_FLIGHT": "8",
        "CUASO_ADMISSION_QUEUE": "0",
        "CUASO_RATE_LIMIT_PER_S": "2.5",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = StackSettings()
    assert not settings.admission_enabled
    assert (settings.admission_max_in_flight, settings.admission_queue, settings.rate_limit_per_s) == (
        8,
        0,
        2.5,
    )
    assert not _has_admission(create_app(settings))
    assert _has_admission(create_app(StackSettings(admission_enabled=True)))
    assert StackOptions().overload_env() == {}  # nothing given: the stack's defaults
    with pytest.raises(ValueError, match=r"^max_in_flight: "):
        StackOptions(max_in_flight=0)


# --- a real stack driven past its limit ------------------------------------------------------------------

SLOTS, QUEUE, BURST = 2, 2, 12
DELAY_MS = 1500  # every API request stays in flight this long, holding its slot


@pytest.fixture(scope="module")
def tight_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    options = StackOptions(
        port=0,
        workers=1,
        data_dir=tmp_path_factory.mktemp("admission"),
        inject_delay_ms=DELAY_MS,
        eid=SimFaults(latency_ms=1.0),
        population=SimFaults(latency_ms=1.0),
        admission=True,
        max_in_flight=SLOTS,
        admission_queue=QUEUE,
        extra_env=(("CUASO_ADMISSION_QUEUE_TIMEOUT_S", "0.2"),),
        feedback_answers=False,  # the agencies' poller would take a slot of the two
    )
    with LocalStack(options) as stack:
        yield stack


def _metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def test_a_burst_past_the_limit_gets_fast_503s_and_the_admitted_succeed(tight_stack: LocalStack) -> None:
    start = threading.Barrier(BURST)
    done: list[str] = []  # "admitted" or "refused", in the order the answers came back
    lock = threading.Lock()
    all_refused_answered = threading.Event()

    def one(i: int) -> httpx.Response:
        with httpx.Client(base_url=tight_stack.url, timeout=30.0) as http:
            start.wait()
            r = http.get("/api/v1/procedures", params={"limit": 1, "offset": i})
        with lock:
            done.append("admitted" if r.status_code == 200 else "refused")
            if len(done) >= BURST - SLOTS:
                all_refused_answered.set()
        return r

    with concurrent.futures.ThreadPoolExecutor(BURST) as pool:
        futures = [pool.submit(one, i) for i in range(BURST)]
        assert all_refused_answered.wait(timeout=30.0)
        # The admitted are still being served now, and the ops endpoints answer regardless.
        with httpx.Client(base_url=tight_stack.url, timeout=10.0) as http:
            assert http.get("/healthz").status_code == 200
            assert http.get("/readyz").status_code == 200
            during = http.get("/metrics")
        assert during.status_code == 200
        responses = [f.result(timeout=30.0) for f in futures]

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * SLOTS + [503] * (BURST - SLOTS)
    assert done == ["refused"] * (BURST - SLOTS) + ["admitted"] * SLOTS  # no refusal waited for the work
    # Saturated while the ops endpoints answered: the admitted requests, plus the /metrics request itself.
    assert _metric(during.text, "cuaso_http_requests_in_flight") == SLOTS + 1
    for r in responses:
        if r.status_code == 503:
            assert r.headers["retry-after"] == "1"
            assert r.json()["error"] == {
                "status": 503,
                "code": "overloaded",
                "field": None,
                "reason": r.json()["error"]["reason"],
            }
        else:
            assert len(r.json()["items"]) == 1

    metrics = httpx.get(tight_stack.url + "/metrics", timeout=10.0).text
    full = _metric(metrics, 'cuaso_admission_rejected_total{reason="queue_full"}')
    late = _metric(metrics, 'cuaso_admission_rejected_total{reason="queue_timeout"}')
    assert full + late == BURST - SLOTS
    assert late >= QUEUE  # the queue filled, and its waiters gave up after the timeout
    assert full >= 1
    assert _metric(metrics, "cuaso_admission_queue_depth") == 0
    # Recovered: with the burst gone, a request is admitted again.
    assert httpx.get(tight_stack.url + "/api/v1/catalogue/facets", timeout=10.0).status_code == 200
