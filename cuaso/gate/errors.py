"""Errors of the gate that stop it before a verdict: exit code 2, with the reason for a person."""

from __future__ import annotations

from cuaso.exceptions import CuasoError


class GateInputError(CuasoError):
    """Bad input: an unreadable document, a bad option, a threshold naming something that is not there."""

    exit_code = 2


class ThresholdSyntaxError(GateInputError):
    """A threshold line that does not parse: names the file, line, column and the offending token."""

    def __init__(self, source: str, line_no: int, column: int, token: str, reason: str) -> None:
        shown = repr(token) if token else "end of line"
        super().__init__(f"{source}:{line_no}:{column}: {shown}: {reason}")
        self.source = source
        self.line_no = line_no
        self.column = column
        self.token = token
        self.reason = reason


class InvalidRunError(CuasoError):
    """A run that cannot be judged (marked invalid, generator saturated, too few samples): exit 2."""

    exit_code = 2
