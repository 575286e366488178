"""A Redis Cluster of S primaries, each with one replica in another site, made of private
``redis-server`` processes (AOF on) and joined with ``redis-cli --cluster``; it fails over by itself
(``cluster-node-timeout``), and :func:`takeover` is the operator's step when a site holding most
primaries is lost (a majority of primaries must vote for an automatic failover)."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import redis

from results.exceptions import MissingDependencyError
from stack.data.client import blocking_client
from stack.process import free_port
from stack.redis_server import RedisServer
from stack.topology.spec import Topology

CLI_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 30.0
"""How long the cluster may take to agree on its slots and replicas (assumption: seconds locally)."""

Role = Literal["primary", "replica"]
Fsync = Literal["always", "everysec", "no"]


def redis_cli() -> str:
    path = shutil.which("redis-cli")
    if path is None:
        raise MissingDependencyError(
            "redis-cli was not found; it comes with redis-server (scripts/bootstrap.sh)"
        )
    return path


def cli(host: str, port: int, *args: str, timeout: float = 10.0) -> str:
    """``redis-cli -h host -p port ARGS``'s output (raises on a non-zero exit)."""
    done = subprocess.run(
        [redis_cli(), "-h", host, "-p", str(port), *args],
        capture_output=True, text=True, timeout=timeout, check=True,
    )  # fmt: skip
    return done.stdout.strip()


@dataclass
class ClusterNode:
    """One ``redis-server`` of the cluster: which shard it started as, in which site and role."""

    shard: int
    site: int
    started_as: Role
    host: str
    port: int
    server: RedisServer
    bus_port: int = 0

    @property
    def name(self) -> str:
        return f"redis-s{self.shard}-{self.started_as}"

    @property
    def addr(self) -> str:
        return f"{self.host}:{self.port}"

    def role(self) -> str:
        """``master`` or ``slave`` now (or ``down`` when it does not answer)."""
        try:
            return cli(self.host, self.port, "role").splitlines()[0]
        except (subprocess.SubprocessError, IndexError):
            return "down"


def cluster_server(
    data_dir: Path, host: str, port: int, bus_port: int, appendfsync: Fsync, node_timeout_ms: int
) -> RedisServer:
    """A cluster-enabled ``redis-server`` on ``host`` (and 127.0.0.1 for its readiness ping) announcing
    ``host``; its nodes.conf in ``data_dir`` keeps its identity across a restart."""
    extra = (
        "--bind", host, "127.0.0.1",
        "--cluster-enabled", "yes",
        # The bus on a port picked like the others (port + 10000, the default, may be an ephemeral one).
        "--cluster-port", str(bus_port),
        "--cluster-config-file", str(data_dir / "nodes.conf"),
        "--cluster-node-timeout", str(node_timeout_ms),
        "--cluster-announce-ip", host,
        # A replica may always take over, however long it was cut off: the primary's data is lost anyway.
        "--cluster-replica-validity-factor", "0",
        # Shards that are up keep serving while another one fails over.
        "--cluster-require-full-coverage", "no",
    )  # fmt: skip
    return RedisServer(data_dir, port=port, appendfsync=appendfsync, extra_args=extra)


