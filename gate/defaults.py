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
