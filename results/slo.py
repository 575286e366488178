"""Absolute thresholds in a small readable form, one per line, parsed without ``eval``.

Grammar (whitespace between tokens is free; ``#`` starts a comment; blank lines are skipped)::

    threshold := metric "(" target ")" op number unit?
    metric    := "p" NUMBER           latency quantile, 0 < q < 100 (p50, p95, p99.9)
               | "mean" | "max"       latency
               | "error_rate"         failed requests / requests (journeys: failed / started)
               | "throughput"         requests/s (journeys: completed journeys/s)
    target    := "run" | "journey:" NAME | ENDPOINT      (ENDPOINT as the results name it: "GET /healthz")
    op        := "<" | "<=" | ">" | ">="
    unit      := "ms" | "s" | "us"    latency          ("x": multiples of the calibration endpoint's p50)
               | "%"                  error rate       (a bare number is a fraction: 0.01 = 1%)
               | "/s" | "/min"        throughput

Examples: ``p95(GET /api/v1/procedures) < 150ms``, ``error_rate(run) < 1%``,
``throughput(journey:dossier) > 20/s``, ``p99(run) < 500ms``, ``p95(run) < 40x``.
Every error names the file, line, column and token (:class:`ThresholdSyntaxError`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from results.exceptions import InputError, ThresholdSyntaxError
from results.targets import Target

MetricKind = Literal["quantile", "mean", "max", "error_rate", "throughput"]
Op = Literal["<", "<=", ">", ">="]
Unit = Literal["ms", "x", "ratio", "per_s"]

_LATENCY_UNITS = {"ms": 1.0, "s": 1000.0, "us": 0.001, "µs": 0.001}
_THROUGHPUT_UNITS = {"/s": 1.0, "/min": 1.0 / 60.0}
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OP = re.compile(r"<=|>=|<|>")
_NUMBER = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_UNIT = re.compile(r"(?:ms|µs|us|s|%|/s|/min|x)(?![\w/%])")
_QUANTILE = re.compile(r"p(\d+(?:\.\d+)?)")


@dataclass(frozen=True, slots=True)
class Metric:
    kind: MetricKind
    quantile: float | None = None  # percent, only for kind "quantile"

    def __post_init__(self) -> None:
        if (self.kind == "quantile") != (self.quantile is not None):
            raise ValueError(f"metric quantile={self.quantile!r}: set exactly for quantile metrics")
        if self.quantile is not None and not 0.0 < self.quantile < 100.0:
            raise ValueError(f"metric quantile={self.quantile!r}: must lie strictly between 0 and 100")

    @property
    def is_latency(self) -> bool:
        return self.kind in ("quantile", "mean", "max")

    @property
    def label(self) -> str:
        return f"p{self.quantile:g}" if self.quantile is not None else self.kind


@dataclass(frozen=True, slots=True)
class Threshold:
    """One parsed line. ``limit`` is in ms (or calibration multiples), a fraction, or per second."""

    metric: Metric
    target: Target
    op: Op
    limit: float
    unit: Unit
    text: str
    source: str = "<thresholds>"
    line_no: int = 0

    def holds(self, value: float) -> bool:
        return {
            "<": value < self.limit,
            "<=": value <= self.limit,
            ">": value > self.limit,
            ">=": value >= self.limit,
        }[self.op]

    @property
    def name(self) -> str:
        return " ".join(self.text.split())


class _Cursor:
    """Position within one line; every error it raises names the column and the token there."""

    def __init__(self, text: str, source: str, line_no: int) -> None:
        self.text, self.source, self.line_no, self.pos = text, source, line_no, 0

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        self.skip_space()
        return self.pos >= len(self.text) or self.text[self.pos] == "#"

    def error(self, reason: str, token: str | None = None, at: int | None = None) -> ThresholdSyntaxError:
        start = self.pos if at is None else at
        if token is None:
            rest = self.text[start:].split()
            token = rest[0] if rest else ""
        return ThresholdSyntaxError(self.source, self.line_no, start + 1, token, reason)

    def match(self, pattern: re.Pattern[str]) -> str | None:
        self.skip_space()
        found = pattern.match(self.text, self.pos)
        if found is None:
            return None
        self.pos = found.end()
        return found.group(0)

    def expect(self, literal: str, reason: str) -> None:
        self.skip_space()
        if not self.text.startswith(literal, self.pos):
            raise self.error(reason)
        self.pos += len(literal)


def _metric(cur: _Cursor) -> Metric:
    start = cur.pos
    word = cur.match(_IDENT)
    if word is None:
        raise cur.error("expected a metric: p<quantile>, mean, max, error_rate or throughput")
    quantile = _QUANTILE.fullmatch(word)
    if quantile is not None:
        value = float(quantile.group(1))
        if not 0.0 < value < 100.0:
            raise cur.error("a quantile must lie strictly between p0 and p100", word, start)
        return Metric("quantile", value)
    if word in ("mean", "max", "error_rate", "throughput"):
        return Metric(word)  # type: ignore[arg-type]  # narrowed by the membership test
    raise cur.error("unknown metric: expected p<quantile>, mean, max, error_rate or throughput", word, start)


def _target(cur: _Cursor) -> Target:
    cur.expect("(", "expected '(' after the metric")
    close = cur.text.find(")", cur.pos)
    if close < 0:
        raise cur.error("expected ')' closing the target", cur.text[cur.pos :].strip())
    raw, start = cur.text[cur.pos : close], cur.pos
    cur.pos = close + 1
    try:
        return Target.parse(raw)
    except ValueError:
        raise cur.error(
            "expected a target: run, journey:NAME or an endpoint such as 'GET /healthz'",
            raw.strip() or ")",
            start,
        ) from None


def _limit(cur: _Cursor, metric: Metric) -> tuple[float, Unit]:
    cur.skip_space()
    start = cur.pos
    number = cur.match(_NUMBER)
    if number is None:
        raise cur.error("expected a number after the comparison")
    value = float(number)
    unit_at = cur.pos
    unit = cur.match(_UNIT)
    if unit is None and not cur.at_end():
        raise cur.error(f"unknown unit after {number}: expected ms, s, us, x, %, /s or /min")
    unit_at = unit_at if unit is None else cur.pos - len(unit)
    if metric.is_latency:
        if unit == "x":
            return value, "x"
        if unit not in _LATENCY_UNITS:
            raise cur.error(f"{metric.label} needs a time unit (ms, s, us) or x", unit or "", unit_at)
        return value * _LATENCY_UNITS[unit], "ms"
    if metric.kind == "error_rate":
        if unit == "%":
            return value / 100.0, "ratio"
        if unit is not None:
            raise cur.error("error_rate takes a percentage (1%) or a fraction (0.01)", unit, unit_at)
        if value > 1.0:
            raise cur.error(
                "a bare error_rate is a fraction in [0, 1]; write % for a percentage", number, start
            )
        return value, "ratio"
    if unit not in _THROUGHPUT_UNITS:
        raise cur.error("throughput needs a rate unit: /s or /min", unit or "", unit_at)
    return value * _THROUGHPUT_UNITS[unit], "per_s"


def parse_threshold(text: str, *, source: str = "<thresholds>", line_no: int = 1) -> Threshold:
    """Parse one threshold line; raise :class:`ThresholdSyntaxError` naming the column and token."""
    cur = _Cursor(text, source, line_no)
    metric = _metric(cur)
    target = _target(cur)
    op = cur.match(_OP)
    if op is None:
        raise cur.error("expected a comparison: <, <=, > or >=")
    limit, unit = _limit(cur, metric)
    if not cur.at_end():
        raise cur.error("unexpected text after the threshold")
    body = text.split("#", 1)[0].strip()
    return Threshold(metric, target, op, limit, unit, body, source, line_no)  # type: ignore[arg-type]


def parse_thresholds(text: str, *, source: str = "<thresholds>") -> tuple[Threshold, ...]:
    """All thresholds of a file's text, in order; blank lines and ``#`` comments are skipped."""
    found = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.split("#", 1)[0].strip():
            found.append(parse_threshold(line, source=source, line_no=line_no))
    return tuple(found)


def read_thresholds(path: Path) -> tuple[Threshold, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--thresholds={str(path)!r}: cannot read: {exc.strerror}") from None
    return parse_thresholds(text, source=str(path))
