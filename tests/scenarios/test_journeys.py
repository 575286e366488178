"""The Locust journeys: each one against the real stack (in this process, gevent unpatched), the shared
step helper's retry rules against a scripted HTTP server, and the mix checks."""

from __future__ import annotations

import functools
import json
import random
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from types import FrameType
from typing import Any

import gevent
import pytest
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from scenarios.drill.config import DrillConfig
from scenarios.drill.listeners import DrillListeners
from scenarios.journeys import check_mix, runtime
from scenarios.journeys.base import JourneyUser
from scenarios.journeys.catalogue import BrowseCatalogue
from scenarios.journeys.dossier import SubmitDossier
from scenarios.journeys.feedback import FileFeedback
from scenarios.journeys.payment import PayFee
from scenarios.journeys.registry import (
    USER_CLASSES,
    OpenCitizen,
    SessionCitizen,
    enabled_classes,
    user_classes,
)
from scenarios.journeys.statistics import ReadStatistics
from scenarios.journeys.status import TrackStatus
from scenarios.journeys.steps import JourneyAbandoned, JourneyFailed, RequestFailed, Visit
from scenarios.mix import JourneyMix, concurrent_shares
from scenarios.retry import RetryPolicy
from stack.launcher import LocalStack
from tests.loopback import serving


def fixed_mix(
    think_s: float = 0.01, attachment_bytes: int = 2_000, enable: tuple[str, ...] = ()
) -> JourneyMix:
    """A mix for exact tests: every step once, one small attachment, short think times, and shares that
    give each default journey users even in a drill of a few users (``enable``: more journeys)."""
    data = JourneyMix.default().with_enabled(*enable).to_dict()
    data["journeys"]["track_status"]["share"] = 0.3
    data["journeys"]["submit_dossier"]["share"] = 0.3
    for journey in data["journeys"].values():
        for step in journey["steps"]:
            step["repeat"] = [1, 1]
    data["think"] = {name: [think_s, think_s] for name in data["think"]}
    data["attachments"] = {"count": [1, 1], "size_bytes": [attachment_bytes, attachment_bytes]}
    return JourneyMix.from_dict(data)


def write_mix(path: Path, mix: JourneyMix) -> Path:
    path.write_text(json.dumps(mix.to_dict()), encoding="utf-8")
    return path


@pytest.fixture
def drill_runtime() -> runtime.DrillRuntime:
    config = DrillConfig(scenario="steady", mix=fixed_mix(), think_scale=0.0, seed=7, duration_s=120.0)
    return runtime.start(config)


def _run_one_visit(cls: type[JourneyUser], host: str) -> None:
    environment = Environment(user_classes=[cls])
    environment.events.request.add_listener(DrillListeners().on_request)  # type: ignore[no-untyped-call]
    user = type(cls.__name__, (cls,), {"host": host})(environment)
    user.one_visit()


@pytest.mark.parametrize(
    ("cls", "endpoints"),
    [
        (BrowseCatalogue, {"GET /api/v1/procedures", "GET /api/v1/procedures/{procedure_id}"}),
        (
            SubmitDossier,
            {
                "GET /api/v1/procedures", "GET /api/v1/procedures/{procedure_id}", "GET /api/v1/auth/login",
                "GET e-ID /authorize", "GET /api/v1/auth/callback", "GET /api/v1/me/profile",
                "POST /api/v1/dossiers", "PUT /api/v1/dossiers/{code}/attachments/{name}",
                "POST /api/v1/dossiers/{code}/submit",
            },
        ),
        (TrackStatus, {"GET /api/v1/public/dossiers/{code}/status"}),
        (
            FileFeedback,
            {"GET /api/v1/auth/login", "GET e-ID /authorize", "GET /api/v1/auth/callback",
             "GET /api/v1/procedures", "POST /api/v1/feedback"},
        ),
        (ReadStatistics, {"GET /api/v1/statistics/provinces", "GET /api/v1/statistics/agencies",
                          "GET /api/v1/public/feedback/statistics"}),
    ],
)  # fmt: skip
def test_each_journey_completes_against_the_real_stack(
    local_stack: LocalStack, drill_runtime: runtime.DrillRuntime, cls: type[JourneyUser], endpoints: set[str]
) -> None:
    for _ in range(6 if cls is ReadStatistics else 1):  # a page at random each time: see them all
        _run_one_visit(cls, local_stack.url)
    delta = drill_runtime.recorder.drain()
    journey = delta.journeys[("ramp", cls.journey)]
    visits = journey.started
    assert (journey.completed, journey.failed, journey.abandoned) == (visits, 0, 0)
    assert {name for _, name in delta.endpoints} <= endpoints
    if cls is not ReadStatistics:
        assert {name for _, name in delta.endpoints} == endpoints
    for tally in delta.endpoints.values():
        assert tally.failures == 0, tally.errors
        assert tally.histogram.count == tally.requests >= 1


