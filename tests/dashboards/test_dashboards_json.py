"""Every Grafana dashboard loads, is laid out on Grafana's 24-column grid, reads the provisioned data
source, and every PromQL expression in it parses (promtool) and selects only known metrics; together they
cover what the issue asks to see. The checker itself is shown to catch each kind of mistake."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from cuaso.cli import main
from stack.dashboards import (
    Expression,
    catalogue_names,
    check_dashboards,
    dashboard_expressions,
    metric_names,
    parse_errors,
    substitute_variables,
)
from stack.prometheus import DASHBOARDS_DIR
from tests.dashboards.conftest import catalogue, load_dashboards, read_yaml

DASHBOARDS = load_dashboards()
PROVISIONING = DASHBOARDS_DIR / "grafana" / "provisioning"


def _panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in dashboard["panels"] if p["type"] != "row"]


def test_the_dashboards_pass_every_check() -> None:
    assert check_dashboards(DASHBOARDS_DIR) == []


def test_cuaso_dashboards_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboards", "check"]) == 0
    out = capsys.readouterr().out
    assert out.count("  ok  ") == 4
    assert "all checks passed" in out


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_layout_ids_and_units(name: str) -> None:
    dashboard = DASHBOARDS[name]
    assert dashboard["uid"] == Path(name).stem
    assert "cuaso" in dashboard["tags"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        assert 0 <= pos["x"] < pos["x"] + pos["w"] <= 24, panel["title"]
        covered = {
            (x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])
        }
        assert not covered & cells, f"{panel['title']} overlaps another panel"
        cells |= covered
    for panel in _panels(dashboard):
        assert panel["title"], panel
        assert panel["description"], panel["title"]
        if panel["type"] in ("timeseries", "stat"):
            assert panel["fieldConfig"]["defaults"]["unit"], panel["title"]


def _recorded_from() -> dict[str, frozenset[str]]:
    """For each recording rule, the metrics its expression reads."""
    reads = {}
    for path in sorted((DASHBOARDS_DIR / "prometheus" / "rules").glob("*.yml")):
        for group in read_yaml(path)["groups"]:
            for rule in group["rules"]:
                if "record" in rule:
                    reads[rule["record"]] = metric_names(rule["expr"])
    return reads


def test_every_listed_metric_has_a_panel() -> None:
    """Directly, or through the recording rules a panel reads."""
    used: set[str] = set()
    for name, dashboard in DASHBOARDS.items():
        for expression in dashboard_expressions(Path(name), dashboard):
            used |= metric_names(substitute_variables(expression.expr))
    reads = _recorded_from()
    while True:
        more = set().union(*(reads.get(name, frozenset()) for name in used)) - used
        if not more:
            break
        used |= more
    for metric in catalogue():
        series = {metric["name"] + suffix for suffix in ("", "_bucket", "_sum", "_count")}
        if metric["source"] != "prometheus":
            assert series & used, f"{metric['name']} ({metric['source']}) is on no dashboard"


def test_the_issue_is_covered_rate_errors_latency_saturation_forwarding_payments_redis() -> None:
    text = {name: json.dumps(d) for name, d in DASHBOARDS.items()}
    portal = text["cuaso-portal.json"]
    for quantile in ("p50", "p95", "p99"):
        assert f"route:cuaso_http_request_duration_seconds:{quantile}_1m" in portal
    assert "route:cuaso_http_requests:rate1m" in portal
    assert "route:cuaso_http_errors:rate1m" in portal
    saturation = text["cuaso-saturation.json"]
    for metric in (
        "cuaso_http_requests_in_flight",
        "cuaso_admission_rejected_total",
        "process_cpu_seconds_total",
    ):
        assert metric in saturation
    flows = text["cuaso-flows.json"]
    for metric in (
        "cuaso_forwarder_lag",
        "cuaso_forwarder_dead_letters_total",
        "cuaso_payment_callbacks_total",
    ):
        assert metric in flows
    assert "redis_commands_total" in text["cuaso-redis.json"]


def test_provisioning_points_grafana_at_the_dashboards_and_prometheus() -> None:
    sources = read_yaml(PROVISIONING / "datasources" / "cuaso.yml")["datasources"]
    assert [(s["uid"], s["type"], s["url"]) for s in sources] == [
        ("cuaso-prometheus", "prometheus", "${CUASO_PROMETHEUS_URL}")
    ]
    scrape = read_yaml(DASHBOARDS_DIR / "prometheus" / "prometheus.yml")["global"]["scrape_interval"]
    assert sources[0]["jsonData"]["timeInterval"] == scrape
    providers = read_yaml(PROVISIONING / "dashboards" / "cuaso.yml")["providers"]
    assert [p["options"]["path"] for p in providers] == ["${CUASO_DASHBOARDS_DIR}"]
    for dashboard in DASHBOARDS.values():
        variable = dashboard["templating"]["list"][0]
        assert (variable["name"], variable["current"]["value"]) == ("datasource", "cuaso-prometheus")


def test_metric_names_skips_functions_labels_keywords_and_durations() -> None:
    expr = (
        'sum by (route) (rate(a_total{route=~"/x{y}", kind!="by(z)"}[5m] offset 1h)) '
        "/ on (route) group_left (kind) b:rate1m * 1e3 > bool 0.5 or vector(0) unless c"
    )
    assert metric_names(expr) == {"a_total", "b:rate1m", "c"}
    assert metric_names("histogram_quantile(0.95, sum without (le) (x_bucket))") == {"x_bucket"}


def test_grafana_variables_are_replaced_before_parsing() -> None:
    expr = 'sum(rate(x{route=~"$route", m=~"${method:regex}"}[$__rate_interval])) / $__range_s'
    assert substitute_variables(expr) == 'sum(rate(x{route=~".*", m=~".*"}[5m])) / .*'
    assert substitute_variables("increase(x[$__range])") == "increase(x[5m])"


def test_parse_errors_name_the_panel_and_the_reason() -> None:
    good = Expression("a.json: panel 'fine' query A", "sum(rate(x_total[$__rate_interval]))")
    bad = Expression("b.json: panel 'broken' query B", "sum(rate(x_total[1m])")
    errors = parse_errors([good, bad])
    assert len(errors) == 1
    assert errors[0].startswith("b.json: panel 'broken' query B: ")
    assert "parse error" in errors[0]


def _broken_copy(tmp_path: Path, edit: str) -> Path:
    copy = tmp_path / "dashboards"
    shutil.copytree(DASHBOARDS_DIR, copy)
    path = copy / "grafana" / "cuaso-portal.json"
    dashboard = json.loads(path.read_text())
    panel = _panels(dashboard)[4]
    if edit == "metric":
        panel["targets"][0]["expr"] = "sum(rate(cuaso_http_request_total[1m]))"
    elif edit == "parse":
        panel["targets"][0]["expr"] = "sum(rate(cuaso_http_requests_total[1m])"
    elif edit == "datasource":
        panel["datasource"] = {"type": "prometheus", "uid": "someone-elses"}
    path.write_text(json.dumps(dashboard))
    return copy


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("metric", "unknown metric cuaso_http_request_total"),
        ("parse", "parse error"),
        ("datasource", "has data source"),
    ],
)
def test_check_names_a_broken_panel(tmp_path: Path, edit: str, message: str) -> None:
    copy = _broken_copy(tmp_path, edit)
    problems = check_dashboards(copy)
    assert len(problems) == 1, problems
    title = _panels(json.loads((copy / "grafana" / "cuaso-portal.json").read_text()))[4]["title"]
    assert f"cuaso-portal.json: panel {title!r}" in problems[0]
    assert message in problems[0]


def test_cuaso_dashboards_check_fails_and_says_where(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _broken_copy(tmp_path, "metric")
    assert main(["dashboards", "check", "--dir", str(copy)]) == 1
    captured = capsys.readouterr()
    assert "FAIL  dashboards" in captured.out
    assert "unknown metric cuaso_http_request_total" in captured.out
    assert "1 check(s) failed" in captured.err


def test_catalogue_expands_histograms() -> None:
    names = catalogue_names(DASHBOARDS_DIR / "metrics.json")
    assert "cuaso_http_request_duration_seconds_bucket" in names
    assert "cuaso_http_request_duration_seconds" not in names
    assert "cuaso_http_requests_total" in names


def test_a_broken_rules_file_is_named_not_a_traceback(tmp_path: Path) -> None:
    copy = tmp_path / "dashboards"
    shutil.copytree(DASHBOARDS_DIR, copy)
    (copy / "prometheus" / "rules" / "cuaso-ops.yml").write_text("groups: [\n")
    problems = check_dashboards(copy)
    assert problems[0].startswith("cuaso-ops.yml: not a Prometheus rules file")
