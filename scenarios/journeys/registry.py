"""The Locust user class of each implemented journey, and their weights for a mix.

Locust shares users between classes by weight, i.e. by share of *concurrent* users; the mix gives
shares of *sessions*. A journey that lasts longer holds more of the users online at any instant, so
each class's weight is its concurrent share (:func:`scenarios.mix.concurrent_shares`): session share ×
mean session length / mean over the mix.
"""

from __future__ import annotations

from scenarios.journeys import JOURNEY_STEPS, check_mix
from scenarios.journeys.base import JourneyUser
from scenarios.journeys.catalogue import BrowseCatalogue
from scenarios.journeys.dossier import SubmitDossier
from scenarios.journeys.feedback import FileFeedback
from scenarios.journeys.payment import PayFee
from scenarios.journeys.statistics import ReadStatistics
from scenarios.journeys.status import TrackStatus
from scenarios.mix import JourneyMix, concurrent_shares

USER_CLASSES: dict[str, type[JourneyUser]] = {
    cls.journey: cls
    for cls in (BrowseCatalogue, TrackStatus, SubmitDossier, PayFee, FileFeedback, ReadStatistics)
}
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
