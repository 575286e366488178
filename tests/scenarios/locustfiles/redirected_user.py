"""A user's Locust file whose portal redirects to a host nobody allowed (tests/scenarios/test_own_portal.py).

Both hosts are ``.invalid`` names reachable only through the test's proxy (``CUASO_TEST_PROXY``,
``host:port``; :mod:`tests.scenarios.proxy_world`), which counts what it is asked to pass on. The drill
runs with ``--host http://portal.staging.invalid --allow-host portal.staging.invalid``.
"""

from __future__ import annotations

import os

from locust import FastHttpUser, HttpUser, constant, task

PROXY_HOST, _, PROXY_PORT = os.environ["CUASO_TEST_PROXY"].partition(":")


class RedirectedHttpUser(HttpUser):
    wait_time = constant(0.2)

    def on_start(self) -> None:
        self.client.proxies = {"http": f"http://{PROXY_HOST}:{PROXY_PORT}"}

    @task(3)
    def ok(self) -> None:
        self.client.get("/ok")

    @task(1)
    def go(self) -> None:
        self.client.get("/go")  # 302 to the forbidden host


class RedirectedFastUser(FastHttpUser):
    wait_time = constant(0.2)
    proxy_host = PROXY_HOST
    proxy_port = int(PROXY_PORT)

    @task(3)
    def ok(self) -> None:
        self.client.get("/ok", name="/ok (fast)")

    @task(1)
    def go(self) -> None:
        self.client.get("/go", name="/go (fast)")
