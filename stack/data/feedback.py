"""Feedback and petitions (phản ánh, kiến nghị) in Redis: one hash per item, one index per citizen, and
per partition an index of unanswered items by deadline and counters per agency.

A feedback id carries its author's hash tag (``PA-<yymmdd>-<tag>-<8 chars>``), so filing (the item, the
citizen's index, the open index, the counters, the idempotency key) and answering are each one Lua script
over one slot: atomic on a single Redis and on Redis Cluster, and a 2xx means Redis applied the write.

The answer deadline is the filing time plus ``answer_working_days`` working days of the Vietnamese working
week (:mod:`stack.lifecycle.workweek`); an answer after it is flagged ``answered_late``. Counters are kept
incrementally (``<agency>|filed``, ``|on_time``, ``|late``), and unanswered items past their deadline are
counted from the deadline index (``ZCOUNT``): no request ever scans the items.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from importlib import resources
from typing import Any, Literal

import orjson

from stack.data import keys
from stack.data.client import RedisClient, timed
from stack.lifecycle.workweek import WorkingWeek

_ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
AboutKind = Literal["procedure", "agency"]


def _script(name: str) -> str:
    return resources.files("stack.data").joinpath(f"lua/{name}.lua").read_text(encoding="utf-8")


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def new_feedback_id(citizen_id: str, now: datetime) -> str:
    rand = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"PA-{now.strftime('%y%m%d')}-{keys.citizen_tag(citizen_id)}-{rand}"


class FileOutcome(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"  # the same Idempotency-Key and request again: the same item
    KEY_REUSED = "key_reused"  # the same key with another request: refused


class AnswerOutcome(StrEnum):
    ANSWERED = "answered"
    REPLAYED = "replayed"  # the same answer again: nothing changes
    CONFLICT = "conflict"  # a different answer was recorded before
    NOT_FOUND = "not_found"
    WRONG_AGENCY = "wrong_agency"
    BEFORE_FILING = "before_filing"


@dataclass(frozen=True, slots=True)
class Feedback:
    """One feedback or petition, and its answer once there is one."""

    id: str
    owner: str
    about_kind: AboutKind
    about_id: str
    agency: str
    text: str
    filed_at: str
    deadline_at: str
    deadline_ms: int
    status: Literal["open", "answered"]
    answer: str | None = None
    answered_at: str | None = None
    answered_late: bool | None = None

    def to_public(self, now_ms: int) -> dict[str, object]:
        """What the author sees (their own citizen id is not repeated)."""
        return {
            "id": self.id,
            "about": {"procedure_id" if self.about_kind == "procedure" else "agency": self.about_id},
            "agency": self.agency,
            "text": self.text,
            "status": self.status,
            "filed_at": self.filed_at,
            "deadline_at": self.deadline_at,
            "overdue": self.status == "open" and now_ms > self.deadline_ms,
            "answer": self.answer,
            "answered_at": self.answered_at,
            "answered_late": self.answered_late,
        }


@dataclass(frozen=True, slots=True)
class AgencyCounts:
    """Feedback counters of one agency."""

    filed: int = 0
    on_time: int = 0
    late: int = 0

    @property
    def open(self) -> int:
        return self.filed - self.on_time - self.late

    def to_dict(self) -> dict[str, int]:
        return {
            "filed": self.filed,
            "open": self.open,
            "answered_on_time": self.on_time,
            "answered_late": self.late,
        }


@dataclass(frozen=True, slots=True)
class FeedbackTotals:
    """Counters per agency, and unanswered items past their deadline (all agencies)."""

    agencies: dict[str, AgencyCounts]
    overdue_open: int


def _decode(raw: Mapping[Any, Any]) -> Feedback:
    s = {_text(k): _text(v) for k, v in raw.items()}
    late = s.get("answered_late")
    return Feedback(
        id=s["id"],
        owner=s["owner"],
        about_kind="agency" if s["about_kind"] == "agency" else "procedure",
        about_id=s["about_id"],
        agency=s["agency"],
        text=s["text"],
        filed_at=s["filed_at"],
        deadline_at=s["deadline_at"],
        deadline_ms=int(s["deadline_ms"]),
        status="answered" if s["status"] == "answered" else "open",
        answer=s.get("answer"),
        answered_at=s.get("answered_at"),
        answered_late=None if late is None else late == "1",
    )


class FeedbackStore:
    """Filing, reading, answering and counting feedback (see the module docstring)."""

    def __init__(
        self,
        redis: RedisClient,
        idempotency_ttl_s: int,
        week: WorkingWeek,
        answer_working_days: int,
        tags: Iterable[str] | None = None,
    ) -> None:
        if isinstance(answer_working_days, bool) or answer_working_days < 1:
            raise ValueError(f"answer_working_days: need an integer >= 1, got {answer_working_days!r}")
        self.redis = redis
        self.week = week
        self.answer_working_days = answer_working_days
        self._idem_ttl = idempotency_ttl_s
        self._tags = tuple(tags) if tags is not None else keys.all_tags()
        self._file = redis.register_script(_script("feedback_file"))
        self._answer = redis.register_script(_script("feedback_answer"))

    def deadline(self, filed: datetime) -> datetime:
        """When an item filed at ``filed`` must be answered by (local time)."""
        return self.week.add_working_days(filed, self.answer_working_days)

    async def file(
        self,
        owner: str,
        about_kind: AboutKind,
        about_id: str,
        agency: str,
        text: str,
        idempotency_key: str | None,
        now: datetime,
    ) -> tuple[FileOutcome, str]:
        """File an item for ``agency`` to answer; the same key and request again return the same id."""
        tag = keys.citizen_tag(owner)
        local_now = now.astimezone(self.week.tz)
        deadline = self.deadline(local_now)
        fingerprint = hashlib.sha256(orjson.dumps([about_kind, about_id, text])).hexdigest()
        for _ in range(3):  # a random id already taken is astronomically rare; draw again
            feedback_id = new_feedback_id(owner, local_now)
            fields = {
                "id": feedback_id,
                "owner": owner,
                "about_kind": about_kind,
                "about_id": about_id,
                "agency": agency,
                "text": text,
                "status": "open",
                "filed_at": local_now.isoformat(timespec="seconds"),
                "filed_ms": str(_ms(now)),
                "deadline_at": deadline.isoformat(timespec="seconds"),
                "deadline_ms": str(_ms(deadline)),
            }
            argv: list[str | int] = [
                feedback_id,
                _ms(now),
                self._idem_ttl if idempotency_key else 0,
                fingerprint,
            ]
            argv += [_ms(deadline), agency]
            for k, v in fields.items():
                argv += [k, v]
            key_list = [
                keys.feedback_idempotency(owner, idempotency_key or ""),
                keys.feedback(feedback_id, tag),
            ]
            key_list += [keys.feedback_index(owner), keys.feedback_open(tag), keys.feedback_stats(tag)]
            key_list.append(keys.feedback_open_agency(tag, agency))
            async with timed("feedback_file"):
                outcome, got = await self._file(keys=key_list, args=argv)
            if _text(outcome) != "collision":
                return FileOutcome(_text(outcome)), _text(got)
        raise RuntimeError("could not draw a free feedback id")

    async def get(self, feedback_id: str) -> Feedback | None:
        """Any item by id (callers check the owner)."""
        tag = keys.tag_of_feedback(feedback_id)
        if tag is None:
            return None
        async with timed("feedback_get"):
            raw = await self.redis.hgetall(keys.feedback(feedback_id, tag))
        return _decode(raw) if raw else None

    async def list_mine(self, owner: str, limit: int, offset: int) -> tuple[int, list[Feedback]]:
        """The owner's items, newest first, and how many there are in all."""
        index = keys.feedback_index(owner)
        async with timed("feedback_list"), self.redis.pipeline(transaction=False) as pipe:
            pipe.zcard(index)
            pipe.zrevrange(index, offset, offset + limit - 1)
            total, ids = await pipe.execute()
        tag = keys.citizen_tag(owner)
        async with timed("feedback_list_items"), self.redis.pipeline(transaction=False) as pipe:
            for feedback_id in ids:
                pipe.hgetall(keys.feedback(_text(feedback_id), tag))
            rows = await pipe.execute()
        return int(total), [_decode(raw) for raw in rows if raw]

    async def answer(
        self, feedback_id: str, agency: str, text: str, at: datetime
    ) -> tuple[AnswerOutcome, bool | None, str]:
        """Record ``agency``'s answer at ``at``: the outcome, whether it was late, and (for
        ``WRONG_AGENCY``) the agency that must answer."""
        tag = keys.tag_of_feedback(feedback_id)
        if tag is None:
            return AnswerOutcome.NOT_FOUND, None, ""
        key_list = [keys.feedback(feedback_id, tag), keys.feedback_open(tag), keys.feedback_stats(tag)]
        key_list.append(keys.feedback_open_agency(tag, agency))
        at_local = at.astimezone(self.week.tz).isoformat(timespec="seconds")
        async with timed("feedback_answer"):
            outcome, detail = await self._answer(
                keys=key_list, args=[feedback_id, agency, text, _ms(at), at_local]
            )
        result = AnswerOutcome(_text(outcome))
        if result in (AnswerOutcome.ANSWERED, AnswerOutcome.REPLAYED):
            return result, _text(detail) == "1", agency
        return result, None, _text(detail)

    async def list_open(self, agency: str, limit: int) -> list[Feedback]:
        """Up to ``limit`` unanswered items of ``agency``, earliest deadline first: the first ``limit``
        of each partition's open index for that agency, merged (a bounded read, never a scan)."""
        if isinstance(limit, bool) or limit < 1:
            raise ValueError(f"limit: need an integer >= 1, got {limit!r}")
        async with timed("feedback_open_ids"), self.redis.pipeline(transaction=False) as pipe:
            for tag in self._tags:
                pipe.zrange(keys.feedback_open_agency(tag, agency), 0, limit - 1, withscores=True)
            per_tag = await pipe.execute()
        ranked = sorted(
            (float(score), _text(i), tag)
            for tag, got in zip(self._tags, per_tag, strict=True)
            for i, score in got
        )[:limit]
        async with timed("feedback_open_items"), self.redis.pipeline(transaction=False) as pipe:
            for _, feedback_id, tag in ranked:
                pipe.hgetall(keys.feedback(feedback_id, tag))
            rows = await pipe.execute()
        return [item for item in (_decode(raw) for raw in rows if raw) if item.status == "open"]

    async def totals(self, now_ms: int) -> FeedbackTotals:
        """Counters per agency summed over the partitions, and unanswered items past deadline at now_ms."""
        async with timed("feedback_totals"), self.redis.pipeline(transaction=False) as pipe:
            for tag in self._tags:
                pipe.hgetall(keys.feedback_stats(tag))
                pipe.zcount(keys.feedback_open(tag), "-inf", f"({now_ms}")
            replies = await pipe.execute()
        raw: dict[str, dict[str, int]] = {}
        overdue = 0
        for i in range(0, len(replies), 2):
            for name, value in replies[i].items():
                agency, _, counter = _text(name).partition("|")
                slot = raw.setdefault(agency, {})
                slot[counter] = slot.get(counter, 0) + int(value)
            overdue += int(replies[i + 1])
        agencies = {
            code: AgencyCounts(c.get("filed", 0), c.get("on_time", 0), c.get("late", 0))
            for code, c in sorted(raw.items())
        }
        return FeedbackTotals(agencies, overdue)
