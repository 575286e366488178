"""Errors the command line reports to a person: each names the bad key and value."""

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
