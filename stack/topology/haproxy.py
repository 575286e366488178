"""HAProxy (Debian's package) in front of the app nodes: health checks on ``/readyz``, draining through
its admin socket, and its built-in Prometheus exporter on a stats port."""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from results.exceptions import ConfigError, MissingDependencyError
from stack.process import ManagedProcess

CHECK_INTER_MS = 500
"""Assumption: a health check every 0.5 s per node ..."""
CHECK_FALL = 2
"""... two failed in a row take a node out (about 1 s), ..."""
CHECK_RISE = 2
"""... two passed bring it back."""
TIMEOUT_CONNECT_S = 2
TIMEOUT_IO_S = 60
"""Assumption: as long as the slowest journey step a drill allows (a slow e-ID, a back-office wait)."""
MAXCONN = 4096
"""Assumption: far above what a drill on one machine opens."""
SOCKET_PATH_MAX = 100
"""A Unix socket path longer than about 107 bytes cannot be bound."""
ServerState = str  # "ready", "drain" or "maint" (HAProxy's admin states)
SERVER_STATES = ("ready", "drain", "maint")


@dataclass(frozen=True, slots=True)
class Backend:
    name: str
    host: str
    port: int


def haproxy_binary() -> str:
    path = shutil.which("haproxy")
    if path is None:
        raise MissingDependencyError(
            "haproxy was not found on PATH; the multi-node topology needs it: run "
            "'scripts/bootstrap.sh haproxy' (apt-get as root) or 'sudo apt-get install haproxy'"
        )
    return path


def render_config(port: int, stats_port: int, admin_socket: Path, servers: Sequence[Backend]) -> str:
    """The whole haproxy.cfg: one HTTP frontend on 127.0.0.1:port, round-robin over the nodes, retrying
    only requests that never reached a node (a refused connection), never one a node may have applied."""
    lines = [
        "global",
        f"    maxconn {MAXCONN}",
        f"    stats socket {admin_socket} mode 600 level admin",
        "defaults",
        "    mode http",
        f"    timeout connect {TIMEOUT_CONNECT_S}s",
        f"    timeout client {TIMEOUT_IO_S}s",
        f"    timeout server {TIMEOUT_IO_S}s",
        "    retries 2",
        "    option redispatch",
        "    retry-on conn-failure",
        "frontend portal",
        f"    bind 127.0.0.1:{port}",
        "    default_backend nodes",
        "frontend stats",
        f"    bind 127.0.0.1:{stats_port}",
        "    http-request use-service prometheus-exporter if { path /metrics }",
        "    stats enable",
        "    stats uri /stats",
        "backend nodes",
        "    balance roundrobin",
        "    option httpchk GET /readyz",
        "    http-check expect status 200",
        f"    default-server inter {CHECK_INTER_MS}ms fall {CHECK_FALL} rise {CHECK_RISE}",
    ]
    lines += [f"    server {s.name} {s.host}:{s.port} check" for s in servers]
    return "\n".join(lines) + "\n"


class HAProxy(ManagedProcess):
    """``haproxy -db -f haproxy.cfg`` in the foreground; ready when its stats port answers."""

    def __init__(self, data_dir: Path, port: int, stats_port: int, servers: Sequence[Backend]) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        sock = data_dir / "haproxy.sock"
        if len(str(sock)) > SOCKET_PATH_MAX:
            sock = Path(tempfile.mkdtemp(prefix="cuaso-ha-")) / "admin.sock"
        self.admin_socket = sock
        self.port = port
        self.stats_port = stats_port
        self.servers = tuple(servers)
        config = data_dir / "haproxy.cfg"
        config.write_text(render_config(port, stats_port, sock, servers))
        super().__init__(
            "haproxy",
            [haproxy_binary(), "-db", "-f", str(config)],
            ready_url=f"http://127.0.0.1:{stats_port}/metrics",
            log_path=data_dir / "haproxy.log",
        )

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.stats_port}/metrics"

    def command(self, line: str) -> str:
        """One command on the admin socket (``show servers state``, ``set server ...``); its answer."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(5.0)
            sock.connect(str(self.admin_socket))
            sock.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode(errors="replace")

    def set_state(self, server: str, state: ServerState) -> str:
        """``drain`` (no new requests, in-flight ones finish), ``maint`` (out) or ``ready`` (back)."""
        if state not in SERVER_STATES:
            raise ConfigError("state", state, f"need one of {', '.join(SERVER_STATES)}")
        if server not in {s.name for s in self.servers}:
            raise ConfigError("server", server, "not a server of the balancer")
        return self.command(f"set server nodes/{server} state {state}").strip()

    def server_status(self) -> dict[str, str]:
        """Each node's status as the balancer sees it (``UP``, ``DOWN``, ``DRAIN``, ``MAINT``...)."""
        out = self.command("show stat")
        header: list[str] = []
        status: dict[str, str] = {}
        for line in out.splitlines():
            if line.startswith("# "):
                header = line[2:].split(",")
                continue
            fields = line.split(",")
            if header and len(fields) >= len(header) - 1 and fields[0] == "nodes" and fields[1] != "BACKEND":
                status[fields[1]] = fields[header.index("status")]
        return status
