"""The witness: an independent client that uses the portal during the whole chaos drill and remembers
every acknowledgement it got.

It does what a citizen does (e-ID login, create a dossier with an ``Idempotency-Key``, submit it, pay
its fee at a partner and follow the checkout), retrying a failed step with the same key as a patient
client would. Every ``2xx`` for a write is recorded in memory with its code and time: these are the
records the stack promised to keep, which the audit then looks for. Locust's users generate the load;
the witness generates the evidence, so the audit does not depend on parsing Locust's output.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qs, urlsplit

import httpx

from results.exceptions import TargetNotAllowedError
from scenarios.safety import AllowList

AckKind = Literal["dossier_created", "dossier_submitted", "payment_created"]

STEP_ATTEMPTS = 8
"""Assumption: a patient citizen tries one step up to 8 times before giving up the journey."""
STEP_BACKOFF_S = 0.5
"""Assumption: and waits half a second between tries (the stack's Retry-After is 1 s)."""
PAUSE_S = 0.2
"""Assumption: pause between two witness journeys (a trickle next to the drill's load)."""
REQUEST_TIMEOUT_S = 10.0
"""Per-request timeout of the witness (assumption: longer than any fault's added latency)."""
PARTNER = "VCB"


@dataclass(frozen=True, slots=True)
class Ack:
    """One acknowledged write: what, its id (dossier code or payment id), the status and when, and the
    citizen who made it (whose login reads a payment back through the portal's API)."""

    kind: AckKind
    record_id: str
    status: int
    at: float  # Unix time
    citizen_id: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "id": self.record_id, "status": self.status, "at": round(self.at, 3)}


class StepFailed(Exception):
    """A step did not get its expected answer after every attempt."""


@dataclass
class Witness:
    """Runs journeys against ``base_url`` in a thread until :meth:`stop`; ``acks`` holds what it saw.
    Every redirect it follows (the e-ID provider, a partner's checkout) is asked of ``allow`` first; a
    refused one stops the witness, and ``refused`` says why."""

    base_url: str
    seed: int = 1
    allow: AllowList = field(default_factory=AllowList)
    refused: str | None = None
    acks: list[Ack] = field(default_factory=list)
    journeys: int = 0
    abandoned: int = 0
    failed_attempts: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chaos-witness", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=REQUEST_TIMEOUT_S, trust_env=False) as http:
            number = 0
            while not self._stop.is_set():
                number += 1
                try:
                    self.journey(http, number)
                except StepFailed:
                    self.abandoned += 1
                except TargetNotAllowedError as exc:
                    self.refused = str(exc)
                    return
                self.journeys += 1
                self._stop.wait(PAUSE_S)

    def _step(
        self, http: httpx.Client, expect: tuple[int, ...], send: Callable[[], httpx.Response]
    ) -> httpx.Response:
        for _ in range(STEP_ATTEMPTS):
            try:
                response = send()
            except httpx.HTTPError:
                response = None
            if response is not None and response.status_code in expect:
                return response
            self.failed_attempts += 1
            time.sleep(STEP_BACKOFF_S)
        raise StepFailed()

    def _ack(self, kind: AckKind, record_id: str, status: int, citizen_id: str) -> None:
        self.acks.append(Ack(kind, record_id, status, time.time(), citizen_id))

    def citizen_id(self, number: int) -> str:
        """A 12-digit citizen ID the population simulator knows, distinct per seed and journey."""
        return f"078{self.seed % 1000:03d}{number % 1_000_000:06d}"

    def journey(self, http: httpx.Client, number: int) -> None:
        citizen = self.citizen_id(number)
        auth = self.login(http, citizen)
        procedures = self._step(http, (200,), lambda: http.get("/api/v1/procedures",
                                params={"q": "giay phep", "limit": 20})).json()["items"]  # fmt: skip
        proc = next((p for p in procedures if p["fee_vnd"] > 0), procedures[0])
        body = {"procedure_id": proc["id"], "province_code": "P01", "form": {"ho_ten": "chaos witness"}}
        key = {"Idempotency-Key": secrets.token_hex(8), **auth}
        r = self._step(http, (200, 201), lambda: http.post("/api/v1/dossiers", json=body, headers=key))
        code = r.json()["code"]
        self._ack("dossier_created", code, r.status_code, citizen)
        r = self._step(http, (200,), lambda: http.post(f"/api/v1/dossiers/{code}/submit", headers=auth))
        self._ack("dossier_submitted", code, r.status_code, citizen)
        if proc["fee_vnd"] <= 0:
            return
        pay_key = {"Idempotency-Key": secrets.token_hex(8), **auth}
        r = self._step(http, (200, 201), lambda: http.post(f"/api/v1/dossiers/{code}/payments",
                       json={"partner": PARTNER}, headers=pay_key))  # fmt: skip
        self._ack("payment_created", r.json()["payment_id"], r.status_code, citizen)
        redirect = r.json()["redirect_url"]
        self.allow.check_url(redirect)
        self._step(http, (302,), lambda: http.get(redirect))

    def login(self, http: httpx.Client, citizen_id: str) -> dict[str, str]:
        """The three-request e-ID login, retried as a whole (a login state is single-use)."""
        for _ in range(STEP_ATTEMPTS):
            try:
                r = http.get("/api/v1/auth/login", params={"login_hint": citizen_id})
                if r.status_code == 302:
                    self.allow.check_url(r.headers["location"])
                    r = http.get(r.headers["location"])
                if r.status_code == 302:
                    query = parse_qs(urlsplit(r.headers["location"]).query)
                    params = {"code": query["code"][0], "state": query["state"][0]}
                    r = http.get("/api/v1/auth/callback", params=params)
                if r.status_code == 200:
                    return {"Authorization": f"Bearer {r.json()['session_token']}"}
            except (httpx.HTTPError, KeyError):
                pass
            self.failed_attempts += 1
            time.sleep(STEP_BACKOFF_S)
        raise StepFailed()
