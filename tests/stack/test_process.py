"""ManagedProcess against real child processes on 127.0.0.1."""

from __future__ import annotations

import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from stack.process import ManagedProcess, StartupError, free_port


def http_server(port: int, log_path: Path | None = None) -> ManagedProcess:
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    return ManagedProcess("http", argv, ready_url=f"http://127.0.0.1:{port}/", log_path=log_path)


def test_free_ports_are_distinct_and_below_the_ephemeral_range() -> None:
    """No outgoing connection can take a listening port between its pick and its bind."""
    from stack.process import LISTEN_PORTS

    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == 50
    assert all(LISTEN_PORTS[0] <= p <= LISTEN_PORTS[1] for p in ports)


def test_free_port_can_be_bound() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_starts_serves_and_stops_a_real_child(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "logs" / "http.log"
    proc = http_server(port, log)
    assert proc.pid is None
    assert not proc.running
    with proc:
        assert proc.running
        assert proc.pid is not None
        assert proc.returncode is None
        assert proc.log_path == log
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            assert response.status == 200
    assert not proc.running
    assert proc.returncode == -signal.SIGTERM  # http.server does not catch SIGTERM
    assert log.exists()


def test_stop_is_idempotent_and_safe_before_start(tmp_path: Path) -> None:
    proc = http_server(free_port(), tmp_path / "http.log")
    assert proc.stop() is None  # never started
    proc.start()
    proc.wait_ready(timeout=20)
    first = proc.stop()
    assert first is not None
    assert proc.stop() == first
    assert proc.stop() == first


def test_startup_error_names_process_exit_code_and_log_tail() -> None:
    code = "import sys; print('boom-marker-123', flush=True); sys.exit(3)"
    proc = ManagedProcess("crasher", [sys.executable, "-c", code], ready_url="http://127.0.0.1:9/")
    proc.start()
    with pytest.raises(StartupError) as info:
        proc.wait_ready(timeout=20)
    message = str(info.value)
    assert "crasher" in message
    assert "exit code 3" in message
    assert "boom-marker-123" in message
    assert info.value.returncode == 3
    assert proc.log_path is not None
    assert "boom-marker-123" in proc.log_path.read_text()
    proc.log_path.unlink()


SLEEP = [sys.executable, "-c", "import time; time.sleep(60)"]
STUBBORN = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('armed', flush=True); "
    "time.sleep(60)"
)
"""A child that ignores SIGTERM and says so once it does."""


def stubborn(name: str, argv: list[str], log_path: Path) -> ManagedProcess:
    """A process that is ready once its log says 'armed' (its SIGTERM handler is in place)."""
    proc = ManagedProcess(name, argv, log_path=log_path)
    proc.ready_check = lambda: "armed" in proc.log_tail()
    return proc


def test_startup_error_on_timeout_leaves_it_to_the_caller_to_stop(tmp_path: Path) -> None:
    proc = ManagedProcess("sleeper", SLEEP, ready_check=lambda: False, log_path=tmp_path / "sleeper.log")
    proc.start()
    try:
        with pytest.raises(StartupError, match=r"sleeper: not ready after 0\.3 s \(still running\)"):
            proc.wait_ready(timeout=0.3)
        assert proc.running
    finally:
        assert proc.stop() == -signal.SIGTERM


def test_context_manager_stops_a_child_that_never_gets_ready(tmp_path: Path) -> None:
    proc = ManagedProcess(
        "never", SLEEP, ready_check=lambda: False, ready_timeout=0.2, log_path=tmp_path / "never.log"
    )
    with pytest.raises(StartupError), proc:
        pytest.fail("the body must not run")
    assert not proc.running


def test_stop_leaves_no_orphans_in_the_group(tmp_path: Path) -> None:
    # The shell (group leader) dies on SIGTERM; its child ignores SIGTERM and would outlive it.
    script = f'{sys.executable} -c "{STUBBORN}" & wait'
    proc = stubborn("family", ["sh", "-c", script], tmp_path / "family.log")
    with proc:
        assert proc.pid is not None
        children = _wait_for_children(psutil.Process(proc.pid))
        assert children, "the shell should have spawned its child"
    assert proc.returncode == -signal.SIGTERM
    _gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive


def test_kill_is_sigkill_even_for_a_child_ignoring_sigterm(tmp_path: Path) -> None:
    proc = stubborn("stubborn", [sys.executable, "-c", STUBBORN], tmp_path / "stubborn.log")
    with proc:
        proc.kill()
        assert not proc.running
        assert proc.returncode == -signal.SIGKILL
    assert proc.stop() == -signal.SIGKILL


def test_stop_escalates_to_sigkill_after_timeout(tmp_path: Path) -> None:
    proc = stubborn("stubborn", [sys.executable, "-c", STUBBORN], tmp_path / "stubborn.log")
    proc.start()
    proc.wait_ready(timeout=20)
    assert proc.stop(timeout=0.3) == -signal.SIGKILL


def test_empty_argv_is_refused() -> None:
    with pytest.raises(ValueError, match="argv"):
        ManagedProcess("nothing", [])


def _wait_for_children(parent: psutil.Process) -> list[psutil.Process]:
    for _ in range(100):
        children = parent.children(recursive=True)
        if children:
            return children
        time.sleep(0.05)
    return []
