"""Errors of the gate that stop it before a verdict: exit code 2, with the reason for a person."""

from __future__ import annotations

from results.exceptions import CuasoError, InputError, ThresholdSyntaxError

GateInputError = InputError
"""Bad input to the gate (an unreadable document, a bad option, a threshold naming something that is
not there): the shared :class:`results.exceptions.InputError`, so that SLO syntax errors are caught alike."""

__all__ = ["GateInputError", "InvalidRunError", "ThresholdSyntaxError"]


class InvalidRunError(CuasoError):
    """A run that cannot be judged (marked invalid, generator saturated, too few samples): exit 2."""

    exit_code = 2
