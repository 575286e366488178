"""Sizing from Locust's own CSV history of a real stepped run, with CPU sampled on the side.

A real headless Locust (``--csv PREFIX --csv-full-history``) climbs a staircase of 1, 2 and 4 users
(13 s each) against the reference stack on loopback, while this test samples the stack's CPU and RSS
per tier once a second with psutil into a CPU CSV time series, as a user's own monitoring would.
``cuaso size --locust-csv PREFIX --cpu cpu.csv`` then sizes from the two, and the files' defects a user
can meet are refused with the missing item named.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from capacity.sizing.external.locust import read_locust_history
from cuaso.cli import main
from scenarios.drill.sampler import kind_of
from stack.launcher import LocalStack

LOCUSTFILE = Path(__file__).parent / "data" / "staircase_locustfile.py"
TIERS = ("app", "redis")
SAMPLE_S = 1.0


def _tree_cpu_rss(root: psutil.Process) -> tuple[float, int, int]:
    procs = [root, *root.children(recursive=True)]
    cpu = sum(p.cpu_times().user + p.cpu_times().system for p in procs)
    return cpu, sum(p.memory_info().rss for p in procs), len(procs)


def _sample_cpu(stack: LocalStack, out: Path, stop: threading.Event) -> None:
    """CPU per tier as a time series: each row the mean cores since the row before (Unix s)."""
    roots = {kind_of(n): psutil.Process(p.pid) for n, p in stack.processes.items() if p.pid}
    header = ["timestamp", *(f"cpu_{t}_cores" for t in TIERS), *(f"rss_{t}_bytes" for t in TIERS)]
    header += [f"processes_{t}" for t in TIERS]
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*header, "machine_cores"])
        before = {t: _tree_cpu_rss(roots[t]) for t in TIERS}
        then = time.time()
        writer.writerow([then, *(0 for _ in TIERS), *(before[t][1] for t in TIERS), *(1 for _ in TIERS), ""])
        while not stop.wait(SAMPLE_S):
            now_s, now = time.time(), {t: _tree_cpu_rss(roots[t]) for t in TIERS}
            cores = [(now[t][0] - before[t][0]) / (now_s - then) for t in TIERS]
            writer.writerow([now_s, *cores, *(now[t][1] for t in TIERS), *(now[t][2] for t in TIERS),
                             len(os.sched_getaffinity(0))])  # fmt: skip
            before, then = now, now_s


@pytest.fixture(scope="module")
def stepped_run(local_stack: LocalStack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PREFIX of a real stepped Locust run's CSV files; ``PREFIX.cpu.csv`` the stack's CPU."""
    out = tmp_path_factory.mktemp("locust")
    prefix = out / "run"
    stop = threading.Event()
    sampler = threading.Thread(target=_sample_cpu, args=(local_stack, out / "cpu.csv", stop))
    sampler.start()
    env = {
        **os.environ,
        "LOCUST_SKIP_MONKEY_PATCH": "",
        "STAIRCASE_LEVELS": "1,2,4",
        "STAIRCASE_HOLD_S": "13",
    }
    try:
        run = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", local_stack.url,
             "--csv", str(prefix), "--csv-full-history", "--only-summary", "--loglevel", "WARNING"],
            capture_output=True, text=True, timeout=90, env=env, check=False,
        )  # fmt: skip
    finally:
        time.sleep(SAMPLE_S * 1.5)  # one more CPU sample past Locust's last row
        stop.set()
        sampler.join(timeout=10)
    assert run.returncode == 0, run.stderr[-3000:]
    return prefix


@pytest.mark.slow
def test_size_from_a_real_stepped_locust_run(stepped_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cpu = stepped_run.parent / "cpu.csv"
    argv = ["size", "--locust-csv", str(stepped_run), "--cpu", str(cpu), "--warmup", "1", "--repeats", "2",
            "--format", "json"]  # fmt: skip
    assert main(argv) == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    levels = document["measured"]["levels"]
    assert [level["users"] for level in levels] == [1, 1, 2, 2, 4, 4]
    assert all(level["throughput_rps"] > 0 for level in levels)
    assert all(level["cpu_s_per_request"]["app"] > 0 for level in levels)
    assert all(level["percentile_to_mean"] > 0.5 for level in levels)
    assert document["sources"] == [f"{stepped_run}_stats_history.csv"]
    assert document["app_nodes"]["base"]["p90"] >= 1
    assert document["bandwidth"]["response_bytes_measured"] is True
    # The windows (all but each level's first second) hold most of what Locust counted in the run.
    windows, _ = read_locust_history(stepped_run, percentile=95.0, warmup_s=1.0, repeats=2)
    with Path(f"{stepped_run}_stats.csv").open(encoding="utf-8") as handle:
        total = int(next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")["Request Count"])
    assert 0.5 * total < sum(w.requests for w in windows) <= total
    assert all(w.end is not None and w.start is not None and w.end - w.start >= 4 for w in windows)


@pytest.mark.slow
def test_a_locust_history_without_cpu_or_full_history_is_refused(
    stepped_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = Path(f"{stepped_run}_stats_history.csv")
    assert main(["size", "--locust-csv", str(stepped_run), "--warmup", "1"]) == 2
    assert "records no CPU per tier; give --cpu FILE.csv" in capsys.readouterr().err
    # Without --csv-full-history Locust writes only the Aggregated rows, whose percentiles are cumulative.
    with history.open(encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    short = tmp_path / "short_stats_history.csv"
    short.write_text(
        "\n".join([lines[0], *(x for x in lines[1:] if ",Aggregated," in x)]) + "\n", encoding="utf-8"
    )
    argv = ["size", "--locust-csv", str(short), "--cpu", str(stepped_run.parent / "cpu.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"{short}: written without --csv-full-history" in err
    assert "rerun Locust with --csv PREFIX --csv-full-history" in err
    assert main(["size", "--locust-csv", f"{stepped_run}_stats.csv", "--reference-cores", "2"]) == 2
    assert (
        "this is Locust's _stats.csv (whole-run totals); give _stats_history.csv" in capsys.readouterr().err
    )
