"""Checks of the Grafana dashboards and Prometheus rules in ``dashboards/`` (``cuaso dashboards check``).

promtool validates the Prometheus configuration, the rules and the rules' unit tests. Grafana cannot be
run here, so the dashboards are checked for what breaks them in practice: each JSON loads and has its own
uid, each panel reads the provisioned data source, each PromQL expression (panel queries, query
variables, annotations, and every rule) parses -- one ``promtool check rules`` run over a temporary rules
file holding them all -- and selects only metrics listed in ``dashboards/metrics.json`` or recorded by
the rules, so a renamed metric shows up here rather than as an empty panel during a drill.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stack.prometheus import promtool

DATASOURCE_REFS = ("${datasource}", "-- Grafana --")
"""Data source uids a panel may use: the dashboard's variable, or Grafana's built-in annotations."""

_VARIABLE = re.compile(r"\$(?:\{(\w+)(?::[^}]*)?\}|(\w+))")
_INTERVALS = frozenset({"__interval", "__rate_interval", "__range"})
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_TOKEN = re.compile(r"(?P<number>\d[\w.]*)|(?P<name>[A-Za-z_:][\w:]*)")
_KEYWORDS = frozenset({"and", "or", "unless", "bool", "offset", "inf", "nan", "start", "end", "atan2"})
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<selector>.+),\s*\w+\s*\)\s*$", re.S)
_PROMTOOL_ERROR = re.compile(r'"check:expr_(\d+)": (.+)$')
_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}


@dataclass(frozen=True, slots=True)
class Expression:
    """One PromQL expression and where it was found (file, panel or rule, query)."""

    where: str
    expr: str


def substitute_variables(expr: str) -> str:
    """``expr`` with Grafana variables replaced so that Prometheus can parse it: interval variables by 5m,
    any other (only used inside label matchers) by the regex ``.*``."""
    return _VARIABLE.sub(lambda m: "5m" if (m.group(1) or m.group(2)) in _INTERVALS else ".*", expr)


def metric_names(expr: str) -> frozenset[str]:
    """The metric names ``expr`` selects: identifiers that are not functions, keywords, label names
    (inside ``{}`` or ``by (...)``-style lists), durations or numbers. The expression must parse."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"\{[^{}]*\}|\[[^\[\]]*\]", " ", text)
    text = _LABEL_LIST.sub(" ", text)
    names = set()
    for token in _TOKEN.finditer(text):
        name = token.group("name")
        if name is None or name.lower() in _KEYWORDS or text[token.end() :].lstrip().startswith("("):
            continue
        names.add(name)
    return frozenset(names)


def dashboard_expressions(path: Path, dashboard: dict[str, Any]) -> list[Expression]:
    """Every PromQL expression of a dashboard: panel queries (rows included), query variables (the
    selector of ``label_values``) and annotation queries."""
    found = []
    for panel in _panels(dashboard.get("panels", [])):
        for target in panel.get("targets", []):
            where = f"{path.name}: panel {panel.get('title')!r} query {target.get('refId')}"
            found.append(Expression(where, str(target.get("expr", ""))))
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable.get("type") == "query":
            query = variable.get("query")
            text = str(query.get("query", "") if isinstance(query, dict) else query)
            match = _LABEL_VALUES.match(text)
            found.append(
                Expression(
                    f"{path.name}: variable {variable.get('name')}", match["selector"] if match else text
                )
            )
    for annotation in dashboard.get("annotations", {}).get("list", []):
        if "expr" in annotation:
            found.append(
                Expression(f"{path.name}: annotation {annotation.get('name')!r}", annotation["expr"])
            )
    return found


