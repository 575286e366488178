"""Run one chaos drill end to end: start the local stack, run a Locust drill against it with a witness
client beside it, inject the scheduled faults, drain, audit.

The stack is started here (not by the drill runner) so that the injectors hold its processes; the drill
runs in a thread as ``cuaso drill SCENARIO --host URL`` would. Times in the audit are seconds since the
drill thread started.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from scenarios.chaos import evidence
from scenarios.chaos.audit import ChaosAudit, FaultLine, tally_dossiers, tally_payments, verdict, write_audit
from scenarios.chaos.injectors import FaultRecord, InjectionError, Injector
from scenarios.chaos.schedule import FaultEvent, FaultKind, build_schedule, parse_faults
from scenarios.chaos.witness import Witness
from scenarios.drill.config import DrillConfig
from scenarios.drill.runner import DrillRequest, run_drill
from stack.data.client import blocking_client
from stack.launcher import LocalStack, StackOptions

CHAOS_STACK_ENV = (
    ("CUASO_FORWARDER_BACKOFF_MAX_S", "2"),
    ("CUASO_FORWARDER_MAX_ATTEMPTS", "100"),
    ("CUASO_FORWARDER_CLAIM_IDLE_S", "5"),
)
"""Assumption: forwarders retry every <= 2 s and practically forever in a chaos drill, and claim a peer's
entries idle for 5 s, so that a back-office outage ends in deliveries within the drain period rather than
in 30-s waits or dead letters (the receiver deduplicates a claimed entry delivered twice)."""
DRAIN_S = 30.0
"""Assumption: after the drill, the outbox gets at most 30 s to deliver what waited out the faults."""
DRILL_GRACE_S = 90.0
"""How long past its duration the drill thread may take (Locust start and stop, the document)."""
RAMP_S = 5.0
"""Assumption: the drill's users arrive over 5 s, so that faults meet full load."""


@dataclass(frozen=True)
class ChaosRequest:
    """What ``cuaso chaos`` was asked for."""

    scenario: str
    duration_s: float
    out: Path
    faults: tuple[FaultKind, ...] = field(default_factory=lambda: parse_faults(None))
    users: int = 10
    think_scale: float = 0.05
    seed: int = 1
    stack: StackOptions = field(default_factory=lambda: StackOptions(workers=2, appendfsync="always"))
    """How the stack is tuned (``cuaso chaos`` takes every tuning option of ``stack up``); the drill
    decides its port, its own Redis and, unless given, its data folder (``OUT/stack``)."""
    redis_stop: Literal["kill", "shutdown"] = "kill"
    drain_s: float = DRAIN_S
    partners: tuple[str, ...] = ("VCB",)
    kill_every_s: float = 10.0
    stack_env: tuple[tuple[str, str], ...] = field(default=CHAOS_STACK_ENV)


@dataclass
class _DrillThread:
    request: DrillRequest
    say: Callable[[str], None]
    error: BaseException | None = None
    path: Path | None = None
    valid: bool | None = None
    reasons: tuple[str, ...] = ()
    requests: int = 0
    failures: int = 0

    def __call__(self) -> None:
        try:
            outcome = run_drill(self.request, say=lambda m: self.say(f"drill: {m}"))
        except BaseException as exc:  # reported in the audit, never swallowed silently
            self.error = exc
            return
        doc = outcome.document
        self.path, self.valid, self.reasons = outcome.path, doc.validity.valid, tuple(doc.validity.reasons)
        for phase in doc.phases:
            for endpoint in phase.endpoints:
                if endpoint.journey is None:
                    self.requests += endpoint.requests
                    self.failures += endpoint.failures

    def summary(self) -> dict[str, object]:
        return {"results": str(self.path) if self.path else None, "valid": self.valid,
                "reasons": list(self.reasons), "requests": self.requests, "failures": self.failures,
                "error": repr(self.error) if self.error else None}  # fmt: skip


def _timeline(schedule: tuple[FaultEvent, ...]) -> list[tuple[float, Literal["start", "end"], FaultEvent]]:
    steps: list[tuple[float, Literal["start", "end"], FaultEvent]] = []
    for event in schedule:
        steps.append((event.at_s, "start", event))
        if event.duration_s > 0:
            steps.append((event.end_s, "end", event))
    return sorted(steps, key=lambda s: s[0])


