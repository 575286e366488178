"""Fixtures of the dashboards tests: the session's real local stack (tests/conftest.py), a real Prometheus
started by :mod:`stack.prometheus` watching it, and the dashboards' files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from stack.launcher import LocalStack
from stack.prometheus import DASHBOARDS_DIR, StackWatch

SCRAPE_INTERVAL_S = 1.0
"""Scrape and rule-evaluation interval of the test Prometheus: short, so that rates appear in seconds.
The fixture is per module, so this Prometheus stops once its tests are done, not at the session's end."""


@pytest.fixture(scope="module")
def stack_watch(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackWatch]:
    watch = StackWatch(
        local_stack.url,
        tmp_path_factory.mktemp("prometheus"),
        redis_url=local_stack.redis_url,
        scrape_interval_s=SCRAPE_INTERVAL_S,
    )
    with watch:
        yield watch


def load_dashboards() -> dict[str, dict[str, Any]]:
    """Every dashboard JSON under dashboards/grafana, by file name."""
    paths = sorted((DASHBOARDS_DIR / "grafana").glob("*.json"))
    return {path.name: json.loads(path.read_text(encoding="utf-8")) for path in paths}


def catalogue() -> list[dict[str, Any]]:
    """The entries of dashboards/metrics.json."""
    entries: list[dict[str, Any]] = json.loads((DASHBOARDS_DIR / "metrics.json").read_text())["metrics"]
    return entries


def read_yaml(path: Path) -> Any:
    import yaml  # type: ignore[import-untyped, unused-ignore]

    return yaml.safe_load(path.read_text(encoding="utf-8"))
