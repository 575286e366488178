"""The account lifecycle job: notices, locks and recoveries, at the moment its clock says.

One run, for every partition (or only the citizens named, for support staff and tests):

1. **Notices**: accounts in the ``active`` index whose notice window has opened (2 months before the
   2-year mark) get a notice through the gateway, then move to ``noticed``. One notice per account per
   idle period: a moved account is not read again, a retried send reuses its idempotency key.
2. **Locks**: accounts in ``noticed`` past the 2-year mark, warned at least ``min_notice_days`` ago, are
   locked.
3. **Recoveries**: open recovery tickets (requested before "now") are completed: the account is
   unlocked, and the ticket is ``met`` or ``breached`` against its 8-working-hour deadline.

Each step reads one bounded range of one index per partition and writes with scripts that re-check the
state they were decided on, so the job can run often, twice at once, or crash half-way: a second run
finishes the work and does nothing twice. Sends that fail (gateway down) are retried on the next run.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from stack.data.accounts import AccountState, AccountStore, Candidate, CompleteOutcome, LifecycleCounts
from stack.data.keys import CITIZEN_ID_RE
from stack.lifecycle.clock import to_ms
from stack.lifecycle.notices import Notice, NoticeSender
from stack.lifecycle.policy import LifecyclePolicy

DEFAULT_BATCH = 1000
"""Assumption: accounts (or tickets) one run handles per partition and step; the rest wait for the next
run (256 partitions x 1,000 = up to 256,000 notices a run)."""
DEFAULT_CONCURRENCY = 16
"""Assumption: notices in flight at once (a gateway takes thousands of messages per second)."""
CHUNK = 32
"""Partitions whose indexes one pipelined round trip reads (and between two progress lines)."""
COMPLETED_BY = "lifecycle-job"

EVENTS = ("notices_sent", "notices_failed", "notices_changed", "locked", "lock_changed", "lock_waiting",
          "recoveries_met", "recoveries_breached", "recoveries_not_yet", "batches_full")  # fmt: skip


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How much one run does; validated on construction."""

    batch: int = DEFAULT_BATCH
    concurrency: int = DEFAULT_CONCURRENCY
    complete_recoveries: bool = True
    citizens: frozenset[str] = field(default_factory=frozenset)  # empty: every partition

    def __post_init__(self) -> None:
        for key in ("batch", "concurrency"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key}: need an integer >= 1, got {value!r}")
        object.__setattr__(self, "citizens", frozenset(self.citizens))
        for citizen_id in self.citizens:
            if not CITIZEN_ID_RE.match(citizen_id):
                raise ValueError(f"citizens: need 12-digit citizen ids, got {citizen_id!r}")


@dataclass(frozen=True, slots=True)
class JobReport:
    """What one run did (``events``, see :data:`EVENTS`) and the counters afterwards."""

    now: datetime
    events: dict[str, int]
    counts: LifecycleCounts
    last_error: str = ""

    @property
    def ok(self) -> bool:
        """False when a notice could not be sent (it will be retried by the next run)."""
        return self.events.get("notices_failed", 0) == 0

    def to_dict(self) -> dict[str, object]:
        return {
            "now": self.now.isoformat(),
            "events": dict(self.events),
            "totals": self.counts.to_dict(),
            "last_error": self.last_error,
        }

    def summary(self) -> str:
        e = self.events
        lines = [
            f"lifecycle at {self.now.isoformat()}:",
            f"  notices sent {e['notices_sent']}, failed {e['notices_failed']} (retried next run)",
            f"  locked {e['locked']}, waiting for the minimum notice {e['lock_waiting']}",
            f"  recoveries completed: met {e['recoveries_met']}, breached {e['recoveries_breached']}",
            f"  open recovery tickets {self.counts.open_recoveries}, "
            f"overdue {self.counts.overdue_recoveries}",
        ]
        if self.last_error:
            lines.append(f"  last error: {self.last_error}")
        return "\n".join(lines) + "\n"


