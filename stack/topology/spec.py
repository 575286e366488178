"""What a multi-node local topology is: K app nodes over two sites, S Redis Cluster shards, where each
process listens. Plain, validated data, parsed from ``--topology nodes=4,sites=2,shards=3``.

Addresses are on the loopback network 127.0.0.0/8 (Linux answers on all of it without configuration):
app node ``i`` (from 1) listens on ``127.0.1.i``, the Redis nodes of site ``s`` (from 0) on ``127.0.2.(s+1)``,
the balancer and the shared simulated outside systems stay on 127.0.0.1.
"""

from __future__ import annotations

from dataclasses import dataclass

from results.exceptions import ConfigError

NODE_NET = "127.0.1"
"""App node ``i`` listens on ``127.0.1.i``."""
REDIS_NET = "127.0.2"
"""The Redis nodes of site ``s`` listen on ``127.0.2.(s+1)``."""
SITE_NAMES = ("a", "b", "c", "d")
MAX_NODES = 64
"""Assumption: more app nodes than this on one machine measure nothing but the machine."""
MIN_SHARDS = 3
"""``redis-cli --cluster create`` needs at least three primaries."""
MAX_SHARDS = 16
NODE_WORKERS = 1
"""Assumption: one uvicorn worker per app node by default (a 2-core machine runs K nodes at once)."""
NODE_FORWARDERS = 1
"""Assumption: one outbox forwarder per node by default; a lost node's entries are claimed by another's."""
CLUSTER_NODE_TIMEOUT_MS = 1500
"""Assumption: a Redis node unreachable for 1.5 s is failed over (small, so drills see failovers fast;
production clusters use 5-15 s to ride out network blips)."""
KEYS = ("nodes", "sites", "shards", "workers", "forwarders", "node_timeout_ms")


@dataclass(frozen=True, slots=True)
class Topology:
    """K app nodes round-robin over ``sites`` sites, each with ``workers`` uvicorn workers and
    ``forwarders`` outbox forwarders; a Redis Cluster of ``shards`` primaries, shard ``j``'s primary in
    site ``j mod sites`` and its one replica in the next site."""

    nodes: int = 4
    sites: int = 2
    shards: int = 3
    workers: int = NODE_WORKERS
    forwarders: int = NODE_FORWARDERS
    node_timeout_ms: int = CLUSTER_NODE_TIMEOUT_MS

    def __post_init__(self) -> None:
        if not 2 <= self.sites <= len(SITE_NAMES):
            raise ConfigError("sites", self.sites, f"need 2..{len(SITE_NAMES)} (a replica in another site)")
        if not self.sites <= self.nodes <= MAX_NODES:
            raise ConfigError("nodes", self.nodes, f"need sites ({self.sites})..{MAX_NODES}: a node per site")
        if not MIN_SHARDS <= self.shards <= MAX_SHARDS:
            raise ConfigError(
                "shards", self.shards, f"need {MIN_SHARDS}..{MAX_SHARDS} Redis Cluster primaries"
            )
        if self.workers < 1:
            raise ConfigError("workers", self.workers, "need at least 1 uvicorn worker per node")
        if self.forwarders < 0:
            raise ConfigError("forwarders", self.forwarders, "need 0 or more forwarders per node")
        if not 100 <= self.node_timeout_ms <= 60_000:
            raise ConfigError("node_timeout_ms", self.node_timeout_ms, "need 100..60000 ms")

    def site_of_node(self, node: int) -> int:
        """The site (from 0) of app node ``node`` (from 1)."""
        return (node - 1) % self.sites

    def node_host(self, node: int) -> str:
        return f"{NODE_NET}.{node}"

    def nodes_of_site(self, site: int) -> tuple[int, ...]:
        return tuple(n for n in range(1, self.nodes + 1) if self.site_of_node(n) == site)

    def primary_site(self, shard: int) -> int:
        """The site (from 0) of shard ``shard``'s (from 1) primary at start."""
        return (shard - 1) % self.sites

    def replica_site(self, shard: int) -> int:
        return shard % self.sites

    def redis_host(self, site: int) -> str:
        return f"{REDIS_NET}.{site + 1}"

    @staticmethod
    def site_name(site: int) -> str:
        return SITE_NAMES[site]

    def describe(self) -> str:
        return (
            f"{self.nodes} nodes ({self.workers} workers, {self.forwarders} forwarders each) over "
            f"{self.sites} sites; Redis Cluster of {self.shards} primaries, a replica each in another site"
        )


def parse_topology(text: str | None) -> Topology | None:
    """``--topology``: None, empty or ``single`` is the single node; else ``key=value`` pairs separated
    by commas (keys: nodes, sites, shards, workers, forwarders, node_timeout_ms)."""
    if text is None or text.strip() in ("", "single"):
        return None
    values: dict[str, int] = {}
    for item in (part.strip() for part in text.split(",") if part.strip()):
        key, sep, raw = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in KEYS:
            raise ConfigError("--topology", item, f"need key=value with a key of {', '.join(KEYS)}")
        try:
            values[key] = int(raw)
        except ValueError:
            raise ConfigError(f"--topology {key}", raw, "need a whole number") from None
    return Topology(**values)
