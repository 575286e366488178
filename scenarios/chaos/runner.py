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
from datetime import UTC, datetime, timedelta

from scenarios.chaos import evidence
from scenarios.chaos.audit import ChaosAudit, tally_dossiers, tally_payments, verdict, write_audit
from scenarios.chaos.commands import CommandFaults, check_within
from scenarios.chaos.injectors import FaultRecord, Injector
from scenarios.chaos.play import (
    DRILL_GRACE_S,
    ChaosRequest,
    DrillThread,
    all_records,
    assemble_audit,
    play,
    scheduled,
    timeline,
    witness_reasons,
)
from scenarios.chaos.schedule import build_schedule
from scenarios.chaos.witness import Witness
from scenarios.drill.runner import DrillRequest
from stack.data.client import blocking_client
from stack.launcher import LocalStack

__all__ = ["ChaosRequest", "run_chaos"]

CALLBACK_SETTLE_S = 60.0
"""Assumption: the partners' notices in flight when the drill ends settle within 60 s (the simulator's
whole retry schedule, 6 attempts of at most 5 s with 7.75 s of backoff, takes under 40 s) before the
ledgers are reconciled; a notice still in flight then counts as the ``missing_callback`` it would be."""


def run_chaos(request: ChaosRequest, say: Callable[[str], None] = print) -> ChaosAudit:
    """Run the drill with its faults and return the audit (also written to ``request.out``)."""
    schedule = build_schedule(request.duration_s, request.faults, request.kill_every_s)
    check_within(request.commands, request.duration_s)
    say(f"chaos: {len(schedule) + len(request.commands)} faults scheduled: " + scheduled(schedule, request))
    out = request.out.resolve()
    options = dataclasses.replace(
        request.stack,
        port=0,
        redis_url=None,  # its own Redis: the redis-restart fault kills and restarts it
        data_dir=request.stack.data_dir or out / "stack",
        extra_env=request.stack_env + request.stack.extra_env,
    )
    records: list[FaultRecord] = []
    with LocalStack(options, on_event=lambda m: say(f"stack: {m}")) as stack:
        injector = Injector(stack, request.seed, request.partners, redis_stop=request.redis_stop)
        witness = Witness(stack.url, seed=request.seed)
        drill_request = DrillRequest(config=request.drill_config(), out=out / "drill", host=stack.url)
        drill = DrillThread(drill_request, say)
        thread = threading.Thread(target=drill, name="chaos-drill", daemon=True)
        started = datetime.now(UTC)
        t0 = time.monotonic()
        commands = CommandFaults(out / "faults", request.command_timeout_s, t0, say)
        witness.start()
        thread.start()
        try:
            steps = timeline(schedule, request.commands)
            play(steps, t0, lambda e, p: injector.start(e) if p == "start" else injector.end(e), commands,
                 records, say)  # fmt: skip
            thread.join(request.duration_s + DRILL_GRACE_S - (time.monotonic() - t0))
            commands.wait()
        finally:
            witness.stop()
            injector.close()
        ended = datetime.now(UTC)
        say(f"chaos: drill over; witness: {witness.journeys} journeys, {len(witness.acks)} acknowledgements")
        every = all_records(records, commands)
        audit = _audit(request, stack, witness, drill, every, started, ended, say)
    json_path, md_path = write_audit(audit, out)
    say(f"chaos: wrote {json_path} and {md_path}")
    return audit


def _audit(
    request: ChaosRequest,
    stack: LocalStack,
    witness: Witness,
    drill: DrillThread,
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
        callbacks = evidence.settle_callbacks(stack.payments_url, request.partners, CALLBACK_SETTLE_S, say)
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
    else:
        recon["callbacks"] = callbacks
    by_kind = recon.get("mismatches_by_kind")
    twice = int(by_kind.get("duplicate", 0)) if isinstance(by_kind, dict) else 0
    payments = tally_payments(acks, pay_status, duplicated=twice)
    reasons = verdict(dossiers, payments) + witness_reasons(witness)
    return assemble_audit(
        request, window=(started, ended), records=records, witness=witness, drill=drill,
        tallies=(dossiers, payments), reasons=reasons, reconciliation=recon,
    )  # fmt: skip
