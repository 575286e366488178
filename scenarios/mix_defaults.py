"""The default journey mix, as data: the one place where its numbers are chosen and justified.

Shares are shares of *sessions* (one visit = one session = one journey), derived from
``../shared/FACTS.md`` where a figure exists (the arithmetic is next to each), and labelled
**assumption** everywhere else. :meth:`scenarios.mix.JourneyMix.default` builds the mix from these
values; docs/scenarios.md shows them as a table.
"""

from __future__ import annotations

from typing import Any

from scenarios.mix_model import Attachments, CountRange, Journey, Step, ThinkTime

# --- figures from FACTS.md --------------------------------------------------------------------------
VISITS = 7.3e9  # visits since opening, by 2025-06-30 (VNPT)
ONLINE_DOSSIERS = 92.6e6  # dossiers carried out online directly on the portal (Government Office)
SYNCED_DOSSIERS = 617e6  # dossiers synchronised with the portal, Oct 2025 (Government Office)
PAYMENTS = 38.7e6  # successful online payments, to Oct 2025 (Government Office)
FEEDBACK = 272_000  # citizen feedback and petitions handled (VNPT)

# --- shares of sessions -----------------------------------------------------------------------------
# 92.6 million online dossiers / 7.3 billion visits = 1.27% of visits submit a dossier.
SUBMIT_SHARE = ONLINE_DOSSIERS / VISITS
# Assumption: one public status lookup per synchronised dossier: 617e6 / 7.3e9 = 8.45% of visits.
STATUS_SHARE = SYNCED_DOSSIERS / VISITS
# 38.7 million payments / 7.3 billion visits = 0.53% of visits pay a fee (the payments run to Oct 2025
# and the visits to June 2025, so this slightly over-states the share).
PAY_SHARE = PAYMENTS / VISITS
# 272,000 feedback items / 7.3 billion visits = 0.0037% of visits file feedback or a petition.
FEEDBACK_SHARE = FEEDBACK / VISITS
# Assumption: 1% of visits read the public statistics pages.
STATISTICS_SHARE = 0.01
# Assumption: one back-office status push per synchronised dossier, counted as one (machine) session:
# 617e6 / 7.3e9 = 8.45% of sessions.
BACKOFFICE_SHARE = SYNCED_DOSSIERS / VISITS

DEFAULT_REMAINDER = "browse_catalogue"
"""The journey whose share is 1 − the other enabled shares (anonymous browsing is what is left)."""

# --- think times (seconds, uniform between min and max): all assumptions ----------------------------
DEFAULT_THINK: dict[str, ThinkTime] = {
    "search": ThinkTime(5.0, 15.0),  # type a query, scan the result list
    "read_procedure": ThinkTime(20.0, 60.0),  # read the requirements, documents and fee of a procedure
    "read_status": ThinkTime(5.0, 15.0),  # read a dossier's status
    "login": ThinkTime(10.0, 30.0),  # confirm the login in the VNeID app on the phone
    "review_profile": ThinkTime(5.0, 20.0),  # check the auto-filled personal data
    "fill_form": ThinkTime(60.0, 300.0),  # fill the procedure's form
    "choose_file": ThinkTime(10.0, 40.0),  # find and pick one scanned document
    "confirm_submit": ThinkTime(5.0, 15.0),  # review and press submit
    "list_dossiers": ThinkTime(5.0, 15.0),  # scan the list of one's own dossiers
    "pay": ThinkTime(20.0, 60.0),  # choose a bank or wallet and confirm the payment
    "write_feedback": ThinkTime(60.0, 180.0),  # write a petition or feedback
    "read_statistics": ThinkTime(10.0, 30.0),  # read one statistics page
    "sync_interval": ThinkTime(1.0, 5.0),  # a back-office system between two status pushes (a machine)
}

# Assumption: 1-4 scanned documents per dossier, 100 kB to 2 MB each (photos or PDF scans).
DEFAULT_ATTACHMENTS = Attachments(count=CountRange(1, 4), size_bytes=CountRange(100_000, 2_000_000))


