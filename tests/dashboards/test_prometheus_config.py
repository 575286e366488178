"""stack.prometheus writes a configuration Prometheus accepts, with the stack's actual addresses, and
says clearly what is wrong with a bad target or a missing binary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cuaso.cli import main
from results.exceptions import ConfigError, MissingDependencyError
from stack.prometheus import JOBS, ScrapeTarget, promtool, require_binary, write_run_config
from tests.dashboards.conftest import read_yaml


def test_run_config_has_the_actual_targets_and_passes_promtool(tmp_path: Path) -> None:
    targets = [
        ScrapeTarget("cuaso-portal", "127.0.0.1:41001"),
        ScrapeTarget("cuaso-portal", "127.0.0.1:41002"),
    ]
    config = write_run_config(tmp_path, targets)
    result = promtool("check", "config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 3 rule files found" in result.stdout + result.stderr
    portal = json.loads((config.parent / "targets" / "cuaso-portal.json").read_text())
    assert portal == [{"targets": ["127.0.0.1:41001", "127.0.0.1:41002"], "labels": {"stack": "local"}}]
    # A job without targets gets an empty list, never the template's defaults.
    assert json.loads((config.parent / "targets" / "redis.json").read_text()) == []
    assert sorted(p.name for p in (config.parent / "targets").iterdir()) == sorted(f"{j}.json" for j in JOBS)


def test_scrape_interval_override(tmp_path: Path) -> None:
    config = write_run_config(tmp_path, [ScrapeTarget("redis", "127.0.0.1:9121")], scrape_interval_s=0.5)
    assert promtool("check", "config", str(config)).returncode == 0
    settings = read_yaml(config)["global"]
    assert settings["scrape_interval"] == settings["evaluation_interval"] == "500ms"
    assert settings["scrape_timeout"] == "500ms"
    with pytest.raises(ConfigError, match=re.escape("scrape_interval_s=0.0: must be between")):
        write_run_config(tmp_path, [], scrape_interval_s=0.0)


def test_scrape_target_from_url() -> None:
    assert ScrapeTarget.from_url("cuaso-portal", "http://127.0.0.1:8000/api/v1").address == "127.0.0.1:8000"
    assert ScrapeTarget.from_url("cuaso-portal", "http://localhost").address == "localhost:80"
    assert ScrapeTarget.from_url("redis", "http://[::1]:9121").address == "[::1]:9121"


@pytest.mark.parametrize(
    ("job", "address", "message"),
    [
        ("portal", "127.0.0.1:8000", "job='portal': must be one of cuaso-portal, redis"),
        ("cuaso-portal", "127.0.0.1", "address='127.0.0.1': must be host:port"),
        ("cuaso-portal", "127.0.0.1:70000", "address='127.0.0.1:70000'"),
    ],
)
def test_bad_scrape_target_names_the_field(job: str, address: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        ScrapeTarget(job, address)


def test_bad_url_names_it() -> None:
    with pytest.raises(ConfigError, match=re.escape("url='ftp://x': need an http")):
        ScrapeTarget.from_url("cuaso-portal", "ftp://x")


def test_missing_binary_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MissingDependencyError, match="apt-get install prometheus"):
        require_binary("promtool")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--target", "http://10.1.2.3:8000"], "10.1.2.3 is not a loopback address"),
        (["--target", "http://127.0.0.1:8000", "--port", "70000"], "--port=70000: need 0..65535"),
        (
            ["--target", "http://127.0.0.1:8000", "--scrape-interval", "0"],
            "--scrape-interval=0.0: need 0.1..300",
        ),
    ],
)
def test_prometheus_verb_refuses_bad_options_by_name(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboards", "prometheus", *args]) == 2
    assert message in capsys.readouterr().err
