"""The multi-node part of a :class:`~stack.launcher.LocalStack` started with a topology: the Redis
Cluster, then K app nodes (each a uvicorn supervisor with its workers and its forwarders, on its own
loopback address) and HAProxy in front of them on the stack's port. The simulated outside systems stay
shared (the launcher starts them on 127.0.0.1 as for a single node).

Every process goes through the launcher's ``_run`` so that the launcher stops them all; the methods
below are also what the chaos injectors use to lose and bring back a node, a primary or a site.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Literal, Protocol

from stack.process import ManagedProcess, free_port
from stack.prometheus import ScrapeTarget
from stack.topology.haproxy import Backend, HAProxy
from stack.topology.redis_cluster import ClusterNode, RedisClusterSet
from stack.topology.spec import Topology


class _Options(Protocol):
    @property
    def appendfsync(self) -> Literal["always", "everysec", "no"]: ...
    @property
    def loop(self) -> str: ...
    @property
    def extra_env(self) -> tuple[tuple[str, str], ...]: ...


class LocalStack(Protocol):
    """What the runtime uses of :class:`stack.launcher.LocalStack` (which holds the runtime)."""

    @property
    def options(self) -> _Options: ...

    data_dir: Path
    port: int
    redis_url: str
    processes: dict[str, ManagedProcess]

    def _run(self, proc: ManagedProcess, timeout: float = 30.0) -> None: ...
    def portal_env(self) -> dict[str, str]: ...
    def linked_env(self) -> dict[str, str]: ...


PY = sys.executable
NODE_READY_TIMEOUT_S = 90.0
"""Assumption: K nodes build their catalogue at once on a 2-core machine; each is ready within 90 s."""
WAIT_REPLICAS = 1
"""Writes a 2xx acknowledges wait for this many replicas (docs/durability.md, "Across a failover")."""


class TopologyRuntime:
    """Starts and holds the cluster, the nodes and the balancer of ``stack`` (``stack.options.topology``)."""

    def __init__(self, stack: LocalStack, topology: Topology) -> None:
        self.stack = stack
        self.topology = topology
        self.cluster = RedisClusterSet(topology, stack.data_dir / "cluster", stack.options.appendfsync)
        self.node_ports = {n: free_port(topology.node_host(n)) for n in range(1, topology.nodes + 1)}
        self.forwarder_ports = {
            (n, f): free_port(topology.node_host(n))
            for n in range(1, topology.nodes + 1)
            for f in range(1, topology.forwarders + 1)
        }
        self.stats_port = free_port()
        self.haproxy: HAProxy | None = None

    # ------------------------------------------------------------------ start
    def start_data(self) -> None:
        self.cluster.start(lambda server: self.stack._run(server))
        self.stack.redis_url = self.cluster.url

    def start_app(self) -> None:
        for node in range(1, self.topology.nodes + 1):
            for proc in self.node_processes(node):
                self.stack.processes[proc.name] = proc
                proc.start()
        for node in range(1, self.topology.nodes + 1):
            for proc in self.node_processes_running(node):
                proc.wait_ready(NODE_READY_TIMEOUT_S)
        servers = [
            Backend(self.node_name(n), self.topology.node_host(n), p) for n, p in self.node_ports.items()
        ]
        self.haproxy = HAProxy(self.stack.data_dir / "haproxy", self.stack.port, self.stats_port, servers)
        self.stack._run(self.haproxy)

    # ------------------------------------------------------------------ nodes
    @staticmethod
    def node_name(node: int) -> str:
        return f"node-{node}"

    def node_env(self, node: int) -> dict[str, str]:
        """The portal's settings on ``node``: cluster client, WAIT for a replica, own metrics folder."""
        env = self.stack.portal_env()
        metrics_dir = self.stack.data_dir / self.node_name(node) / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        env |= {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)} | self.cluster_env()
        return env | dict(self.stack.options.extra_env)

    def cluster_env(self) -> dict[str, str]:
        return {
            "CUASO_REDIS_URL": self.cluster.url,
            "CUASO_REDIS_CLUSTER": "true",
            "CUASO_REDIS_WAIT_REPLICAS": str(WAIT_REPLICAS),
        }

    def node_processes(self, node: int) -> list[ManagedProcess]:
        """Node ``node``'s processes, not started: its portal (uvicorn) and its forwarders."""
        host, port, name = self.topology.node_host(node), self.node_ports[node], self.node_name(node)
        folder = self.stack.data_dir / name
        portal = ManagedProcess(
            f"{name} portal",
            [PY, "-m", "uvicorn", "stack.app.main:create_app", "--factory",
             "--host", host, "--port", str(port), "--workers", str(self.topology.workers),
             "--loop", self.stack.options.loop, "--http", "httptools", "--no-access-log",
             "--log-level", "warning", "--timeout-graceful-shutdown", "5"],
            ready_url=f"http://{host}:{port}/readyz",
            env=self.node_env(node),
            log_path=folder / "portal.log",
        )  # fmt: skip
        procs = [portal]
        linked = self.stack.linked_env() | self.cluster_env() | dict(self.stack.options.extra_env)
        for f in range(1, self.topology.forwarders + 1):
            fport = self.forwarder_ports[(node, f)]
            fname = f"n{node}-forwarder-{f}"
            procs.append(
                ManagedProcess(
                    f"{name} forwarder-{f}",
                    [PY, "-m", "stack.forwarder", "--name", fname, "--metrics-host", host,
                     "--metrics-port", str(fport)],
                    ready_url=f"http://{host}:{fport}/metrics",
                    env=linked,
                    log_path=folder / f"forwarder-{f}.log",
                )
            )  # fmt: skip
        return procs

    def node_processes_running(self, node: int) -> list[ManagedProcess]:
        prefix = self.node_name(node) + " "
        return [p for name, p in self.stack.processes.items() if name.startswith(prefix)]

    def kill_node(self, node: int) -> list[int]:
        """SIGKILL every process of ``node`` (its process groups: supervisor, workers, forwarders)."""
        pids = []
        for proc in self.node_processes_running(node):
            if proc.pid is not None and proc.running:
                pids.append(proc.pid)
            proc.kill()
        return pids

    def restart_node(self, node: int) -> None:
        """Start ``node``'s processes again (fresh ones, same addresses and ports)."""
        fresh = self.node_processes(node)
        for proc in fresh:
            self.stack.processes[proc.name] = proc
            proc.start()
        for proc in fresh:
            proc.wait_ready(NODE_READY_TIMEOUT_S)

    def drain_node(self, node: int) -> str:
        """Tell the balancer to send ``node`` no new requests (in-flight ones finish)."""
        assert self.haproxy is not None
        return self.haproxy.set_state(self.node_name(node), "drain")

    # ------------------------------------------------------------------ redis
    def redis_nodes_of_site(self, site: int) -> list[ClusterNode]:
        return [n for n in self.cluster.nodes if n.site == site]

    def kill_redis(self, node: ClusterNode) -> None:
        node.server.kill()

    def restart_redis(self, node: ClusterNode) -> None:
        server = self.cluster.restart(node)
        self.stack.processes[node.name] = server

    def scrape_targets(self) -> list[ScrapeTarget]:
        """What a watching Prometheus adds for the topology: each node's /metrics and the balancer's."""
        nodes = [ScrapeTarget.from_url("cuaso-portal", url) for url in self.node_urls()]
        return [*nodes, ScrapeTarget("haproxy", f"127.0.0.1:{self.stats_port}")]

    def node_urls(self) -> list[str]:
        return [f"http://{self.topology.node_host(n)}:{p}" for n, p in self.node_ports.items()]

    def urls(self) -> dict[str, str]:
        urls = {"balancer metrics": f"http://127.0.0.1:{self.stats_port}/metrics"}
        for node, port in self.node_ports.items():
            site = self.topology.site_name(self.topology.site_of_node(node))
            urls[f"{self.node_name(node)} (site {site})"] = f"http://{self.topology.node_host(node)}:{port}"
        return urls | {"redis cluster": self.cluster.url}

    @property
    def data_dir(self) -> Path:
        return self.stack.data_dir
