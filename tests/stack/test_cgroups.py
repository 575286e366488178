"""CPU allotments with real cgroups: a busy child confined to a quota uses that quota, sits on its CPUs,
its children inherit the group, and every group is gone afterwards. Detection says why when neither
cgroup v1 nor v2 can be used. (The confining tests need root and mounted cgroups; elsewhere they skip
and say why.)"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from results.exceptions import ConfigError
from stack.cgroups import (
    CGROUP_ROOT,
    CgroupUnavailableError,
    Confinement,
    CpuLimit,
    detect,
    parse_cpus,
    remove_stale_groups,
)

BUSY = "import os, time\nif os.fork() == 0:\n    pass\nt = time.time()\nwhile time.time() - t < 6: pass\n"


def _usable() -> str | None:
    try:
        detect()
    except CgroupUnavailableError as exc:
        return str(exc)
    return None


needs_cgroups = pytest.mark.skipif(_usable() is not None, reason=f"{_usable()}")


def _leftovers() -> list[str]:
    prefix = f"cuaso-{os.getpid()}-"
    found = []
    for folder in (CGROUP_ROOT, CGROUP_ROOT / "cpu", CGROUP_ROOT / "cpuset"):
        if folder.is_dir():
            found += [d.name for d in folder.iterdir() if d.name.startswith(prefix)]
    return found


@needs_cgroups
def test_a_busy_process_gets_its_quota_on_its_cpus_and_the_groups_are_removed() -> None:
    cpus = sorted(os.sched_getaffinity(0))
    with Confinement({"sut": CpuLimit(cpus=(cpus[-1],), cores=0.25)}) as confinement:
        child = subprocess.Popen([sys.executable, "-c", BUSY])
        try:
            time.sleep(0.2)  # the child forks its own child first
            confinement.add("sut", child.pid)
            proc = psutil.Process(child.pid)
            family = [proc, *proc.children(recursive=True)]
            assert len(family) == 2
            assert {p.pid for p in family} <= confinement.members("sut")
            assert all(p.cpu_affinity() == [cpus[-1]] for p in family)
            before = sum(sum(p.cpu_times()[:2]) for p in family)
            time.sleep(3.0)
            used = sum(sum(p.cpu_times()[:2]) for p in family) - before
            assert used / 3.0 < 0.4  # two busy processes held to a quarter of a core between them
            assert used > 0.0
        finally:
            child.kill()
            child.wait()
    assert _leftovers() == []


@needs_cgroups
def test_groups_are_removed_with_a_process_still_in_them() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with Confinement({"generator": CpuLimit(cpus=(0,))}) as confinement:
            confinement.add("generator", child.pid)
            assert child.pid in confinement.members("generator")
        assert _leftovers() == []
        assert child.poll() is None  # moved back to the root, still running
    finally:
        child.kill()
        child.wait()


@needs_cgroups
def test_empty_groups_of_a_dead_cuaso_process_are_removed() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    version = detect()
    parent = CGROUP_ROOT / "cpu" if version == "v1" else CGROUP_ROOT
    stale = parent / f"cuaso-{gone.pid}-sut"
    alive = parent / f"cuaso-{os.getpid()}-keep"
    stale.mkdir()
    alive.mkdir()
    try:
        assert stale in remove_stale_groups()
        assert not stale.exists()
        assert alive.exists()  # this process still runs: its groups are its own business
    finally:
        for d in (stale, alive):
            if d.exists():
                d.rmdir()


def test_neither_hierarchy_is_explained(tmp_path: Path) -> None:
    with pytest.raises(CgroupUnavailableError, match=r"neither cgroup v1 .* nor cgroup v2 .* is mounted"):
        detect(tmp_path)
    (tmp_path / "cgroup.controllers").write_text("memory io\n", encoding="utf-8")
    with pytest.raises(CgroupUnavailableError, match=r"cgroup v2 without the cpu, cpuset controller\(s\)"):
        detect(tmp_path)
    (tmp_path / "cgroup.controllers").write_text("cpu cpuset memory\n", encoding="utf-8")
    assert detect(tmp_path) == "v2"


def test_limits_and_cpu_lists_are_checked() -> None:
    assert parse_cpus("0-2,5") == (0, 1, 2, 5)
    with pytest.raises(ConfigError, match=r"cpus='2-1': must be a CPU list"):
        parse_cpus("2-1")
    with pytest.raises(ConfigError, match=r"cores=0.0: must be a quota > 0"):
        CpuLimit(cores=0.0)
    with pytest.raises(ConfigError, match=r"cores=2.0: a quota larger than its 1 CPU\(s\)"):
        CpuLimit(cpus=(0,), cores=2.0)
    assert CpuLimit(cpus=(1,), cores=0.5).effective_cores == 0.5
    assert CpuLimit(cpus=(0, 1)).effective_cores == 2.0


def test_cgroup_v2_interface_files_are_written_as_the_kernel_documents_them(tmp_path: Path) -> None:
    """Where this machine has no cgroup v2 with cpu/cpuset, check what would be written to one: the
    controllers enabled for children, ``cpu.max`` as "quota period", ``cpuset.cpus``, ``cpu.weight``,
    and each pid to ``cgroup.procs`` (a directory tree standing in for /sys/fs/cgroup)."""
    (tmp_path / "cgroup.controllers").write_text("cpuset cpu io memory\n", encoding="utf-8")
    cpu = sorted(os.sched_getaffinity(0))[0]
    confinement = Confinement({"sut": CpuLimit(cpus=(cpu,), cores=0.25)}, root=tmp_path)
    assert confinement.mechanism == "cgroup-v2"
    group = tmp_path / f"cuaso-{os.getpid()}-sut"
    assert (tmp_path / "cgroup.subtree_control").read_text(encoding="utf-8") == "+cpu +cpuset"
    assert (group / "cpu.max").read_text(encoding="utf-8") == "25000 100000"
    assert (group / "cpuset.cpus").read_text(encoding="utf-8") == str(cpu)
    assert (group / "cpu.weight").read_text(encoding="utf-8") == "10000"
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        confinement.add("sut", child.pid)
        assert (group / "cgroup.procs").read_text(encoding="utf-8") == str(child.pid)
        confinement.close()
        assert (tmp_path / "cgroup.procs").read_text(encoding="utf-8") == str(child.pid)  # moved back
    finally:
        child.kill()
        child.wait()
