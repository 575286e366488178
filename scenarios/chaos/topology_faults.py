"""Injectors of the multi-node topology's faults (``cuaso chaos --topology ...``):

- ``node-loss``: every process of one app node (its uvicorn supervisor and workers, its forwarders) is
  SIGKILLed; HAProxy's health checks take it out; at the end of the window it is started again.
- ``primary-failover``: one Redis primary is SIGKILLed; the cluster promotes its replica in the other site
  by itself (``cluster-node-timeout``); at the end the old primary restarts and rejoins as a replica.
- ``site-loss``: a whole site is lost: its app nodes and its Redis nodes (primaries and replicas). Where
  the lost site held most primaries no majority is left to vote, so after the automatic failover had its
  chance the drill plays the runbook's step for a declared site loss: ``CLUSTER FAILOVER TAKEOVER`` on
  each surviving replica whose primary is gone. At the end the site comes back (Redis nodes as replicas).

Victims are chosen by a seeded random source, so a drill is repeatable.
"""

from __future__ import annotations

import random
import time

from scenarios.chaos.schedule import FaultEvent
from stack.topology.haproxy import CHECK_FALL, CHECK_INTER_MS
from stack.topology.redis_cluster import ClusterNode, takeover
from stack.topology.runtime import TopologyRuntime

FAILOVER_GRACE = 3.0
"""Assumption: the cluster gets three node timeouts to promote a replica by itself before the takeover."""
SETTLE_S = 30.0
"""Longest wait for the balancer or the cluster to notice a change before the detail says it did not."""


class TopologyInjector:
    def __init__(self, runtime: TopologyRuntime, seed: int) -> None:
        self.runtime = runtime
        self.topology = runtime.topology
        self.rng = random.Random(f"{seed}:topology")
        self._lost_node: int | None = None
        self._lost_primary: ClusterNode | None = None
        self._lost_site: int | None = None

    def start(self, event: FaultEvent) -> str:
        match event.kind:
            case "node-loss":
                return self.lose_node()
            case "primary-failover":
                return self.lose_primary()
            case "site-loss":
                return self.lose_site()
            case _:
                raise ValueError(f"not a topology fault: {event.kind}")

    def end(self, event: FaultEvent) -> str:
        match event.kind:
            case "node-loss":
                return self.restore_node()
            case "primary-failover":
                return self.restore_primary()
            case "site-loss":
                return self.restore_site()
            case _:
                raise ValueError(f"not a topology fault: {event.kind}")

    # ------------------------------------------------------------------ one node
    def lose_node(self, node: int | None = None) -> str:
        """Lose app node ``node`` (default: a seeded random one)."""
        node = node or self.rng.randint(1, self.topology.nodes)
        pids = self.runtime.kill_node(node)
        self._lost_node = node
        name = self.runtime.node_name(node)
        took = self._until_balancer(name, "DOWN")
        return f"SIGKILL {name} (pids {', '.join(map(str, pids))}); balancer: {took}"

    def restore_node(self) -> str:
        if self._lost_node is None:
            return "no node was lost"
        node, self._lost_node = self._lost_node, None
        self.runtime.restart_node(node)
        name = self.runtime.node_name(node)
        return f"{name} started again; balancer: {self._until_balancer(name, 'UP')}"

    def _until_balancer(self, server: str, status: str) -> str:
        haproxy = self.runtime.haproxy
        if haproxy is None:
            return "no balancer"
        start = time.monotonic()
        seen = ""
        while time.monotonic() - start < SETTLE_S:
            seen = haproxy.server_status().get(server, "")
            if seen.startswith(status):
                return f"{status} after {time.monotonic() - start:.1f} s"
            time.sleep(CHECK_INTER_MS / 1000 / CHECK_FALL)
        return f"still {seen or 'unknown'} after {SETTLE_S:g} s"

    # ------------------------------------------------------------------ one primary
    def lose_primary(self) -> str:
        primaries = sorted(self.runtime.cluster.primaries_now(), key=lambda n: n.name)
        victim = self.rng.choice(primaries)
        self.runtime.kill_redis(victim)
        self._lost_primary = victim
        promoted = self._until_promoted([victim], FAILOVER_GRACE * 2)
        return f"SIGKILL primary {victim.name} ({victim.addr}); {promoted}"

    def restore_primary(self) -> str:
        if self._lost_primary is None:
            return "no primary was lost"
        node, self._lost_primary = self._lost_primary, None
        self.runtime.restart_redis(node)
        self.runtime.cluster.wait_replicated(SETTLE_S)
        return f"{node.name} started again: now {node.role()}; every primary has a replica"

    def _until_promoted(self, lost: list[ClusterNode], timeout_s: float) -> str:
        """Wait until each lost node's shard has a live primary; names those that do not."""
        deadline = time.monotonic() + timeout_s * self.topology.node_timeout_ms / 1000
        start = time.monotonic()
        while True:
            orphans = self._orphans(lost)
            if not orphans or time.monotonic() >= deadline:
                break
            time.sleep(0.2)
        if orphans:
            return f"not promoted by the cluster: {', '.join(n.name for n in orphans)}"
        return f"promoted {', '.join(self._promoted(lost))} in {time.monotonic() - start:.1f} s"

    def _orphans(self, lost: list[ClusterNode]) -> list[ClusterNode]:
        """Live replicas of a lost node's shard where that shard has no live primary."""
        live = [n for n in self.runtime.cluster.nodes if n.server.running]
        orphans = []
        for shard in {n.shard for n in lost}:
            mates = [n for n in live if n.shard == shard]
            if mates and not any(n.role() == "master" for n in mates):
                orphans += mates
        return orphans

    def _promoted(self, lost: list[ClusterNode]) -> list[str]:
        shards = {n.shard for n in lost}
        return [n.name for n in self.runtime.cluster.nodes
                if n.shard in shards and n.server.running and n.role() == "master"]  # fmt: skip

    # ------------------------------------------------------------------ one site
    def lose_site(self, site: int | None = None) -> str:
        """Lose site ``site`` (from 0; default: a seeded random one)."""
        site = self.rng.randrange(self.topology.sites) if site is None else site
        nodes = self.topology.nodes_of_site(site)
        for node in nodes:
            self.runtime.kill_node(node)
        redis_nodes = [n for n in self.runtime.redis_nodes_of_site(site) if n.server.running]
        for rn in redis_nodes:
            self.runtime.kill_redis(rn)
        self._lost_site = site
        detail = self._until_promoted(redis_nodes, FAILOVER_GRACE)
        orphans = self._orphans(redis_nodes)
        for replica in orphans:
            takeover(replica)
        if orphans:
            detail += (
                f"; TAKEOVER on {', '.join(n.name for n in orphans)}: {self._until_promoted(redis_nodes, 10)}"
            )
        names = ", ".join(self.runtime.node_name(n) for n in nodes)
        lost = ", ".join(n.name for n in redis_nodes)
        return f"site {self.topology.site_name(site)} lost: {names}, {lost}; {detail}"

    def restore_site(self) -> str:
        if self._lost_site is None:
            return "no site was lost"
        site, self._lost_site = self._lost_site, None
        for rn in self.runtime.redis_nodes_of_site(site):
            if not rn.server.running:
                self.runtime.restart_redis(rn)
        self.runtime.cluster.wait_replicated(SETTLE_S)
        for node in self.topology.nodes_of_site(site):
            self.runtime.restart_node(node)
        return (
            f"site {self.topology.site_name(site)} back: Redis nodes rejoined as replicas, app nodes started"
        )
