"""Change points in a series of runs: E-divisive means (Matteson and James, 2014), as MongoDB's
``signal-processing-algorithms`` package and Apache Otava compute it.

That package (2.1.6) pins ``numpy<2`` and ``gevent<25``, which would downgrade this project's numpy
and Locust's gevent, so the algorithm is implemented here with numpy, step for step as the package
does it (its pure-Python path): the distance matrix ``|x_i − x_j|``; for every split ``tau`` of a window
the energy statistic ``e = 2·mean|X−Y| − mean|X−X'| − mean|Y−Y'|`` (V-statistics, sums over all pairs
divided by n², m², n·m) and the test statistic ``t = n·m/(n+m)·e``; the best split of the best window
is kept when a permutation test (each window's values shuffled, the largest ``t`` over the windows
recomputed) gives ``p <= pvalue``; repeat within the windows the kept points bound, until none is
significant. The tests check the ``t`` values and the change points against figures the package's own
code computed.

Two differences: the permutations are drawn from a seeded generator, so the result is repeatable (the
package uses numpy's global random state); and ``p = (#{t_perm >= t} + 1) / (permutations + 1)``
(Phipson and Smyth, 2010: a permutation p-value is never 0), where the package leaves out the ``+ 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from gate.defaults import CHANGE_POINT_PERMUTATIONS, CHANGE_POINT_PVALUE


@dataclass(frozen=True, slots=True)
class ChangePoint:
    """The series changes between ``index − 1`` and ``index``; ``pvalue`` of the permutation test."""

    index: int
    t: float
    pvalue: float


def t_statistics(distances: NDArray[np.float64]) -> NDArray[np.float64]:
    """``t`` for every split ``tau`` in ``0 .. len−1`` (X = [0, tau), Y = [tau, len)); 0 at tau = 0."""
    size = len(distances)
    prefix = np.zeros((size + 1, size + 1), dtype=np.float64)
    prefix[1:, 1:] = distances.cumsum(axis=0).cumsum(axis=1)
    tau = np.arange(size)
    within_x = prefix[tau, tau]
    cross = prefix[tau, size] - within_x
    within_y = prefix[size, size] - 2.0 * cross - within_x
    n = tau.astype(np.float64)
    m = size - n
    with np.errstate(divide="ignore", invalid="ignore"):
        e = 2.0 * cross / (n * m) - within_x / n**2 - within_y / m**2
        t = n * m / (n + m) * e
    t[0] = 0.0
    return np.asarray(np.nan_to_num(t), dtype=np.float64)


def _best(distances: NDArray[np.float64], windows: Sequence[tuple[int, int]]) -> tuple[int, float]:
    found = []
    for a, b in windows:
        stats = t_statistics(distances[a:b, a:b])
        idx = int(np.argmax(stats))
        found.append((idx + a, float(stats[idx])))
    return max(found, key=lambda item: item[1])


def e_divisive(
    series: Sequence[float],
    *,
    pvalue: float = CHANGE_POINT_PVALUE,
    permutations: int = CHANGE_POINT_PERMUTATIONS,
    seed: int = 0,
) -> list[ChangePoint]:
    """Significant change points of ``series``, in the order found (most prominent first)."""
    if not 0.0 < pvalue < 1.0:
        raise ValueError(f"pvalue={pvalue!r}: must lie strictly between 0 and 1")
    if permutations < 1:
        raise ValueError(f"permutations={permutations!r}: must be >= 1")
    values = np.asarray(series, dtype=np.float64)
    if values.ndim != 1 or not np.all(np.isfinite(values)):
        raise ValueError("series: must be a flat sequence of finite numbers")
    if values.size < 3:
        return []
    distances = np.abs(values[:, None] - values[None, :])
    rng = np.random.default_rng(seed)
    found: list[ChangePoint] = []
    while True:
        windows = list(pairwise([0, *sorted(c.index for c in found), values.size]))
        index, t = _best(distances, windows)
        if t <= 0:
            return found
        better = 0
        for _ in range(permutations):
            best = 0.0
            for a, b in windows:
                order = rng.permutation(np.arange(a, b))
                best = max(best, float(t_statistics(distances[np.ix_(order, order)]).max()))
            better += best >= t
        p = (better + 1) / (permutations + 1)
        if p > pvalue:
            return found
        found.append(ChangePoint(index, t, p))
