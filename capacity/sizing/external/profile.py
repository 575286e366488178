"""Every external source of one sizing read into level measurements, pooled into one measured profile.

:func:`read_external` reads the measurements CSVs, Locust histories and k6 summaries named in
:class:`ExternalSources` (with the CPU CSV for those that carry no CPU); :func:`pooled_profile` pools
them with the levels of results documents, if any, into the
:class:`~capacity.sizing.inputs.MeasuredProfile` the sizing takes. The measured node's cores come from
the sources (``machine_cores``) or from ``--reference-cores``; neither is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from capacity.sizing.external.columns import ExternalInputError
from capacity.sizing.external.cpu import CpuFile, read_cpu_file
from capacity.sizing.external.k6 import read_k6_summary
from capacity.sizing.external.locust import LOCUST_WARMUP_S, read_locust_history
from capacity.sizing.external.measurements import read_measurements
from capacity.sizing.external.windows import LoadWindow, measurement
from capacity.sizing.inputs import APP_KIND, LevelMeasurement, MeasuredProfile


@dataclass(frozen=True)
class ExternalSources:
    """Measurements made elsewhere: files per format, and CPU for those without it."""

    measurements: tuple[Path, ...] = ()
    locust: tuple[Path, ...] = ()
    k6: tuple[Path, ...] = ()
    cpu: Path | None = None
    warmup_s: float = LOCUST_WARMUP_S
    repeats: int = 1

    def __bool__(self) -> bool:
        return bool(self.measurements or self.locust or self.k6)


@dataclass(frozen=True)
class ExternalLevels:
    """What the external sources gave: levels, the machine cores they named, and what was said."""

    levels: tuple[LevelMeasurement, ...]
    sources: tuple[str, ...]
    machine_cores: tuple[float, ...] = ()
    said: tuple[str, ...] = field(default_factory=tuple)


def _with_cpu(windows: list[LoadWindow], cpu: CpuFile | None, kind: str) -> list[LevelMeasurement]:
    if cpu is None:
        where = windows[0].source if windows else kind
        raise ExternalInputError(
            f"{where}: {kind} records no CPU per tier; give --cpu FILE.csv (columns users or timestamp, "
            "cpu_app_cores, cpu_redis_cores...; docs/sizing.md)"
        )
    return [measurement(w, cpu.use(w), cpu_from=cpu.source) for w in windows]


def read_external(sources: ExternalSources, *, percentile: float) -> ExternalLevels:
    """Read every file of ``sources`` at the SLO's ``percentile`` (see the module doc)."""
    if sources.repeats < 1:
        raise ExternalInputError(f"--repeats: must be >= 1, got {sources.repeats!r}")
    if sources.warmup_s < 0:
        raise ExternalInputError(f"--warmup: must be >= 0, got {sources.warmup_s!r}")
    cpu = read_cpu_file(sources.cpu) if sources.cpu is not None else None
    levels: list[LevelMeasurement] = []
    cores: list[float] = []
    said: list[str] = []
    names: list[str] = []
    for path in sources.measurements:
        rows = read_measurements(path, percentile=percentile, cpu=cpu)
        levels += rows.levels
        cores += rows.machine_cores
        names.append(str(path))
    for prefix in sources.locust:
        windows, notes = read_locust_history(
            prefix, percentile=percentile, warmup_s=sources.warmup_s, repeats=sources.repeats
        )
        levels += _with_cpu(windows, cpu, "Locust's stats history")
        said += notes
        names.append(windows[0].source)
    if sources.k6:
        levels += _with_cpu(
            [read_k6_summary(p, percentile=percentile) for p in sources.k6], cpu, "a k6 summary"
        )
        names += [str(p) for p in sources.k6]
    if cpu is not None and cpu.machine_cores is not None:
        cores.append(cpu.machine_cores)
    return ExternalLevels(tuple(levels), tuple(names), tuple(cores), tuple(said))


def _notes(levels: tuple[LevelMeasurement, ...]) -> tuple[str, ...]:
    if any(m.rss_bytes_max.get(APP_KIND, 0) > 0 for m in levels):
        return ()
    return (
        f"no memory (RSS) of tier {APP_KIND!r} was measured: RAM per node counts only the other tiers and "
        f"the OS reserve; give rss_{APP_KIND}_bytes",
    )


def pooled_profile(
    documents: MeasuredProfile | None,
    external: ExternalLevels | None,
    *,
    percentile: float,
    reference_cores: float | None,
) -> MeasuredProfile:
    """The profile of the results documents' levels and the external ones together."""
    if external is None or not external.levels:
        if documents is None:
            raise ExternalInputError(
                "no measurements: give results.json files or measurements made elsewhere"
            )
        return documents
    cores = list(external.machine_cores)
    cores += [documents.reference_cores] if documents is not None else []
    if not cores and reference_cores is None:
        raise ExternalInputError(
            f"{', '.join(external.sources)}: the cores of the measured machine are not known; give "
            "--reference-cores N (the cores your app tier could use) or a machine_cores column"
        )
    levels = (*(documents.levels if documents else ()), *external.levels)
    return MeasuredProfile(
        levels=levels,
        reference_cores=min(cores) if cores else float(reference_cores or 0.0),
        sources=(*(documents.sources if documents else ()), *external.sources),
        percentile=percentile,
        invalid_reasons=documents.invalid_reasons if documents else (),
        notes=_notes(levels),
    )
