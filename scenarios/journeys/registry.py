"""The Locust user class of each implemented journey, their weights for a mix, and the open model's user.

Locust shares users between classes by weight, i.e. by share of *concurrent* users; the mix gives
shares of *sessions*. A journey that lasts longer holds more of the users online at any instant, so
each class's weight is its concurrent share (:func:`scenarios.mix.concurrent_shares`): session share ×
mean session length / mean over the mix.

In the open model every user of the pool is an :class:`OpenCitizen`: the schedule, not Locust's
weights, says which journey each arriving session follows (by session share). A sweep's users are
:class:`SessionCitizen` s, which draw each session's journey by session share: with a handful of users,
Locust's weights would give each level (and each repeat, after users were stopped and started again) its
own lumpy mix — two users of one journey at N = 2, one of each at the next repeat — and the levels would
measure different workloads instead of one workload at different concurrencies.
"""

from __future__ import annotations

from scenarios.journeys import JOURNEY_STEPS, check_mix
from scenarios.journeys.base import USER_CLASSES, JourneyUser
from scenarios.journeys.catalogue import BrowseCatalogue
from scenarios.journeys.dossier import SubmitDossier
from scenarios.journeys.feedback import FileFeedback
from scenarios.journeys.payment import PayFee
from scenarios.journeys.statistics import ReadStatistics
from scenarios.journeys.status import TrackStatus
from scenarios.mix import Journey, JourneyMix, concurrent_shares
from scenarios.rng import Rng
from scenarios.shapes.schedule import Arrival

__all__ = [
    "JOURNEY_CLASSES", "USER_CLASSES", "OpenCitizen", "SessionCitizen", "enabled_classes", "user_classes",
]  # fmt: skip

JOURNEY_CLASSES = (BrowseCatalogue, TrackStatus, SubmitDossier, PayFee, FileFeedback, ReadStatistics)
"""Every journey's user class (importing them fills :data:`~scenarios.journeys.base.USER_CLASSES`)."""
assert set(USER_CLASSES) == set(JOURNEY_STEPS), "every implemented journey needs its user class"


def enabled_classes(mix: JourneyMix) -> list[type[JourneyUser]]:
    """The user classes of the enabled journeys with a share, each ``weight`` set to its concurrent
    share."""
    check_mix(mix)
    shares = concurrent_shares(mix)
    classes: list[type[JourneyUser]] = []
    for journey in mix.enabled():
        if shares[journey.name] <= 0:
            continue
        cls = USER_CLASSES[journey.name]
        cls.weight = shares[journey.name]
        classes.append(cls)
    return classes


class OpenCitizen(JourneyUser):
    """A user of the open model's pool: waits for the next arrival of this process's schedule
    (:class:`scenarios.journeys.open_model.ArrivalQueue`), then runs that arrival's journey, timed
    from its intended start, with the arrival's own seeded random stream; a citizen who gave up may
    come back (:meth:`~scenarios.journeys.open_model.ArrivalQueue.come_back`)."""

    arrival: Arrival | None = None

    def next_session(self) -> tuple[Journey, float | None, Rng]:
        rt = self.runtime
        if rt.arrivals is None:
            raise RuntimeError("open model: no arrival queue in this process (not an open drill?)")
        taken = rt.arrivals.take()
        self.arrival = taken.arrival
        self.start_lag_ms = taken.lag_s * 1000.0
        return rt.journey(taken.arrival.journey), taken.intended, taken.arrival.rng(rt.config.seed)

    def session_ended(self, outcome: str) -> None:
        """A citizen who gave up may come back as a new arrival (the retry storm)."""
        arrivals = self.runtime.arrivals
        if outcome == "abandoned" and arrivals is not None and self.arrival is not None:
            arrivals.come_back(self.arrival)


class SessionCitizen(JourneyUser):
    """A closed-model user that draws each session's journey from the mix's session shares with its own
    seeded stream (see the module docstring), so that every level of a sweep runs the same mix."""

    def next_session(self) -> tuple[Journey, float | None, Rng]:
        rng = self.rng
        return self.runtime.draw_journey(rng), None, rng


def user_classes(mix: JourneyMix, open_model: bool, session_mix: bool = False) -> list[type[JourneyUser]]:
    """The classes a drill runs: :class:`OpenCitizen` alone in the open model, :class:`SessionCitizen`
    alone with ``session_mix``, else :func:`enabled_classes` (the mix is checked either way)."""
    if open_model or session_mix:
        check_mix(mix)
        return [OpenCitizen if open_model else SessionCitizen]
    return enabled_classes(mix)
