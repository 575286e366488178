"""Feedback and petitions (journey ``file_feedback``): log in through the e-ID, file feedback about a
procedure (FACTS: more than 272,000 handled), with an ``Idempotency-Key`` that retries reuse."""

from __future__ import annotations

from functools import partial

from scenarios.journeys.base import JourneyUser
from scenarios.journeys.catalogue import SEARCH, search
from scenarios.journeys.login import login
from scenarios.journeys.steps import JourneyFailed, Visit

FEEDBACK = "/api/v1/feedback"

TEXTS: tuple[str, ...] = (
    "Hồ sơ của tôi đã quá hạn giải quyết nhưng chưa có kết quả.",
    "Đề nghị hướng dẫn rõ hơn về thành phần hồ sơ cần nộp.",
    "Cổng dịch vụ công phản hồi chậm khi nộp hồ sơ trực tuyến.",
)
"""Assumption: what citizens write (overdue dossier, unclear requirements, a slow portal)."""


def procedure_for(visit: Visit) -> str:
    """A procedure found recently in this process; else one catalogue search finds one."""
    recent = visit.runtime.recent_procedures
    if recent:
        return visit.rng.choice(recent)
    found = search(visit)
    if not found:
        raise JourneyFailed(f"file_feedback: {SEARCH} found no procedure to write about")
    return found[0]


def write_feedback(visit: Visit, auth: dict[str, str], key: str) -> None:
    body = {"about": {"procedure_id": procedure_for(visit)}, "text": visit.rng.choice(TEXTS)}
    visit.request(
        "POST",
        FEEDBACK,
        FEEDBACK,
        expect=(200, 201),
        parse=lambda r: r.json()["status"],
        json=body,
        headers={**auth, "Idempotency-Key": key},
    )


class FileFeedback(JourneyUser):
    """Log in, then file feedback about a procedure."""

    journey = "file_feedback"

    @staticmethod
    def visit(visit: Visit) -> None:
        citizen = visit.runtime.next_citizen()
        auth = visit.step("login", partial(login, visit, citizen.citizen_id))
        key = f"{visit.runtime.run_token}-{visit.rng.getrandbits(64):016x}"
        visit.step("write_feedback", partial(write_feedback, visit, auth, key))
