"""Numeric hosts in a drill's Locust processes: resolved in the calling greenlet, once per process, and
names still through gevent's thread pool (:mod:`scenarios.drill.resolver`)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import gevent
import pytest
from geventhttpclient.connectionpool import ConnectionPool

from scenarios.drill import resolver

ROOT = Path(__file__).resolve().parents[2]


class _CountingPool:
    """Stands in for the hub's thread pool: counts what is handed to it, runs it in this thread."""

    def __init__(self) -> None:
        self.calls = 0

    def apply(self, func: Any, args: Any = (), kwargs: Any = None) -> Any:
        self.calls += 1
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "127.8.9.10"])
def test_a_numeric_host_never_reaches_the_thread_pool(host: str) -> None:
    found = resolver.NumericFirstResolver(gevent.get_hub())
    found.pool = pool = _CountingPool()
    answer = found.getaddrinfo(host, 8080, 0, 1, 6)
    assert pool.calls == 0
    assert answer[0][4][:2] == (host, 8080)


def test_a_name_is_looked_up_through_the_thread_pool() -> None:
    found = resolver.NumericFirstResolver(gevent.get_hub())
    found.pool = pool = _CountingPool()
    answer = found.getaddrinfo("localhost", 8080, 0, 1, 6)
    assert pool.calls == 1
    assert {entry[4][0] for entry in answer} <= {"127.0.0.1", "::1"}


@pytest.mark.parametrize(
    ("host", "numeric"),
    [("127.0.0.1", True), ("::1", True), ("10.1.2.3", True), ("localhost", False),
     ("portal.example.gov.vn", False), ("", False), ("127.0.0.1.example", False)],
)  # fmt: skip
def test_is_numeric(host: str, numeric: bool) -> None:
    assert resolver.is_numeric(host) is numeric


def test_a_connection_pool_keeps_a_numeric_hosts_addresses_and_not_a_names() -> None:
    numeric = ConnectionPool("127.0.0.1", 1, "127.0.0.1", 1)
    name = ConnectionPool("localhost", 1, "localhost", 1)
    resolver._RESOLVED.clear()
    first = resolver._resolve_numeric_once(numeric)
    assert {("127.0.0.1", 1, False): first} == resolver._RESOLVED
    assert resolver._resolve_numeric_once(numeric) is first
    resolver._resolve_numeric_once(name)
    assert list(resolver._RESOLVED) == [("127.0.0.1", 1, False)]


def _run(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env={**os.environ, **env},
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()


REQUEST_AFTER_INSTALL = """
    from gevent import monkey; monkey.patch_all()
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    import gevent
    from locust.contrib.fasthttp import FastHttpSession
    from locust.env import Environment
    from scenarios.drill import resolver

    class Ok(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(204); self.end_headers()
        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    installed = resolver.install()
    handed = []
    if installed:  # count what reaches the hub's thread pool from here on
        pool = gevent.get_hub().resolver.pool
        class Counting:
            def apply(self, func, args=(), kwargs=None):
                handed.append(args)
                return pool.apply(func, args, kwargs)
        gevent.get_hub().resolver.pool = Counting()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    session = FastHttpSession(url, Environment().events.request, None)
    status = session.get("/").status_code
    print(installed, status, len(handed), type(gevent.get_hub().resolver).__name__)
"""


def test_after_install_a_request_to_a_numeric_host_starts_no_thread_pool() -> None:
    """In a fresh (monkey-patched) process, as in Locust."""
    assert _run(REQUEST_AFTER_INSTALL) == "True 204 0 NumericFirstResolver"


def test_install_leaves_a_resolver_the_user_configured() -> None:
    assert _run(REQUEST_AFTER_INSTALL, GEVENT_RESOLVER="block") == "False 204 0 Resolver"
