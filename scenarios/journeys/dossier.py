"""Submit a dossier online (journey ``submit_dossier``): the portal's main business.

Find the procedure in the catalogue, read it, log in through the national e-ID, let the portal
auto-fill the form from the population database, create the dossier (with an ``Idempotency-Key``
that retries reuse, so a retried create never makes a second dossier), attach the scanned documents,
and submit it to the service point of the citizen's province.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.catalogue import find_procedures, read_procedure
from scenarios.journeys.login import login
from scenarios.journeys.steps import JourneyFailed, Visit

PROFILE = "/api/v1/me/profile"
DOSSIERS = "/api/v1/dossiers"
ATTACH = "/api/v1/dossiers/{code}/attachments/{name}"
SUBMIT = "/api/v1/dossiers/{code}/submit"

FORM_FIELDS = ("full_name", "date_of_birth", "address", "phone_masked")
"""Profile fields the auto-filled form carries (the rest of a real form is procedure-specific)."""


def auto_fill(visit: Visit, auth: dict[str, str]) -> dict[str, Any]:
    profile: dict[str, Any] = visit.get_json(PROFILE, PROFILE, headers=auth)
    return {key: profile[key] for key in FORM_FIELDS if key in profile}


def create(visit: Visit, auth: dict[str, str], body: dict[str, Any], key: str) -> str:
    _, code = visit.request(
        "POST", DOSSIERS, DOSSIERS, expect=(200, 201), parse=lambda r: str(r.json()["code"]),
        json=body, headers={**auth, "Idempotency-Key": key},
    )  # fmt: skip
    assert code is not None
    return code


def attach(visit: Visit, auth: dict[str, str], code: str, citizen_id: str, index: int, size: int) -> None:
    """Upload document ``index``, made here: its bytes (up to 2 MB) live only while the request does,
    not through the think time that follows (the user would hold them, idle, for tens of seconds)."""
    url = ATTACH.format(code=code, name=f"scan-{index}.pdf")
    content = document(visit, citizen_id, index, size)
    visit.request("PUT", url, ATTACH, expect=(201,), data=content, headers=auth)


def submit(visit: Visit, auth: dict[str, str], code: str) -> None:
    def submitted(response: Any) -> None:
        if response.json()["status"] != "submitted":
            raise ValueError(f"status {response.json()['status']!r}, expected 'submitted'")

    visit.request("POST", SUBMIT.format(code=code), SUBMIT, parse=submitted, headers=auth)


def document(visit: Visit, citizen_id: str, index: int, size: int) -> bytes:
    """``size`` bytes of a scan, unique per dossier and document (the portal stores by content hash)."""
    header = f"%PDF-1.4 cuaso {citizen_id} {visit.started:.6f} {index}\n".encode()
    return header + memoryview(visit.runtime.attachment_bytes)[: max(0, size - len(header))]  # one copy


class SubmitDossier(JourneyUser):
    """Search, read, log in, auto-fill, create, attach each document, submit."""

    journey = "submit_dossier"

    @staticmethod
    def visit(visit: Visit) -> None:
        found = find_procedures(visit)
        if not found:
            raise JourneyFailed("submit_dossier: no procedure found in the catalogue")
        procedure_id = visit.rng.choice(found)
        visit.step("read_procedure", partial(read_procedure, visit, procedure_id))
        lodge(visit, procedure_id)


def lodge(visit: Visit, procedure_id: str) -> None:
    """Log in, auto-fill, create, attach each document, submit (a function of its own: the journey's
    first steps run on a smaller frame, see docs/benchmarks.md, "What an idle user holds")."""
    citizen = visit.runtime.next_citizen()
    auth = visit.step("login", partial(login, visit, citizen.citizen_id))
    form = visit.step("auto_fill", partial(auto_fill, visit, auth))
    body = {"procedure_id": procedure_id, "province_code": citizen.province_code, "form": form}
    key = f"{visit.runtime.run_token}-{visit.rng.getrandbits(64):016x}"
    code = visit.step("create", partial(create, visit, auth, body, key))
    for i, size in enumerate(visit.attachment_sizes(), start=1):
        visit.step("attach", partial(attach, visit, auth, code, citizen.citizen_id, i, size))
    visit.step("submit", partial(submit, visit, auth, code))
    visit.runtime.recent_codes.append(code)
    visit.runtime.unpaid.append((citizen.citizen_id, code))
