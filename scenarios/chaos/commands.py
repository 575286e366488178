"""Faults the operator injects with their own commands: ``--fault-command NAME@T_S=COMMAND``.

Against a system cuaso did not start (``cuaso chaos --host URL``) cuaso cannot SIGKILL its processes or
restart its Redis; the people who run it can (``kubectl delete pod …``, ``ssh app3 sudo systemctl
restart portal``, ``docker pause …``). A fault command is such a command, run on this machine at
``T_S`` seconds into the drill by ``/bin/sh -c``, in its own process group, with a time limit. Its
output (stdout and stderr together) goes to ``DIR/faults/NAME-T_S.log`` and its exit status into the
audit, as a ``start`` and an ``end`` record. A command that exits non-zero or overruns its limit is
recorded as not ok (its process group is killed), like a built-in fault that could not be injected.

Commands run in threads, so a long one (``kill -STOP …; sleep 5; kill -CONT …``) does not hold back the
schedule; the runner waits for every one of them before the audit.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from results.exceptions import ConfigError
from scenarios.chaos.injectors import FaultRecord
from scenarios.chaos.schedule import FAULT_KINDS

COMMAND_TIMEOUT_S = 60.0
"""Assumption: a fault command (restart a pod, pause a process for a few seconds) ends within a minute;
past ``--fault-timeout`` its process group is killed and the fault recorded as not ok."""
KILL_GRACE_S = 5.0
"""How long an overrunning command gets between SIGTERM and SIGKILL."""
LAST_LINE_CHARS = 120
"""At most this much of a command's last output line goes into the audit's detail (the log has it all)."""
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class FaultCommand:
    """The command ``command`` run at ``at_s`` seconds into the drill, called ``name`` in the audit."""

    name: str
    at_s: float
    command: str

    @classmethod
    def parse(cls, text: str) -> FaultCommand:
        """``NAME@T_S=COMMAND``, e.g. ``pause-app@10=docker pause app; sleep 5; docker unpause app``."""
        head, sep, command = text.partition("=")
        name, at, when = head.strip().rpartition("@")
        example = "e.g. restart-app@20=ssh app1 sudo systemctl restart portal"
        if not sep or not at or not command.strip():
            raise ConfigError("--fault-command", text, f"must look like NAME@SECONDS=COMMAND, {example}")
        if not _NAME.fullmatch(name):
            raise ConfigError("--fault-command", text, f"name {name!r}: letters, digits, '-', '_' or '.'")
        if name in FAULT_KINDS:
            raise ConfigError("--fault-command", text, f"{name!r} names a built-in fault; pick another name")
        try:
            at_s = float(when)
        except ValueError:
            raise ConfigError("--fault-command", text, f"{when!r} is not a number of seconds") from None
        if not at_s >= 0:
            raise ConfigError("--fault-command", text, "the time must be >= 0 seconds into the drill")
        return cls(name, at_s, command.strip())

    @property
    def log_name(self) -> str:
        return f"{self.name}-{self.at_s:g}s.log"


def check_within(commands: tuple[FaultCommand, ...], duration_s: float) -> None:
    """Every command starts during the drill."""
    for fault in commands:
        if fault.at_s >= duration_s:
            where = f"{fault.name}@{fault.at_s:g}"
            raise ConfigError("--fault-command", where, f"starts after the drill ({duration_s:g} s)")


class CommandFaults:
    """Runs fault commands in threads, each recording a start and an end :class:`FaultRecord`."""

    def __init__(self, log_dir: Path, timeout_s: float, t0: float, say: Callable[[str], None]) -> None:
        if not timeout_s > 0:
            raise ConfigError("--fault-timeout", timeout_s, "must be > 0 seconds")
        self.log_dir = log_dir
        self.timeout_s = timeout_s
        self.t0 = t0  # the drill's start, a time.monotonic()
        self.say = say
        self.records: list[FaultRecord] = []
        self._threads: list[threading.Thread] = []

    def now(self) -> float:
        """Seconds since the drill started."""
        return time.monotonic() - self.t0

    def start(self, fault: FaultCommand) -> None:
        thread = threading.Thread(target=self._run, args=(fault,), name=f"fault-{fault.name}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def wait(self) -> None:
        """Wait for every command started (each is bounded by its time limit)."""
        for thread in self._threads:
            thread.join(self.timeout_s + 2 * KILL_GRACE_S)

    def _record(self, fault: FaultCommand, phase: str, ok: bool, detail: str) -> None:
        record = FaultRecord(fault.name, "start" if phase == "start" else "end", self.now(), ok, detail)
        self.records.append(record)
        self.say(f"chaos: {record.at_s:6.1f}s {fault.name} {phase}: {detail}")

    def _run(self, fault: FaultCommand) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / fault.log_name
        began = time.monotonic()
        with log_path.open("wb") as log:
            log.write(f"$ {fault.command}\n".encode())
            log.flush()
            try:
                proc = subprocess.Popen(  # the operator's own shell command, by design
                    fault.command, shell=True, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            except OSError as exc:
                self._record(fault, "start", False, f"could not start /bin/sh: {exc}")
                return
            self._record(fault, "start", True, f"pid {proc.pid}: {fault.command}")
            try:
                code: int | None = proc.wait(self.timeout_s)
            except subprocess.TimeoutExpired:
                code = None
                _kill_group(proc)
        took = time.monotonic() - began
        where = f"output: {log_path}"
        last = _last_line(log_path)
        shown = f"; last line: {last}" if last else ""
        if code is None:
            self._record(fault, "end", False, f"timed out after {self.timeout_s:g} s, killed ({where})")
        else:
            self._record(fault, "end", code == 0, f"exit {code} after {took:.1f} s ({where}{shown})")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's process group, then SIGKILL whatever of it is left."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(KILL_GRACE_S)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _last_line(path: Path) -> str:
    lines = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    last = lines[-1].strip() if len(lines) > 1 else ""  # the first line is the command itself
    return last[:LAST_LINE_CHARS]
