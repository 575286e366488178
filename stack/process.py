"""Child-process management for the launcher, the drills and the tests.

A :class:`ManagedProcess` runs one program (a simulator, an app worker, ``redis-server``) in its own
process group, with stdout and stderr going to a log file, and knows when the program is ready (an
HTTP URL answers 2xx, or a caller-supplied check passes). Stopping sends SIGTERM to the whole group,
waits, then SIGKILLs the group, so nothing the program spawned is left behind. When a program dies
during start-up, :class:`StartupError` says which one, how it exited and the end of its log, which is
what a person needs to fix it.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

POLL_INTERVAL_S = 0.05
"""How often :meth:`ManagedProcess.wait_ready` checks readiness (assumption: fast enough not to slow
start-up, slow enough not to load a 2-core machine)."""

READY_PROBE_TIMEOUT_S = 1.0
"""Timeout of one readiness probe request (assumption: a ready local server answers far faster)."""

LOG_TAIL_LINES = 40
"""Lines of the log quoted in a :class:`StartupError` (assumption: enough to show a traceback)."""


LISTEN_PORTS = (20_000, 32_767)
"""Where :func:`free_port` looks first: below Linux's default ephemeral range (32768-60999), so that no
outgoing connection of a process already running (a simulator polling the portal, a client) can take a
port between the moment it is picked and the moment its server binds it."""

_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return LISTEN_PORTS[1] + 1


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that is free right now, outside the ephemeral range when it can be (see
    :data:`LISTEN_PORTS`) and never the same twice in one process; another listener may still take it
    before the caller binds it, which is acceptable for tests and local stacks."""
    low, high = LISTEN_PORTS[0], min(LISTEN_PORTS[1], _ephemeral_low() - 1)
    rng = random.SystemRandom()
    for _ in range(64):
        port = rng.randint(low, high) if high > low else 0
        if port and port not in _handed_out and _bindable(host, port):
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:  # fall back to the OS's choice
        sock.bind((host, 0))
        chosen: int = sock.getsockname()[1]
    _handed_out.add(chosen)
    return chosen


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines of a text file, or an empty string if it cannot be read."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", errors="replace").splitlines()[-lines:])


class StartupError(RuntimeError):
    """A managed process exited or did not become ready; the message names it and quotes its log."""

    def __init__(self, name: str, reason: str, returncode: int | None, log_tail: str) -> None:
        code = "still running" if returncode is None else f"exit code {returncode}"
        super().__init__(f"{name}: {reason} ({code}); last lines of its log:\n{log_tail or '(empty log)'}")
        self.name = name
        self.reason = reason
        self.returncode = returncode
        self.log_tail = log_tail


class ManagedProcess:
    """One child program in its own process group, with a log file and a readiness check.

    ``env`` entries are added to (and override) this process's environment. Without ``log_path`` the
    output goes to a new temporary file, kept after the process ends so that it can still be read.
    ``ready_timeout`` is how long ``with`` waits for readiness.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        ready_url: str | None = None,
        ready_check: Callable[[], bool] | None = None,
        env: Mapping[str, str] | None = None,
        log_path: Path | None = None,
        cwd: Path | None = None,
        ready_timeout: float = 30.0,
    ) -> None:
        if not argv:
            raise ValueError(f"argv: need a program to run for {name!r}, got an empty list")
        self.name = name
        self.argv = tuple(argv)
        self.ready_url = ready_url
        self.ready_check = ready_check
        self.env = dict(env) if env is not None else {}
        self.cwd = cwd
        self.ready_timeout = ready_timeout
        self._log_path = log_path
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    # ------------------------------------------------------------------ properties
    @property
    def pid(self) -> int | None:
        """The process id (also its process group id), or None before :meth:`start`."""
        return self._popen.pid if self._popen is not None else None

    @property
    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status (negative: killed by that signal), or None while running or never started."""
        return self._popen.poll() if self._popen is not None else None

    @property
    def log_path(self) -> Path | None:
        """Where stdout and stderr go (None before :meth:`start` when no path was given)."""
        return self._log_path

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """The last lines of the process's log."""
        return tail(self._log_path, lines) if self._log_path is not None else ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the program in a new session (hence its own process group)."""
        if self._popen is not None:
            raise RuntimeError(f"{self.name}: already started (pid {self._popen.pid})")
        if self._log_path is None:
            fd, raw = tempfile.mkstemp(prefix=f"cuaso-{self.name}-", suffix=".log")
            os.close(fd)
            self._log_path = Path(raw)
        else:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self._log_path.open("ab")
        try:
            self._popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                cwd=self.cwd,
                start_new_session=True,
            )
        except OSError as exc:
            self._close_log()
            raise StartupError(self.name, f"cannot run {self.argv[0]!r}: {exc}", None, "") from exc

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until the program is ready, or raise :class:`StartupError` if it exits or ``timeout``
        seconds pass (the program is left running on timeout: the caller decides to stop it)."""
        if self._popen is None:
            raise RuntimeError(f"{self.name}: wait_ready() before start()")
        deadline = time.monotonic() + timeout
        while True:
            code = self._popen.poll()
            if code is not None:
                raise StartupError(self.name, "exited during start-up", code, self.log_tail())
            if self._is_ready():
                return
            if time.monotonic() >= deadline:
                raise StartupError(self.name, f"not ready after {timeout:g} s", None, self.log_tail())
            time.sleep(POLL_INTERVAL_S)

    def _is_ready(self) -> bool:
        if self.ready_url is not None and not _url_answers_2xx(self.ready_url):
            return False
        return self.ready_check is None or self.ready_check()

    def stop(self, timeout: float = 10.0) -> int | None:
        """SIGTERM the process group, wait up to ``timeout`` s, then SIGKILL it; returns the exit status.

        Idempotent: stopping a stopped (or never started) process returns its status again (None if it
        never started)."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self._popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self._popen.wait()
        self._signal_group(signal.SIGKILL)  # whatever the program left behind in its group
        self._close_log()
        return self._popen.returncode

    def kill(self) -> None:
        """SIGKILL the whole process group now (chaos drills: an abrupt crash)."""
        if self._popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self._popen.wait()
        self._close_log()

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self._popen is not None
        # The group id is the leader's pid; Linux does not reuse it while any group member lives.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._popen.pid, sig)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    # ------------------------------------------------------------------ context manager
    def __enter__(self) -> Self:
        self.start()
        try:
            self.wait_ready(self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"ManagedProcess(name={self.name!r}, pid={self.pid}, returncode={self.returncode})"


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))
"""An opener that ignores ``http_proxy`` settings: readiness probes go straight to the child."""


def _url_answers_2xx(url: str) -> bool:
    try:
        with _DIRECT.open(url, timeout=READY_PROBE_TIMEOUT_S) as response:
            status: int = response.status
            return 200 <= status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False
