"""Account lifecycle records in Redis: last activity, inactivity notice, lock and recovery tickets.

Per citizen, one hash (:func:`stack.data.keys.account`) holds ``state`` (``active``, ``noticed`` or
``locked``), ``last_ms`` (the last login), the notice and lock times and the open recovery ticket. Per
partition (256, the citizen's hash tag), two sorted sets index citizens by last activity: ``active``
(not yet warned) and ``noticed`` (warned, waiting for the lock), so the lifecycle job reads only the
accounts whose window has come, with one bounded range query per partition, and never scans keys.
Open recovery tickets are indexed by deadline, so overdue ones are counted without a scan too.

Every write is one Lua script over keys of one hash tag (atomic on one Redis and on Redis Cluster); each
one re-checks the state it was decided on, so a login racing the job always wins (the job's write is
then ``changed`` and does nothing).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from importlib import resources
from typing import Any, Literal, cast

from stack.data import keys
from stack.data.client import RedisClient, timed

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
Index = Literal["active", "noticed"]
COUNTERS = ("notices", "locked", "locked_now", "recovery_requests", "recovered_met", "recovered_breached")
"""The partition counters (:func:`stack.data.keys.accounts_stats`), summed by ``AccountStore.counters``."""


def _script(name: str) -> str:
    return resources.files("stack.data").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def new_ticket_id(citizen_id: str) -> str:
    """A fresh recovery ticket id carrying the citizen's hash tag (``RC-7A-K3M9Q2XW4P``)."""
    return f"RC-{keys.citizen_tag(citizen_id)}-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


class AccountState(StrEnum):
    ACTIVE = "active"
    NOTICED = "noticed"
    LOCKED = "locked"


class RequestOutcome(StrEnum):
    CREATED = "created"
    EXISTING = "existing"  # an open ticket already: the same one is returned
    NOT_LOCKED = "not_locked"


class CompleteOutcome(StrEnum):
    COMPLETED = "completed"
    ALREADY = "already"  # completed before: the verdict then stands
    NOT_FOUND = "not_found"
    BEFORE_REQUEST = "before_request"  # a clock set before the request: refused, nothing written


