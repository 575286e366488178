"""A chaos drill against a system cuaso did not start (``cuaso chaos --host URL``).

Like the local one (:mod:`scenarios.chaos.runner`) it runs a Locust drill with the witness beside it,
injects faults on a schedule, drains and audits; but the faults are only the operator's own commands
(:mod:`scenarios.chaos.commands`: cuaso cannot SIGKILL another system's processes or restart its Redis),
and the audit reads back, through the portal's API, what the witness was told
(:mod:`scenarios.chaos.remote_evidence`). What it cannot see from outside is listed in the audit
(``not_checked``). Every request, the witness's redirects and read-backs included, goes only to hosts
the allow-list permits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from scenarios.chaos import remote_evidence as api
from scenarios.chaos.audit import ChaosAudit, tally_dossiers, tally_payments, verdict, write_audit
from scenarios.chaos.commands import CommandFaults, check_within
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
from scenarios.safety import AllowList, check_target

NOT_CHECKED = (
    "duplicates in effect: how often a back office applied a dossier, and payments charged or paid "
    "twice, need the back office's and the partners' ledgers (cuaso reconcile reads the latter)",
    "the store itself: records are read through the API, which answers from it",
    "dead letters: a dossier the portal gave up forwarding shows as not received by a back office",
)
"""What an audit through the portal's API cannot see."""
NO_RECONCILIATION: dict[str, object] = {
    "clean": None,
    "checked": False,
    "why": "needs the portal's and the partners' payment ledgers: run cuaso reconcile where they can be read",
}


def run_remote_chaos(request: ChaosRequest, say: Callable[[str], None] = print) -> ChaosAudit:
    """Drill ``request.host`` with the operator's fault commands; audit through its API."""
    if request.host is None:
        raise ValueError("run_remote_chaos needs request.host")
    host = request.host.rstrip("/")
    check_target(host, request.allow_hosts)
    allow = AllowList.of(request.allow_hosts)
    schedule = build_schedule(request.duration_s, (), request.kill_every_s)  # checks the duration
    check_within(request.commands, request.duration_s)
    say(f"chaos: target {host}; {len(request.commands)} fault commands: {scheduled(schedule, request)}")
    out = request.out.resolve()
    witness = Witness(host, seed=request.seed, allow=allow)
    drill_request = DrillRequest(
        config=request.drill_config(), out=out / "drill", host=host, allow_hosts=request.allow_hosts
    )
    drill = DrillThread(drill_request, say)
    thread = threading.Thread(target=drill, name="chaos-drill", daemon=True)
    started = datetime.now(UTC)
    t0 = time.monotonic()
    commands = CommandFaults(out / "faults", request.command_timeout_s, t0, say)
    witness.start()
    thread.start()
    try:
        play(timeline(schedule, request.commands), t0, None, commands, [], say)
        thread.join(request.duration_s + DRILL_GRACE_S - (time.monotonic() - t0))
        commands.wait()
    finally:
        witness.stop()
    ended = datetime.now(UTC)
    say(f"chaos: drill over; witness: {witness.journeys} journeys, {len(witness.acks)} acknowledgements")
    audit = _audit(request, host, witness, drill, commands, started, ended, say)
    json_path, md_path = write_audit(audit, out)
    say(f"chaos: wrote {json_path} and {md_path}")
    return audit


def _audit(
    request: ChaosRequest,
    host: str,
    witness: Witness,
    drill: DrillThread,
    commands: CommandFaults,
    started: datetime,
    ended: datetime,
    say: Callable[[str], None],
) -> ChaosAudit:
    acks = list(witness.acks)
    submitted = {a.record_id for a in acks if a.kind == "dossier_submitted"}
    created = {a.record_id for a in acks if a.kind == "dossier_created"}
    with api.client(host) as http:
        dossiers_read = api.drain(http, submitted, request.drain_s, say)
        rest = api.dossier_statuses(http, created - submitted)
        dossiers_read.statuses.update(rest.statuses)
        dossiers_read.unread.update(rest.unread)
        reader = Witness(host, seed=request.seed, allow=witness.allow)  # its logins, not its counts
        payments_read = api.payment_statuses(http, reader, acks)
    dossiers = tally_dossiers(acks, dossiers_read.statuses, api.received(dossiers_read))
    payments = tally_payments(acks, payments_read.statuses)
    reasons = verdict(dossiers, payments) + witness_reasons(witness)
    unread = {**dossiers_read.unread, **payments_read.unread}
    if unread:
        first = next(iter(sorted(unread.items())))
        reasons.append(f"{len(unread)} acknowledged records could not be read back, counted as not found "
                       f"(e.g. {first[0]}: {first[1]})")  # fmt: skip
    records = all_records([], commands)
    return assemble_audit(
        request, window=(started, ended), records=records, witness=witness, drill=drill,
        tallies=(dossiers, payments), reasons=reasons, reconciliation=NO_RECONCILIATION, host=host,
        not_checked=NOT_CHECKED,
    )  # fmt: skip