def _step(name: str, endpoint: str, think: str, **kw: Any) -> Step:
    return Step(name=name, endpoint=endpoint, think=think, **kw)


_SEARCH = _step("search", "GET /api/v1/procedures?q=", "search", repeat=CountRange(1, 2))
_READ = _step("read_procedure", "GET /api/v1/procedures/{procedure_id}", "read_procedure")
# A load-test client follows both redirects itself: /auth/login, the e-ID /authorize, /auth/callback.
_LOGIN = _step("login", "GET /api/v1/auth/login → e-ID /authorize → /auth/callback", "login", requests=3)

DEFAULT_JOURNEYS: tuple[Journey, ...] = (
    Journey(
        name="browse_catalogue",
        share=1.0 - SUBMIT_SHARE - STATUS_SHARE,  # the remainder of the enabled journeys: 90.3%
        login=False,
        description="anonymous catalogue search, then read procedures",
        steps=(
            # assumption: 1-3 searches and 1-3 procedures read per visit
            _step("search", "GET /api/v1/procedures?q=", "search", repeat=CountRange(1, 3)),
            _step(
                "read_procedure",
                "GET /api/v1/procedures/{procedure_id}",
                "read_procedure",
                repeat=CountRange(1, 3),
            ),
        ),
    ),
    Journey(
        name="track_status",
        share=STATUS_SHARE,
        login=False,
        description="public dossier status lookup by dossier code",
        steps=(
            # assumption: 1-2 lookups (a reload, or a second dossier)
            _step(
                "read_status",
                "GET /api/v1/public/dossiers/{code}/status",
                "read_status",
                repeat=CountRange(1, 2),
            ),
        ),
    ),
    Journey(
        name="submit_dossier",
        share=SUBMIT_SHARE,
        login=True,
        description="find the procedure, e-ID login, auto-fill, create, attach, submit",
        steps=(
            _SEARCH,
            _READ,
            _LOGIN,
            _step("auto_fill", "GET /api/v1/me/profile", "review_profile"),
            _step("create", "POST /api/v1/dossiers", "fill_form"),
            _step(
                "attach",
                "PUT /api/v1/dossiers/{code}/attachments/{name}",
                "choose_file",
                per_attachment=True,
            ),
            _step("submit", "POST /api/v1/dossiers/{code}/submit", "confirm_submit"),
        ),
    ),
    Journey(
        name="pay_fee",
        share=PAY_SHARE,
        enabled=False,
        login=True,
        description="log in, find the dossier, pay its fee (payment API still to come)",
        steps=(
            _LOGIN,
            _step("list_dossiers", "GET /api/v1/dossiers", "list_dossiers"),
            # assumption: two requests (start the payment, confirm the partner's callback)
            _step("pay", "POST /api/v1/payments (planned)", "pay", requests=2),
        ),
    ),
    Journey(
        name="file_feedback",
        share=FEEDBACK_SHARE,
        enabled=False,
        login=True,
        description="log in and file feedback or a petition (API still to come)",
        steps=(_LOGIN, _step("write_feedback", "POST /api/v1/feedback (planned)", "write_feedback")),
    ),
    Journey(
        name="read_statistics",
        share=STATISTICS_SHARE,
        enabled=False,
        login=False,
        description="read the public statistics per agency and province (API still to come)",
        steps=(
            # assumption: 1-3 statistics pages per visit
            _step(
                "read_statistics",
                "GET /api/v1/public/statistics (planned)",
                "read_statistics",
                repeat=CountRange(1, 3),
            ),
        ),
    ),
    Journey(
        name="backoffice_sync",
        share=BACKOFFICE_SHARE,
        enabled=False,
        login=False,
        description="a back-office system pushes a dossier status (machine traffic; API still to come)",
        steps=(_step("push_status", "POST /api/v1/sync/status (planned)", "sync_interval"),),
    ),
)
