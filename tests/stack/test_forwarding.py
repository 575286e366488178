"""Forwarding with real processes on 127.0.0.1: a private redis-server, the back-office simulator and
forwarder processes; dossiers are submitted through the data layer (the same Lua script the portal runs).

- A back-office system down for a while: its dossiers arrive after it returns, none lost, none applied
  twice, and the other systems' dossiers are not held up meanwhile.
- A forwarder SIGKILLed in the middle of a delivery: the dossier still arrives once in effect, claimed
  by the other forwarder after the idle time, or re-read by the same forwarder restarted.
- Entries that cannot be delivered end in the dead-letter stream, nothing else is lost.
- Redis restarted while dossiers wait in the outbox: they are still there (AOF) and arrive once.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from stack.catalogue.catalogue import Catalogue
from stack.catalogue.generate import generate_catalogue
from stack.data import keys
from stack.data.dossiers import DossierStore, WriteOutcome
from stack.process import ManagedProcess, free_port
from stack.redis_server import RedisServer
from stack.settings import StackSettings

GROUP = "forwarders"
WAIT_S = 20.0  # the longest any condition below may take (each is seconds in practice)
FAST = {  # quick retries and claims, so that each scenario takes seconds
    "CUASO_FORWARDER_BACKOFF_BASE_S": "0.05",
    "CUASO_FORWARDER_BACKOFF_MAX_S": "0.5",
    "CUASO_FORWARDER_CLAIM_IDLE_S": "1.0",
    "CUASO_FORWARDER_BLOCK_MS": "200",
    "CUASO_FORWARDER_MAX_ATTEMPTS": "100",
}


@dataclass
class Rig:
    server: RedisServer
    redis: Redis
    redis_url: str
    sim_url: str
    catalogue: Catalogue
    logs: Path

    def forwarder(self, name: str, **env: str) -> ManagedProcess:
        port = free_port()
        settings = {"CUASO_REDIS_URL": self.redis_url, "CUASO_BACKOFFICE_URL": self.sim_url, **FAST, **env}
        return ManagedProcess(
            name,
            [sys.executable, "-m", "stack.forwarder", "--name", name, "--metrics-port", str(port)],
            ready_url=f"http://127.0.0.1:{port}/metrics",
            env=settings,
            log_path=self.logs / f"{name}.log",
        )

    def procedure_for(self, system: str, province: str) -> str:
        """A procedure whose dossiers submitted in ``province`` go to ``system``."""
        for procedure in self.catalogue.procedures.values():
            if self.catalogue.system_for(procedure.id, province).code == system:
                return procedure.id
        raise AssertionError(f"no procedure routes to {system} from {province}")

    def submit(self, count: int, system: str, province: str) -> list[str]:
        return self.submit_procedure(count, self.procedure_for(system, province), province)

    def submit_procedure(self, count: int, procedure: str, province: str) -> list[str]:
        async def scenario() -> list[str]:
            redis = AsyncRedis.from_url(self.redis_url)
            store = DossierStore(redis, idempotency_ttl_s=60)
            codes = []
            for i in range(count):
                owner = f"0790{time.monotonic_ns() % 10**8:08d}"
                _, code = await store.create(owner, procedure, province, 0, {"i": i}, None)
                assert await store.submit(owner, code) is WriteOutcome.OK
                codes.append(code)
            await redis.aclose()
            return codes

        return asyncio.run(scenario())

    def status(self, code: str) -> str:
        raw = self.redis.hget(keys.dossier(code, keys.tag_of_code(code) or ""), "status")
        return raw.decode() if isinstance(raw, bytes) else ""

    def province_counter(self, name: str) -> int:
        """A statistics counter of one province summed over every partition."""
        with self.redis.pipeline(transaction=False) as pipe:
            for tag in keys.all_tags():
                pipe.hget(keys.stats_provinces(tag), name)
            return sum(int(v) for v in pipe.execute() if v is not None)

    def backlog(self) -> int:
        return sum(int(self.redis.xlen(keys.outbox(tag))) for tag in keys.all_tags())

    def received(self) -> dict[str, dict[str, object]]:
        got: dict[str, dict[str, object]] = httpx.get(self.sim_url + "/_sim/received", timeout=5).json()[
            "received"
        ]
        return got

    def sim_system(self, system: str) -> dict[str, Any]:
        state: dict[str, Any] = httpx.get(f"{self.sim_url}/_sim/systems/{system}", timeout=5).json()
        return state

    def set_faults(self, system: str, **faults: object) -> dict[str, object]:
        r = httpx.put(f"{self.sim_url}/_sim/systems/{system}/faults", json=faults, timeout=5)
        assert r.status_code == 200, r.text
        answer: dict[str, object] = r.json()
        return answer

    def owners(self, code: str) -> list[str]:
        """Consumers holding the pending outbox entry of ``code``."""
        tag = keys.tag_of_code(code) or ""
        pending: Any = self.redis.xpending_range(keys.outbox(tag), GROUP, "-", "+", 100)
        entries = {e["message_id"]: e for e in pending}
        stream: Any = self.redis.xrange(keys.outbox(tag))
        return [
            entries[entry_id]["consumer"].decode()
            for entry_id, fields in stream
            if fields[b"code"].decode() == code and entry_id in entries
        ]

    def dead_letters(self) -> dict[str, dict[str, str]]:
        """Every dead letter, by dossier code."""
        letters = {}
        for tag in keys.all_tags():
            stream: Any = self.redis.xrange(keys.outbox_dead(tag))
            for _, fields in stream:
                letter = {k.decode(): v.decode() for k, v in fields.items()}
                letters[letter["code"]] = letter
        return letters


def wait_for(what: str, check: Callable[[], bool], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for: {what}")
        time.sleep(0.05)


def metric(process: ManagedProcess, name: str) -> float:
    """The sum of a metric's samples on a forwarder's /metrics."""
    assert process.ready_url is not None
    text = httpx.get(process.ready_url, timeout=5).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    logs = tmp_path_factory.mktemp("forwarding")
    settings = StackSettings()
    catalogue = generate_catalogue(seed=settings.catalogue_seed, size=settings.catalogue_size)
    sim_port = free_port()
    sim = ManagedProcess(
        "backoffice",
        [sys.executable, "-m", "stack.sims.backoffice", "--port", str(sim_port), "--system-latency-ms", "1",
         "--system-spread", "0"],
        ready_url=f"http://127.0.0.1:{sim_port}/_sim/health",
        log_path=logs / "backoffice.log",
    )  # fmt: skip
    server = RedisServer(logs / "redis")
    with server, sim:
        redis = Redis.from_url(server.url)
        rig = Rig(server, redis, server.url, f"http://127.0.0.1:{sim_port}", catalogue, logs)
        try:
            yield rig
        finally:
            redis.close()
            rig.server.stop()  # a test may have restarted it


def test_a_system_down_for_a_while_gets_its_dossiers_after_it_returns(rig: Rig) -> None:
    down, other = "P20-HT01", "P21-HT01"
    uptime = float(rig.sim_system(down)["stats"]["uptime_s"])
    rig.set_faults(down, outages=[{"start_s": 0, "end_s": uptime + 3.0}], outage_mode="error")
    with rig.forwarder("fw-outage") as forwarder:
        held_back = rig.submit(6, down, "P20")
        unaffected = rig.submit(2, other, "P21")
        wait_for("the other system's dossiers", lambda: set(unaffected) <= set(rig.received()))
        assert not set(held_back) & set(rig.received()), "delivered during the outage"
        assert all(rig.status(code) == "submitted" for code in held_back)
        wait_for("every dossier of the system that came back", lambda: set(held_back) <= set(rig.received()))
        wait_for("outbox drained", lambda: rig.backlog() == 0)
        wait_for("dossiers marked forwarded", lambda: all(rig.status(c) == "forwarded" for c in held_back))
        assert metric(forwarder, "cuaso_forwarder_retries_total") >= len(held_back)
        assert metric(forwarder, "cuaso_forwarder_dead_letters_total") == 0
    received = rig.received()
    for code in held_back:
        assert received[code]["system"] == down
        assert received[code]["applied"] == 1
    assert rig.province_counter("P20|n:submitted") == 0
    assert rig.province_counter("P20|n:forwarded") == len(held_back)  # each moved on exactly once
    faulted = rig.sim_system(down)["stats"]["faulted"]
    assert faulted["outage_error"] >= len(held_back)


def test_forwarder_killed_mid_delivery_the_other_claims_it(rig: Rig) -> None:
    slow = "P22-HT01"
    rig.set_faults(slow, latency_ms=2500.0, jitter_ms=0.0)
    with rig.forwarder("fw-a") as fw_a, rig.forwarder("fw-b") as fw_b:
        (code,) = rig.submit(1, slow, "P22")
        wait_for("the delivery in flight", lambda: rig.sim_system(slow)["in_flight"] == 1)
        (owner,) = rig.owners(code)
        victim, survivor = (fw_a, fw_b) if owner == "fw-a" else (fw_b, fw_a)
        victim.kill()  # SIGKILL while the back-office system is still processing the request
        rig.set_faults(slow, latency_ms=1.0)
        wait_for("the survivor delivered it", lambda: rig.status(code) == "forwarded")
        wait_for("the killed forwarder's request finished", lambda: rig.sim_system(slow)["in_flight"] == 0)
        assert metric(survivor, "cuaso_forwarder_claimed_total") >= 1
        assert rig.backlog() == 0
    receipt = rig.received()[code]
    assert receipt["applied"] == 1
    assert receipt["deliveries"] == 2  # the dead forwarder's request and the survivor's redelivery


def test_forwarder_killed_mid_delivery_rereads_its_own_entries_when_restarted(rig: Rig) -> None:
    slow = "P23-HT01"
    rig.set_faults(slow, latency_ms=2500.0, jitter_ms=0.0)
    first = rig.forwarder("fw-solo")
    with first:
        (code,) = rig.submit(1, slow, "P23")
        wait_for("the delivery in flight", lambda: rig.sim_system(slow)["in_flight"] == 1)
        first.kill()
    assert rig.owners(code) == ["fw-solo"]
    rig.set_faults(slow, latency_ms=1.0)
    with rig.forwarder("fw-solo", CUASO_FORWARDER_CLAIM_IDLE_S="3600"):  # no claiming: the re-read does it
        wait_for("redelivered after the restart", lambda: rig.status(code) == "forwarded")
    wait_for("the killed forwarder's request finished", lambda: rig.sim_system(slow)["in_flight"] == 0)
    assert rig.received()[code]["applied"] == 1
    assert rig.backlog() == 0


def test_undeliverable_entries_go_to_the_dead_letter_stream(rig: Rig) -> None:
    down = "P24-HT01"
    rig.set_faults(down, outages=[{"start_s": 0, "end_s": 100_000}])
    with rig.forwarder("fw-dead", CUASO_FORWARDER_MAX_ATTEMPTS="3") as forwarder:
        (code,) = rig.submit(1, down, "P24")
        (unroutable,) = rig.submit_procedure(1, "9.999999", "P24")  # no such procedure: no system
        wait_for("dead-lettered", lambda: metric(forwarder, "cuaso_forwarder_dead_letters_total") == 2)
    rig.set_faults(down, outages=[])
    letters = rig.dead_letters()
    assert (letters[code]["reason"], letters[code]["attempts"]) == ("http_503", "3")
    assert (letters[unroutable]["reason"], letters[unroutable]["attempts"]) == ("unroutable", "1")
    assert rig.backlog() == 0
    assert rig.status(code) == rig.status(unroutable) == "submitted"
    assert code not in rig.received()


def test_queued_dossiers_survive_a_redis_restart_and_arrive_once(rig: Rig) -> None:
    down = "P25-HT01"
    uptime = float(rig.sim_system(down)["stats"]["uptime_s"])
    rig.set_faults(down, outages=[{"start_s": 0, "end_s": uptime + 3600}])
    with rig.forwarder("fw-restart"):
        codes = rig.submit(3, down, "P25")
        wait_for("delivery attempts", lambda: rig.sim_system(down)["stats"]["faulted"]["outage_error"] >= 3)
        rig.server.stop()  # SIGTERM: Redis writes its AOF and exits
        rig.server = RedisServer(rig.server.data_dir, port=rig.server.port)
        rig.server.start()
        rig.server.wait_ready(30)
        assert rig.backlog() == 3  # the outbox came back with the dossiers
        rig.set_faults(down, outages=[])
        wait_for("delivered after the restart", lambda: all(rig.status(c) == "forwarded" for c in codes))
    received = rig.received()
    assert all(received[code]["applied"] == 1 for code in codes)
    assert rig.backlog() == 0
