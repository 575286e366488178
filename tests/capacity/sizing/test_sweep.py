"""A sizing from a real short sweep of the local stack: ``cuaso sweep`` then ``cuaso size``, both the
installed command in subprocesses (Locust monkey-patches whatever process imports it).

The sweep is short (7 levels of 1 + 3 s) and runs on a shared machine, so the figures are noisy; the
test checks that a real results document sizes end to end with every section filled in, not how
accurate the figures are (docs/sizing.md reports that, measured with a longer sweep).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from results.document import load_results
from stack.cgroups import CgroupUnavailableError, detect

ROOT = Path(__file__).resolve().parents[3]
LEVELS = "1,2,4,6,8,12,16"


def _cuaso() -> list[str]:
    binary = Path(sys.executable).with_name("cuaso")
    return [str(binary)] if binary.exists() else [sys.executable, "-m", "cuaso"]


def _run(*argv: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_cuaso(), *argv], capture_output=True, text=True, timeout=timeout, cwd=ROOT, check=False
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results document of a real short sweep of the local stack."""
    out = tmp_path_factory.mktemp("sweep")
    sweep = _run(
        "sweep", "--levels", LEVELS, "--warmup", "1", "--steady", "3", "--repeats", "1", "--seed", "3",
        "--out", str(out), timeout=240,
    )  # fmt: skip
    assert sweep.returncode == 0, sweep.stdout[-2000:] + sweep.stderr[-2000:]
    return out / "results.json"


@pytest.mark.slow
def test_size_from_a_real_sweep_of_the_local_stack(results: Path, tmp_path: Path) -> None:
    sized = _run(
        "size", str(results), "--format", "json", "--allow-invalid", "--out", str(tmp_path / "sizing"),
        timeout=120,
    )  # fmt: skip
    assert sized.returncode == 0, sized.stderr
    document = json.loads(sized.stdout)
    levels = document["measured"]["levels"]
    assert [level["users"] for level in levels] == [1, 2, 4, 6, 8, 12, 16]
    assert all(level["throughput_rps"] > 0 for level in levels)
    assert all(level["cpu_s_per_request"]["app"] > 0 for level in levels)
    assert all(level["percentile_to_mean"] >= 1 for level in levels)
    nodes = document["app_nodes"]
    assert 1 <= nodes["base"]["p50"] <= nodes["base"]["p90"]
    assert nodes["installed"]["p90"]["total"] == 2 * (nodes["base"]["p90"] + 1)
    assert document["redis"]["shards"] >= 1
    assert document["bandwidth"]["response_bytes_measured"] is True
    assert document["load_generators"]["rps_per_core_measured"] > 0
    # Seven levels: the highest is held out and predicted from the six below it.
    validation = document["validation"]
    assert validation["status"] in ("held", "failed")
    assert [level["concurrency"] for level in validation["held_out"]] == [16]
    assert validation["errors"]["usl"]["max_abs"] >= 0
    assert set(document["cross_check"]["base_nodes"]) == {"usl", "mva", "linear"}
    for name in ("sizing.json", "sizing.md", "usl.png", "latency.png", "nodes.png", "utilization.png"):
        assert (tmp_path / "sizing" / name).stat().st_size > 0
    # The stack and Locust ran on separate CPUs where cgroups allow it, and the sizing's node is the stack's.
    allotments = {a.group: a for a in load_results(results).run.allotments}
    if _cgroups_usable() and len(os.sched_getaffinity(0)) >= 2:
        assert set(allotments) == {"generator", "sut"}
        assert "app" in allotments["sut"].kinds
        assert allotments["generator"].kinds == ("locust",)
        assert document["measured"]["reference_cores"] == allotments["sut"].cores
    else:
        assert allotments == {}
    demands = document["measured"]["service_demands"]
    assert demands["tiers"]["app"]["cpu_s_per_request"] > 0
    assert demands["bottleneck"] in demands["tiers"]
    assert [c["concurrency"] for c in document["measured"]["curve"]] == [1, 2, 4, 6, 8, 12, 16]


@pytest.mark.slow
def test_the_sweep_exported_as_a_measurements_csv_sizes_the_same(results: Path, tmp_path: Path) -> None:
    """The real sweep, written as a measurements CSV by the exporter, sizes as its results document."""
    levels = tmp_path / "levels.csv"
    export = subprocess.run(
        [sys.executable, "-m", "capacity.sizing.external", "export", str(results), "--allow-invalid",
         "-o", str(levels)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, check=False,
    )  # fmt: skip
    assert export.returncode == 0, export.stderr
    from_document = _run("size", str(results), "--allow-invalid", "--format", "json", timeout=120)
    from_csv = _run("size", "--measurements", str(levels), "--format", "json", timeout=120)
    assert from_document.returncode == 0, from_document.stderr
    assert from_csv.returncode == 0, from_csv.stderr
    document, csv_sized = json.loads(from_document.stdout), json.loads(from_csv.stdout)
    assert csv_sized["sources"] == [str(levels)]
    for sized in (document, csv_sized):
        sized.pop("sources")
        for level in sized["measured"]["levels"]:
            level.pop("source")
        # The CSV carries no validity: the document's "run marked invalid" warnings are its own.
        sized["warnings"] = [
            w for w in sized["warnings"] if not w.startswith("sized from a run marked invalid")
        ]
    assert csv_sized == document


def _cgroups_usable() -> bool:
    try:
        detect()
    except CgroupUnavailableError:
        return False
    return True
