"""CPU per tier from a CPU CSV (``--cpu FILE.csv``), for load windows measured without it.

Two shapes, told apart by the key column (:class:`~capacity.sizing.external.model.CpuRow`):

* **per level** (``users``): each row the mean cores per tier at that level; a window at ``users`` N
  gets cores × its duration. Matches any source, k6's summaries included.
* **time series** (``timestamp``, Unix seconds): each row the mean cores over the interval since the row
  before (what ``pidstat 1``, ``sar`` or a Prometheus ``rate`` export give); a window gets the integral
  of the cores over its span, and the peak RSS and process count of the intervals it overlaps. Needs
  windows that know when they were (Locust's history, a measurements CSV with ``start``/``end``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from capacity.sizing.external.columns import ExternalInputError, Header, read_rows, validated
from capacity.sizing.external.model import CPU_PATTERNS, CpuRow
from capacity.sizing.external.windows import LoadWindow, TierUse
from capacity.sizing.inputs import REQUIRED_KINDS


@dataclass(frozen=True)
class CpuFile:
    """A CPU CSV, read and checked: rows keyed by level or ordered by time."""

    source: str
    rows: tuple[tuple[int, CpuRow], ...]
    by_time: bool

    @property
    def machine_cores(self) -> float | None:
        cores = [row.machine_cores for _, row in self.rows if row.machine_cores is not None]
        return min(cores) if cores else None

    def use(self, window: LoadWindow) -> TierUse:
        """The resources of each tier during ``window``."""
        return self._over_time(window) if self.by_time else self._at_level(window)

    def _at_level(self, window: LoadWindow) -> TierUse:
        row = next((r for _, r in self.rows if r.users == window.users), None)
        if row is None:
            levels = ", ".join(f"{r.users:g}" for _, r in self.rows)
            raise ExternalInputError(
                f"{self.source}: no row for users={window.users:g} ({window.where}); it has users {levels}"
            )
        return TierUse(
            cpu_seconds={k: v * window.duration_s for k, v in row.cpu_cores.items()},
            processes=dict(row.processes),
            rss_bytes=dict(row.rss_bytes),
            machine_cores=self.machine_cores,
        )

    def _over_time(self, window: LoadWindow) -> TierUse:
        if window.start is None or window.end is None:
            raise ExternalInputError(
                f"{window.where}: the window has no start and end time, so {self.source} (a time series) "
                "cannot be matched to it; give CPU per level (a users column) instead"
            )
        times = [row.timestamp or 0.0 for _, row in self.rows]
        if times[0] > window.start or times[-1] < window.end:
            raise ExternalInputError(
                f"{self.source}: covers {times[0]:.0f}–{times[-1]:.0f} (Unix s), but {window.where} "
                f"spans {window.start:.0f}–{window.end:.0f}: sample CPU over the whole run"
            )
        cpu: dict[str, float] = {}
        rss: dict[str, float] = {}
        processes: dict[str, int] = {}
        for (_, row), opened in zip(self.rows[1:], times, strict=False):
            closed = row.timestamp or 0.0
            overlap = min(closed, window.end) - max(opened, window.start)
            if overlap <= 0:
                continue
            for tier, cores in row.cpu_cores.items():
                cpu[tier] = cpu.get(tier, 0.0) + cores * overlap
            for tier, peak in row.rss_bytes.items():
                rss[tier] = max(rss.get(tier, 0.0), peak)
            for tier, count in row.processes.items():
                processes[tier] = max(processes.get(tier, 1), count)
        return TierUse(cpu, processes, rss, self.machine_cores)


def read_cpu_file(path: Path) -> CpuFile:
    """Read and check a CPU CSV (see the module doc); errors name the file, line, column and value."""
    source = str(path)
    columns, body = read_rows(path)
    header = Header.parse(source, columns, CpuRow, CPU_PATTERNS)
    by_time, by_level = header.has("timestamp"), header.has("users")
    if by_time == by_level:
        raise ExternalInputError(
            f"{source}:1: give exactly one key column: users (CPU per level) or timestamp (a time series, "
            f"Unix seconds); the header has {'both' if by_time else 'neither'}"
        )
    missing = [k for k in REQUIRED_KINDS if k not in header.keys("cpu_cores")]
    if missing:
        raise ExternalInputError(
            f"{source}:1: missing column(s) {', '.join(f'cpu_{k}_cores' for k in missing)}; the sizing "
            f"needs the CPU of each of {', '.join(REQUIRED_KINDS)}"
        )
    rows = tuple((line, validated(header, line, cells, CpuRow)) for line, cells in body)
    _check(source, rows, by_time)
    return CpuFile(source, rows, by_time)


def _check(source: str, rows: Sequence[tuple[int, CpuRow]], by_time: bool) -> None:
    if len(rows) < (2 if by_time else 1):
        raise ExternalInputError(f"{source}: {len(rows)} row(s); a time series needs 2 or more")
    seen: dict[float, int] = {}
    previous: float | None = None
    for line, row in rows:
        for tier in REQUIRED_KINDS:
            if tier not in row.cpu_cores:
                raise ExternalInputError(f"{source}:{line}: column cpu_{tier}_cores='': empty")
        if by_time:
            stamp = row.timestamp or 0.0
            if previous is not None and stamp <= previous:
                raise ExternalInputError(
                    f"{source}:{line}: column timestamp={stamp!r}: not after the row before ({previous!r})"
                )
            previous = stamp
        else:
            level = row.users or 0.0
            if level in seen:
                raise ExternalInputError(
                    f"{source}:{line}: column users={level:g}: already on line {seen[level]}"
                )
            seen[level] = line
