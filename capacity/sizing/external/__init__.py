"""Sizing from measurements made elsewhere: a measurements CSV, Locust's CSV history, k6's summaries.

Each source becomes the same :class:`~capacity.sizing.inputs.LevelMeasurement` a sweep's results
document gives (:mod:`.windows`), so the fit, the held-out validation, P50/P90 and the report work
unchanged. Formats: :mod:`.model` (the measurements CSV and the CPU CSV, typed), :mod:`.measurements`,
:mod:`.locust`, :mod:`.k6`, :mod:`.cpu`; :mod:`.profile` reads them all and pools them;
:mod:`.export` writes a sweep as a measurements CSV (``python -m capacity.sizing.external export``).
"""

from capacity.sizing.external.columns import ExternalInputError
from capacity.sizing.external.profile import ExternalLevels, ExternalSources, pooled_profile, read_external

__all__ = ["ExternalInputError", "ExternalLevels", "ExternalSources", "pooled_profile", "read_external"]
