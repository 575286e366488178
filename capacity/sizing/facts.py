"""Figures the sizing takes from ``../shared/FACTS.md`` and from the journey mix, with the arithmetic.

Two values, each built once by a classmethod and then immutable:

* :class:`YearlyVolumes`: the portal's business volume per year (dossiers, synchronised dossiers,
  payments), the FACTS totals divided by the years the portal has been open; it drives storage growth
  and the dossiers Redis holds.
* :class:`MixFigures`: what one *request* of the journey mix means: the think time between requests, how
  many attachment bytes it uploads on average, the share of concurrent users who are logged in. They
  convert a target of concurrent users into requests per second and bytes per second.

Sourced figures are imported from :mod:`scenarios.mix_defaults`, where the mix already cites them, so
that FACTS numbers live in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from scenarios.mix import JourneyMix, logged_in_concurrent_share, mean_session_s
from scenarios.mix_defaults import ONLINE_DOSSIERS, PAYMENTS, SYNCED_DOSSIERS

DESIGNED_CONCURRENT_USERS = 120_000
"""FACTS: designed capacity, 120,000 concurrent users (Government Office, Oct 2025)."""

PAYMENTS_VND = 29_807e9
"""FACTS: > 29,807 billion VND paid online, to Oct 2025 (Government Office)."""

PORTAL_OPENED = date(2019, 12, 1)
"""FACTS: the portal opened in 2019-12 (the day, the 1st, is an assumption)."""

VOLUMES_AS_OF = date(2025, 10, 1)
"""FACTS: the 617 million synced dossiers and the payments are "to Oct 2025". Assumption: the 92.6 million
online dossiers (same Government Office report, no date given) are counted to the same month."""


def years_of_history() -> float:
    """Years from the opening to the date of the volume figures: 2019-12 to 2025-10 ≈ 5.83 years."""
    return (VOLUMES_AS_OF - PORTAL_OPENED).days / 365.25


@dataclass(frozen=True)
class YearlyVolumes:
    """Mean business volume per year since the opening (derived: FACTS total / years of history)."""

    dossiers_per_year: float
    synced_per_year: float
    payments_per_year: float
    payment_vnd_per_year: float

    def __post_init__(self) -> None:
        for name in ("dossiers_per_year", "synced_per_year", "payments_per_year", "payment_vnd_per_year"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")

    @classmethod
    def from_facts(cls) -> YearlyVolumes:
        """92.6 M online dossiers, 617 M synced, 38.7 M payments worth 29,807 bn VND over ~5.83 years."""
        years = years_of_history()
        return cls(
            dossiers_per_year=ONLINE_DOSSIERS / years,
            synced_per_year=SYNCED_DOSSIERS / years,
            payments_per_year=PAYMENTS / years,
            payment_vnd_per_year=PAYMENTS_VND / years,
        )

    @property
    def mean_payment_vnd(self) -> float:
        """FACTS (derived): 29,807e9 / 38.7e6 ≈ 770,000 VND per payment."""
        return self.payment_vnd_per_year / self.payments_per_year if self.payments_per_year else 0.0


@dataclass(frozen=True)
class MixFigures:
    """Per-request figures of a journey mix (derived from :mod:`scenarios.mix`, whose think times,
    repeats and attachment sizes are labelled assumptions there).

    ``think_time_per_request_s``: mean think time between two requests of one user = mean session think
    time / mean requests per session (the Z of the response-time law X = N / (Z + R)).
    ``upload_bytes_per_request``: attachment bytes uploaded per request of the mix, on average.
    ``logged_in_share``: share of concurrent users inside a logged-in journey (they hold a session).
    """

    think_time_per_request_s: float
    requests_per_session: float
    mean_session_s: float
    logged_in_share: float
    attachments_per_dossier: float
    attachment_bytes_mean: float
    upload_bytes_per_request: float

    def __post_init__(self) -> None:
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name}: must be a finite number >= 0, got {value!r}")
        if self.requests_per_session <= 0:
            raise ValueError(f"requests_per_session: must be > 0, got {self.requests_per_session!r}")

    @classmethod
    def from_mix(cls, mix: JourneyMix | None = None) -> MixFigures:
        """The figures of ``mix`` (default: :meth:`JourneyMix.default`)."""
        chosen = mix if mix is not None else JourneyMix.default()
        attach_count = chosen.attachments.count.mean
        attach_bytes = chosen.attachments.size_bytes.mean
        requests = 0.0
        uploads = 0.0
        for journey in chosen.enabled():
            for step in journey.steps:
                times = step.repeat.mean * (attach_count if step.per_attachment else 1.0)
                requests += journey.share * times * step.requests
                if step.per_attachment:
                    uploads += journey.share * times * attach_bytes
        think_only = mean_session_s(chosen, 0.0)
        return cls(
            think_time_per_request_s=think_only / requests,
            requests_per_session=requests,
            mean_session_s=mean_session_s(chosen),
            logged_in_share=logged_in_concurrent_share(chosen),
            attachments_per_dossier=attach_count,
            attachment_bytes_mean=attach_bytes,
            upload_bytes_per_request=uploads / requests,
        )
