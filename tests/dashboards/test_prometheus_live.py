"""A real Prometheus started by stack.prometheus scrapes the real local stack: the target is up, the
recording rules record the stack's traffic, every dashboard and rule expression runs against it, and the
metrics the dashboards rely on exist in real scrapes of the portal and of a redis_exporter."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
from prometheus_client.parser import text_string_to_metric_families

from stack.dashboards import dashboard_expressions, rule_expressions, substitute_variables
from stack.launcher import LocalStack
from stack.process import ManagedProcess, free_port
from stack.prometheus import DASHBOARDS_DIR, StackWatch
from tests.dashboards.conftest import catalogue, load_dashboards
from tests.stack.conftest import login, new_citizen_id

DEADLINE_S = 60.0
"""Longest a test waits for Prometheus to scrape or record (seconds at a 1 s interval; generous for a
loaded 2-core machine)."""

T = TypeVar("T")


def eventually(what: str, probe: Callable[[], T | None]) -> T:
    """Poll ``probe`` until it returns something truthy, or fail saying what never happened."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"after {DEADLINE_S:g} s: {what}"
        time.sleep(0.2)


def _series(url: str) -> dict[str, set[frozenset[str]]]:
    """Sample names of a /metrics page, each with the label-name sets it appears with."""
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        response = http.get(url)
    response.raise_for_status()
    found: dict[str, set[frozenset[str]]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found.setdefault(sample.name, set()).add(frozenset(sample.labels) - {"le", "quantile"})
    return found


def _traffic(client: httpx.Client) -> None:
    """Requests that make the portal record every metric it has: a login (e-ID, Redis), the profile
    (population database), the catalogue, and a 404 (an error)."""
    headers = login(client, new_citizen_id())
    assert client.get("/api/v1/me/profile", headers=headers).status_code == 200
    assert client.get("/api/v1/procedures", params={"limit": 1}).status_code == 200
    assert client.get("/api/v1/dossiers/HS-000000-00-NOPE0000", headers=headers).status_code == 404


def test_prometheus_scrapes_the_stack_and_the_target_is_up(
    stack_watch: StackWatch, local_stack: LocalStack
) -> None:
    prometheus = stack_watch.prometheus
    assert prometheus.port != 9090
    target = eventually(
        "the portal target is up",
        lambda: [t for t in prometheus.active_targets("cuaso-portal") if t["health"] == "up"],
    )[0]
    assert target["scrapeUrl"] == f"{local_stack.url}/metrics"
    assert [s["value"][1] for s in prometheus.query('up{job="cuaso-portal"}')] == ["1"]


def test_recording_rules_record_the_stacks_traffic(stack_watch: StackWatch, client: httpx.Client) -> None:
    prometheus = stack_watch.prometheus
    for _ in range(3):
        _traffic(client)

    def recorded() -> list[dict[str, Any]]:
        _traffic(client)  # keep the 1m rates above zero while waiting
        return prometheus.query(
            'route:cuaso_http_requests:rate1m{route="/api/v1/procedures", status="200"} > 0'
        )

    eventually("requests to /api/v1/procedures show in route:cuaso_http_requests:rate1m", recorded)
    eventually(
        "the API p95 is recorded", lambda: prometheus.query("api:cuaso_http_request_duration_seconds:p95_1m")
    )
    burn = eventually(
        "the availability burn rate is recorded",
        lambda: prometheus.query("cuaso:slo_availability:burn_rate5m"),
    )
    assert float(burn[0]["value"][1]) >= 0


def test_every_dashboard_and_rule_expression_runs_against_prometheus(stack_watch: StackWatch) -> None:
    expressions = rule_expressions(DASHBOARDS_DIR / "prometheus" / "rules")[0]
    for name, dashboard in load_dashboards().items():
        expressions += dashboard_expressions(Path(name), dashboard)
    assert len(expressions) > 80
    for expression in expressions:
        stack_watch.prometheus.query(substitute_variables(expression.expr))  # raises on any error


def test_the_stack_exposes_every_metric_listed_as_the_stacks(
    local_stack: LocalStack, client: httpx.Client
) -> None:
    _traffic(client)
    series = _series(f"{local_stack.url}/metrics")
    for metric in (m for m in catalogue() if m["source"] == "stack"):
        name = metric["name"] + ("_bucket" if metric["type"] == "histogram" else "")
        assert name in series, f"{name} is not in the portal's /metrics"
        assert frozenset(metric["labels"]) in series[name], f"{name}: labels {series[name]}"
    # The latency SLO counts requests under 1 s with the bucket le="1.0": it must exist under that name.
    with httpx.Client(trust_env=False, timeout=10.0) as http:
        assert (
            'cuaso_http_request_duration_seconds_bucket{le="1.0"'
            in http.get(f"{local_stack.url}/metrics").text
        )


def test_redis_exporter_is_scraped_and_has_every_listed_redis_metric(stack_watch: StackWatch) -> None:
    exporter = stack_watch.exporter
    assert exporter is not None, (
        "prometheus-redis-exporter is not installed (scripts/bootstrap.sh installs it)"
    )
    series = _series(f"{exporter.url}/metrics")
    for metric in (m for m in catalogue() if m["source"] == "redis_exporter"):
        assert metric["name"] in series, f"{metric['name']} is not in the redis_exporter's /metrics"
        assert frozenset(metric["labels"]) in series[metric["name"]], metric["name"]
    redis_up = eventually(
        "Prometheus has redis_up from the exporter", lambda: stack_watch.prometheus.query("redis_up")
    )
    assert redis_up[0]["value"][1] == "1"


def test_cuaso_dashboards_prometheus_runs_until_sigterm(local_stack: LocalStack, tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "cuaso", "dashboards", "prometheus", "--target", local_stack.url,
            "--port", str(port), "--data-dir", str(tmp_path / "run"), "--scrape-interval", "1"]  # fmt: skip
    verb = ManagedProcess(
        "cuaso-dashboards-prometheus",
        argv,
        ready_url=f"http://127.0.0.1:{port}/-/ready",
        env={"PYTHONUNBUFFERED": "1"},
        log_path=tmp_path / "verb.log",
        cwd=Path(__file__).resolve().parents[2],
    )
    with verb, httpx.Client(trust_env=False, timeout=10.0) as http:

        def portal_up() -> list[Any]:
            query = {"query": 'up{job="cuaso-portal"} == 1'}
            result: list[Any] = http.get(f"http://127.0.0.1:{port}/api/v1/query", params=query).json()[
                "data"
            ]["result"]
            return result

        eventually("the verb's Prometheus scraped the portal", portal_up)
    assert verb.returncode == 0, verb.log_tail()
    log = (tmp_path / "verb.log").read_text()
    assert f"prometheus: ready at http://127.0.0.1:{port}" in log
    assert f"scraping cuaso-portal  127.0.0.1:{local_stack.port}" in log
    assert "CUASO_PROMETHEUS_URL=" in log
    assert log.rstrip().endswith("prometheus: stopped")
    targets = json.loads((tmp_path / "run" / "config" / "targets" / "cuaso-portal.json").read_text())
    assert targets[0]["targets"] == [f"127.0.0.1:{local_stack.port}"]
