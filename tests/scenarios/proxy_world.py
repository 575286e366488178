"""The outside world as one forward HTTP proxy on 127.0.0.1: the only way to two hosts that do not exist.

The allow-list always permits loopback, so a server on 127.0.0.x can never play a host nobody allowed.
Instead the hosts are ``.invalid`` names (RFC 2606: they never resolve), reachable only through this
proxy, which records every request it is asked to pass on:

* ``PORTAL`` (the system under test, allowed with ``--allow-host``): ``/go`` redirects to ``FORBIDDEN``,
  ``/ok`` answers 200;
* ``FORBIDDEN`` (allowed by nobody): answers 200, and its hits are what a test counts: a broken
  allow-list would send requests here, a working one sends none.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from tests.loopback import serving

PORTAL = "portal.staging.invalid"
FORBIDDEN = "forbidden.elsewhere.invalid"


@dataclass
class World:
    port: int
    hits: list[tuple[str, str]] = field(default_factory=list)  # (host, path) of each request passed on

    @property
    def proxy(self) -> str:
        return f"127.0.0.1:{self.port}"

    def hosts(self) -> set[str]:
        return {host for host, _ in self.hits}


class _Proxy(BaseHTTPRequestHandler):
    world: World

    def do_GET(self) -> None:
        parts = urlsplit(self.path)  # a proxy is sent the absolute URI
        host, path = parts.hostname or "", parts.path
        self.world.hits.append((host, path))
        if host == PORTAL and path == "/go":
            self._answer(302, b"", location=f"http://{FORBIDDEN}/landing")
        elif host in (PORTAL, FORBIDDEN):
            self._answer(200, b"ok")
        else:
            self._answer(502, b"no such host in this world")

    def _answer(self, status: int, body: bytes, location: str | None = None) -> None:
        self.send_response(status)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def proxy_world() -> Iterator[World]:
    """A running world on a free 127.0.0.1 port; stopped at the end."""
    world = World(0)
    with serving(type("Proxy", (_Proxy,), {"world": world})) as base_url:
        world.port = int(urlsplit(base_url).port or 0)
        yield world
