"""The allow-list covers every host a journey's request reaches, redirects included.

The redirect test uses a real Locust HTTP client against a real HTTP server on 127.0.0.1 playing someone
else's portal, whose login redirects either to an allowed host or to one nobody allowed (``.invalid``
names never resolve, RFC 2606, so a broken check could not reach anything either).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from results.exceptions import TargetNotAllowedError
from scenarios.drill.config import DrillConfig
from scenarios.journeys.login import login
from scenarios.journeys.runtime import DrillRuntime
from scenarios.journeys.steps import JourneyFailed, Visit
from scenarios.safety import AllowList, check_target
from tests.loopback import serving

FOREIGN = "eid.portal.invalid"


def test_loopback_is_always_allowed_and_others_only_when_listed() -> None:
    allow = AllowList.of(["Payments.Example.VN "])
    for host in ("127.0.0.1", "127.3.2.1", "::1", "[::1]", "localhost"):
        assert allow.permits(host), host
    assert allow.permits("payments.example.vn")
    assert not allow.permits("10.0.0.5")
    assert not allow.permits(FOREIGN)
    allow.check_url("/api/v1/procedures?q=x")  # relative: goes to the checked target
    allow.check_url("http://payments.example.vn/checkout")
    with pytest.raises(TargetNotAllowedError, match=rf"{FOREIGN} is not a loopback.*--allow-host {FOREIGN}"):
        allow.check_url(f"https://{FOREIGN}/authorize?x=1")
    with pytest.raises(TargetNotAllowedError, match="not an http"):
        allow.check_url("ftp://127.0.0.1/file")
    # a network-path reference names another host: not a path on the target, whatever it starts with
    with pytest.raises(TargetNotAllowedError, match="not an http"):
        allow.check_url(f"//{FOREIGN}/authorize")


def test_check_target_uses_the_same_rule() -> None:
    assert check_target("http://127.0.0.1:8000", ()) == "127.0.0.1"
    assert check_target(f"http://{FOREIGN}:8000", [FOREIGN]) == FOREIGN
    with pytest.raises(TargetNotAllowedError, match=f"--allow-host {FOREIGN}"):
        check_target(f"http://{FOREIGN}", ())


def test_the_drill_config_carries_the_allowed_hosts_to_locust() -> None:
    config = DrillConfig(allow_hosts=("a.example", "b.example"))
    env = config.to_env()
    assert env["CUASO_DRILL_ALLOW_HOSTS"] == "a.example,b.example"
    assert DrillConfig.from_env(env).allow_hosts == ("a.example", "b.example")
    with pytest.raises(ValueError, match="CUASO_DRILL_ALLOW_HOSTS"):
        DrillConfig(allow_hosts=("a.example,b",))


class _ForeignPortal(BaseHTTPRequestHandler):
    """Login as a portal does it: start → 302 to the e-ID's /authorize → 302 back → callback 200."""

    authorize_host = "localhost"
    requests: list[str] = []  # noqa: RUF012 (the test's record, one server per test)

    def do_GET(self) -> None:
        self.requests.append(self.path.split("?")[0])
        port = self.server.server_address[1]  # type: ignore[index]
        if self.path.startswith("/api/v1/auth/login"):
            self._redirect(f"http://{self.authorize_host}:{port}/authorize?client_id=x")
        elif self.path.startswith("/authorize"):
            self._redirect(f"http://127.0.0.1:{port}/api/v1/auth/callback?code=c&state=s")
        elif self.path.startswith("/api/v1/auth/callback"):
            body = b'{"session_token": "t0k3n"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def foreign_portal() -> Iterator[tuple[str, type[_ForeignPortal]]]:
    handler = type("Handler", (_ForeignPortal,), {"requests": []})
    with serving(handler) as base_url:
        yield base_url, handler


def _visit(base_url: str, allow_hosts: tuple[str, ...]) -> tuple[Visit, list[dict[str, Any]]]:
    environment = Environment()
    fired: list[dict[str, Any]] = []
    environment.events.request.add_listener(lambda **kw: fired.append(kw))  # type: ignore[no-untyped-call]
    client = FastHttpSession(base_url, environment.events.request, user=None)
    runtime = DrillRuntime(DrillConfig(think_scale=0.0, allow_hosts=allow_hosts))
    return Visit(client, runtime, runtime.journey("submit_dossier"), random.Random(1)), fired


def test_a_redirect_to_an_allowed_host_is_followed(foreign_portal: tuple[str, type[_ForeignPortal]]) -> None:
    base_url, handler = foreign_portal
    visit, fired = _visit(base_url, ())
    assert login(visit, "001099012345") == {"Authorization": "Bearer t0k3n"}
    assert handler.requests == ["/api/v1/auth/login", "/authorize", "/api/v1/auth/callback"]
    assert all(event["exception"] is None for event in fired)


def test_a_redirect_to_a_host_nobody_allowed_is_refused_unsent(
    foreign_portal: tuple[str, type[_ForeignPortal]],
) -> None:
    base_url, handler = foreign_portal
    handler.authorize_host = FOREIGN
    visit, fired = _visit(base_url, ("someone.else.example",))
    with pytest.raises(JourneyFailed, match=rf"refused: {FOREIGN} is not a loopback"):
        login(visit, "001099012345")
    assert handler.requests == ["/api/v1/auth/login"]  # the callback was never reached either
    refused = [event for event in fired if event["exception"] is not None]
    assert [event["name"] for event in refused] == ["e-ID /authorize"]
    assert isinstance(refused[0]["exception"], TargetNotAllowedError)
