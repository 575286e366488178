"""Errors raised by the capacity models.

Every error names the offending key and value so that a person (or the CLI) can act on it. They derive
from :class:`ValueError` because each is a bad argument to a pure function; the command line wraps them
into :class:`results.exceptions.CuasoError` at its edge.
"""

from __future__ import annotations


class ModelError(ValueError):
    """A model was asked something it cannot answer, or built from invalid values."""


class TooFewPointsError(ModelError):
    """A fit was given fewer observations than it needs to estimate its parameters and their errors."""


class FitError(ModelError):
    """The optimiser failed to converge or produced an unusable fit."""


class UnreachableError(ModelError):
    """A target (throughput, service level) lies beyond what the model can ever deliver."""


class DataFileError(ModelError):
    """A measurements file is missing, unreadable or has a bad row; the message names file, line and value."""
