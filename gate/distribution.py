"""Latency distributions read from HDR histograms, and the statistics the gate draws from them.

A :class:`Distribution` is the histogram's recorded buckets as two arrays (bucket value in ms, count),
so several runs merge by concatenation, a calibration factor rescales the values, and a bootstrap
replicate of a quantile is drawn directly as an order statistic (no expansion into millions of samples).

- :func:`bootstrap_quantile_change`: seeded bootstrap confidence interval of the relative change of a
  quantile, candidate against baseline, each side resampled from its own histogram.
- :func:`cliffs_delta`: Cliff's delta, P(candidate > baseline) − P(candidate < baseline), computed
  exactly from the two histograms; it is the effect size of the Mann-Whitney U test (U = n·m·(δ+1)/2).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from hdrh.histogram import HdrHistogram
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True, eq=False)
class Distribution:
    """Recorded latency buckets: ``values_ms`` strictly increasing, ``counts`` positive integers."""

    values_ms: NDArray[np.float64]
    counts: NDArray[np.int64]

    def __post_init__(self) -> None:
        if self.values_ms.shape != self.counts.shape or self.values_ms.ndim != 1:
            raise ValueError(
                f"values_ms shape={self.values_ms.shape} counts shape={self.counts.shape}: must be equal, 1-D"
            )
        if self.counts.size and int(self.counts.min()) <= 0:
            raise ValueError(f"counts min={int(self.counts.min())}: every bucket must hold >= 1 sample")
        if self.values_ms.size > 1 and not bool(np.all(np.diff(self.values_ms) > 0)):
            raise ValueError("values_ms: must be strictly increasing")
        self.values_ms.setflags(write=False)
        self.counts.setflags(write=False)

    @classmethod
    def from_pairs(cls, values_ms: Iterable[float], counts: Iterable[int]) -> Distribution:
        """Merge (value, count) pairs in any order; equal values add up."""
        v = np.asarray(list(values_ms), dtype=np.float64)
        c = np.asarray(list(counts), dtype=np.int64)
        if v.shape != c.shape:
            raise ValueError(f"values={v.size} counts={c.size}: need one count per value")
        keep = c > 0
        unique, inverse = np.unique(v[keep], return_inverse=True)
        return cls(unique, np.bincount(inverse, weights=c[keep], minlength=unique.size).astype(np.int64))

    @classmethod
    def from_hdr(cls, encoded: str) -> Distribution:
        """Decode a results document's base64 HDR histogram (µs) into buckets in ms (cached)."""
        return _decode(encoded)

    @classmethod
    def empty(cls) -> Distribution:
        return cls(np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64))

    @classmethod
    def merged(cls, parts: Iterable[Distribution]) -> Distribution:
        items = list(parts)
        if not items:
            return cls.empty()
        return cls.from_pairs(
            np.concatenate([p.values_ms for p in items]).tolist(),
            np.concatenate([p.counts for p in items]).tolist(),
        )

    @property
    def count(self) -> int:
        return int(self.counts.sum())

    def scaled(self, divisor: float) -> Distribution:
        """Every value divided by ``divisor`` (a machine-speed factor, see :mod:`gate.calibrate`)."""
        if not (math.isfinite(divisor) and divisor > 0):
            raise ValueError(f"divisor={divisor!r}: must be a positive finite number")
        return Distribution(self.values_ms / divisor, self.counts.copy())

    def quantile(self, percent: float) -> float:
        """HDR's rule: the smallest bucket whose cumulative count reaches round(q·n), at least 1."""
        if self.count == 0:
            return 0.0
        wanted = max(1, math.floor(percent / 100.0 * self.count + 0.5))
        index = int(np.searchsorted(np.cumsum(self.counts), wanted, side="left"))
        return float(self.values_ms[min(index, self.values_ms.size - 1)])

    def mean(self) -> float:
        return float(np.dot(self.values_ms, self.counts) / self.count) if self.count else 0.0

    def max(self) -> float:
        return float(self.values_ms[-1]) if self.count else 0.0


@functools.lru_cache(maxsize=4096)
def _decode(encoded: str) -> Distribution:
    """Each non-empty bucket's highest equivalent value (HDR's own percentile rule) and its count."""
    if not encoded:
        return Distribution.empty()
    hdr = HdrHistogram.decode(encoded.encode("ascii"))
    counts = np.ctypeslib.as_array(hdr.counts)[: hdr.counts_len]
    index = np.flatnonzero(counts)
    values = [hdr.get_highest_equivalent_value(hdr.get_value_from_index(int(i))) / 1000.0 for i in index]
    return Distribution(np.asarray(values, dtype=np.float64), counts[index].astype(np.int64))