def run_chaos(request: ChaosRequest, say: Callable[[str], None] = print) -> ChaosAudit:
    """Run the drill with its faults and return the audit (also written to ``request.out``)."""
    schedule = build_schedule(request.duration_s, request.faults, request.kill_every_s)
    say(f"chaos: {len(schedule)} faults scheduled: " + ", ".join(f"{e.kind}@{e.at_s:.0f}s" for e in schedule))
    out = request.out.resolve()
    options = dataclasses.replace(
        request.stack,
        port=0,
        redis_url=None,  # its own Redis: the redis-restart fault kills and restarts it
        data_dir=request.stack.data_dir or out / "stack",
        extra_env=request.stack_env + request.stack.extra_env,
    )
    config = DrillConfig(
        scenario=request.scenario,
        shape_params={"ramp_s": RAMP_S} if request.scenario == "steady" else {},
        scale=request.users / 120_000,
        duration_s=request.duration_s,
        seed=request.seed,
        think_scale=request.think_scale,
        abort_error_rate=1.0,
    )
    records: list[FaultRecord] = []
    with LocalStack(options, on_event=lambda m: say(f"stack: {m}")) as stack:
        injector = Injector(stack, request.seed, request.partners, redis_stop=request.redis_stop)
        witness = Witness(stack.url, seed=request.seed)
        drill = _DrillThread(DrillRequest(config=config, out=out / "drill", host=stack.url), say)
        thread = threading.Thread(target=drill, name="chaos-drill", daemon=True)
        started = datetime.now(UTC)
        t0 = time.monotonic()
        witness.start()
        thread.start()
        try:
            for at_s, phase, event in _timeline(schedule):
                time.sleep(max(0.0, t0 + at_s - time.monotonic()))
                now = time.monotonic() - t0
                try:
                    detail = injector.start(event) if phase == "start" else injector.end(event)
                    records.append(FaultRecord(event.kind, phase, now, True, detail))
                except InjectionError as exc:
                    records.append(FaultRecord(event.kind, phase, now, False, str(exc)))
                say(f"chaos: {now:6.1f}s {event.kind} {phase}: {records[-1].detail}")
            thread.join(request.duration_s + DRILL_GRACE_S - (time.monotonic() - t0))
        finally:
            witness.stop()
            injector.close()
        ended = datetime.now(UTC)
        say(f"chaos: drill over; witness: {witness.journeys} journeys, {len(witness.acks)} acknowledgements")
        audit = _audit(request, stack, witness, drill, records, started, ended, say)
    json_path, md_path = write_audit(audit, out)
    say(f"chaos: wrote {json_path} and {md_path}")
    return audit


def _audit(
    request: ChaosRequest,
    stack: LocalStack,
    witness: Witness,
    drill: _DrillThread,
    records: list[FaultRecord],
    started: datetime,
    ended: datetime,
    say: Callable[[str], None],
) -> ChaosAudit:
    acks = list(witness.acks)
    cluster = stack.topology is not None
    client = blocking_client(stack.redis_url, cluster)
    try:
        submitted = {a.record_id for a in acks if a.kind == "dossier_submitted"}
        evidence.drain(client, stack.backoffice_url, submitted, request.drain_s, say)
        codes = {a.record_id for a in acks if a.kind != "payment_created"}
        dossiers = tally_dossiers(
            acks,
            evidence.dossier_statuses(client, codes),
            evidence.received(stack.backoffice_url),
            evidence.dead_lettered(client),
        )
        payment_ids = {a.record_id for a in acks if a.kind == "payment_created"}
        pay_status = evidence.payment_statuses(client, payment_ids)
    finally:
        client.close()
    try:
        recon = evidence.reconciliation(
            stack.redis_url, stack.payments_url, started - timedelta(seconds=1), datetime.now(UTC),
            request.partners, cluster,
        )  # fmt: skip
    except Exception as exc:  # a ledger that cannot be read is reported, not fatal
        recon = {"clean": None, "error": repr(exc)}
    by_kind = recon.get("mismatches_by_kind")
    twice = int(by_kind.get("duplicate", 0)) if isinstance(by_kind, dict) else 0
    payments = tally_payments(acks, pay_status, duplicated=twice)
    reasons = verdict(dossiers, payments)
    survived: dict[str, int] = {}
    for record in records:
        if record.phase == "start" and record.ok:
            survived[record.kind] = survived.get(record.kind, 0) + 1
    return ChaosAudit(
        scenario=request.scenario,
        duration_s=request.duration_s,
        started_at=started.isoformat(),
        ended_at=ended.isoformat(),
        faults=[FaultLine.model_validate(r.to_dict()) for r in records],
        faults_survived=sum(survived.values()),
        faults_by_kind=survived,
        dossiers=dossiers,
        payments=payments,
        reconciliation=recon,
        witness={
            "journeys": witness.journeys,
            "abandoned": witness.abandoned,
            "failed_attempts": witness.failed_attempts,
            "acknowledgements": len(acks),
        },
        drill=drill.summary(),
        passed=not reasons,
        reasons=reasons,
    )
