"""What a chaos drill against the local stack and one against ``--host`` share: the request, the drill
run in a thread as ``cuaso drill SCENARIO --host URL`` would, and the faults played against the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from scenarios.chaos.audit import ChaosAudit, DossierTally, FaultLine, PaymentTally
from scenarios.chaos.commands import COMMAND_TIMEOUT_S, CommandFaults, FaultCommand
from scenarios.chaos.injectors import FaultRecord, InjectionError
from scenarios.chaos.schedule import FaultEvent, FaultKind, parse_faults
from scenarios.chaos.witness import Witness
from scenarios.drill.config import DrillConfig
from scenarios.drill.runner import DrillRequest, run_drill
from stack.launcher import StackOptions

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
    """What ``cuaso chaos`` was asked for. ``host`` None: the local stack, started with ``stack``."""

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
    host: str | None = None
    """A running system to drill instead of the local stack (``--host``): only ``commands`` apply."""
    allow_hosts: tuple[str, ...] = ()
    commands: tuple[FaultCommand, ...] = ()
    """The operator's own faults (``--fault-command NAME@T_S=COMMAND``), local or remote."""
    command_timeout_s: float = COMMAND_TIMEOUT_S

    def drill_config(self) -> DrillConfig:
        return DrillConfig(
            scenario=self.scenario,
            shape_params={"ramp_s": RAMP_S} if self.scenario == "steady" else {},
            scale=self.users / 120_000,
            duration_s=self.duration_s,
            seed=self.seed,
            think_scale=self.think_scale,
            abort_error_rate=1.0,
        )


@dataclass
class DrillThread:
    """The drill, run in a thread beside the witness; what it measured, for the audit."""

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


def scheduled(schedule: tuple[FaultEvent, ...], request: ChaosRequest) -> str:
    """The faults to come, in time order, e.g. ``worker-kill@6s, pause-app@10s``."""
    items = [(e.at_s, e.kind) for e in schedule] + [(c.at_s, c.name) for c in request.commands]
    return ", ".join(f"{kind}@{at:.0f}s" for at, kind in sorted(items)) or "none"


Step = tuple[float, Literal["start", "end"], FaultEvent | FaultCommand]
Inject = Callable[[FaultEvent, Literal["start", "end"]], str]


def timeline(schedule: tuple[FaultEvent, ...], commands: tuple[FaultCommand, ...] = ()) -> list[Step]:
    """Every start and end of the built-in faults, and every command's start, in time order."""
    steps: list[Step] = []
    for event in schedule:
        steps.append((event.at_s, "start", event))
        if event.duration_s > 0:
            steps.append((event.end_s, "end", event))
    steps.extend((fault.at_s, "start", fault) for fault in commands)
    return sorted(steps, key=lambda s: s[0])


def play(
    steps: list[Step],
    t0: float,
    inject: Inject | None,
    commands: CommandFaults,
    records: list[FaultRecord],
    say: Callable[[str], None],
) -> None:
    """Do each step at its time (seconds after ``t0``, a ``time.monotonic()``): built-in faults through
    ``inject`` (recorded in ``records``), commands through ``commands`` (which record their own)."""
    for at_s, phase, item in steps:
        time.sleep(max(0.0, t0 + at_s - time.monotonic()))
        if isinstance(item, FaultCommand):
            commands.start(item)
            continue
        if inject is None:
            raise ValueError(f"{item.kind}: a built-in fault needs the local stack")
        now = time.monotonic() - t0
        try:
            records.append(FaultRecord(item.kind, phase, now, True, inject(item, phase)))
        except InjectionError as exc:
            records.append(FaultRecord(item.kind, phase, now, False, str(exc)))
        say(f"chaos: {now:6.1f}s {item.kind} {phase}: {records[-1].detail}")


def all_records(records: list[FaultRecord], commands: CommandFaults) -> list[FaultRecord]:
    return sorted([*records, *commands.records], key=lambda r: r.at_s)


def survived(records: list[FaultRecord], commands: tuple[FaultCommand, ...] = ()) -> dict[str, int]:
    """Faults injected, by kind: a built-in one once its start worked, a command once it exited 0."""
    names = {fault.name for fault in commands}
    counts: dict[str, int] = {}
    for record in records:
        counted = record.phase == ("end" if record.kind in names else "start")
        if counted and record.ok:
            counts[record.kind] = counts.get(record.kind, 0) + 1
    return counts


def witness_reasons(witness: Witness) -> list[str]:
    """Why the drill fails on the witness's account: it was stopped by the allow-list."""
    return [f"the witness stopped: {witness.refused}"] if witness.refused else []


def assemble_audit(
    request: ChaosRequest,
    *,
    window: tuple[datetime, datetime],
    records: list[FaultRecord],
    witness: Witness,
    drill: DrillThread,
    tallies: tuple[DossierTally, PaymentTally],
    reasons: list[str],
    reconciliation: dict[str, object],
    host: str | None = None,
    not_checked: Sequence[str] = (),
) -> ChaosAudit:
    """The audit document of a chaos run, local or against ``--host`` (which add what they read apart)."""
    injected = survived(records, request.commands)
    dossiers, payments = tallies
    return ChaosAudit(
        scenario=request.scenario,
        duration_s=request.duration_s,
        started_at=window[0].isoformat(),
        ended_at=window[1].isoformat(),
        faults=[FaultLine.model_validate(r.to_dict()) for r in records],
        faults_survived=sum(injected.values()),
        faults_by_kind=injected,
        dossiers=dossiers,
        payments=payments,
        reconciliation=reconciliation,
        witness={
            "journeys": witness.journeys,
            "abandoned": witness.abandoned,
            "failed_attempts": witness.failed_attempts,
            "acknowledgements": len(witness.acks),
        },
        drill=drill.summary(),
        passed=not reasons,
        reasons=reasons,
        host=host,
        not_checked=list(not_checked),
    )
