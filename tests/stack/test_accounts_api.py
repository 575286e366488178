"""The account lifecycle end to end on the running stack: a login, the job (a real process) run against a
moved clock, the locked login refused, a recovery ticket with its deadline, the breach detected."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cuaso.cli import main as cuaso
from stack.launcher import LocalStack
from stack.lifecycle.clock import shift_months
from stack.lifecycle.policy import LifecyclePolicy
from tests.stack.conftest import login, new_citizen_id

POLICY = LifecyclePolicy()
JOB_TIMEOUT_S = 60


def _callback(http: httpx.Client, citizen_id: str) -> httpx.Response:
    """The e-ID login up to the portal's callback, whatever it answers."""
    r = http.get("/api/v1/auth/login", params={"login_hint": citizen_id})
    r = http.get(r.headers["location"])
    query = parse_qs(urlsplit(r.headers["location"]).query)
    return http.get("/api/v1/auth/callback", params={"code": query["code"][0], "state": query["state"][0]})


def _job(stack: LocalStack, now: datetime, citizen_id: str) -> dict[str, Any]:
    """``python -m stack.lifecycle`` as its own process, for this citizen only (the shared stack holds
    other tests' accounts, which a moved clock must not lock)."""
    argv = [sys.executable, "-m", "stack.lifecycle", "--now", now.isoformat(), "--citizen", citizen_id]
    argv += ["--redis-url", stack.redis_url, "--notify-url", stack.notify_url, "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=JOB_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _notices(stack: LocalStack, citizen_id: str) -> int:
    r = httpx.get(f"{stack.notify_url}/messages", params={"to": citizen_id}, timeout=10, trust_env=False)
    total: int = r.json()["total"]
    return total


def test_inactive_account_is_warned_locked_refused_and_recovered(
    client: httpx.Client, local_stack: LocalStack, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = new_citizen_id()
    login(client, cid)
    last = datetime.now(UTC)
    assert cuaso(["accounts", "show", cid, "--redis-url", local_stack.redis_url]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "active"

    window = shift_months(last, 22)  # notices start 2 months before the 2-year mark
    assert _job(local_stack, window - timedelta(days=2), cid)["events"]["notices_sent"] == 0
    assert _notices(local_stack, cid) == 0
    assert _job(local_stack, window + timedelta(days=2), cid)["events"]["notices_sent"] == 1
    assert _job(local_stack, window + timedelta(days=3), cid)["events"]["notices_sent"] == 0
    assert _notices(local_stack, cid) == 1
    assert _job(local_stack, shift_months(last, 24) + timedelta(days=2), cid)["events"]["locked"] == 1

    refused = _callback(client, cid)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "account_locked"
    assert "/api/v1/accounts/recovery" in refused.json()["error"]["reason"]
    assert "set-cookie" not in refused.headers  # no session was opened

    r = client.post("/api/v1/accounts/recovery", json={"citizen_id": cid})
    assert r.status_code == 202, r.text
    ticket = r.json()
    assert ticket["status"] == "open"
    assert ticket["citizen_id_masked"].endswith(cid[-3:])
    assert cid not in r.text
    requested = datetime.fromisoformat(ticket["requested_at"])
    deadline = datetime.fromisoformat(ticket["deadline_at"])
    assert deadline == POLICY.recovery_deadline(requested)  # 8 working hours, Vietnamese working week
    again = client.post("/api/v1/accounts/recovery", json={"citizen_id": cid})
    assert (again.status_code, again.json()["ticket_id"]) == (200, ticket["ticket_id"])

    after = deadline + timedelta(hours=1)
    assert (
        cuaso(["accounts", "status", "--redis-url", local_stack.redis_url, "--now", after.isoformat()]) == 0
    )
    assert json.loads(capsys.readouterr().out)["overdue_recoveries"] >= 1  # the breach shows before handling
    report = _job(local_stack, after, cid)
    assert report["events"]["recoveries_breached"] == 1
    done = client.get(f"/api/v1/accounts/recovery/{ticket['ticket_id']}").json()
    assert (done["status"], done["outcome"], done["overdue"]) == ("completed", "breached", False)
    login(client, cid)  # unlocked


def test_recovery_requests_are_validated(client: httpx.Client) -> None:
    r = client.post("/api/v1/accounts/recovery", json={"citizen_id": "12345"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.citizen_id")
    r = client.post("/api/v1/accounts/recovery", json={"citizen_id": new_citizen_id(), "x": 1})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.x")
    cid = new_citizen_id()
    login(client, cid)
    r = client.post("/api/v1/accounts/recovery", json={"citizen_id": cid})
    assert (r.status_code, r.json()["error"]["code"], r.json()["error"]["field"]) == (
        409,
        "not_locked",
        "body.citizen_id",
    )
    r = client.get("/api/v1/accounts/recovery/RC-00-AAAAAAAAAA")
    assert (r.status_code, r.json()["error"]["field"]) == (404, "ticket_id")
    assert client.get("/api/v1/accounts/recovery/nonsense").status_code == 404


def test_cli_errors_name_the_option(local_stack: LocalStack, capsys: pytest.CaptureFixture[str]) -> None:
    url = ["--redis-url", local_stack.redis_url]
    assert cuaso(["accounts", "run", "--now", "someday", *url]) == 2
    assert "--now" in capsys.readouterr().err
    assert cuaso(["accounts", "show", "12", *url]) == 2
    assert "citizen_id" in capsys.readouterr().err
    assert cuaso(["accounts", "complete", "RC-00-AAAAAAAAAA", *url]) == 2
    assert "no such recovery ticket" in capsys.readouterr().err
    assert cuaso(["accounts", "run", "--holiday", "2026-13-01", *url]) == 2
    assert "--holiday" in capsys.readouterr().err
