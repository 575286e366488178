"""The spread between repeats, as draws of the USL curve: a bootstrap over the measured points.

The fit's covariance (:meth:`capacity.usl.USLModel.sample_parameters`) says how well the three
coefficients are pinned down *if the model and its constant-variance errors are right*. Repeats of the
same level measure the noise directly, so a sizing also draws curves from them:

* **repeats** (when at least one level was measured more than once): each bootstrap sample draws, at
  every level, as many windows as that level has, with replacement, from that level's own windows
  (stratified case resampling), and refits the USL. A level whose repeats scatter widely makes the
  refitted curves scatter too; a level measured once contributes its one window every time.
* **residuals** (every level measured once): each sample adds to the fitted curve relative residuals of
  the fit drawn with replacement, x*ᵢ = f(nᵢ)·(1 + r_j), and refits: the scatter around the curve
  stands in for the unmeasured repeat noise.

Deterministic: a fixed seed gives the same draws. A resample the USL cannot be fitted to (too few
distinct levels) is skipped and counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from capacity.exceptions import ModelError
from capacity.usl import USLParameters, fit_usl

BootstrapMethod = Literal["repeats", "residuals"]


@dataclass(frozen=True)
class USLBootstrap:
    """Curves refitted to resampled measurements; ``skipped`` resamples could not be fitted."""

    method: BootstrapMethod
    draws: tuple[USLParameters, ...]
    skipped: int

    def throughputs_at(self, n: float) -> np.ndarray:
        """Each draw's X(n)."""
        return np.array([d.throughput_at_concurrency(n) for d in self.draws], dtype=np.float64)


def bootstrap_usl(
    concurrency: Sequence[float], throughput: Sequence[float], n_samples: int, seed: int = 0
) -> USLBootstrap:
    """``n_samples`` USL fits to resampled (concurrency, throughput) points (see the module doc)."""
    if isinstance(n_samples, bool) or not isinstance(n_samples, int) or n_samples < 1:
        raise ModelError(f"n_samples: must be an integer >= 1, got {n_samples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ModelError(f"seed: must be an integer >= 0, got {seed!r}")
    n = np.asarray(concurrency, dtype=np.float64)
    x = np.asarray(throughput, dtype=np.float64)
    base = fit_usl(list(concurrency), list(throughput))  # refuses too few points, saying why
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(n == level) for level in np.unique(n)]
    method: BootstrapMethod = "repeats" if any(g.size > 1 for g in groups) else "residuals"
    fitted = base.throughputs(n)
    relative = x / fitted - 1.0
    draws: list[USLParameters] = []
    skipped = 0
    for _ in range(n_samples):
        if method == "repeats":
            index = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
            sample_n, sample_x = n[index], x[index]
        else:
            sample_n = n
            sample_x = np.maximum(fitted * (1.0 + rng.choice(relative, size=n.size, replace=True)), 1e-12)
        try:
            model = fit_usl(sample_n.tolist(), sample_x.tolist())
        except ModelError:
            skipped += 1
            continue
        draws.append(model.parameters)
    if not draws:
        raise ModelError(f"n_samples: none of the {n_samples} bootstrap resamples could be fitted")
    return USLBootstrap(method=method, draws=tuple(draws), skipped=skipped)