class LifecycleJob:
    """One lifecycle run over an :class:`AccountStore`, sending notices with a :class:`NoticeSender`."""

    def __init__(
        self,
        store: AccountStore,
        sender: NoticeSender,
        policy: LifecyclePolicy,
        options: JobOptions,
        say: Callable[[str], None] = lambda _msg: None,
    ) -> None:
        self.store = store
        self.sender = sender
        self.policy = policy
        self.options = options
        self._say = say

    async def run(self, now: datetime) -> JobReport:
        """Do one run as of ``now`` (aware) and report it."""
        if now.tzinfo is None:
            raise ValueError(f"now: need a time with a time zone, got {now.isoformat()!r}")
        events: Counter[str] = Counter(dict.fromkeys(EVENTS, 0))
        if self.options.citizens:
            for citizen_id in sorted(self.options.citizens):
                await self._one_citizen(citizen_id, now, events)
        else:
            tags = self.store.tags
            for start in range(0, len(tags), CHUNK):
                await self._partitions(tags[start : start + CHUNK], now, events)
                done = min(start + CHUNK, len(tags))
                self._say(f"{done}/{len(tags)} partitions, {events['notices_sent']} notices, "
                          f"{events['locked']} locked")  # fmt: skip
        counts = await self.store.counters(to_ms(now))
        return JobReport(
            now, dict(events), counts, self.sender.last_error if events["notices_failed"] else ""
        )

    async def _partitions(self, tags: Sequence[str], now: datetime, events: Counter[str]) -> None:
        """The three steps for a chunk of partitions: each step's index reads are one pipeline."""
        batch, store = self.options.batch, self.store
        noticeable = await store.candidates_many("active", tags, to_ms(self.policy.notice_cutoff(now)), batch)
        await self._each(itertools.chain(*noticeable), lambda c: self._notice(c, now, events))
        lockable = await store.candidates_many("noticed", tags, to_ms(self.policy.lock_cutoff(now)), batch)
        for candidate in itertools.chain(*lockable):
            await self._lock(candidate, now, events)
        tickets = await store.open_tickets_many(tags, batch) if self.options.complete_recoveries else []
        for ticket_id in itertools.chain(*tickets):
            await self._complete(ticket_id, now, events)
        found: list[list[Candidate]] | list[list[str]]
        for found in (noticeable, lockable, tickets):
            events["batches_full"] += sum(len(rows) == batch for rows in found)

    async def _one_citizen(self, citizen_id: str, now: datetime, events: Counter[str]) -> None:
        account = await self.store.get(citizen_id)
        if account is None:
            return
        candidate = Candidate(citizen_id, account.last_ms)
        if account.state is AccountState.ACTIVE:
            await self._notice(candidate, now, events)
        elif account.state is AccountState.NOTICED:
            await self._lock(candidate, now, events)
        elif account.ticket and self.options.complete_recoveries:
            await self._complete(account.ticket, now, events)

    async def _each(
        self, candidates: Iterable[Candidate], act: Callable[[Candidate], Awaitable[None]]
    ) -> None:
        gate = asyncio.Semaphore(self.options.concurrency)

        async def bounded(candidate: Candidate) -> None:
            async with gate:
                await act(candidate)

        await asyncio.gather(*(bounded(c) for c in candidates))

    async def _notice(self, candidate: Candidate, now: datetime, events: Counter[str]) -> None:
        if self.policy.notice_from(candidate.last_ms) > now:
            return
        notice = Notice(
            candidate.citizen_id,
            candidate.last_ms,
            self.policy.lock_due(candidate.last_ms),
            self.policy.notice_channel,
        )
        if not await self.sender.send(notice):
            events["notices_failed"] += 1
            return
        marked = await self.store.mark_noticed(candidate.citizen_id, candidate.last_ms, to_ms(now))
        events["notices_sent" if marked else "notices_changed"] += 1

    async def _lock(self, candidate: Candidate, now: datetime, events: Counter[str]) -> None:
        account = await self.store.get(candidate.citizen_id)
        if account is None or account.state is not AccountState.NOTICED or account.noticed_ms is None:
            events["lock_changed"] += 1
            return
        if not self.policy.may_lock(account.last_ms, account.noticed_ms, now):
            if self.policy.lock_due(account.last_ms) <= now:
                events["lock_waiting"] += 1
            return
        locked = await self.store.lock(candidate.citizen_id, account.last_ms, to_ms(now))
        events["locked" if locked else "lock_changed"] += 1

    async def _complete(self, ticket_id: str, now: datetime, events: Counter[str]) -> None:
        outcome, verdict = await self.store.complete_recovery(ticket_id, now, COMPLETED_BY)
        if outcome is CompleteOutcome.COMPLETED:
            events[f"recoveries_{verdict}"] += 1
        elif outcome is CompleteOutcome.BEFORE_REQUEST:
            events["recoveries_not_yet"] += 1
