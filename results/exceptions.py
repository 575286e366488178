"""Errors every part of cuaso reports to a person: each names the bad key and value.

The command line prints a :class:`CuasoError` without a traceback and exits with its ``exit_code``.
"""

from __future__ import annotations


class CuasoError(Exception):
    """An error a user can act on; the CLI prints it without a traceback."""

    exit_code: int = 2


class ConfigError(CuasoError):
    """A setting or option has a bad value."""

    def __init__(self, key: str, value: object, reason: str) -> None:
        super().__init__(f"{key}={value!r}: {reason}")
        self.key = key
        self.value = value
        self.reason = reason


class MissingDependencyError(CuasoError):
    """A program the command needs (e.g. ``redis-server``) is not installed."""


class TargetNotAllowedError(CuasoError):
    """A load target outside loopback that was not explicitly allowed."""


class InputError(CuasoError):
    """Bad input: an unreadable document, a bad option, an expression naming something that is not there."""

    exit_code = 2


class ThresholdSyntaxError(InputError):
    """An SLO / threshold line that does not parse: names the file, line, column and the offending token."""

    def __init__(self, source: str, line_no: int, column: int, token: str, reason: str) -> None:
        shown = repr(token) if token else "end of line"
        super().__init__(f"{source}:{line_no}:{column}: {shown}: {reason}")
        self.source = source
        self.line_no = line_no
        self.column = column
        self.token = token
        self.reason = reason
