"""The simulated SMS/e-mail gateway as a real process: records, deduplicates, validates, fails on command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from stack.process import ManagedProcess, free_port

MESSAGE = {
    "channel": "sms",
    "to": "079123456789",
    "kind": "inactivity_notice",
    "body": "tai khoan se bi khoa",
}


@pytest.fixture(scope="module")
def sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Path, ManagedProcess]]:
    folder = tmp_path_factory.mktemp("notify")
    port = free_port()
    argv = [sys.executable, "-m", "stack.sims.notify", "--port", str(port), "--latency-ms", "0"]
    argv += ["--jitter-ms", "0", "--record", str(folder / "sent.jsonl"), "--max-messages", "3"]
    process = ManagedProcess("notify", argv, ready_url=f"http://127.0.0.1:{port}/_sim/health")
    with process, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client:
        yield client, folder / "sent.jsonl", process


def test_a_message_is_recorded_once_per_idempotency_key(
    sink: tuple[httpx.Client, Path, ManagedProcess],
) -> None:
    client, record, _ = sink
    first = client.post("/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 202, first.text
    again = client.post("/messages", json=MESSAGE, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200
    assert again.json() == {"id": first.json()["id"], "duplicate": True}
    found = client.get("/messages", params={"to": MESSAGE["to"], "kind": "inactivity_notice"}).json()
    assert found["total"] == 1
    assert found["items"][0]["body"] == MESSAGE["body"]
    assert found["items"][0]["idempotency_key"] == "k-1"
    lines = record.read_bytes().splitlines()
    assert [orjson.loads(line)["id"] for line in lines] == [first.json()["id"]]
    stats = client.get("/messages/stats").json()
    assert stats["duplicates"] >= 1


def test_bad_messages_are_refused_naming_the_field(sink: tuple[httpx.Client, Path, ManagedProcess]) -> None:
    client, _, _ = sink
    r = client.post("/messages", json=MESSAGE)
    assert (r.status_code, r.json()["error"]["field"]) == (422, "Idempotency-Key")
    r = client.post("/messages", json={**MESSAGE, "channel": "fax"}, headers={"Idempotency-Key": "k-2"})
    assert (r.status_code, r.json()["error"]["field"]) == (422, "body.channel")
    r = client.post("/messages", json={**MESSAGE, "to": "12"}, headers={"Idempotency-Key": "k-3"})
    assert r.json()["error"]["field"] == "body.to"
    r = client.post("/messages", content=b"{", headers={"Idempotency-Key": "k-4"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "malformed_json")
    r = client.post("/messages", json={**MESSAGE, "extra": 1}, headers={"Idempotency-Key": "k-5"})
    assert r.json()["error"]["field"] == "body.extra"


def test_faults_and_the_memory_bound(sink: tuple[httpx.Client, Path, ManagedProcess]) -> None:
    client, _, _ = sink
    assert (
        client.put("/_sim/faults", json={"error_rate": 1.0, "latency_ms": 0, "jitter_ms": 0}).status_code
        == 200
    )
    try:
        down = client.post("/messages", json=MESSAGE, headers={"Idempotency-Key": "k-down"})
        assert down.status_code == 503
    finally:
        assert client.put("/_sim/faults", json={"latency_ms": 0, "jitter_ms": 0}).status_code == 200
    for i in range(5):
        r = client.post(
            "/messages", json={**MESSAGE, "to": f"07900000000{i}"}, headers={"Idempotency-Key": f"m{i}"}
        )
        assert r.status_code == 202
    assert client.get("/messages/stats").json()["kept"] == 3  # --max-messages 3: the oldest forgotten
    assert client.get("/messages", params={"to": "079000000004"}).json()["total"] == 1


def test_sigterm_stops_it_cleanly(sink: tuple[httpx.Client, Path, ManagedProcess]) -> None:
    _, _, process = sink
    assert process.stop() == 0
