"""Public statistics of dossier handling per province and per processing agency, kept incrementally.

Nothing here scans dossiers. Every event that changes a dossier's status (submission, forwarding, a
back-office status update) adjusts counters in the same Lua script that writes the dossier, in two
hashes of the dossier's own partition (:func:`stack.data.keys.stats_provinces`,
:func:`stack.data.keys.stats_agencies`): same hash tag, so the counters can never disagree with the
records, on one Redis or on Redis Cluster. A read sums the 256 partitions' hashes (one pipelined round
trip per shard, a cost bounded by provinces x agencies x statuses, not by dossiers) and a worker keeps
the sum for :attr:`StatisticsStore.cache_s` seconds.

Counter fields, ``<id>`` being a province code (``P07``) or an agency code (``BCA``, ``P07``):

- ``<id>|n:<status>``: dossiers currently in that status (:data:`DOSSIER_STATUSES`);
- ``<id>|on_time``, ``<id>|late``: first decisions (done or returned) made by / after the deadline
  (submission + the procedure's processing days, calendar days: an assumption, the rules count working
  days);
- ``<id>|payments``, ``<id>|paid_vnd``: confirmed payments and their amount (:meth:`record_payment`).

The province of a dossier is the service point it was submitted at; its agency is the one whose
back-office system processes it (``catalogue.system_for(procedure_id, province_code).agency``), known
from the moment it is forwarded or its first status update arrives.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from stack.data import keys
from stack.data.client import RedisClient, timed

DOSSIER_STATUSES = ("submitted", "forwarded", "received", "processing", "done", "returned")
"""Statuses of a dossier after submission, in the order they normally come."""
SYNC_STATUSES = ("received", "processing", "done", "returned")
"""Statuses a back-office system reports through the sync endpoint."""
DECISIONS = ("done", "returned")
"""Statuses that decide a dossier (counted on time or late, once)."""


@dataclass(frozen=True, slots=True)
class Counts:
    """The counters of one province or agency."""

    by_status: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    on_time: int = 0
    late: int = 0
    payments: int = 0
    paid_vnd: int = 0

    def __post_init__(self) -> None:
        for key in ("on_time", "late", "payments", "paid_vnd"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key}: need an integer, got {value!r}")
        unknown = set(self.by_status) - set(DOSSIER_STATUSES)
        if unknown:
            raise ValueError(f"by_status: unknown statuses {sorted(unknown)}")
        object.__setattr__(self, "by_status", MappingProxyType(dict(self.by_status)))

    @property
    def decided(self) -> int:
        return self.on_time + self.late

    @property
    def on_time_rate(self) -> float | None:
        """Share of decisions made by the deadline; None before the first decision."""
        return self.on_time / self.decided if self.decided else None

    def to_dict(self) -> dict[str, object]:
        statuses = {s: self.by_status.get(s, 0) for s in DOSSIER_STATUSES}
        return {
            "dossiers": {**statuses, "total": sum(statuses.values())},
            "decided": self.decided,
            "on_time": self.on_time,
            "late": self.late,
            "on_time_rate": round(self.on_time_rate, 4) if self.on_time_rate is not None else None,
            "payments": {"count": self.payments, "amount_vnd": self.paid_vnd},
        }


_SCALARS = {"on_time": "on_time", "late": "late", "payments": "payments", "paid_vnd": "paid_vnd"}


def sum_counters(hashes: Iterable[Mapping[bytes, bytes]]) -> dict[str, Counts]:
    """Add up partition hashes (``<id>|<counter>`` -> integer) into :class:`Counts` per id."""
    raw: dict[str, dict[str, int]] = {}
    for table in hashes:
        for name, value in table.items():
            ident, _, counter = name.decode().partition("|")
            slot = raw.setdefault(ident, {})
            slot[counter] = slot.get(counter, 0) + int(value)
    result: dict[str, Counts] = {}
    for ident, counters in raw.items():
        by_status = {
            c[2:]: n for c, n in counters.items() if c.startswith("n:") and c[2:] in DOSSIER_STATUSES
        }
        scalars = {attr: counters.get(name, 0) for name, attr in _SCALARS.items()}
        result[ident] = Counts(by_status=by_status, **scalars)
    return result


@dataclass(slots=True)
class _Cached:
    at: float
    value: dict[str, Counts]


class StatisticsStore:
    """Reads the summed counters (cached per worker for ``cache_s`` seconds) and records payments."""

    def __init__(self, redis: RedisClient, cache_s: float, tags: Iterable[str] | None = None) -> None:
        if cache_s < 0:
            raise ValueError(f"cache_s: need >= 0, got {cache_s!r}")
        self.redis = redis
        self.cache_s = cache_s
        self._tags = tuple(tags) if tags is not None else keys.all_tags()
        self._cache: dict[str, _Cached] = {}

    async def provinces(self) -> dict[str, Counts]:
        """Counts per province code (provinces without any dossier are absent)."""
        return await self._read("provinces", keys.stats_provinces)

    async def agencies(self) -> dict[str, Counts]:
        """Counts per processing agency code (agencies without any dossier are absent)."""
        return await self._read("agencies", keys.stats_agencies)

    async def _read(self, kind: str, key_of: Callable[[str], str]) -> dict[str, Counts]:
        cached = self._cache.get(kind)
        now = time.monotonic()
        if cached is not None and now - cached.at < self.cache_s:
            return cached.value
        async with timed(f"statistics_{kind}"), self.redis.pipeline(transaction=False) as pipe:
            for tag in self._tags:
                pipe.hgetall(key_of(tag))
            tables = await pipe.execute()
        value = sum_counters(tables)
        self._cache[kind] = _Cached(now, value)
        return value

    async def record_payment(
        self, code: str, province_code: str, agency: str | None, amount_vnd: int
    ) -> None:
        """Count one confirmed payment of dossier ``code`` (call once per payment, when it succeeds).

        ``agency`` is ``catalogue.system_for(procedure_id, province_code).agency`` (None: province only).
        The increments share the dossier's hash tag and go in one MULTI/EXEC transaction.
        """
        tag = keys.tag_of_code(code)
        if tag is None:
            raise ValueError(f"code: malformed dossier code {code!r}")
        if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd < 0:
            raise ValueError(f"amount_vnd: need an integer >= 0, got {amount_vnd!r}")
        async with timed("statistics_payment"), self.redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(keys.stats_provinces(tag), f"{province_code}|payments", 1)
            pipe.hincrby(keys.stats_provinces(tag), f"{province_code}|paid_vnd", amount_vnd)
            if agency is not None:
                pipe.hincrby(keys.stats_agencies(tag), f"{agency}|payments", 1)
                pipe.hincrby(keys.stats_agencies(tag), f"{agency}|paid_vnd", amount_vnd)
            await pipe.execute()
