"""Load levels from Locust's own CSV history (``locust --csv PREFIX --csv-full-history``).

``PREFIX_stats_history.csv`` has one row a second per request name and one ``Aggregated`` row with the
whole run's cumulative counters (column names as Locust 2.x writes them, ``locust/stats.py``
``StatsCSVFileWriter``). From a stepped run (a staircase of user counts) the ``Aggregated`` rows give:

* **levels**: runs of rows with the same ``User Count``; the first ``warmup_s`` of each are dropped, and
  a run too short to keep a percentile window after that is a ramp step, left out;
* **requests, failures, mean latency and response bytes** of a window: exact, from the differences of
  the cumulative ``Total Request Count``, ``Total Failure Count``, ``Total Average Response Time`` and
  ``Total Average Content Size`` between its first and last row; its duration from ``Timestamp`` (whole
  seconds, so a 30-s window is known to about 3 %);
* **the latency percentile**: the median, over the level's rows whose percentile window lies inside the
  kept part, of the row's percentile column (``95%``). With ``--csv-full-history`` Locust writes there
  the percentile of about the last 10 s (``get_current_response_time_percentile``; 0 when it has no
  such window, so 0 counts as missing); without it, the percentile of the whole run so far, which
  mixes every earlier level, so such a file is refused.

``repeats`` cuts each level's kept part into that many equal windows (points of the fit), as a sweep's
repeats do. Locust records no CPU of the system under test: a CPU CSV (``--cpu``) gives it.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from itertools import groupby, pairwise
from pathlib import Path

from capacity.sizing.external.columns import ExternalInputError
from capacity.sizing.external.windows import LoadWindow

HISTORY_SUFFIX = "_stats_history.csv"

LOCUST_PERCENTILE_WINDOW_S = 10.0
"""Locust's ``CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW`` (locust/stats.py): a full-history row's
percentiles are over about its last 10 s."""

LOCUST_WARMUP_S = 10.0
"""Assumption (as the sweep's ``WARMUP_S``): 10 s let a step's new users settle before measuring."""

AGGREGATED = "Aggregated"
COLUMNS = ("Timestamp", "User Count", "Name", "Total Request Count", "Total Failure Count",
           "Total Average Response Time")  # fmt: skip
CONTENT = "Total Average Content Size"


@dataclass(frozen=True)
class _Row:
    line: int
    t: float
    users: float
    requests: int
    failures: int
    mean_ms: float
    content: float
    percentile: float | None


def history_path(given: Path) -> Path:
    """``PREFIX`` (as given to ``locust --csv``) or the history file itself → the history file."""
    if given.name.endswith(HISTORY_SUFFIX) or given.is_file():
        return given
    return given.with_name(given.name + HISTORY_SUFFIX)


def _number(source: str, line: int, column: str, cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        raise ExternalInputError(f"{source}:{line}: column {column}={cell!r}: not a number") from None


def _rows(path: Path, percentile: float) -> list[_Row]:
    source = str(path)
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            table = list(csv.DictReader(handle))
            header = list(table[0]) if table else []
    except FileNotFoundError:
        raise ExternalInputError(f"{source}: no such file (give the PREFIX of locust --csv PREFIX)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExternalInputError(f"{source}: cannot read: {exc}") from None
    if "Request Count" in header and "Timestamp" not in header:
        raise ExternalInputError(
            f"{source}: this is Locust's _stats.csv (whole-run totals); give {HISTORY_SUFFIX}"
        )
    wanted = f"{percentile:g}%"
    missing = [c for c in (*COLUMNS, wanted) if c not in header]
    if missing:
        raise ExternalInputError(
            f"{source}:1: missing column(s) {', '.join(map(repr, missing))} of Locust's stats history "
            f"(have {', '.join(header) or 'no rows'})"
        )
    if all(r["Name"] == AGGREGATED for r in table):
        raise ExternalInputError(
            f"{source}: written without --csv-full-history: its {wanted!r} column is the percentile of the "
            "whole run so far, not of each level; rerun Locust with --csv PREFIX --csv-full-history"
        )
    rows = []
    for line, r in enumerate(table, start=2):
        if r["Name"] != AGGREGATED:
            continue
        cell = r[wanted].strip()
        rows.append(
            _Row(
                line=line,
                t=_number(source, line, "Timestamp", r["Timestamp"]),
                users=_number(source, line, "User Count", r["User Count"]),
                requests=round(_number(source, line, "Total Request Count", r["Total Request Count"])),
                failures=round(_number(source, line, "Total Failure Count", r["Total Failure Count"])),
                mean_ms=_number(
                    source, line, "Total Average Response Time", r["Total Average Response Time"]
                ),
                content=_number(source, line, CONTENT, r.get(CONTENT) or "0"),
                percentile=None if cell in ("", "N/A") else _number(source, line, wanted, cell) or None,
            )
        )
    for before, after in pairwise(rows):
        if after.requests < before.requests:
            raise ExternalInputError(
                f"{source}:{after.line}: column Total Request Count={after.requests}: fell from "
                f"{before.requests} (line {before.line}); the stats were reset (--reset-stats?) mid-run"
            )
    return rows


def _percentile(kept: list[_Row]) -> float | None:
    """Median of the rows' percentiles whose Locust window lies wholly inside ``kept``."""
    inside = [
        r.percentile
        for r in kept
        if r.percentile is not None and r.t - LOCUST_PERCENTILE_WINDOW_S >= kept[0].t - 1e-9
    ]
    return float(statistics.median(inside)) if inside else None


def _windows(source: str, level: list[_Row], percentile_ms: float, repeats: int) -> list[LoadWindow]:
    span = (level[-1].t - level[0].t) / repeats
    out = []
    for k in range(repeats):
        a, b = level[0].t + k * span, level[0].t + (k + 1) * span
        first = next(r for r in level if r.t >= a - 1e-9)
        last = [r for r in level if r.t <= b + 1e-9][-1]
        label = f"users {level[0].users:g} (lines {first.line}-{last.line})"
        if last.t <= first.t:
            raise ExternalInputError(f"{source}: {label}: a window of 0 s; use fewer --repeats")
        count = last.requests - first.requests
        total_ms = last.mean_ms * last.requests - first.mean_ms * first.requests
        content = last.content * last.requests - first.content * first.requests
        out.append(
            LoadWindow(
                source=source, label=label, users=level[0].users, duration_s=last.t - first.t,
                requests=count, failures=last.failures - first.failures,
                mean_ms=total_ms / count if count else 0.0, percentile_ms=percentile_ms,
                bytes_received=max(0, round(content)), start=first.t, end=last.t,
            )
        )  # fmt: skip
    return out


def read_locust_history(
    given: Path, *, percentile: float, warmup_s: float = LOCUST_WARMUP_S, repeats: int = 1
) -> tuple[list[LoadWindow], list[str]]:
    """The windows of the levels of a Locust stats history, and a line for each plateau left out."""
    path = history_path(given)
    source = str(path)
    windows: list[LoadWindow] = []
    dropped: list[str] = []
    for users, group in groupby(_rows(path, percentile), key=lambda r: r.users):
        plateau = list(group)
        if users <= 0:
            continue
        lines = f"lines {plateau[0].line}-{plateau[-1].line}"
        held = f"users {users:g} for {plateau[-1].t - plateau[0].t:.0f} s ({lines})"
        kept = [r for r in plateau if r.t >= plateau[0].t + warmup_s]
        if len(kept) < 2 or kept[-1].t - kept[0].t < LOCUST_PERCENTILE_WINDOW_S:
            dropped.append(f"{held}: shorter than the warm-up and a percentile window")
            continue
        value = _percentile(kept)
        if value is None:
            dropped.append(f"{held}: no {percentile:g}% above 0 ms (sub-millisecond latencies?)")
            continue
        windows += _windows(source, kept, value, repeats)
    if not windows:
        raise ExternalInputError(
            f"{source}: no level held its user count for the warm-up ({warmup_s:g} s) and Locust's "
            f"{LOCUST_PERCENTILE_WINDOW_S:g}-s percentile window after it; plateaus seen: "
            f"{'; '.join(dropped) or 'none'}"
        )
    return windows, [f"{source}: left out {d}" for d in dropped]
