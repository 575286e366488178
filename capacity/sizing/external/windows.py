"""What every external source yields: load windows, and the resources each window used.

A :class:`LoadWindow` is the load side of one measured steady window (concurrency, requests, failures,
mean and percentile latency, response bytes, and when it was, if known); :class:`TierUse` is the
resource side (CPU seconds, processes and peak RSS per tier). Together they make one
:class:`~capacity.sizing.inputs.LevelMeasurement`, the same a results document's phase gives, so the
fit, validation and plan work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from capacity.sizing.external.columns import ExternalInputError
from capacity.sizing.inputs import REQUIRED_KINDS, LevelMeasurement


@dataclass(frozen=True)
class LoadWindow:
    """One steady window as a load tool saw it; ``label`` says where it came from in ``source``."""

    source: str
    label: str
    users: float
    duration_s: float
    requests: int
    failures: int
    mean_ms: float
    percentile_ms: float
    bytes_received: int = 0
    start: float | None = None
    end: float | None = None

    def __post_init__(self) -> None:
        if self.requests - self.failures <= 0:
            raise ExternalInputError(
                f"{self.source}: {self.label}: no successful requests ({self.requests} requests, "
                f"{self.failures} failures); a window that served nothing cannot be fitted"
            )

    @property
    def where(self) -> str:
        return f"{self.source}: {self.label}"


@dataclass(frozen=True)
class TierUse:
    """Resources of each tier in one window; ``machine_cores`` when the source knows them."""

    cpu_seconds: Mapping[str, float]
    processes: Mapping[str, int] = field(default_factory=dict)
    rss_bytes: Mapping[str, float] = field(default_factory=dict)
    machine_cores: float | None = None


@dataclass(frozen=True)
class GeneratorFigures:
    """The load generator's use of CPU in a window, when recorded (sizes the generator fleet)."""

    processes: int | None = None
    cpu_percent: float | None = None
    on_machine: bool = False


def measurement(
    window: LoadWindow, use: TierUse, generator: GeneratorFigures | None = None, *, cpu_from: str = ""
) -> LevelMeasurement:
    """The level measurement of ``window`` with ``use``; refuses a window without CPU of a required tier."""
    missing = [kind for kind in REQUIRED_KINDS if kind not in use.cpu_seconds]
    if missing:
        have = ", ".join(sorted(use.cpu_seconds)) or "none"
        where = f" in {cpu_from}" if cpu_from else ""
        raise ExternalInputError(
            f"{window.where}: no CPU of tier(s) {', '.join(missing)}{where} (have {have}); the sizing "
            f"needs the CPU of each of {', '.join(REQUIRED_KINDS)}: give cpu_<tier>_cores or cpu_<tier>_s"
        )
    gen = generator or GeneratorFigures()
    return LevelMeasurement(
        source=window.source,
        phase=window.label,
        users=window.users,
        duration_s=window.duration_s,
        requests=window.requests,
        failures=window.failures,
        mean_ms=window.mean_ms,
        percentile_ms=window.percentile_ms,
        cpu_seconds=dict(use.cpu_seconds),
        processes={k: use.processes.get(k, 1) for k in use.cpu_seconds},
        rss_bytes_max={k: round(v) for k, v in use.rss_bytes.items()},
        bytes_received=window.bytes_received,
        generator_processes=gen.processes,
        generator_cpu_percent=gen.cpu_percent,
        generator_on_machine=gen.on_machine,
    )
