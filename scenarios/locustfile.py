"""The drills' locustfile: the portal's journeys, the drill's shape and its measuring.

Run by ``cuaso drill`` / ``cuaso sweep`` (which set Locust's ``LOCUST_*`` and the drill's
``CUASO_DRILL_*`` variables), or by hand, e.g. a remote worker on another machine::

    locust -f scenarios/locustfile.py --worker --master-host 10.0.0.5 --master-port 5557

(the master forwards every ``--cuaso-*`` option to its workers; see docs/drills.md).

The user classes are the journeys of :mod:`scenarios.journeys`; their weights are set from the mix when
Locust starts. An open drill (``arrivals``) runs only :class:`OpenCitizen`, a pool of users that start
sessions on the arrival schedule (:mod:`scenarios.journeys.open_model`). :class:`DrillShape` (a
:mod:`scenarios.shapes.locust_classes` wrapper) plays the scenario's shape
(:mod:`scenarios.drill.scenario`), a pure function of run time, and limits the users to the mix's
enabled journeys (or the open model's pool).
"""

from __future__ import annotations

from typing import Any

from locust import events

from scenarios.drill.listeners import DrillListeners
from scenarios.journeys import runtime
from scenarios.journeys.catalogue import BrowseCatalogue
from scenarios.journeys.dossier import SubmitDossier
from scenarios.journeys.feedback import FileFeedback
from scenarios.journeys.payment import PayFee
from scenarios.journeys.registry import OpenCitizen
from scenarios.journeys.statistics import ReadStatistics
from scenarios.journeys.status import TrackStatus
from scenarios.shapes import locust_classes
from scenarios.shapes.base import Shape

__all__ = [
    "BrowseCatalogue",
    "DrillShape",
    "FileFeedback",
    "OpenCitizen",
    "PayFee",
    "ReadStatistics",
    "SubmitDossier",
    "TrackStatus",
]

LISTENERS = DrillListeners()
LISTENERS.install(events)


class DrillShape(locust_classes.DrillShape):
    """The drill's shape (any scenario, the sweep's staircase included), built once per process from
    the drill's settings; stops the run at the shape's end.

    In a fixed-iteration drill the tick is held once the shape's peak is reached: a new tick would make
    Locust start users again in place of those that finished their journeys.
    """

    _held: tuple[int, float, list[Any]] | None = None

    def build_spec(self) -> Shape:
        return runtime.current().shape

    def tick(self) -> tuple[int, float, list[Any]] | None:  # type: ignore[override]
        rt = runtime.current_or_none()
        if rt is None:
            return None
        tick = super().tick()
        if tick is None:
            return None
        if self._held is not None:
            return self._held
        users, spawn_rate = tick
        out = (users, spawn_rate, list(LISTENERS.classes))
        if rt.config.iterations and users >= rt.shape.peak_users():
            self._held = out
        return out