def test_the_citizen_who_submitted_comes_back_to_pay_its_fee(
    local_stack: LocalStack, drill_runtime: runtime.DrillRuntime
) -> None:
    _run_one_visit(SubmitDossier, local_stack.url)
    assert len(drill_runtime.unpaid) == 1
    drill_runtime.recorder.drain()
    _run_one_visit(PayFee, local_stack.url)
    delta = drill_runtime.recorder.drain()
    assert delta.journeys[("ramp", "pay_fee")].completed == 1
    assert delta.endpoints[("ramp", "GET /api/v1/dossiers")].requests == 1
    paid = delta.endpoints[("ramp", "POST /api/v1/dossiers/{code}/payments")]
    assert (paid.requests, paid.failures) == (1, 0)
    checkout = delta.endpoints[("ramp", "GET partner /partners/{code}/checkout")]  # seed 7: a fee to pay
    assert (checkout.requests, checkout.failures) == (1, 0)
    assert not drill_runtime.unpaid


def test_a_submitted_dossier_is_what_status_lookups_then_ask_for(
    local_stack: LocalStack, drill_runtime: runtime.DrillRuntime
) -> None:
    _run_one_visit(SubmitDossier, local_stack.url)
    assert len(drill_runtime.recent_codes) == 1
    _run_one_visit(TrackStatus, local_stack.url)
    lookups = drill_runtime.recorder.drain().endpoints[("ramp", "GET /api/v1/public/dossiers/{code}/status")]
    assert lookups.requests == 1
    assert lookups.failures == 0


def _buffers(value: Any, depth: int = 3) -> list[int]:
    """Sizes of the bytes-like objects in ``value`` (containers and partials searched ``depth`` deep)."""
    if isinstance(value, bytes | bytearray | memoryview):
        return [len(value)]
    if depth == 0:
        return []
    if isinstance(value, functools.partial):
        return _buffers((value.args, value.keywords), depth - 1)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [n for item in value for n in _buffers(item, depth - 1)]
    return []