class RedisClusterSet:
    """The cluster's processes. ``start(run)`` hands each process to ``run`` (the launcher's start and
    readiness wait, which also records it for stopping), then joins them into one cluster."""

    def __init__(self, topology: Topology, data_dir: Path, appendfsync: Fsync) -> None:
        self.topology = topology
        self.data_dir = data_dir
        self.appendfsync = appendfsync
        self.nodes: list[ClusterNode] = []
        for shard in range(1, topology.shards + 1):
            for role, site in (
                ("primary", topology.primary_site(shard)),
                ("replica", topology.replica_site(shard)),
            ):
                host = topology.redis_host(site)
                port = free_port()  # bound on 127.0.0.1 too (its readiness ping)
                folder = data_dir / f"redis-s{shard}-{role}"
                bus = free_port()
                server = cluster_server(folder, host, port, bus, appendfsync, topology.node_timeout_ms)
                node = ClusterNode(shard, site, role, host, port, server, bus)  # type: ignore[arg-type]
                server.name = node.name
                self.nodes.append(node)

    @property
    def url(self) -> str:
        """Startup nodes for the cluster client: every node, comma-separated (any one that answers)."""
        return "redis://" + ",".join(n.addr for n in self.nodes) + "/0"

    def node(self, name: str) -> ClusterNode:
        return next(n for n in self.nodes if n.name == name)

    def start(self, run: Callable[[RedisServer], None]) -> None:
        for node in self.nodes:
            run(node.server)
        primaries = [n for n in self.nodes if n.started_as == "primary"]
        subprocess.run(
            [redis_cli(), "--cluster", "create", *(n.addr for n in primaries), "--cluster-replicas", "0",
             "--cluster-yes"],
            check=True, capture_output=True, timeout=CLI_TIMEOUT_S,
        )  # fmt: skip
        self.wait_ok(primaries)
        first = primaries[0]
        for replica in (n for n in self.nodes if n.started_as == "replica"):
            primary = next(n for n in primaries if n.shard == replica.shard)
            primary_id = cli(primary.host, primary.port, "cluster", "myid")
            subprocess.run(
                [redis_cli(), "--cluster", "add-node", replica.addr, first.addr, "--cluster-slave",
                 "--cluster-master-id", primary_id],
                check=True, capture_output=True, timeout=CLI_TIMEOUT_S,
            )  # fmt: skip
        self.wait_replicated()
        self.wait_ok()

    def wait_ok(self, nodes: list[ClusterNode] | None = None, timeout: float = READY_TIMEOUT_S) -> None:
        """Until every live node (of ``nodes``, default all) reports ``cluster_state:ok``."""
        deadline = time.monotonic() + timeout
        info = ""
        while time.monotonic() < deadline:
            live = [n for n in (nodes or self.nodes) if n.server.running]
            infos = [_info(n) for n in live]
            if infos and all("cluster_state:ok" in i for i in infos):
                return
            info = next((i for i in infos if "cluster_state:ok" not in i), "")
            time.sleep(0.2)
        raise RuntimeError(f"the Redis Cluster is not ok after {timeout:g} s: {info[:300]}")

    def wait_replicated(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Until every primary now (after any failover) has a replica in sync."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            primaries = self.primaries_now()
            if len(primaries) == self.topology.shards and all(_has_replica(n) for n in primaries):
                return
            time.sleep(0.2)
        raise RuntimeError(f"a Redis Cluster primary has no replica after {timeout:g} s")

    def primaries_now(self) -> list[ClusterNode]:
        """The nodes that are primaries now (after any failover)."""
        return [n for n in self.nodes if n.server.running and n.role() == "master"]

    def holding(self, key: str) -> ClusterNode:
        """The node that is ``key``'s primary now."""
        client = blocking_client(self.url, cluster=True)
        assert isinstance(client, redis.RedisCluster)
        try:
            owner = client.get_node_from_key(key)  # type: ignore[no-untyped-call]
        finally:
            client.close()
        return next(n for n in self.nodes if (n.host, n.port) == (owner.host, int(owner.port)))

    def restart(self, node: ClusterNode) -> RedisServer:
        """Start a stopped node again on its port and data folder: it rejoins (as a replica when it was
        failed over meanwhile)."""
        folder = self.data_dir / node.name
        node.server = cluster_server(
            folder, node.host, node.port, node.bus_port, self.appendfsync, self.topology.node_timeout_ms
        )
        node.server.name = node.name
        node.server.start()
        node.server.wait_ready(READY_TIMEOUT_S)
        return node.server


def takeover(node: ClusterNode) -> str:
    """``CLUSTER FAILOVER TAKEOVER`` on a replica whose primary is gone along with most primaries: the
    replica takes the shard without a vote (the runbook's step for a declared site loss)."""
    return cli(node.host, node.port, "cluster", "failover", "takeover")


def _info(node: ClusterNode) -> str:
    try:
        return cli(node.host, node.port, "cluster", "info")
    except subprocess.SubprocessError:
        return ""


def _has_replica(node: ClusterNode) -> bool:
    try:
        out = cli(node.host, node.port, "info", "replication")
    except subprocess.SubprocessError:
        return False
    return "connected_slaves:0" not in out and "slave0:" in out and "state=online" in out
