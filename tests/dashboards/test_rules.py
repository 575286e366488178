"""The Prometheus configuration and rules pass promtool, and the SLO alerts behave as the SRE workbook
says: promtool's own unit tests (dashboards/prometheus/tests) fire on a fast or slow burn and stay quiet
below it; here they are run, and shown to fail when a threshold is changed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from stack.app.metrics import LATENCY_BUCKETS
from stack.launcher import StackOptions
from stack.prometheus import PROMETHEUS_CONFIG_DIR, promtool
from tests.dashboards.conftest import read_yaml

RULES = sorted((PROMETHEUS_CONFIG_DIR / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS_CONFIG_DIR / "tests").glob("*.yml"))


def _ok(*args: str) -> str:
    result = promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_promtool_checks_the_config_and_finds_every_rule_file() -> None:
    out = _ok("check", "config", str(PROMETHEUS_CONFIG_DIR / "prometheus.yml"))
    assert f"SUCCESS: {len(RULES)} rule files found" in out


def test_promtool_checks_the_rules() -> None:
    assert len(RULES) == 3
    out = _ok("check", "rules", *map(str, RULES))
    assert out.count("SUCCESS") == len(RULES)


def test_promtool_unit_tests_of_the_alerts_pass() -> None:
    assert RULE_TESTS
    assert "SUCCESS" in _ok("test", "rules", *map(str, RULE_TESTS))


def test_the_unit_tests_catch_a_changed_burn_threshold(tmp_path: Path) -> None:
    copy = tmp_path / "prometheus"
    shutil.copytree(PROMETHEUS_CONFIG_DIR, copy)
    slo = copy / "rules" / "cuaso-slo.yml"
    text = slo.read_text()
    assert "burn_rate1h > 14.4 and" in text
    slo.write_text(text.replace("burn_rate1h > 14.4 and", "burn_rate1h > 24 and"))
    result = promtool("test", "rules", str(copy / "tests" / "slo-alerts.test.yml"))
    assert result.returncode != 0
    assert "CuasoAvailabilityBudgetBurnFast" in result.stdout + result.stderr


def test_slo_objectives_are_named_series_and_alerts_use_the_workbook_windows() -> None:
    groups = {
        g["name"]: g["rules"] for g in read_yaml(PROMETHEUS_CONFIG_DIR / "rules" / "cuaso-slo.yml")["groups"]
    }
    objectives = {"availability": "0.999", "latency": "0.99"}
    for slo, objective in objectives.items():
        rules = groups[f"cuaso-slo-{slo}"]
        recorded = {r["record"]: r["expr"] for r in rules if "record" in r}
        assert recorded[f"cuaso:slo_{slo}:objective"] == f"vector({objective})"
        for window in ("5m", "30m", "1h", "6h"):
            assert f"(1 - cuaso:slo_{slo}:objective)" in recorded[f"cuaso:slo_{slo}:burn_rate{window}"]
        alerts = {r["alert"]: r for r in rules if "alert" in r}
        name = slo.capitalize()
        for speed, factor, long, short in (("Fast", "14.4", "1h", "5m"), ("Slow", "6", "6h", "30m")):
            alert = alerts[f"Cuaso{name}BudgetBurn{speed}"]
            expected = (
                f"cuaso:slo_{slo}:burn_rate{long} > {factor} and cuaso:slo_{slo}:burn_rate{short} > {factor}"
            )
            assert alert["expr"] == expected
            assert alert["labels"] == {"severity": "page", "slo": slo, "window": long}


def test_latency_threshold_is_a_bucket_bound_of_the_portal_histogram() -> None:
    text = (PROMETHEUS_CONFIG_DIR / "rules" / "cuaso-slo.yml").read_text()
    bounds = set(re.findall(r'le="([^"]+)"', text))
    assert bounds == {"1.0"}
    assert 1.0 in LATENCY_BUCKETS


def test_template_scrapes_the_default_port_of_cuaso_stack_up() -> None:
    groups = read_yaml(PROMETHEUS_CONFIG_DIR / "targets" / "cuaso-portal.json")
    assert groups[0]["targets"] == [f"127.0.0.1:{StackOptions().port}"]
    assert read_yaml(PROMETHEUS_CONFIG_DIR / "targets" / "redis.json") == []
