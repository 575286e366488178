"""CPU allotments with Linux cgroups: the system under test and the load generator on separate CPUs.

A measurement in which the generator and the portal share the same cores measures their contention,
not the portal: the curve flattens wherever the generator takes the cores the portal needs. A
:class:`Confinement` puts named groups of processes (``sut``: the local stack; ``generator``: Locust)
into their own cgroups, each with a set of CPUs (``cpuset``) and/or a CPU quota in cores (CFS quota:
``cpu.cfs_quota_us`` / ``cpu.max``), so that each group gets what it was allotted and no more.

* cgroup v1 (``/sys/fs/cgroup/cpu`` and ``/sys/fs/cgroup/cpuset`` mounted) and cgroup v2 (one unified
  hierarchy with the ``cpu`` and ``cpuset`` controllers) are both handled; :func:`detect` says which,
  or raises :class:`CgroupUnavailableError` saying why neither can be used (not mounted, not writable:
  usually not root, or a container without its own cgroup namespace) and what to do.
* Groups are created under the hierarchy's root as ``cuaso-<pid>-<group>`` (one per confinement, so
  that several sessions on one machine never share one), and only processes this code started are
  added to them (:meth:`Confinement.add`, which also moves the process's children). Processes forked
  later inherit their parent's group.
* :meth:`Confinement.close` (or leaving the ``with`` block) moves any process still in a group back to
  the root and removes the groups, whatever happened.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Self

import psutil

from results.exceptions import ConfigError, CuasoError

CGROUP_ROOT = Path("/sys/fs/cgroup")
CFS_PERIOD_US = 100_000
"""The CFS period of a quota: 100 ms, the kernel's default (a quota of 0.5 core = 50 ms per 100 ms)."""

PRIORITY_SHARES_V1 = 262_144
"""``cpu.shares`` of a group with priority: the kernel's largest, 256× a plain process's 1,024, so that on
a machine shared with other work a confined group gets ~99 % of its CPUs (up to its quota) rather than a
fair share of whatever runs beside it (measured here: 10× left it ~80 % with two busy neighbours)."""

PRIORITY_WEIGHT_V2 = 10_000
"""The same for cgroup v2's ``cpu.weight``: its largest (default 100)."""

Version = Literal["v1", "v2"]


class CgroupUnavailableError(CuasoError):
    """Neither cgroup v1 (cpu, cpuset) nor cgroup v2 with the cpu/cpuset controllers can be used here."""

    exit_code = 2


def parse_cpus(text: str) -> tuple[int, ...]:
    """``"0-2,5"`` → (0, 1, 2, 5), the kernel's CPU list syntax; errors name the text."""
    cpus: set[int] = set()
    try:
        for part in text.replace(" ", "").split(","):
            if not part:
                continue
            low, _, high = part.partition("-")
            first, last = int(low), int(high or low)
            if first < 0 or last < first:
                raise ValueError(part)
            cpus.update(range(first, last + 1))
    except ValueError:
        raise ConfigError("cpus", text, "must be a CPU list such as 0 or 1-3 or 0,2") from None
    if not cpus:
        raise ConfigError("cpus", text, "must name at least one CPU")
    return tuple(sorted(cpus))


def format_cpus(cpus: tuple[int, ...]) -> str:
    return ",".join(str(c) for c in cpus)


