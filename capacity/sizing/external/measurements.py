"""The measurements CSV (``cuaso size --measurements FILE.csv``): one row per measured window.

The header is checked first: every missing required column is listed by name, for the SLO's
percentile too (``p95_ms`` for a P95 objective). Then each row is validated as a
:class:`~capacity.sizing.external.model.MeasurementRow`; a bad cell names the file, line, column and
value. Rows without CPU columns take theirs from a CPU CSV (``--cpu``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from capacity.sizing.external.columns import ExternalInputError, Header, read_rows, validated
from capacity.sizing.external.cpu import CpuFile
from capacity.sizing.external.model import MEASUREMENT_PATTERNS, MeasurementRow
from capacity.sizing.external.windows import GeneratorFigures, LoadWindow, TierUse, measurement
from capacity.sizing.inputs import REQUIRED_KINDS, LevelMeasurement


@dataclass(frozen=True)
class MeasuredRows:
    """The level measurements of one measurements CSV and the machine cores its rows named."""

    levels: tuple[LevelMeasurement, ...]
    machine_cores: tuple[float, ...]


def _missing(header: Header, percentile: float, with_cpu: bool) -> list[str]:
    wanted = [
        ("users",),
        ("duration_s",),
        ("requests", "throughput_rps"),
        ("failures", "error_rate"),
        ("mean_ms",),
    ]
    missing = [" or ".join(names) for names in wanted if not any(header.has(n) for n in names)]
    if not any(float(k) == percentile for k in header.keys("percentiles_ms")):
        missing.append(f"p{percentile:g}_ms")
    if not with_cpu:
        tiers = header.keys("cpu_cores") | header.keys("cpu_s")
        missing += [f"cpu_{k}_cores or cpu_{k}_s" for k in REQUIRED_KINDS if k not in tiers]
    return missing


def read_measurements(path: Path, *, percentile: float, cpu: CpuFile | None = None) -> MeasuredRows:
    """The level measurements of the measurements CSV at ``path`` (see the module doc)."""
    source = str(path)
    columns, body = read_rows(path)
    header = Header.parse(source, columns, MeasurementRow, MEASUREMENT_PATTERNS)
    has_cpu = bool(header.keys("cpu_cores") | header.keys("cpu_s"))
    if has_cpu and cpu is not None:
        raise ExternalInputError(
            f"{source}:1: has CPU columns and --cpu {cpu.source} gives CPU too; keep one source of CPU"
        )
    missing = _missing(header, percentile, with_cpu=cpu is not None)
    if missing:
        have = ", ".join(header.targets) or "none"
        raise ExternalInputError(f"{source}:1: missing column(s): {'; '.join(missing)} (have {have})")
    levels: list[LevelMeasurement] = []
    cores: list[float] = []
    for line, cells in body:
        row = validated(header, line, cells, MeasurementRow)
        levels.append(_level(source, line, row, percentile, cpu))
        cores += [row.machine_cores] if row.machine_cores is not None else []
    if not levels:
        raise ExternalInputError(f"{source}: no rows after the header")
    if cpu is not None and cpu.machine_cores is not None:
        cores.append(cpu.machine_cores)
    return MeasuredRows(tuple(levels), tuple(cores))


def _level(
    source: str, line: int, row: MeasurementRow, percentile: float, cpu: CpuFile | None
) -> LevelMeasurement:
    wanted = next((v for k, v in row.percentiles_ms.items() if k == percentile), None)
    if wanted is None:
        raise ExternalInputError(f"{source}:{line}: column p{percentile:g}_ms='': empty")
    if cpu is None:
        for tier in REQUIRED_KINDS:
            if tier not in row.cpu_cores and tier not in row.cpu_s:
                raise ExternalInputError(f"{source}:{line}: column cpu_{tier}_cores='': empty")
    requests = row.request_count
    if row.failure_count > requests:
        raise ExternalInputError(
            f"{source}:{line}: failures={row.failure_count} is more than requests={requests}"
        )
    window = LoadWindow(
        source=source,
        label=row.window or f"line {line}",
        users=row.users,
        duration_s=row.duration_s,
        requests=requests,
        failures=row.failure_count,
        mean_ms=row.mean_ms,
        percentile_ms=wanted,
        bytes_received=round((row.response_bytes or 0.0) * requests),
        start=row.start,
        end=row.end,
    )
    use = (
        cpu.use(window)
        if cpu is not None
        else TierUse(row.cpu_seconds(), dict(row.processes), dict(row.rss_bytes), row.machine_cores)
    )
    generator = GeneratorFigures(row.generator_processes, row.generator_cpu_percent, row.generator_on_machine)
    return measurement(window, use, generator, cpu_from=cpu.source if cpu is not None else "")
