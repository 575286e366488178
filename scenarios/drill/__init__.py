"""The drill runner and what it measures (docs/drills.md).

Runner side (no Locust import): :mod:`.runner` (``cuaso drill`` / ``cuaso sweep``), :mod:`.locust_procs`
(Locust as subprocesses), :mod:`.sampler` (psutil), :mod:`.validity`, :mod:`.document`,
:mod:`.environment`, :mod:`.progress`. Shared: :mod:`.config` (``CUASO_DRILL_*``), :mod:`.scenario`
(names → shapes), :mod:`.collector` (mergeable tallies), :mod:`.monitor` (timeline, abort). Inside
Locust only: :mod:`.listeners`.
"""
