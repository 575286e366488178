"""The gate's default settings, in one light module (``cuaso gate --help`` imports it, nothing heavy).

Each number is an **assumption** (not a sourced figure): a named default that an option overrides.
"""

from __future__ import annotations

TOLERANCE = 0.10
"""Assumption: a relative change of latency or throughput below 10% is not material."""

ERROR_RATE_TOLERANCE = 0.01
"""Assumption: an error rate rising by less than 1 percentage point is not material."""

CONFIDENCE = 0.95
"""Confidence level of every interval (the usual 95%)."""

QUANTILES = (50.0, 95.0)
"""The latency quantiles compared by default (the median moves first; p95 is what users feel)."""

MIN_COMPARE_SAMPLES = 100
"""Assumption: a target with fewer samples on either side is reported as skipped, not compared."""

N_RESAMPLES = 2000
"""Bootstrap replicates: the interval's ends move by well under 1% between seeds at this count."""

MAX_GENERATOR_CPU_PERCENT = 90.0
"""Assumption: a generator process busier than this on average (100 = one core) adds its own delay."""

MIN_RUN_SAMPLES = 200
"""Assumption: fewer requests than this in a run make its quantiles and error rate too coarse to judge."""

MIN_CALIBRATION_SAMPLES = 30
"""Assumption: fewer calibration samples than this in a run give no stable median; the run is refused."""

SCOPES = ("run", "journeys", "endpoints")
"""What a comparison covers by default: the whole run, each journey and each endpoint."""

NOISE_FLOOR_LATENCY = 1.0
"""Assumption: the *stated* noise floor of a latency quantile when the noise between runs is not measured
(one run per side, no calibration): two runs of the same code on a shared machine may differ by up to
100% (docs/gate.md measured whole-run latency swings of up to 2.5 times on a busy 2-core machine;
calibration removes most of that). A change within it, however significant inside one run, is
inconclusive: requests within one run are not independent draws of the run-to-run variation."""

NOISE_FLOOR_LATENCY_CALIBRATED = 0.5
"""Assumption: the stated noise floor of a latency quantile normalised by ``--calibrate``: the machine's
speed cancels out, the rest of the run-to-run variation is taken to stay within 50%."""

NOISE_FLOOR_THROUGHPUT = 0.2
"""Assumption: the stated noise floor of throughput (relative) with one run per side: with fixed users and
think times the offered load sets it, so two runs of the same code are taken to differ by under 20%."""

NOISE_FLOOR_ERROR_RATE = 0.01
"""Assumption: the stated noise floor of the error rate (absolute: 1 percentage point), one run per side."""

LATENCY_FLOOR_MS = 1.0
"""Assumption: the absolute floor of a latency change: under 1 ms per request is not actionable (a +0.3 ms
change on a 2-ms endpoint is +15% but no user or capacity plan notices it)."""

THROUGHPUT_FLOOR_PER_S = 0.5
"""Assumption: the absolute floor of a throughput change: under 0.5 completions/s is not actionable."""

CHANGE_POINT_PVALUE = 0.05
"""Significance level of E-divisive's permutation test for each change point (the usual 5%)."""

CHANGE_POINT_PERMUTATIONS = 199
"""Permutations per E-divisive test: the smallest attainable p-value is 1/200 (seeded, so repeatable)."""

MIN_HISTORY_RUNS = 6
"""Assumption: fewer runs than this in a history give no change point worth reporting (3 on each side)."""

MAX_SPEED_FACTOR = 3.0
"""Assumption: with ``--calibrate``, a run whose calibration median is more than 3 times (or under a third
of) the reference was measured on a machine too busy for calibration to cancel: the journeys (not
calibrated) and the queueing stretch beyond what the calibration endpoint shows. Measured on the shared
2-core machine: runs of the same code at speed factors up to 2.6 were judged correctly; at 5.4 (load
average 6) the journeys' p95 was 87% above the baseline's. Comparisons that would fail are then
inconclusive."""
