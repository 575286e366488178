"""A private ``redis-server`` for the local stack and the tests: its own data folder, AOF on, a free
port on 127.0.0.1, never the system-wide server."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Literal

from results.exceptions import MissingDependencyError
from stack.process import ManagedProcess, free_port

INSTALL_HINT = (
    "redis-server was not found on PATH. Run scripts/bootstrap.sh (installs it with apt-get when run as "
    "root), or install it yourself: 'sudo apt-get install redis-server' on Debian/Ubuntu, "
    "'brew install redis' on macOS."
)


def redis_server_binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        raise MissingDependencyError(INSTALL_HINT)
    return path


def _pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer(ManagedProcess):
    """``redis-server`` with AOF on; ``url`` once started. Stopping it (SIGTERM) flushes the AOF."""

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int = 0,
        appendfsync: Literal["always", "everysec", "no"] = "everysec",
        maxmemory_mb: int = 0,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.port = port or free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir = data_dir
        argv = [
            redis_server_binary(),
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(data_dir),
            "--appendonly", "yes",
            "--appendfsync", appendfsync,
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
        ]  # fmt: skip
        if maxmemory_mb:
            argv += ["--maxmemory", f"{maxmemory_mb}mb", "--maxmemory-policy", "noeviction"]
        argv += extra_args
        super().__init__(
            "redis",
            argv,
            ready_check=lambda: _pings(self.port),
            log_path=data_dir / "redis.log",
        )

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"