@dataclass(frozen=True)
class CpuLimit:
    """What one group may use: a set of CPUs (None: all), a quota in cores (None: no quota), or both."""

    cpus: tuple[int, ...] | None = None
    cores: float | None = None
    priority: bool = True  # win the CPUs against unconfined work (PRIORITY_SHARES_V1), up to the quota

    def __post_init__(self) -> None:
        if self.cpus is None and self.cores is None:
            raise ConfigError("cpu limit", None, "give CPUs, a quota in cores, or both")
        if self.cores is not None and not (math.isfinite(self.cores) and self.cores > 0):
            raise ConfigError("cores", self.cores, "must be a quota > 0 in cores (0.5 = half a core)")
        if self.cpus is not None and self.cores is not None and self.cores > len(self.cpus):
            raise ConfigError(
                "cores",
                self.cores,
                f"a quota larger than its {len(self.cpus)} CPU(s) {self.cpus} cannot be used",
            )

    @property
    def effective_cores(self) -> float | None:
        """Cores the group can use at most: the quota, or the CPU count (None: unlimited)."""
        if self.cores is not None:
            return self.cores
        return float(len(self.cpus)) if self.cpus is not None else None

    def describe(self) -> str:
        parts = [f"CPUs {format_cpus(self.cpus)}"] if self.cpus is not None else []
        parts += [f"quota {self.cores:g} core(s)"] if self.cores is not None else []
        parts += ["priority over unconfined work"] if self.priority else []
        return ", ".join(parts)


def detect(root: Path = CGROUP_ROOT) -> Version:
    """Which cgroup hierarchy can confine CPUs here; raises with the reason when none can."""
    v1 = [root / "cpu", root / "cpuset"]
    if all((d / "cgroup.procs").is_file() for d in v1):
        if all(os.access(d, os.W_OK) for d in v1):
            return "v1"
        raise CgroupUnavailableError(
            f"cgroups: {v1[0]} and {v1[1]} are mounted (cgroup v1) but not writable by this user; run as "
            "root, or without CPU confinement (--no-confine; the generator then shares the cores)"
        )
    controllers = root / "cgroup.controllers"
    if controllers.is_file():
        have = set(controllers.read_text(encoding="utf-8").split())
        missing = {"cpu", "cpuset"} - have
        if missing:
            raise CgroupUnavailableError(
                f"cgroups: {root} is cgroup v2 without the {', '.join(sorted(missing))} controller(s) "
                f"(have {', '.join(sorted(have)) or 'none'}); run without CPU confinement (--no-confine)"
            )
        if not os.access(root, os.W_OK):
            raise CgroupUnavailableError(
                f"cgroups: {root} (cgroup v2) is not writable by this user; run as root or with a delegated "
                "cgroup, or without CPU confinement (--no-confine)"
            )
        return "v2"
    raise CgroupUnavailableError(
        f"cgroups: neither cgroup v1 ({v1[0]}, {v1[1]}) nor cgroup v2 ({controllers}) is mounted; "
        "run without CPU confinement (--no-confine; the generator then shares the cores)"
    )


def _write(path: Path, value: str) -> None:
    try:
        path.write_text(value, encoding="utf-8")
    except OSError as exc:
        raise CgroupUnavailableError(f"cgroups: cannot write {value!r} to {path}: {exc.strerror}") from None


