"""The account lifecycle's command line, shared by ``cuaso accounts`` and ``python -m stack.lifecycle``.

Commands: ``run`` (the job), ``show`` (one account), ``complete`` (an officer completes a recovery
ticket), ``status`` (counters and overdue tickets). Connection defaults come from the stack's settings
(``CUASO_REDIS_URL``, ``CUASO_NOTIFY_URL``, ``CUASO_PUBLIC_HOLIDAYS``...). Only argparse is imported at
module level, so that ``cuaso --help`` stays fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from results.exceptions import ConfigError

if TYPE_CHECKING:
    from stack.data.accounts import AccountStore
    from stack.lifecycle.policy import LifecyclePolicy
    from stack.settings import StackSettings


RUN_DESCRIPTION = (
    "One run of the lifecycle job as of --now: inactivity notices to accounts in the 2 months before "
    "their 2-year lock (once per idle period), locks past it (at least the minimum notice after the "
    "notice), and open recovery tickets completed, met or breached. Prints a summary (or --json); exit 1 "
    "when a notice could not be sent (the next run retries it). A scheduler runs it every few minutes; "
    "--citizen limits it to named accounts."
)
STATUS_DESCRIPTION = (
    "Prints the lifecycle counters summed over all partitions (notices, locks, recoveries met and "
    "breached) and the open recovery tickets past their deadline as of --now, as JSON."
)


def add_connection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url", metavar="URL", help="the portal's Redis (default: $CUASO_REDIS_URL, else local 6379)"
    )
    parser.add_argument(
        "--now", metavar="ISO", help="the job's clock (default: the system clock); no zone: UTC"
    )


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``run``."""
    add_connection_arguments(parser)
    parser.add_argument("--notify-url", metavar="URL", help="SMS/e-mail gateway (default: $CUASO_NOTIFY_URL)")
    parser.add_argument(
        "--citizen", action="append", default=[], metavar="ID", help="only this account; repeatable"
    )
    parser.add_argument(
        "--holiday",
        action="append",
        default=[],
        metavar="YYYY-MM-DD",
        help="a public holiday for working-hour deadlines; repeatable (adds to $CUASO_PUBLIC_HOLIDAYS)",
    )
    parser.add_argument(
        "--batch", type=int, default=None, help="accounts per partition and step (default: 1000)"
    )
    parser.add_argument(
        "--no-recoveries", action="store_true", help="do not complete open recovery tickets (officers do)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of text")


def _settings(args: argparse.Namespace) -> StackSettings:
    from stack.settings import StackSettings

    update: dict[str, object] = {}
    if args.redis_url:
        update["redis_url"] = args.redis_url
    if getattr(args, "notify_url", None):
        update["notify_url"] = args.notify_url
    holidays = []
    for text in getattr(args, "holiday", []):
        try:
            holidays.append(date.fromisoformat(text))
        except ValueError:
            raise ConfigError("--holiday", text, "need a date such as 2026-09-02") from None
    settings = StackSettings()
    if holidays:
        update["public_holidays"] = (*settings.public_holidays, *holidays)
    return settings.model_copy(update=update)


def _policy(settings: StackSettings) -> LifecyclePolicy:
    from stack.lifecycle.policy import LifecyclePolicy
    from stack.lifecycle.workweek import WorkingWeek

    week = WorkingWeek.with_holidays(settings.public_holidays)
    return LifecyclePolicy(min_notice_days=settings.account_min_notice_days, week=week)


def _now(args: argparse.Namespace) -> datetime:
    from stack.lifecycle.clock import clock_for

    try:
        return clock_for(args.now).now()
    except ValueError as exc:
        raise ConfigError("--now", args.now, str(exc)) from None


def _with_store(settings: StackSettings, work: Callable[[AccountStore], Awaitable[int]]) -> int:
    from stack.data.accounts import AccountStore
    from stack.data.client import make_client

    async def main() -> int:
        redis = make_client(settings)
        try:
            return await work(AccountStore(redis))
        finally:
            await redis.aclose()

    return asyncio.run(main())