def _panels(panels: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def rule_expressions(rules_dir: Path) -> tuple[list[Expression], frozenset[str]]:
    """The expressions of every rule in ``rules_dir/*.yml``, and the names the recording rules record;
    ValueError naming the file when one is not a rules file."""
    import yaml  # type: ignore[import-untyped, unused-ignore]

    found, recorded = [], set()
    for path in sorted(rules_dir.glob("*.yml")):
        try:
            for group in yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]:
                for rule in group["rules"]:
                    name = rule.get("record") or rule.get("alert")
                    found.append(Expression(f"{path.name}: rule {name}", str(rule["expr"])))
                    if "record" in rule:
                        recorded.add(rule["record"])
        except (yaml.YAMLError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(
                f"{path.name}: not a Prometheus rules file ({type(exc).__name__}: {exc})"
            ) from exc
    return found, frozenset(recorded)


def catalogue_names(catalogue: Path) -> frozenset[str]:
    """Every series name the metrics in ``catalogue`` (dashboards/metrics.json) expose."""
    names: set[str] = set()
    for metric in json.loads(catalogue.read_text(encoding="utf-8"))["metrics"]:
        names.update(metric["name"] + suffix for suffix in _SUFFIXES.get(metric["type"], ("",)))
    return frozenset(names)


def parse_errors(expressions: Sequence[Expression]) -> list[str]:
    """A message for each expression Prometheus cannot parse, found with one ``promtool check rules`` run
    over a temporary rules file in which every expression is a recording rule."""
    rules = [
        {"record": f"check:expr_{i}", "expr": substitute_variables(e.expr)} for i, e in enumerate(expressions)
    ]
    with tempfile.TemporaryDirectory(prefix="cuaso-promql-") as tmp:
        path = Path(tmp) / "expressions.yml"
        path.write_text(json.dumps({"groups": [{"name": "check", "rules": rules}]}), encoding="utf-8")
        result = promtool("check", "rules", str(path))
    if result.returncode == 0:
        return []
    errors = {}
    for line in (result.stdout + result.stderr).splitlines():
        match = _PROMTOOL_ERROR.search(line)
        if match:
            index = int(match.group(1))
            errors[index] = f"{expressions[index].where}: {match.group(2)}"
    return list(errors.values()) or [f"promtool check rules failed: {result.stdout}{result.stderr}"]


def check_dashboards(directory: Path) -> list[str]:
    """Problems with the dashboards and rules under ``directory``; an empty list when all is well."""
    problems, expressions, uids = [], [], set()
    try:
        rules, recorded = rule_expressions(directory / "prometheus" / "rules")
    except ValueError as exc:
        problems.append(str(exc))
        rules, recorded = [], frozenset()
    for path in sorted((directory / "grafana").glob("*.json")):
        try:
            dashboard = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}: not JSON: {exc}")
            continue
        if dashboard.get("uid") in uids or not dashboard.get("uid"):
            problems.append(f"{path.name}: uid {dashboard.get('uid')!r} is missing or used twice")
        uids.add(dashboard.get("uid"))
        for panel in _panels(dashboard.get("panels", [])):
            source = panel.get("datasource") or {}
            if panel.get("type") != "row" and source.get("uid") not in DATASOURCE_REFS:
                problems.append(f"{path.name}: panel {panel.get('title')!r} has data source {source!r}")
            if panel.get("type") != "row" and not all(t.get("expr") for t in panel.get("targets") or [{}]):
                problems.append(f"{path.name}: panel {panel.get('title')!r} has a query without expr")
        expressions += dashboard_expressions(path, dashboard)
    if not uids:
        problems.append(f"{directory / 'grafana'}: no dashboards (*.json)")
    expressions += rules
    problems += parse_errors(expressions)
    known = catalogue_names(directory / "metrics.json") | recorded
    for expression in expressions:
        unknown = metric_names(substitute_variables(expression.expr)) - known
        if unknown:
            problems.append(f"{expression.where}: unknown metric {', '.join(sorted(unknown))}")
    return problems


def run_check(directory: Path, say: Callable[[str], None] = print) -> int:
    """Every check, printed one per line (``ok`` or ``FAIL``); returns how many failed."""
    prom = directory / "prometheus"
    steps = [
        ("promtool check config", ["check", "config", str(prom / "prometheus.yml")]),
        ("promtool check rules", ["check", "rules", *map(str, sorted((prom / "rules").glob("*.yml")))]),
        ("promtool test rules", ["test", "rules", *map(str, sorted((prom / "tests").glob("*.yml")))]),
    ]
    failed = 0
    for label, args in steps:
        result = promtool(*args)
        ok = result.returncode == 0
        failed += not ok
        say(f"  {'ok  ' if ok else 'FAIL'}  {label}")
        if not ok:
            say("        " + (result.stdout + result.stderr).strip().replace("\n", "\n        "))
    problems = check_dashboards(directory)
    status = "FAIL" if problems else "ok  "
    say(f"  {status}  dashboards: JSON loads, data sources, PromQL parses, metrics known")
    for problem in problems:
        say(f"        {problem}")
    return failed + bool(problems)
