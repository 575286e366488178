"""Read (concurrency, throughput) measurements from a CSV file, for fitting.

The file has a header naming at least the columns ``concurrency`` and ``throughput`` (any order, other
columns ignored; names are matched case-insensitively after trimming spaces), then one row per
measurement. Repeated concurrency levels are kept as separate points. Errors name the file, the line
(1-based, header = line 1) and the bad value, so that a person can fix the file.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from capacity.exceptions import DataFileError

REQUIRED_COLUMNS: tuple[str, str] = ("concurrency", "throughput")


@dataclass(frozen=True)
class Points:
    """Measurements as read from a file: equal-length concurrency and throughput tuples."""

    source: str
    concurrency: tuple[float, ...]
    throughput: tuple[float, ...]


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataFileError(f"{path}:{line}: {column}={text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise DataFileError(f"{path}:{line}: {column}={text!r} must be a finite number > 0")
    return value


def read_points_csv(path: str | Path) -> Points:
    """Parse ``path``; raise :class:`DataFileError` on a missing file, a bad header or a bad row."""
    source = Path(path)
    try:
        with source.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise DataFileError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataFileError(f"{source}: cannot read: {exc}") from None
    if not rows:
        raise DataFileError(f"{source}: empty file, expected a header 'concurrency,throughput'")
    header = [name.strip().lower() for name in rows[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise DataFileError(
            f"{source}:1: header {','.join(rows[0])!r} lacks column(s) {', '.join(missing)}; "
            f"expected 'concurrency,throughput'"
        )
    at = {name: header.index(name) for name in REQUIRED_COLUMNS}
    concurrency: list[float] = []
    throughput: list[float] = []
    for line, row in enumerate(rows[1:], start=2):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) <= max(at.values()):
            raise DataFileError(f"{source}:{line}: expected {len(header)} columns, got {len(row)}: {row!r}")
        concurrency.append(_number(source, line, "concurrency", row[at["concurrency"]].strip()))
        throughput.append(_number(source, line, "throughput", row[at["throughput"]].strip()))
    return Points(source=str(source), concurrency=tuple(concurrency), throughput=tuple(throughput))