@dataclass(frozen=True, slots=True)
class Account:
    """One account's lifecycle record."""

    citizen_id: str
    state: AccountState
    last_ms: int
    noticed_ms: int | None = None
    locked_ms: int | None = None
    ticket: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account the lifecycle job may act on, with the last activity it saw."""

    citizen_id: str
    last_ms: int


@dataclass(frozen=True, slots=True)
class RecoveryTicket:
    """A request to unlock an account, and how its handling went against the deadline."""

    ticket_id: str
    citizen_id: str
    status: Literal["open", "completed"]
    requested_at: str
    requested_ms: int
    deadline_at: str
    deadline_ms: int
    outcome: Literal["met", "breached"] | None = None
    completed_at: str | None = None
    completed_by: str | None = None

    def to_public(self, now_ms: int) -> dict[str, object]:
        """What the requester sees: no citizen id beyond its last 3 digits."""
        return {
            "ticket_id": self.ticket_id,
            "citizen_id_masked": "*********" + self.citizen_id[-3:],
            "status": self.status,
            "requested_at": self.requested_at,
            "deadline_at": self.deadline_at,
            "overdue": self.status == "open" and now_ms > self.deadline_ms,
            "outcome": self.outcome,
            "completed_at": self.completed_at,
        }


@dataclass(frozen=True, slots=True)
class LifecycleCounts:
    """Counters summed over the partitions, and open recovery tickets past their deadline."""

    counters: dict[str, int]
    open_recoveries: int
    overdue_recoveries: int

    def to_dict(self) -> dict[str, object]:
        return {
            **self.counters,
            "open_recoveries": self.open_recoveries,
            "overdue_recoveries": self.overdue_recoveries,
        }


def _decode_account(citizen_id: str, raw: Mapping[Any, Any]) -> Account:
    s = {_text(k): _text(v) for k, v in raw.items()}

    def optional_int(name: str) -> int | None:
        return int(s[name]) if s.get(name) else None

    return Account(
        citizen_id=citizen_id,
        state=AccountState(s["state"]),
        last_ms=int(s["last_ms"]),
        noticed_ms=optional_int("noticed_ms"),
        locked_ms=optional_int("locked_ms"),
        ticket=s.get("ticket") or None,
    )


def _decode_ticket(raw: Mapping[Any, Any]) -> RecoveryTicket:
    s = {_text(k): _text(v) for k, v in raw.items()}
    status: Literal["open", "completed"] = "completed" if s["status"] == "completed" else "open"
    outcome = s.get("outcome")
    return RecoveryTicket(
        ticket_id=s["ticket_id"],
        citizen_id=s["citizen_id"],
        status=status,
        requested_at=s["requested_at"],
        requested_ms=int(s["requested_ms"]),
        deadline_at=s["deadline_at"],
        deadline_ms=int(s["deadline_ms"]),
        outcome="breached" if outcome == "breached" else "met" if outcome == "met" else None,
        completed_at=s.get("completed_at"),
        completed_by=s.get("completed_by"),
    )


class AccountStore:
    """Reads and atomic writes of account lifecycle records (see the module docstring)."""

    def __init__(self, redis: RedisClient, tags: Iterable[str] | None = None) -> None:
        self.redis = redis
        self.tags = tuple(tags) if tags is not None else keys.all_tags()
        self._login = redis.register_script(_script("account_login"))
        self._notice = redis.register_script(_script("account_notice"))
        self._lock = redis.register_script(_script("account_lock"))
        self._request = redis.register_script(_script("account_recovery_request"))
        self._complete = redis.register_script(_script("account_recovery_complete"))

    async def record_login(self, citizen_id: str, now_ms: int) -> bool:
        """Record a login as activity; False (nothing written) when the account is locked."""
        tag = keys.citizen_tag(citizen_id)
        key_list = [keys.account(citizen_id), keys.accounts_active(tag), keys.accounts_noticed(tag)]
        async with timed("account_login"):
            result = await self._login(keys=key_list, args=[citizen_id, now_ms])
        return _text(result) == "ok"

    async def get(self, citizen_id: str) -> Account | None:
        """The account's record, or None when it never logged in since records began."""
        async with timed("account_get"):
            raw = await self.redis.hgetall(keys.account(citizen_id))
        return _decode_account(citizen_id, raw) if raw else None

    async def candidates(self, index: Index, tag: str, max_last_ms: int, limit: int) -> list[Candidate]:
        """Up to ``limit`` accounts of partition ``tag`` in ``index`` last active at or before
        ``max_last_ms``, oldest first."""
        return (await self.candidates_many(index, [tag], max_last_ms, limit))[0]

    async def candidates_many(
        self, index: Index, tags: Iterable[str], max_last_ms: int, limit: int
    ) -> list[list[Candidate]]:
        """:meth:`candidates` for several partitions in one pipelined round trip (one list per tag)."""
        tag_list = list(tags)
        async with timed("account_candidates"), self.redis.pipeline(transaction=False) as pipe:
            for tag in tag_list:
                key = keys.accounts_active(tag) if index == "active" else keys.accounts_noticed(tag)
                pipe.zrangebyscore(key, "-inf", max_last_ms, start=0, num=limit, withscores=True)
            replies = await pipe.execute()
        return [
            [
                Candidate(_text(member), int(score))
                for member, score in cast("list[tuple[bytes, float]]", rows)
            ]
            for rows in replies
        ]

    async def mark_noticed(self, citizen_id: str, last_ms: int, now_ms: int) -> bool:
        """After the notice for idle period ``last_ms`` went out: False when the account changed since."""
        tag = keys.citizen_tag(citizen_id)
        key_list = [keys.account(citizen_id), keys.accounts_active(tag), keys.accounts_noticed(tag)]
        key_list.append(keys.accounts_stats(tag))
        async with timed("account_notice"):
            result = await self._notice(keys=key_list, args=[citizen_id, last_ms, now_ms])
        return _text(result) == "ok"

    async def lock(self, citizen_id: str, last_ms: int, now_ms: int) -> bool:
        """Lock a warned account; False when the account changed since the decision."""
        tag = keys.citizen_tag(citizen_id)
        key_list = [keys.account(citizen_id), keys.accounts_noticed(tag), keys.accounts_stats(tag)]
        async with timed("account_lock"):
            result = await self._lock(keys=key_list, args=[citizen_id, last_ms, now_ms])
        return _text(result) == "ok"

    async def request_recovery(
        self, citizen_id: str, requested: datetime, deadline: datetime
    ) -> tuple[RequestOutcome, str]:
        """Open a recovery ticket for a locked account (or return its open one)."""
        tag = keys.citizen_tag(citizen_id)
        for _ in range(3):  # a random id already taken is astronomically rare; draw again
            ticket_id = new_ticket_id(citizen_id)
            key_list = [keys.account(citizen_id), keys.recovery_ticket(ticket_id, tag)]
            key_list += [keys.recoveries_open(tag), keys.accounts_stats(tag)]
            argv: list[str | int] = [citizen_id, ticket_id, _ms(requested), requested.isoformat()]
            argv += [_ms(deadline), deadline.isoformat()]
            async with timed("account_recovery_request"):
                outcome, got = await self._request(keys=key_list, args=argv)
            if _text(outcome) != "collision":
                return RequestOutcome(_text(outcome)), _text(got)
        raise RuntimeError("could not draw a free recovery ticket id")

    async def ticket(self, ticket_id: str) -> RecoveryTicket | None:
        tag = keys.tag_of_ticket(ticket_id)
        if tag is None:
            return None
        async with timed("account_ticket"):
            raw = await self.redis.hgetall(keys.recovery_ticket(ticket_id, tag))
        return _decode_ticket(raw) if raw else None

    async def open_tickets_many(self, tags: Iterable[str], limit: int) -> list[list[str]]:
        """Up to ``limit`` open recovery tickets per partition, earliest deadline first, for several
        partitions in one pipelined round trip (one list per tag)."""
        tag_list = list(tags)
        async with timed("account_open_tickets"), self.redis.pipeline(transaction=False) as pipe:
            for tag in tag_list:
                pipe.zrange(keys.recoveries_open(tag), 0, limit - 1)
            replies = await pipe.execute()
        return [[_text(m) for m in members] for members in replies]

    async def complete_recovery(
        self, ticket_id: str, now: datetime, by: str
    ) -> tuple[CompleteOutcome, Literal["met", "breached"] | None]:
        """Unlock the ticket's account at ``now`` and close the ticket, met or breached."""
        ticket = await self.ticket(ticket_id)
        if ticket is None:
            return CompleteOutcome.NOT_FOUND, None
        tag = keys.citizen_tag(ticket.citizen_id)
        key_list = [keys.recovery_ticket(ticket_id, tag), keys.account(ticket.citizen_id)]
        key_list += [keys.recoveries_open(tag), keys.accounts_active(tag), keys.accounts_stats(tag)]
        argv: list[str | int] = [ticket_id, ticket.citizen_id, _ms(now), now.isoformat(), by]
        async with timed("account_recovery_complete"):
            outcome, verdict = await self._complete(keys=key_list, args=argv)
        text = _text(verdict)
        return CompleteOutcome(_text(outcome)), (
            "breached" if text == "breached" else "met" if text else None
        )

    async def counters(self, now_ms: int) -> LifecycleCounts:
        """The partition counters summed, open tickets, and open tickets past their deadline at ``now_ms``."""
        async with timed("account_counters"), self.redis.pipeline(transaction=False) as pipe:
            for tag in self.tags:
                pipe.hgetall(keys.accounts_stats(tag))
                pipe.zcard(keys.recoveries_open(tag))
                pipe.zcount(keys.recoveries_open(tag), "-inf", f"({now_ms}")
            replies = await pipe.execute()
        totals = dict.fromkeys(COUNTERS, 0)
        open_count = overdue = 0
        for i in range(0, len(replies), 3):
            for name, value in replies[i].items():
                if _text(name) in totals:
                    totals[_text(name)] += int(value)
            open_count += int(replies[i + 1])
            overdue += int(replies[i + 2])
        return LifecycleCounts(totals, open_count, overdue)
