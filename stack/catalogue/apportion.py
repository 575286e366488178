"""Split a whole number into parts proportional to weights (largest-remainder method).

The generator uses it wherever a count must be shared out exactly and deterministically: procedures
over fields and levels, province-issued procedures over provinces, central back-office systems over
ministries. Floors are handed out first, then the leftover units go to the largest fractional parts
(ties to the earlier position), so the same input always gives the same split.
"""

from __future__ import annotations

from collections.abc import Sequence


def apportion(total: int, weights: Sequence[float], minimum: int = 0) -> tuple[int, ...]:
    """``total`` split over ``weights``: parts sum to ``total``, each at least ``minimum``.

    All-zero weights split evenly. Raises ValueError naming the bad argument when ``total`` is
    negative, a weight is negative, or ``total`` cannot give every part ``minimum``.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise ValueError(f"total: need an integer >= 0, got {total!r}")
    if not weights:
        raise ValueError("weights: need at least 1 weight, got 0")
    if any(weight < 0 for weight in weights):
        raise ValueError(f"weights: need weights >= 0, got {list(weights)!r}")
    if minimum < 0 or minimum * len(weights) > total:
        raise ValueError(f"minimum: {minimum} for each of {len(weights)} parts exceeds total {total}")
    rest = total - minimum * len(weights)
    weight_sum = float(sum(weights))
    shares = (
        [float(w) / weight_sum for w in weights] if weight_sum > 0 else [1.0 / len(weights)] * len(weights)
    )
    quotas = [rest * share for share in shares]
    parts = [int(quota) for quota in quotas]
    leftover = rest - sum(parts)
    by_remainder = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in by_remainder[:leftover]:
        parts[i] += 1
    return tuple(part + minimum for part in parts)
