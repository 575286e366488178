"""Public dossier status lookup (journey ``track_status``): no login, by dossier code.

The codes asked for are those of dossiers recently submitted in the same Locust process (a person
checks the dossier they filed); before any exists, a well-formed code nobody filed, which the portal
must answer with 404 (a mistyped code) — both are correct answers.
"""

from __future__ import annotations

import string
from functools import partial

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.steps import Visit

STATUS = "/api/v1/public/dossiers/{code}/status"
_CODE_CHARS = string.digits + string.ascii_uppercase


def unknown_code(visit: Visit) -> str:
    """A well-formed dossier code (``HS-yymmdd-TT-XXXXXXXX``) that no one filed."""
    rng = visit.rng
    tail = "".join(rng.choice(_CODE_CHARS) for _ in range(8))
    return f"HS-250701-{rng.randrange(256):02X}-{tail}"


def lookup(visit: Visit) -> None:
    recent = visit.runtime.recent_codes
    code = visit.rng.choice(recent) if recent else unknown_code(visit)
    visit.request("GET", STATUS.format(code=code), STATUS, expect=(200, 404), parse=lambda r: r.json())


class TrackStatus(JourneyUser):
    """Look up a dossier's public status (1-2 times by default)."""

    journey = "track_status"

    @staticmethod
    def visit(visit: Visit) -> None:
        for _ in visit.repeats("read_status"):
            visit.step("read_status", partial(lookup, visit))
