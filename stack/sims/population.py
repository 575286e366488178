"""Simulated national population database, used by the portal's auto-fill.

Every profile is derived from the citizen ID alone (a keyed BLAKE2b hash seeds a ``random.Random``), so
nothing is stored, the same ID always gives the same person, and any 12-digit ID exists, except by
convention those starting with ``000`` (:data:`~stack.sims.oidc.MISSING_CITIZEN_PREFIX`), which let a test
ask for a missing citizen. Residence provinces are drawn weighted by population
(:func:`stack.catalogue.provinces.load_provinces`), so load spreads over provinces as people do.

Run: ``python -m stack.sims.population --host 127.0.0.1 --port 8102 [fault flags]`` (the fault flags of
:mod:`stack.sims.serve`); stops on SIGTERM/SIGINT, exit 0.

Endpoints:

- ``GET /citizens/{citizen_id}``: ``200 {"citizen_id", "full_name", "date_of_birth", "gender",
  "residence_province_code", "residence_province_name", "commune", "address", "household_id",
  "ethnicity", "phone_masked"}``; an ID that is not exactly 12 digits: ``422`` naming ``citizen_id``;
  an ID starting with ``000``: ``404``.
- ``/_sim/...``: health, statistics and fault controls (:mod:`stack.sims.control`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import itertools
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache

from fastapi import FastAPI
from starlette.responses import Response

from stack.catalogue.provinces import Province, load_provinces
from stack.sims import names
from stack.sims.middleware import FaultState
from stack.sims.oidc import CITIZEN_ID_RE, MISSING_CITIZEN_PREFIX
from stack.sims.responses import OrjsonResponse, error_response
from stack.sims.serve import base_parser, install_faults, new_app, parse_args, serve

DEFAULT_PORT = 8102
REFERENCE_DATE = dt.date(2025, 7, 1)
"""Ages are counted at the phase-1 cutover (FACTS.md), a fixed date so that profiles never change."""
MIN_AGE_YEARS = 18
MAX_AGE_YEARS = 85
"""Assumption: citizens who use the portal are adults aged 18 to 85."""
HASH_KEY = b"cuaso-population"
"""Key of the BLAKE2b hash that seeds each profile (changing it changes every synthetic person)."""


class CitizenNotFound(LookupError):
    """No citizen has this ID (by convention, IDs starting with ``000``)."""


@dataclass(frozen=True, slots=True)
class CitizenProfile:
    """One citizen's record as the population database returns it."""

    citizen_id: str
    full_name: str
    date_of_birth: str
    gender: str
    residence_province_code: str
    residence_province_name: str
    commune: str
    address: str
    household_id: str
    ethnicity: str
    phone_masked: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@cache
def _province_table() -> tuple[tuple[Province, ...], tuple[int, ...]]:
    provinces = load_provinces()
    return provinces, tuple(itertools.accumulate(p.population for p in provinces))


_ETHNIC_NAMES = tuple(name for name, _ in names.ETHNICITIES)
_ETHNIC_CUM = tuple(itertools.accumulate(share for _, share in names.ETHNICITIES))


def profile_for(citizen_id: str) -> CitizenProfile:
    """The profile of ``citizen_id``; ValueError if it is not 12 digits, CitizenNotFound for ``000...``."""
    if not CITIZEN_ID_RE.fullmatch(citizen_id):
        raise ValueError(f"citizen_id: must be exactly 12 digits, got {citizen_id!r}")
    if citizen_id.startswith(MISSING_CITIZEN_PREFIX):
        raise CitizenNotFound(f"citizen_id: no citizen with ID {citizen_id!r}")
    digest = hashlib.blake2b(citizen_id.encode("ascii"), digest_size=16, key=HASH_KEY).digest()
    rng = random.Random(int.from_bytes(digest, "big"))
    gender = rng.choice(("male", "female"))
    full_name = " ".join(
        (
            rng.choice(names.FAMILY_NAMES),
            rng.choice(names.MIDDLE_NAMES[gender]),
            rng.choice(names.GIVEN_NAMES[gender]),
        )
    )
    youngest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - MIN_AGE_YEARS)
    oldest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - MAX_AGE_YEARS)
    birth = oldest + dt.timedelta(days=rng.randrange((youngest - oldest).days + 1))
    provinces, cumulative = _province_table()
    province = rng.choices(provinces, cum_weights=cumulative)[0]
    kind = names.COMMUNE_KINDS[0] if rng.random() < names.URBAN_SHARE else names.COMMUNE_KINDS[1]
    first, second = rng.sample(names.COMMUNE_WORDS, 2)
    commune = f"{kind} {first} {second}"
    address = f"Số {rng.randint(1, 399)}, đường {rng.choice(names.STREETS)}, {commune}, {province.name}"
    household_id = f"{rng.randrange(10**12):012d}"
    ethnicity = rng.choices(_ETHNIC_NAMES, cum_weights=_ETHNIC_CUM)[0]
    phone_masked = f"{rng.choice(names.MOBILE_PREFIXES)}{rng.randrange(10)}****{rng.randrange(1000):03d}"
    return CitizenProfile(
        citizen_id=citizen_id,
        full_name=full_name,
        date_of_birth=birth.isoformat(),
        gender=gender,
        residence_province_code=province.code,
        residence_province_name=province.name,
        commune=commune,
        address=address,
        household_id=household_id,
        ethnicity=ethnicity,
        phone_masked=phone_masked,
    )


def create_app(faults: FaultState) -> FastAPI:
    """The population database as an ASGI app."""
    app = new_app("cuaso simulated national population database")

    @app.get("/citizens/{citizen_id}")
    async def citizen(citizen_id: str) -> Response:
        try:
            profile = profile_for(citizen_id)
        except CitizenNotFound:
            return error_response(404, "not_found", "no citizen with this ID", field="citizen_id")
        except ValueError:
            return error_response(422, "invalid", "must be exactly 12 digits", field="citizen_id")
        return OrjsonResponse(profile.to_dict())

    install_faults(app, faults, "population")
    return app


def build_parser() -> argparse.ArgumentParser:
    return base_parser(
        "python -m stack.sims.population", "Simulated national population database.", DEFAULT_PORT
    )


def main(argv: Sequence[str] | None = None) -> int:
    args, faults = parse_args(build_parser(), argv)
    return serve(create_app(faults), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
