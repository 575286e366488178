"""``cuaso chaos --host``: a chaos drill against a system cuaso did not start. The reference stack runs as
someone else's would (started directly, not by the drill); the faults are the operator's own commands
(here: every app worker paused with SIGSTOP for 4 s, then one SIGKILLed, through a pid file); the audit
reads the witness's dossiers and payments back through the portal's API. The built-in faults, which need
the local stack, are refused with --host."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from cuaso.cli import main
from results.exceptions import ConfigError
from scenarios.chaos.audit import load_audit
from scenarios.chaos.commands import CommandFaults, FaultCommand
from stack.launcher import LocalStack, SimFaults, StackOptions

NOWHERE = "http://127.0.0.1:9"  # loopback, so allowed; nothing listens, and nothing is sent there


def test_a_fault_command_is_name_at_seconds_equals_command() -> None:
    fault = FaultCommand.parse("pause-app@12.5=kill -STOP $(cat app.pid); sleep 4; kill -CONT $(cat app.pid)")
    assert (fault.name, fault.at_s) == ("pause-app", 12.5)
    assert fault.command == "kill -STOP $(cat app.pid); sleep 4; kill -CONT $(cat app.pid)"
    assert FaultCommand.parse("a@0=x=y").command == "x=y"  # only the first '=' separates
    for bad, why in (
        ("pause-app=docker pause app", "NAME@SECONDS=COMMAND"),
        ("pause-app@soon=x", "'soon' is not a number"),
        ("pause-app@-1=x", ">= 0"),
        ("pause app@1=x", "name 'pause app'"),
        ("worker-kill@1=x", "built-in fault"),
        ("p@1=  ", "NAME@SECONDS=COMMAND"),
    ):
        with pytest.raises(ConfigError, match=why):
            FaultCommand.parse(bad)


def test_fault_commands_record_exit_output_and_overruns(tmp_path: Path) -> None:
    said: list[str] = []
    runner = CommandFaults(tmp_path, timeout_s=1.0, t0=time.monotonic(), say=said.append)
    runner.start(FaultCommand.parse("fails@0=echo first; echo 'no such pod' >&2; exit 3"))
    runner.start(FaultCommand.parse("hangs@0=echo waiting; sleep 30"))
    runner.start(FaultCommand.parse("works@0=true"))
    began = time.monotonic()
    runner.wait()
    assert time.monotonic() - began < 10  # the overrun was killed at its limit, not waited out
    ends = {r.kind: r for r in runner.records if r.phase == "end"}
    assert not ends["fails"].ok
    assert "exit 3" in ends["fails"].detail
    assert "last line: no such pod" in ends["fails"].detail  # stderr is logged with stdout
    assert not ends["hangs"].ok
    assert "timed out after 1 s, killed" in ends["hangs"].detail
    assert ends["works"].ok
    assert (tmp_path / "hangs-0s.log").read_text() == "$ echo waiting; sleep 30\nwaiting\n"
    assert len([r for r in runner.records if r.phase == "start" and r.ok]) == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--faults", "worker-kill,redis-restart"], "--faults='worker-kill,redis-restart': local-only"),
        (["--faults", "node-loss", "--fault-command", "x@5=true"], "--faults='node-loss': local-only"),
        ([], "against --host the faults are your own commands"),
        (["--fault-command", "late@31=true"], "starts after the drill (30 s)"),
        (["--fault-command", "x@5=true", "--topology", "nodes=2,sites=2,shards=3"], "not with --host"),
    ],
)
def test_chaos_with_host_refuses_local_only_faults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    argv = ["chaos", "steady", "--duration", "30", "--out", str(tmp_path), "--host", NOWHERE, *extra]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "drill").exists()  # refused before anything ran


@pytest.fixture(scope="module")
def their_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The reference stack started as someone else's system would be: not by cuaso's chaos drill."""
    options = StackOptions(
        port=0, workers=2, forwarders=1, data_dir=tmp_path_factory.mktemp("theirs"),
        eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0),
    )  # fmt: skip
    with LocalStack(options) as stack:
        yield stack


def _workers(stack: LocalStack) -> list[int]:
    supervisor = psutil.Process(stack.processes["portal"].pid)
    return sorted(p.pid for p in supervisor.children() if "resource_tracker" not in " ".join(p.cmdline()))


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_remote_chaos_drill_with_your_own_faults_loses_nothing(
    their_portal: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _workers(their_portal)
    assert len(before) == 2
    pids = tmp_path / "app.pids"
    pids.write_text("\n".join(map(str, before)) + "\n")
    pause = f"pause-app@8=kill -STOP $(cat {pids}); ps -o stat= -p $(paste -sd, {pids}); sleep 4; "
    pause += f"kill -CONT $(cat {pids})"
    out = tmp_path / "chaos"
    code = main([
        "chaos", "steady", "--host", their_portal.url, "--duration", "30", "--out", str(out), "--users", "4",
        "--fault-command", pause, "--fault-command", f"kill-worker@18=kill -KILL $(head -n 1 {pids})",
        "--drain", "30",
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    audit = load_audit(out / "audit.json")
    assert audit.passed, audit.reasons
    assert audit.host == their_portal.url
    assert audit.not_checked
    assert audit.faults_by_kind == {"pause-app": 1, "kill-worker": 1}
    assert [(f.kind, f.phase) for f in audit.faults] == [
        ("pause-app", "start"), ("pause-app", "end"), ("kill-worker", "start"), ("kill-worker", "end"),
    ]  # fmt: skip
    # The faults really happened: both workers were stopped (state T), and the first one is gone.
    states = (out / "faults" / "pause-app-8s.log").read_text().splitlines()[1:]
    assert len(states) == 2
    assert all(s.strip().startswith("T") for s in states), states
    assert not psutil.pid_exists(before[0])
    assert len(_workers(their_portal)) == 2  # their supervisor started a new one
    d, p = audit.dossiers, audit.payments
    assert d.acknowledged > 0
    assert p.acknowledged > 0
    assert (d.lost, p.lost) == (0, 0)
    assert d.delivered == d.submitted_acknowledged  # every submission reported received by a back office
    assert sum(p.by_status.values()) == p.acknowledged
    assert audit.reconciliation["checked"] is False
    assert audit.drill["error"] is None, audit.drill
    assert f"Target: {their_portal.url}" in (out / "audit.md").read_text()