class _Group:
    """One named group: a directory per hierarchy (v1: cpu and cpuset; v2: one)."""

    def __init__(self, root: Path, version: Version, name: str, limit: CpuLimit) -> None:
        self.limit = limit
        self.version = version
        self.root = root
        leaf = f"cuaso-{os.getpid()}-{name}"
        self.dirs = [root / "cpu" / leaf, root / "cpuset" / leaf] if version == "v1" else [root / leaf]
        for d in self.dirs:
            d.mkdir(exist_ok=False)
        self._configure()

    def _configure(self) -> None:
        quota = self.limit.cores
        cpus = self.limit.cpus
        if self.version == "v1":
            cpu_dir, cpuset_dir = self.dirs
            parent = cpuset_dir.parent
            _write(cpuset_dir / "cpuset.mems", (parent / "cpuset.mems").read_text(encoding="utf-8").strip())
            all_cpus = (parent / "cpuset.cpus").read_text(encoding="utf-8").strip()
            _write(cpuset_dir / "cpuset.cpus", format_cpus(cpus) if cpus is not None else all_cpus)
            _write(cpu_dir / "cpu.cfs_period_us", str(CFS_PERIOD_US))
            _write(cpu_dir / "cpu.cfs_quota_us", str(round(quota * CFS_PERIOD_US)) if quota else "-1")
            if self.limit.priority:
                _write(cpu_dir / "cpu.shares", str(PRIORITY_SHARES_V1))
            return
        (group,) = self.dirs
        if cpus is not None:
            _write(group / "cpuset.cpus", format_cpus(cpus))
        _write(group / "cpu.max", f"{round(quota * CFS_PERIOD_US)} {CFS_PERIOD_US}" if quota else "max")
        if self.limit.priority:
            _write(group / "cpu.weight", str(PRIORITY_WEIGHT_V2))

    def procs_files(self) -> list[Path]:
        return [d / "cgroup.procs" for d in self.dirs]

    def pids(self) -> set[int]:
        found: set[int] = set()
        for path in self.procs_files():
            try:
                found.update(int(line) for line in path.read_text(encoding="utf-8").split())
            except OSError:
                continue
        return found

    def add(self, pid: int) -> None:
        for path in self.procs_files():
            _write(path, str(pid))

    def remove(self) -> None:
        """Move what is left back to the root of each hierarchy, then remove the directories."""
        for d in self.dirs:
            procs = d / "cgroup.procs"
            if not d.is_dir():
                continue
            for line in procs.read_text(encoding="utf-8").split():
                try:
                    (d.parent / "cgroup.procs").write_text(line, encoding="utf-8")
                except OSError:
                    continue  # it exited in between
            try:
                d.rmdir()
            except OSError:
                continue


def remove_stale_groups(root: Path = CGROUP_ROOT) -> list[Path]:
    """Remove empty ``cuaso-PID-*`` groups left by a cuaso process that no longer runs (killed before it
    could clean up); groups of running processes, or with processes in them, are left alone."""
    removed: list[Path] = []
    for folder in (root, root / "cpu", root / "cpuset"):
        if not folder.is_dir():
            continue
        for group in folder.glob("cuaso-*-*"):
            owner = group.name.split("-")[1]
            if not owner.isdigit() or psutil.pid_exists(int(owner)):
                continue
            try:
                if (group / "cgroup.procs").read_text(encoding="utf-8").split():
                    continue
                group.rmdir()
            except OSError:
                continue
            removed.append(group)
    return removed


class Confinement:
    """Named CPU allotments for processes this code starts; use as a context manager."""

    def __init__(self, limits: Mapping[str, CpuLimit], root: Path = CGROUP_ROOT) -> None:
        self.version = detect(root)
        remove_stale_groups(root)
        self.limits = dict(limits)
        self._root = root
        self._groups: dict[str, _Group] = {}
        self._check_cpus()
        if self.version == "v2":
            _write(root / "cgroup.subtree_control", "+cpu +cpuset")
        try:
            for name, limit in self.limits.items():
                self._groups[name] = _Group(root, self.version, name, limit)
        except BaseException:
            self.close()
            raise

    def _check_cpus(self) -> None:
        available = set(os.sched_getaffinity(0))
        for name, limit in self.limits.items():
            if limit.cpus is not None and not set(limit.cpus) <= available:
                raise ConfigError(
                    f"{name} cpus", format_cpus(limit.cpus), f"this machine offers CPUs {sorted(available)}"
                )

    @property
    def mechanism(self) -> str:
        return f"cgroup-{self.version}"

    def add(self, group: str, pid: int) -> None:
        """Put ``pid`` and its current children into ``group`` (later children inherit it)."""
        if group not in self._groups:
            raise ConfigError("group", group, f"not one of {sorted(self._groups)}")
        pids = [pid]
        try:
            pids += [c.pid for c in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            return  # it already exited
        for each in pids:
            try:
                self._groups[group].add(each)
            except CgroupUnavailableError:
                if psutil.pid_exists(each):
                    raise

    def members(self, group: str) -> set[int]:
        return self._groups[group].pids()

    def close(self) -> None:
        for group in self._groups.values():
            group.remove()
        self._groups.clear()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
