"""Reading a CSV whose columns are a typed model: header checks and row errors that name what is bad.

The measurements CSV and the CPU CSV (:mod:`.model`) are pydantic models. A file's header is mapped
onto the model once (:class:`Header`): fixed columns map to a field of the same name, per-tier
columns (``cpu_app_cores``, ``rss_redis_bytes``, ``processes_app``) and per-percentile ones
(``p95_ms``) to one key of a dict field. An unknown column is refused (a typo would silently lose a
measurement) unless its name starts with ``x_`` (kept for notes). Each row becomes one model; a bad
cell is reported as ``FILE:LINE: column NAME='VALUE': why``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from capacity.sizing.inputs import SizingInputError

M = TypeVar("M", bound=BaseModel)

NOTE_PREFIX = "x_"
"""Columns whose name starts with this are the user's notes and are ignored."""

TIER = r"[a-z0-9][a-z0-9_-]*"
"""A tier (process kind) in a column name: ``app``, ``redis``, ``sim-eid``, ``forwarder``."""


class ExternalInputError(SizingInputError):
    """A measurements file cannot be sized from; the message names the file, line, column and value."""


@dataclass(frozen=True)
class Pattern:
    """A family of columns that fill one dict field: ``cpu_(TIER)_cores`` → ``cpu_cores[TIER]``."""

    field: str
    regex: str
    shown: str
    """How the docs and errors spell the family, e.g. ``cpu_<tier>_cores``."""

    def match(self, column: str) -> str | None:
        found = re.fullmatch(self.regex, column)
        return found.group(1) if found else None


@dataclass(frozen=True)
class Header:
    """Where each column of a file goes in the model: ``(field, None)`` or ``(dict field, key)``."""

    source: str
    columns: tuple[str, ...]
    targets: Mapping[str, tuple[str, str | None]]

    @classmethod
    def parse(
        cls, source: str, columns: Sequence[str], model: type[BaseModel], patterns: Sequence[Pattern]
    ) -> Header:
        fixed = {name for name in model.model_fields if name not in {p.field for p in patterns}}
        targets: dict[str, tuple[str, str | None]] = {}
        unknown: list[str] = []
        for raw in columns:
            column = raw.strip()
            if column.startswith(NOTE_PREFIX) or not column:
                continue
            if column in targets:
                raise ExternalInputError(f"{source}:1: column {column!r} appears twice")
            if column in fixed:
                targets[column] = (column, None)
                continue
            hit = next(((p.field, key) for p in patterns if (key := p.match(column)) is not None), None)
            if hit is None:
                unknown.append(column)
            else:
                targets[column] = hit
        if unknown:
            known = ", ".join([*sorted(fixed), *(p.shown for p in patterns)])
            raise ExternalInputError(
                f"{source}:1: unknown column(s) {', '.join(map(repr, unknown))}; known: {known} "
                f"(prefix a column with {NOTE_PREFIX!r} to keep it as a note)"
            )
        return cls(source, tuple(c.strip() for c in columns), targets)

    def keys(self, field: str) -> set[str]:
        """The keys a dict field has columns for (the tiers of ``cpu_cores``...)."""
        return {key for f, key in self.targets.values() if f == field and key is not None}

    def has(self, field: str) -> bool:
        return any(f == field for f, _ in self.targets.values())

    def column_of(self, field: str, key: object = None) -> str:
        for column, (f, k) in self.targets.items():
            if f == field and (key is None or k == str(key) or _same_number(k, key)):
                return column
        return field

    def model_input(self, cells: Sequence[str]) -> dict[str, object]:
        """The model's input from one row's cells: empty cells are left out (the field's default)."""
        data: dict[str, object] = {}
        for column, cell in zip(self.columns, cells, strict=False):
            target = self.targets.get(column)
            if target is None or not cell.strip():
                continue
            field, key = target
            if key is None:
                data[field] = cell.strip()
            else:
                data.setdefault(field, {})[key] = cell.strip()  # type: ignore[index]
        return data


def _same_number(key: str | None, wanted: object) -> bool:
    try:
        return key is not None and float(key) == float(str(wanted))
    except ValueError:
        return False


def read_rows(path: Path) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the (line number, cells) of every non-blank row of ``path``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except FileNotFoundError:
        raise ExternalInputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ExternalInputError(f"{path}: cannot read: {exc}") from None
    if not rows:
        raise ExternalInputError(f"{path}: empty file, expected a header row")
    body = ((line, row) for line, row in enumerate(rows[1:], start=2) if any(c.strip() for c in row))
    return rows[0], body


def validated(header: Header, line: int, cells: Sequence[str], model: type[M]) -> M:
    """One row as ``model``; a bad cell raises :class:`ExternalInputError` naming line, column, value."""
    if len(cells) > len(header.columns):
        raise ExternalInputError(
            f"{header.source}:{line}: {len(cells)} cells, the header has {len(header.columns)} columns"
        )
    data = header.model_input(cells)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = error["loc"]
            if not loc:
                problems.append(str(error["msg"]).removeprefix("Value error, "))
                continue
            column = header.column_of(str(loc[0]), loc[1] if len(loc) > 1 else None)
            problems.append(f"column {column}={error['input']!r}: {error['msg']}")
        raise ExternalInputError(f"{header.source}:{line}: " + "; ".join(problems)) from None
