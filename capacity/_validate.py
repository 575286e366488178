"""Small validators shared by the models: each error names the key and the bad value."""

from __future__ import annotations

import math

from capacity.exceptions import ModelError


def finite(key: str, value: float) -> float:
    """Return ``value`` as a float if it is a finite number."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{key}: must be a number, got {value!r}") from exc
    if not math.isfinite(number):
        raise ModelError(f"{key}: must be finite, got {value!r}")
    return number


def non_negative(key: str, value: float) -> float:
    """Return ``value`` if it is a finite number ≥ 0."""
    number = finite(key, value)
    if number < 0:
        raise ModelError(f"{key}: must be >= 0, got {value!r}")
    return number


def positive(key: str, value: float) -> float:
    """Return ``value`` if it is a finite number > 0."""
    number = finite(key, value)
    if number <= 0:
        raise ModelError(f"{key}: must be > 0, got {value!r}")
    return number


def at_least_one(key: str, value: float) -> float:
    """Return ``value`` if it is a finite number ≥ 1 (a population or concurrency level)."""
    number = finite(key, value)
    if number < 1:
        raise ModelError(f"{key}: must be >= 1, got {value!r}")
    return number


def probability(key: str, value: float, *, open_interval: bool = True) -> float:
    """Return ``value`` if it lies in (0, 1) (or [0, 1] when ``open_interval`` is false)."""
    number = finite(key, value)
    inside = 0 < number < 1 if open_interval else 0 <= number <= 1
    if not inside:
        bounds = "(0, 1)" if open_interval else "[0, 1]"
        raise ModelError(f"{key}: must lie in {bounds}, got {value!r}")
    return number
