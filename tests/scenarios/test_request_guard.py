"""The allow-list guard of a user's locustfile, on Locust's two real HTTP clients and a real redirect.

Both clients reach the outside world through a real proxy on 127.0.0.1 (:mod:`tests.scenarios.
proxy_world`): the portal redirects to a host nobody allowed, which the proxy would pass the request on
to. Unguarded, the clients follow the redirect there (the control: the setup can show a leak); guarded,
the proxy never sees a request for it, and the request fails with the reason, counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from locust.clients import HttpSession
from locust.contrib.fasthttp import FastHttpSession
from locust.env import Environment

from results.exceptions import TargetNotAllowedError
from scenarios.drill.collector import error_kind
from scenarios.drill.request_guard import install
from scenarios.safety import AllowList
from tests.scenarios.proxy_world import FORBIDDEN, PORTAL, World, proxy_world

Fired = list[dict[str, Any]]


def _fast(world: World, environment: Environment) -> Any:
    return FastHttpSession(
        f"http://{PORTAL}", environment.events.request, user=None,
        proxy_host="127.0.0.1", proxy_port=world.port,
    )  # fmt: skip


def _requests(world: World, environment: Environment) -> Any:
    session = HttpSession(f"http://{PORTAL}", environment.events.request, user=None)
    session.proxies = {"http": f"http://{world.proxy}"}
    return session


CLIENTS: dict[str, Callable[[World, Environment], Any]] = {"FastHttpUser": _fast, "HttpUser": _requests}


@pytest.fixture
def world() -> Iterator[World]:
    with proxy_world() as running:
        yield running


def _client(kind: str, world: World) -> tuple[Any, Fired]:
    environment = Environment()
    fired: Fired = []
    environment.events.request.add_listener(lambda **kw: fired.append(kw))  # type: ignore[no-untyped-call]
    return CLIENTS[kind](world, environment), fired


@pytest.fixture
def guarded() -> Iterator[None]:
    uninstall = install(lambda: AllowList.of([PORTAL]))
    try:
        yield
    finally:
        uninstall()


@pytest.mark.parametrize("kind", sorted(CLIENTS))
def test_unguarded_the_redirect_would_reach_the_forbidden_host(kind: str, world: World) -> None:
    client, fired = _client(kind, world)
    client.get("/go")
    assert world.hits == [(PORTAL, "/go"), (FORBIDDEN, "/landing")]  # what the guard must prevent
    assert fired[0]["exception"] is None


@pytest.mark.parametrize("kind", sorted(CLIENTS))
@pytest.mark.usefixtures("guarded")
def test_a_redirect_to_a_host_nobody_allowed_fails_unsent(kind: str, world: World) -> None:
    client, fired = _client(kind, world)
    client.get("/ok")
    client.get("/go")
    assert world.hits == [(PORTAL, "/ok"), (PORTAL, "/go")]  # the hop to FORBIDDEN never left
    ok, refused = fired
    assert ok["exception"] is None
    assert refused["name"] == "/go"
    error = refused["exception"]
    assert isinstance(error, TargetNotAllowedError)
    assert f"request to 'http://{FORBIDDEN}/landing' refused: {FORBIDDEN} is not a loopback" in str(error)
    assert f"the target redirected them there. Allow it with --allow-host {FORBIDDEN}" in str(error)
    assert error_kind(0, error) == "not_allowed"


@pytest.mark.parametrize("kind", sorted(CLIENTS))
@pytest.mark.usefixtures("guarded")
def test_a_locustfile_asking_for_a_host_nobody_allowed_sends_nothing(kind: str, world: World) -> None:
    client, fired = _client(kind, world)
    client.get(f"http://{FORBIDDEN}/direct", name="direct")
    assert world.hits == []
    assert isinstance(fired[0]["exception"], TargetNotAllowedError)


def test_uninstall_restores_the_clients(world: World) -> None:
    uninstall = install(lambda: AllowList())
    uninstall()
    client, fired = _client("HttpUser", world)
    client.get("/ok")
    assert world.hits == [(PORTAL, "/ok")]
    assert fired[0]["exception"] is None
