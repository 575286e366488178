"""Acknowledge a write only once a replica has it (Redis Cluster only): what a 2xx to a submission or a
payment promises when a primary dies (docs/durability.md, "Across a failover").

After the write, one pipeline to the key's primary: a tiny script that checks the record is there and
bumps a marker key in the same slot (a write on this connection, after the record in the primary's
replication stream), then ``WAIT n timeout`` on that same connection (so it covers the marker, hence the
record), then ``ROLE``. Outcomes:

- ``n`` replicas confirmed: acknowledged, a promoted replica has the record;
- fewer, and the primary has no replica connected at all (its replica's site is down): acknowledged on the
  primary's fsync'd append-only file alone: no replica exists that a failover could promote without it;
- fewer while a replica is connected, the record missing (a failover took it), or any error:
  :class:`NotReplicatedError`, answered 503 with Retry-After; the client retries with its key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from prometheus_client import Counter
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisError

from stack.data.client import RedisClient

_CHECK_AND_MARK = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[2]) else return -1 end"
)
_TAG = re.compile(r"\{([^}]+)\}")

ACKS = Counter(
    "cuaso_replicated_acks_total",
    "Writes acknowledged after WAIT, by outcome (replicated, single_copy, refused).",
    ["outcome"],
)


class NotReplicatedError(Exception):
    """A replica did not confirm the write in time while one is connected (or the record is gone)."""


def marker_key(key: str) -> str:
    """A key in ``key``'s slot (same hash tag) that only counts replicated acknowledgements."""
    match = _TAG.search(key)
    tag = match.group(1) if match else key
    return f"w:{{{tag}}}"


@dataclass(frozen=True, slots=True)
class ReplicaWait:
    """``replicas`` 0, or a client that is not a cluster client: nothing to wait for."""

    redis: RedisClient
    replicas: int
    timeout_ms: int

    @property
    def active(self) -> bool:
        return self.replicas > 0 and isinstance(self.redis, RedisCluster)

    async def confirm(self, key: str) -> str:
        """Wait for the replicas of the primary holding ``key``; the outcome (raises NotReplicatedError)."""
        if not self.active:
            return "off"
        assert isinstance(self.redis, RedisCluster)
        try:
            node = self.redis.get_node_from_key(key)
            pipe = self.redis.pipeline()
            pipe.execute_command("EVAL", _CHECK_AND_MARK, 2, key, marker_key(key), target_nodes=node)
            pipe.execute_command("WAIT", self.replicas, self.timeout_ms, target_nodes=node)
            pipe.execute_command("ROLE", target_nodes=node)
            marked, confirmed, role = await pipe.execute()
        except RedisError as exc:
            ACKS.labels("refused").inc()
            raise NotReplicatedError(f"could not confirm replication: {exc}") from exc
        outcome = judge(int(marked), int(confirmed), role, self.replicas)
        ACKS.labels(outcome).inc()
        if outcome == "refused":
            raise NotReplicatedError(
                f"{confirmed} of {self.replicas} replicas confirmed in {self.timeout_ms} ms"
            )
        return outcome


def judge(marked: int, confirmed: int, role: Any, wanted: int) -> str:
    """``replicated``, ``single_copy`` (a primary with no replica connected) or ``refused``."""
    if marked < 0:
        return "refused"  # the record is not on this primary: a failover lost it before the 2xx
    if confirmed >= wanted:
        return "replicated"
    is_primary = bool(role) and _text(role[0]) == "master"
    connected = list(role[2]) if is_primary and len(role) > 2 else [None]
    return "single_copy" if is_primary and not connected else "refused"


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
