"""The drills' locustfile: the portal's journeys, the drill's shape and its measuring.

Run by ``cuaso drill`` / ``cuaso sweep`` (which set Locust's ``LOCUST_*`` and the drill's
``CUASO_DRILL_*`` variables), or by hand, e.g. a remote worker on another machine::

    locust -f scenarios/locustfile.py --worker --master-host 10.0.0.5 --master-port 5557

(the master forwards every ``--cuaso-*`` option to its workers; see docs/drills.md).

The user classes are the journeys of :mod:`scenarios.journeys`; their weights are set from the mix when
Locust starts. An open drill (``arrivals``) runs only :class:`OpenCitizen`, a pool of users that start
sessions on the arrival schedule (:mod:`scenarios.journeys.open_model`). :class:`DrillShape` (a
:mod:`scenarios.drill.locust_shape` wrapper) plays the scenario's shape
(:mod:`scenarios.drill.scenario`), a pure function of run time, and limits the users to the mix's
enabled journeys (or the open model's pool).
"""

from __future__ import annotations

from locust import events

from scenarios.drill import locust_shape, resolver
from scenarios.drill.listeners import DrillListeners
from scenarios.journeys.catalogue import BrowseCatalogue
from scenarios.journeys.dossier import SubmitDossier
from scenarios.journeys.feedback import FileFeedback
from scenarios.journeys.payment import PayFee
from scenarios.journeys.registry import OpenCitizen, SessionCitizen
from scenarios.journeys.statistics import ReadStatistics
from scenarios.journeys.status import TrackStatus

__all__ = [
    "BrowseCatalogue",
    "DrillShape",
    "FileFeedback",
    "OpenCitizen",
    "PayFee",
    "ReadStatistics",
    "SessionCitizen",
    "SubmitDossier",
    "TrackStatus",
]

LISTENERS = DrillListeners()
LISTENERS.install(events)
resolver.install()  # numeric hosts resolved without gevent's thread pool


class DrillShape(locust_shape.ListenersShape):
    """The drill's shape, handing Locust the journeys :data:`LISTENERS` chose."""

    listeners = LISTENERS
