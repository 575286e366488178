"""The back-office simulator as a real process: idempotent receipt, routing checks, per-system faults and
behaviour changed while running, and signed, ordered, retried status updates to a portal stand-in (a
small HTTP server on 127.0.0.1 that records what it gets and can fail on purpose)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest

from stack.catalogue.generate import generate_catalogue
from stack.process import ManagedProcess, free_port
from stack.settings import StackSettings
from stack.sims.backoffice_protocol import SIGNATURE_HEADER, SYSTEM_HEADER, signature_matches, system_secret

WAIT_S = 15.0


@dataclass
class PortalStandIn:
    """Records status updates; answers 503 to the first ``fail_next`` ones."""

    updates: list[tuple[str, str, bytes]] = field(default_factory=list)
    fail_next: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with portal.lock:
                    failing = portal.fail_next > 0
                    portal.fail_next -= failing
                    if not failing:
                        portal.updates.append(
                            (self.headers[SYSTEM_HEADER], self.headers[SIGNATURE_HEADER], body)
                        )
                answer = b'{"applied": true}'
                self.send_response(503 if failing else 200)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler

    def of(self, code: str) -> list[dict[str, Any]]:
        with self.lock:
            return [orjson.loads(body) for _, _, body in self.updates if orjson.loads(body)["code"] == code]


@dataclass
class Sim:
    url: str
    portal: PortalStandIn

    def deliver(self, system: str, body: dict[str, Any], key: str | None = None) -> httpx.Response:
        headers = {"Idempotency-Key": key or body.get("code", "")}
        return httpx.post(f"{self.url}/systems/{system}/dossiers", json=body, headers=headers, timeout=10)

    def put(self, path: str, data: object) -> httpx.Response:
        return httpx.put(f"{self.url}/_sim/systems/{path}", json=data, timeout=5)


SETTINGS = StackSettings()
CATALOGUE = generate_catalogue(seed=SETTINGS.catalogue_seed, size=SETTINGS.catalogue_size)
FAST = {"processing_after_s": 0.05, "decision_after_s": 0.05, "return_rate": 0.0, "late_rate": 0.0}


def delivery(code: str, province: str = "P05", procedure: str | None = None) -> tuple[str, dict[str, Any]]:
    """A valid delivery body and the system it belongs to."""
    procedure = procedure or next(
        p.id
        for p in CATALOGUE.procedures.values()
        if CATALOGUE.system_for(p.id, province).code == f"{province}-HT01"
    )
    now = datetime.now(UTC)
    body = {
        "code": code,
        "procedure_id": procedure,
        "province_code": province,
        "submitted_at": now.isoformat(),
        "deadline_at": (now + timedelta(days=5)).isoformat(),
        "form": {"ho_ten": "Nguyễn Văn A"},
        "attachments": [{"name": "scan.pdf", "sha256": "ab" * 32, "size": 10}],
    }
    return CATALOGUE.system_for(procedure, province).code, body


def wait_for(what: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for: {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    portal = PortalStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), portal.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = free_port()
    process = ManagedProcess(
        "backoffice",
        [sys.executable, "-m", "stack.sims.backoffice", "--port", str(port), "--system-latency-ms", "1",
         "--portal-url", f"http://127.0.0.1:{server.server_address[1]}", "--status-backoff-max-s", "0.2"],
        ready_url=f"http://127.0.0.1:{port}/_sim/health",
        log_path=tmp_path_factory.mktemp("backoffice") / "backoffice.log",
    )  # fmt: skip
    try:
        with process:
            yield Sim(f"http://127.0.0.1:{port}", portal)
    finally:
        server.shutdown()
        server.server_close()


def test_a_redelivered_dossier_is_acknowledged_again_but_applied_and_reported_once(sim: Sim) -> None:
    system, body = delivery("HS-260701-0A-AAAAAAA1")
    assert sim.put(f"{system}/behaviour", FAST).status_code == 200
    first = sim.deliver(system, body)
    assert first.status_code == 201, first.text
    assert first.json() == {"code": body["code"], "system": system, "duplicate": False,
                            "received_at": first.json()["received_at"]}  # fmt: skip
    again = sim.deliver(system, body)
    assert (again.status_code, again.json()["duplicate"]) == (200, True)
    wait_for("three status updates", lambda: len(sim.portal.of(body["code"])) == 3)
    time.sleep(0.2)  # nothing more comes for the duplicate
    updates = sim.portal.of(body["code"])
    assert [(u["seq"], u["status"]) for u in updates] == [(1, "received"), (2, "processing"), (3, "done")]
    for sender, signature, raw in sim.portal.updates:
        assert signature_matches(system_secret(sender, SETTINGS.sync_secret_seed), raw, signature)
    ledger = httpx.get(f"{sim.url}/_sim/received", params={"system": system}).json()
    assert ledger["received"][body["code"]]["deliveries"] == 2
    assert ledger["received"][body["code"]]["applied"] == 1
    assert ledger["received"][body["code"]]["status"] == "done"


def test_status_updates_are_retried_and_late_returns_are_dated_after_the_deadline(sim: Sim) -> None:
    system, body = delivery("HS-260701-0B-AAAAAAA2", province="P06")
    assert sim.put(f"{system}/behaviour", {**FAST, "return_rate": 1.0, "late_rate": 1.0}).status_code == 200
    with sim.portal.lock:
        sim.portal.fail_next = 2
    assert sim.deliver(system, body).status_code == 201
    wait_for("three status updates despite failures", lambda: len(sim.portal.of(body["code"])) == 3)
    final = sim.portal.of(body["code"])[-1]
    assert final["status"] == "returned"
    deadline = datetime.fromisoformat(body["deadline_at"])
    assert datetime.fromisoformat(final["at"]) >= deadline + timedelta(days=1)
    status = httpx.get(f"{sim.url}/_sim/received").json()["status"]
    assert status["retried"] >= 2
    assert status["failed"] == 0


def test_a_silent_system_acknowledges_but_reports_nothing(sim: Sim) -> None:
    system, body = delivery("HS-260701-0C-AAAAAAA3", province="P07")
    assert sim.put(f"{system}/behaviour", {**FAST, "status_updates": False}).status_code == 200
    assert sim.deliver(system, body).status_code == 201
    time.sleep(0.3)
    assert sim.portal.of(body["code"]) == []


def test_deliveries_that_cannot_be_applied_are_refused_naming_the_field(sim: Sim) -> None:
    system, body = delivery("HS-260701-0D-AAAAAAA4", province="P08")
    r = sim.deliver("P09-HT01", body)
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (
        409,
        "misrouted",
        "system",
    )
    r = sim.deliver("NO-SUCH", body)
    assert (r.status_code, r.json()["error"]["field"]) == (404, "system")
    r = sim.deliver(system, {**body, "code": "HS-bad"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.code")
    r = sim.deliver(system, {**body, "procedure_id": "9.999999"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.procedure_id")
    r = sim.deliver(system, body, key="another-key")
    assert (r.status_code, r.json()["error"]["field"]) == (422, "Idempotency-Key")
    assert body["code"] not in httpx.get(f"{sim.url}/_sim/received").json()["received"]


def test_per_system_faults_change_while_running_and_leave_other_systems_alone(sim: Sim) -> None:
    system, body = delivery("HS-260701-0E-AAAAAAA5", province="P10")
    other, other_body = delivery("HS-260701-0E-AAAAAAA6", province="P11")
    uptime = sim.put(f"{system}/faults", {}).json()["uptime_s"]
    changed = sim.put(f"{system}/faults", {"outages": [{"start_s": 0, "end_s": uptime + 60}]})
    assert changed.json()["example"]["faults"]["latency_ms"] < 5  # keys left out keep their values
    r = sim.deliver(system, body)
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) >= 1
    assert sim.deliver(other, other_body).status_code == 201
    sim.put(f"{system}/faults", {"outages": []})
    assert sim.deliver(system, body).status_code == 201
    sim.put(f"{system}/faults", {"error_rate": 1.0, "error_status": 502})
    assert sim.deliver(system, body).status_code == 502
    sim.put(f"{system}/faults", {"error_rate": 0.0})
    everyone = sim.put("*/faults", {"jitter_ms": 0.0})
    assert everyone.json()["updated"] == len(CATALOGUE.systems) == 151


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("P12-HT01/faults", {"outages": [{"start_s": 5, "end_s": 1}]}, "outages[0].end_s"),
        ("P12-HT01/faults", {"latency": 1}, "latency"),
        ("P12-HT01/behaviour", {"return_rate": 1.5}, "return_rate"),
        ("P12-HT01/behaviour", {"status_updates": "no"}, "status_updates"),
        ("P12-HT01/behaviour", ["not", "an", "object"], "body"),
    ],
)
def test_bad_controls_are_refused_naming_the_field(sim: Sim, path: str, data: object, field: str) -> None:
    r = sim.put(path, data)
    assert (r.status_code, r.json()["error"]["field"]) == (422, field), r.text
    assert sim.put("NO-SUCH/faults", {}).status_code == 404