def run_command(args: argparse.Namespace) -> int:
    """``run``: one lifecycle run; exit 0, or 1 when a notice could not be sent (retried next run)."""
    import httpx

    from stack.data.keys import CITIZEN_ID_RE
    from stack.lifecycle.job import DEFAULT_BATCH, JobOptions, LifecycleJob
    from stack.lifecycle.notices import NoticeSender

    settings = _settings(args)
    now = _now(args)
    batch = DEFAULT_BATCH if args.batch is None else args.batch
    if batch < 1:
        raise ConfigError("--batch", args.batch, "need at least 1")
    for citizen_id in args.citizen:
        if not CITIZEN_ID_RE.match(citizen_id):
            raise ConfigError("--citizen", citizen_id, "need exactly 12 digits")
    options = JobOptions(
        batch=batch, complete_recoveries=not args.no_recoveries, citizens=frozenset(args.citizen)
    )
    policy = _policy(settings)

    async def work(store: AccountStore) -> int:
        async with httpx.AsyncClient() as http:
            job = LifecycleJob(store, NoticeSender(http, settings.notify_url), policy, options, say=_progress)
            report = await job.run(now)
        print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary().rstrip("\n"))
        return 0 if report.ok else 1

    return _with_store(settings, work)


def _progress(message: str) -> None:
    print(f"lifecycle: {message}", file=sys.stderr, flush=True)  # stdout stays the report (or JSON)


def show_command(args: argparse.Namespace) -> int:
    """``show``: one account's lifecycle record and its dates under the policy."""
    from dataclasses import asdict

    from stack.data.keys import CITIZEN_ID_RE

    if not CITIZEN_ID_RE.match(args.citizen_id):
        raise ConfigError("citizen_id", args.citizen_id, "need exactly 12 digits")
    settings = _settings(args)
    policy = _policy(settings)

    async def work(store: AccountStore) -> int:
        account = await store.get(args.citizen_id)
        if account is None:
            print(json.dumps({"citizen_id": args.citizen_id, "state": None, "note": "no login recorded"}))
            return 0
        record: dict[str, object] = {**asdict(account), "state": account.state.value}
        record["notice_from"] = policy.notice_from(account.last_ms).isoformat()
        record["lock_due"] = policy.lock_due(account.last_ms).isoformat()
        print(json.dumps(record, indent=2))
        return 0

    return _with_store(settings, work)


def complete_command(args: argparse.Namespace) -> int:
    """``complete``: an officer completes a recovery ticket (unlocks the account); prints the verdict."""
    from stack.data.accounts import CompleteOutcome

    settings = _settings(args)
    now = _now(args)

    async def work(store: AccountStore) -> int:
        outcome, verdict = await store.complete_recovery(args.ticket_id, now, args.by)
        if outcome is CompleteOutcome.NOT_FOUND:
            raise ConfigError("ticket_id", args.ticket_id, "no such recovery ticket")
        if outcome is CompleteOutcome.BEFORE_REQUEST:
            raise ConfigError("--now", args.now, "is before the ticket was requested")
        done = "completed" if outcome is CompleteOutcome.COMPLETED else "was already completed"
        print(f"accounts: ticket {args.ticket_id} {done}: deadline {verdict}")
        return 0

    return _with_store(settings, work)


def status_command(args: argparse.Namespace) -> int:
    """``status``: lifecycle counters over all partitions, and open recovery tickets past deadline."""
    from stack.lifecycle.clock import to_ms

    settings = _settings(args)
    now = _now(args)

    async def work(store: AccountStore) -> int:
        counts = await store.counters(to_ms(now))
        print(json.dumps({"now": now.isoformat(), **counts.to_dict()}, indent=2))
        return 0

    return _with_store(settings, work)


def register_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``run``, ``show``, ``complete`` and ``status`` to ``subparsers``."""
    run = subparsers.add_parser(
        "run",
        help="one lifecycle run: notices, locks, recoveries",
        description=RUN_DESCRIPTION,
    )
    add_run_arguments(run)
    run.set_defaults(func=run_command)
    show = subparsers.add_parser(
        "show",
        help="one account's lifecycle record",
        description="Prints one account's state, last activity, notice and lock times, and its notice and "
        "lock dates under the policy, as JSON.",
    )
    show.add_argument("citizen_id")
    add_connection_arguments(show)
    show.set_defaults(func=show_command)
    complete = subparsers.add_parser(
        "complete",
        help="complete a recovery ticket as an officer",
        description="Unlocks the ticket's account as of --now and closes the ticket, met or breached against "
        "its 8-working-hour deadline; a ticket completed before keeps its verdict.",
    )
    complete.add_argument("ticket_id")
    complete.add_argument("--by", default="officer", help="who completes it (default: %(default)s)")
    add_connection_arguments(complete)
    complete.set_defaults(func=complete_command)
    status = subparsers.add_parser(
        "status",
        help="lifecycle counters and overdue recovery tickets",
        description=STATUS_DESCRIPTION,
    )
    add_connection_arguments(status)
    status.set_defaults(func=status_command)
