"""Sizing parameters from a file and from ``KEY=VALUE`` assignments, not only from Python.

A planner puts their own figures in a TOML file (``cuaso size --params plan.toml``) and overrides single
ones on the command line (``--param os_reserved_gib=4``). Keys are the fields of
:class:`~capacity.sizing.params.SizingParameters` (``-`` may stand for ``_``); a file may hold them at
the top level or in a ``[sizing]`` table. Precedence, highest first: the command line (named options
and ``--param``), the file, the defaults. :func:`merge_parameters` applies it and builds the validated
value; every error names the source, the key and the bad value.

Example file::

    # plan.toml: our figures, not cuaso's assumptions
    target_users = 150000
    os_reserved_gib = 4
    redis_session_bytes = 3072
    workers_per_core = 2
    storage_copies = 3
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import fields
from pathlib import Path

from capacity.exceptions import ModelError
from capacity.sizing.params import SizingParameters

FILE_TABLE = "sizing"
"""A parameters file may put its keys under this table instead of at the top level."""

_TYPES: Mapping[str, str] = {spec.name: str(spec.type) for spec in fields(SizingParameters)}


class ParameterSourceError(ModelError):
    """A parameter file or assignment that cannot be used; names the source, key and value."""


def _key(raw: str, source: str) -> str:
    key = raw.strip().replace("-", "_")
    if key not in _TYPES:
        close = difflib.get_close_matches(key, list(_TYPES), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(_TYPES)}"
        raise ParameterSourceError(f"{source}: {raw!r}: not a sizing parameter{hint}")
    return key


def _from_text(key: str, text: str, source: str) -> object:
    kind, value = _TYPES[key], text.strip()
    if "None" in kind and value.lower() in ("none", ""):
        return None
    if kind == "str":
        return value
    try:
        if kind == "bool":
            if value.lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
                raise ValueError(value)
            return value.lower() in ("true", "yes", "on", "1")
        if kind == "int":
            return int(value)
        return float(value)
    except ValueError:
        wanted = {"bool": "true or false", "int": "a whole number"}.get(kind, "a number")
        raise ParameterSourceError(f"{source}: {key}={text!r}: must be {wanted}") from None


def _typed(key: str, value: object, source: str) -> object:
    """A value read from TOML, checked against the field's type (ints are accepted for floats)."""
    kind = _TYPES[key]
    if value is None or isinstance(value, str):
        if isinstance(value, str):
            return _from_text(key, value, source)
        raise ParameterSourceError(f"{source}: {key}={value!r}: must be given")
    if kind == "bool":
        if not isinstance(value, bool):
            raise ParameterSourceError(f"{source}: {key}={value!r}: must be true or false")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ParameterSourceError(f"{source}: {key}={value!r}: must be a number")
    if kind == "int":
        if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
            raise ParameterSourceError(f"{source}: {key}={value!r}: must be a whole number")
        return int(value)
    return float(value)


def read_parameter_file(path: str | Path) -> dict[str, object]:
    """The parameters in a TOML file (top level or ``[sizing]``), typed and with known keys only."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterSourceError(f"{path}: no such parameters file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterSourceError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParameterSourceError(f"{path}: not TOML: {exc}") from None
    table = raw.get(FILE_TABLE, raw) if isinstance(raw.get(FILE_TABLE), dict) else raw
    result: dict[str, object] = {}
    for raw_key, value in table.items():
        where = f"{path}" + (f" [{FILE_TABLE}]" if table is not raw else "")
        if isinstance(value, dict):
            raise ParameterSourceError(f"{where}: [{raw_key}]: not a sizing parameter table")
        key = _key(raw_key, where)
        result[key] = _typed(key, value, where)
    return result


def parse_assignments(assignments: Iterable[str], source: str = "--param") -> dict[str, object]:
    """``["os_reserved_gib=4", "site-failover=false"]`` → typed values; a key given twice is refused."""
    result: dict[str, object] = {}
    for text in assignments:
        raw_key, sep, value = text.partition("=")
        if not sep or not raw_key.strip():
            raise ParameterSourceError(f"{source}: {text!r}: must be KEY=VALUE, e.g. os_reserved_gib=4")
        key = _key(raw_key, source)
        if key in result:
            raise ParameterSourceError(f"{source}: {key}: given twice")
        result[key] = _from_text(key, value, source)
    return result


def merge_parameters(
    *, file: Mapping[str, object] | None = None, command_line: Mapping[str, object] | None = None
) -> SizingParameters:
    """Defaults, overridden by ``file``, overridden by ``command_line``; validated by the constructor."""
    merged = {**(file or {}), **(command_line or {})}
    return SizingParameters(**merged)  # type: ignore[arg-type]


def parameter_origins(
    *, file: Mapping[str, object] | None = None, command_line: Mapping[str, object] | None = None
) -> dict[str, str]:
    """Where each parameter's value came from: ``command line``, ``file`` or ``default``."""
    return {
        name: "command line"
        if name in (command_line or {})
        else "file"
        if name in (file or {})
        else "default"
        for name in _TYPES
    }