def _bootstrap_quantiles(
    dist: Distribution, percent: float, n_resamples: int, rng: np.random.Generator
) -> NDArray[np.float64]:
    """The quantile of ``n_resamples`` bootstrap resamples, drawn exactly without resampling.

    A resample's quantile is its m-th order statistic, m = round(q·n); by inverse-transform sampling
    that is F⁻¹(U₍ₘ₎) with U₍ₘ₎ ~ Beta(m, n − m + 1), F⁻¹ the histogram's empirical inverse CDF.
    """
    n = dist.count
    m = max(1, min(n, math.floor(percent / 100.0 * n + 0.5)))
    uniform_order_stat = rng.beta(m, n - m + 1, size=n_resamples)
    index = np.searchsorted(np.cumsum(dist.counts), uniform_order_stat * n, side="left")
    return dist.values_ms[np.minimum(index, dist.values_ms.size - 1)]


def bootstrap_quantile_change(
    baseline: Distribution,
    candidate: Distribution,
    percent: float,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float]:
    """Percentile-bootstrap interval of ``q(candidate) / q(baseline) − 1`` (seeded, so repeatable)."""
    if baseline.count == 0 or candidate.count == 0:
        raise ValueError(f"baseline n={baseline.count} candidate n={candidate.count}: both need samples")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence={confidence!r}: must lie strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    base = _bootstrap_quantiles(baseline, percent, n_resamples, rng)
    cand = _bootstrap_quantiles(candidate, percent, n_resamples, rng)
    ratios = cand / np.maximum(base, 1e-9) - 1.0
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(ratios, [alpha, 1.0 - alpha])
    return float(low), float(high)


def hierarchical_quantile_change(
    baseline: Sequence[Distribution],
    candidate: Sequence[Distribution],
    percent: float,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
) -> tuple[float, float]:
    """Hierarchical bootstrap (runs, then requests) interval of the change of the mean per-run quantile.

    Each replicate draws, on each side, as many runs as it has with replacement, then each drawn run's
    quantile from a bootstrap resample of that run's requests (an order statistic, as above); the
    side's statistic is the mean of those quantiles. The run-to-run variation is in the interval, not
    only the sampling error within a run. A bootstrap over k runs has only (k−1)/k of their variance
    (half of it with 2 runs), so each side's replicates are spread about its observed mean by
    sqrt(k/(k−1)): the usual small-sample correction, which makes the interval wider, never narrower.
    Seeded, so repeatable.
    """
    if not baseline or not candidate or any(d.count == 0 for d in (*baseline, *candidate)):
        raise ValueError("every run on both sides needs samples")
    rng = np.random.default_rng(seed)

    def side(runs: Sequence[Distribution]) -> NDArray[np.float64]:
        pick = rng.integers(0, len(runs), size=(n_resamples, len(runs)))
        drawn = np.empty(pick.shape, dtype=np.float64)
        for index, run in enumerate(runs):
            chosen = pick == index
            drawn[chosen] = _bootstrap_quantiles(run, percent, int(chosen.sum()), rng)
        k = len(runs)
        observed = float(np.mean([run.quantile(percent) for run in runs]))
        spread_out = observed + (drawn.mean(axis=1) - observed) * math.sqrt(k / (k - 1) if k > 1 else 1.0)
        return np.asarray(np.maximum(spread_out, 0.0), dtype=np.float64)

    base = side(baseline)
    ratios = side(candidate) / np.maximum(base, 1e-9) - 1.0
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(ratios, [alpha, 1.0 - alpha])
    return float(low), float(high)


def cliffs_delta_values(baseline: Sequence[float], candidate: Sequence[float]) -> float:
    """Cliff's delta of two small samples (e.g. one figure per run): P(c > b) − P(c < b) over all pairs."""
    if not baseline or not candidate:
        return 0.0
    b, c = np.asarray(baseline, dtype=np.float64), np.asarray(candidate, dtype=np.float64)
    return float(np.sign(c[:, None] - b[None, :]).mean())


def cliffs_delta(baseline: Distribution, candidate: Distribution) -> float:
    """P(candidate > baseline) − P(candidate < baseline) over all pairs, exactly; in [−1, 1]."""
    if baseline.count == 0 or candidate.count == 0:
        return 0.0
    grid = np.union1d(baseline.values_ms, candidate.values_ms)
    base = np.zeros(grid.size, dtype=np.float64)
    cand = np.zeros(grid.size, dtype=np.float64)
    base[np.searchsorted(grid, baseline.values_ms)] = baseline.counts
    cand[np.searchsorted(grid, candidate.values_ms)] = candidate.counts
    base_below = np.cumsum(base) - base
    base_above = base.sum() - np.cumsum(base)
    pairs = float(baseline.count) * float(candidate.count)
    return float((np.dot(cand, base_below) - np.dot(cand, base_above)) / pairs)


NEGLIGIBLE_DELTA = 0.147
"""Romano et al. (2006): |Cliff's delta| below this is a negligible effect."""


def effect_magnitude(delta: float) -> str:
    """Romano et al. (2006) labels for |Cliff's delta|: 0.147, 0.33 and 0.474 separate the four."""
    size = abs(delta)
    if size < NEGLIGIBLE_DELTA:
        return "negligible"
    if size < 0.33:
        return "small"
    if size < 0.474:
        return "medium"
    return "large"