def test_a_user_thinking_after_an_upload_no_longer_holds_the_document(local_stack: LocalStack) -> None:
    size = 60_000  # the test stack accepts attachments up to 64 KiB
    data = fixed_mix(think_s=0.0, attachment_bytes=size).to_dict()
    data["think"]["choose_file"] = [60.0, 60.0]  # the think after each upload
    config = DrillConfig(scenario="steady", mix=JourneyMix.from_dict(data), think_scale=1.0, seed=7)
    runtime.start(config)
    user = type("SubmitDossier", (SubmitDossier,), {"host": local_stack.url})(Environment(user_classes=[]))
    visit = gevent.spawn(user.one_visit)
    deadline, frames = time.monotonic() + 60.0, list[FrameType]()
    while time.monotonic() < deadline and not visit.dead:
        gevent.sleep(0.05)
        frames, frame = [], visit.gr_frame
        while frame is not None:
            frames.append(frame)
            frame = frame.f_back
        if any(
            f.f_code.co_name == "step" and f.f_locals.get("step_name") == "attach" for f in frames
        ) and any(f.f_code.co_name == "pause" for f in frames):
            break
    else:
        pytest.fail(f"the user never thought after an upload (dead: {visit.dead}, {visit.exception!r})")
    held = [n for f in frames for n in _buffers(list(f.f_locals.values()))]
    visit.kill()
    assert all(n < size // 2 for n in held), held


# --- the step helper's retry rules, against a scripted HTTP server --------------------------------------


CLIENT_TIMEOUT_S = 0.3
NO_ANSWER_S = 1.0


class _Scripted(BaseHTTPRequestHandler):
    """Answers each request with the next status of ``statuses`` and ``{"ok": true}``; status 0: no answer
    within the client's timeout (:data:`NO_ANSWER_S`), then the connection closes. Keeps what it was
    sent."""

    statuses: list[int]
    received: list[tuple[str, str, dict[str, str], bytes]]
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.received.append((self.command, self.path, dict(self.headers), self.rfile.read(length)))
        status = self.statuses.pop(0)
        if status == 0:
            time.sleep(NO_ANSWER_S)
            self.close_connection = True
            return
        body = b'{"ok": true}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def scripted() -> Iterator[tuple[str, type[_Scripted]]]:
    handler = type("Handler", (_Scripted,), {"statuses": [], "received": []})
    with serving(handler) as base_url:
        yield base_url, handler


def _visit(
    statuses: list[int], policy: RetryPolicy, drill: runtime.DrillRuntime, server: tuple[str, type[_Scripted]]
) -> tuple[Visit, list[dict[str, Any]]]:
    """A visit whose requests go to the scripted server through a real Locust session; the request
    events it fires."""
    base_url, handler = server
    handler.statuses[:] = statuses
    environment = Environment()
    fired: list[dict[str, Any]] = []
    environment.events.request.add_listener(lambda **kw: fired.append(kw))  # type: ignore[no-untyped-call]
    session = FastHttpSession(
        base_url, environment.events.request, user=None, max_retries=0, network_timeout=CLIENT_TIMEOUT_S
    )
    drill.policy = policy
    return Visit(session, drill, drill.journey("track_status"), random.Random(1)), fired


def _lookup(visit: Visit) -> Any:
    return visit.request("GET", "/x", "/x", parse=lambda r: r.json()["ok"])


def _failures(fired: list[dict[str, Any]]) -> list[str | None]:
    return [None if event["exception"] is None else str(event["exception"]) for event in fired]


def test_a_retryable_failure_is_retried_until_it_succeeds(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    policy = RetryPolicy(patience=3, backoff="none")
    visit, fired = _visit([503, 0, 200], policy, drill_runtime, scripted)
    assert visit.step("read_status", lambda: _lookup(visit)) == (200, True)
    assert visit.retries == 2
    assert _failures(fired) == [
        "GET /x: answered 503, expected 200", "GET /x: answered 0, expected 200", None,
    ]  # fmt: skip
    assert fired[1]["response"].error is not None  # no answer: the HTTP client's cause rides along


def test_the_person_abandons_past_patience(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    visit, fired = _visit([503, 503, 503], RetryPolicy(patience=2, backoff="none"), drill_runtime, scripted)
    with pytest.raises(JourneyAbandoned, match="gave up"):
        visit.step("read_status", lambda: _lookup(visit))
    assert len(fired) == 3
    assert visit.retries == 2


def test_a_client_error_fails_the_journey_without_retry(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    visit, fired = _visit([404, 200], RetryPolicy(patience=5, backoff="none"), drill_runtime, scripted)
    with pytest.raises(JourneyFailed, match="answered 404"):
        visit.step("read_status", lambda: _lookup(visit))
    assert len(fired) == 1


def test_an_unreadable_body_is_a_non_retryable_failure(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    visit, fired = _visit([200], RetryPolicy(patience=5, backoff="none"), drill_runtime, scripted)
    with pytest.raises(RequestFailed) as caught:
        visit.request("GET", "/x", "/x", parse=lambda r: r.json()["missing"])
    assert caught.value.retryable is False
    assert "unexpected body" in str(_failures(fired)[0])


def test_a_request_fires_one_event_with_what_locust_records(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    """The event a visit fires itself carries the fields ``FastHttpSession.request`` fills, and the request
    is sent as that method sends it (JSON encoded, default headers, no redirect followed)."""
    visit, fired = _visit([201, 302], RetryPolicy(patience=1, backoff="none"), drill_runtime, scripted)
    before = time.time()
    status, body = visit.request(
        "POST", "/d?x=1", "POST /d", expect=(201,), parse=lambda r: r.json(), json={"tên": "Nguyễn"},
        headers={"Authorization": "Bearer t"},
    )  # fmt: skip
    assert (status, body) == (201, {"ok": True})
    event = fired[0]
    assert (event["request_type"], event["name"], event["exception"]) == ("POST", "POST /d", None)
    assert (event["url"], event["context"]) == (f"{scripted[0]}/d?x=1", {})
    assert event["response_length"] == len(b'{"ok": true}')
    assert 0 < event["response_time"] < 5_000
    assert before <= event["start_time"] <= time.time()
    method, path, headers, sent = scripted[1].received[0]
    assert (method, path, json.loads(sent)) == ("POST", "/d?x=1", {"tên": "Nguyễn"})
    assert (headers["Content-Type"], headers["Authorization"]) == ("application/json", "Bearer t")
    assert headers["Accept-Encoding"] == "gzip, deflate, br"
    assert visit.request("GET", "/r", "/r", expect=(302,))[0] == 302  # handed back, not followed
    assert len(scripted[1].received) == 2


def test_backoff_and_think_time_are_recorded_for_littles_law(
    drill_runtime: runtime.DrillRuntime, scripted: tuple[str, type[_Scripted]]
) -> None:
    policy = RetryPolicy(patience=1, backoff="fixed", base_s=0.05, max_s=0.05)
    visit, _ = _visit([503, 200], policy, drill_runtime, scripted)
    visit.step("read_status", lambda: _lookup(visit))
    thought = drill_runtime.recorder.drain().think_s["ramp"]
    assert thought == pytest.approx(0.05 + 0.0)  # the backoff; think times are scaled to 0 here


# --- the mix and the user classes -----------------------------------------------------------------------


def test_every_journey_of_the_mix_but_machine_traffic_has_a_user_class() -> None:
    mix = JourneyMix.default().with_enabled("pay_fee", "file_feedback", "read_statistics")
    check_mix(mix)
    assert set(USER_CLASSES) == {j.name for j in mix.enabled()}
    assert {c.journey for c in enabled_classes(mix)} == set(USER_CLASSES)


def test_a_journey_without_a_locust_user_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match=r"journeys\.backoffice_sync: enabled, but no Locust journey"):
        check_mix(JourneyMix.default().with_enabled("backoffice_sync"))


def test_class_weights_are_concurrent_shares() -> None:
    mix = fixed_mix()
    classes = enabled_classes(mix)
    shares = concurrent_shares(mix)
    assert {c.journey: c.weight for c in classes} == shares


def test_a_session_citizen_draws_each_session_by_session_share(drill_runtime: runtime.DrillRuntime) -> None:
    """A sweep's user: the mix of its sessions is the mix's session shares whatever the number of users
    (Locust's class weights give 2 users of one journey at N = 2), reproducibly for a seed."""

    def draws(n: int) -> list[str]:
        cls = type("Citizen", (SessionCitizen,), {"host": "http://127.0.0.1:9"})  # never asked
        user = cls(Environment(user_classes=[cls]))
        return [user.next_session()[0].name for _ in range(n)]

    picked = draws(3_000)
    shares = {j.name: j.share for j in drill_runtime.mix.enabled()}
    for name, share in shares.items():  # 3,000 draws: a share of 0.3 within ±0.03 (3.6 σ)
        assert abs(picked.count(name) / len(picked) - share) < 0.03, (name, picked.count(name))
    assert set(picked) == set(shares)
    runtime.start(drill_runtime.config)  # the same seed, the same first user: the same sessions
    assert draws(50) == picked[:50]
    assert user_classes(drill_runtime.mix, open_model=False, session_mix=True) == [SessionCitizen]
    assert user_classes(drill_runtime.mix, open_model=True, session_mix=True) == [OpenCitizen]


def test_a_session_citizen_runs_the_journey_it_drew(
    local_stack: LocalStack, drill_runtime: runtime.DrillRuntime
) -> None:
    for _ in range(12):
        _run_one_visit(SessionCitizen, local_stack.url)
    delta = drill_runtime.recorder.drain()
    ran = {name: j.completed for (_, name), j in delta.journeys.items()}
    assert sum(ran.values()) == 12, ran
    assert len(ran) >= 2, ran  # seed 7: more than one journey
    assert all(j.failed == j.abandoned == 0 for j in delta.journeys.values())
    status = delta.endpoints.get(("ramp", "GET /api/v1/public/dossiers/{code}/status"))
    assert ("track_status" in ran) == (status is not None)
