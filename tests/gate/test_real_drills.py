"""Real drills judged by the gate: two runs of the same code pass; an injected delay is caught.

Short ``cuaso drill`` runs (real Locust, real stack) with the smoke drill's load (scripts/ci-perf.sh),
each with the calibration probe beside it, judged with calibration and a wide tolerance so that a
busy shared machine cannot fail the A/A pair. The delay is large (the stack's ``inject_delay_ms`` on
every API request): the test shows the path works end to end; the smallest delay caught reliably and
the false-positive rate are measured by scripts/gate-calibrate.sh (docs/gate.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cuaso.cli import main
from gate.probe import ENDPOINT, PROBE_RATE_PER_S, Prober, merge_probe
from results.document import load_results, save_results
from stack.launcher import LocalStack, SimFaults, StackOptions

DELAY_MS = 20.0  # about ten times the smoke load's median response time
GATE = ["--phase", "steady", "--scope", "run", "--tolerance", "50%", "--calibrate", ENDPOINT]


def _stack(tmp_path_factory: pytest.TempPathFactory, delay_ms: float) -> LocalStack:
    return LocalStack(StackOptions(
        port=0, workers=1, inject_delay_ms=delay_ms, data_dir=tmp_path_factory.mktemp("gate-stack"),
        eid=SimFaults(latency_ms=1.0), population=SimFaults(latency_ms=1.0),
    ))  # fmt: skip


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalStack, LocalStack]]:
    with _stack(tmp_path_factory, 0.0) as plain, _stack(tmp_path_factory, DELAY_MS) as delayed:
        yield plain, delayed


def _drill(host: str, out: Path) -> str:
    with Prober(f"{host}/healthz") as prober:
        code = main([
            "drill", "steady", "--host", host, "--users", "8", "--duration", "12", "--param", "ramp_s=1",
            "--think-scale", "0.002", "--seed", "1", "--out", str(out),
        ])  # fmt: skip
    assert code == 0
    path = out / "results.json"
    save_results(merge_probe(load_results(path), prober.samples, PROBE_RATE_PER_S), path)
    return str(path)


@pytest.mark.slow
def test_a_a_runs_pass_and_an_injected_delay_is_caught(
    stacks: tuple[LocalStack, LocalStack], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plain, delayed = stacks
    first = _drill(plain.url, tmp_path / "a1")
    slow = _drill(delayed.url, tmp_path / "d")
    second = _drill(plain.url, tmp_path / "a2")
    capsys.readouterr()
    assert main(["gate", "--baseline", first, "--candidate", second, *GATE]) in (0, 3)  # 3: inconclusive
    same = capsys.readouterr().out
    assert ": 0 failed" in same
    assert (
        main(["gate", "--baseline", first, "--candidate", slow, *GATE, "--junit", str(tmp_path / "g.xml")])
        == 1
    )
    caught = capsys.readouterr().out
    assert "FAIL  p50(run): regression" in caught
    assert "wrote JUnit XML" in caught
