"""CPU and memory of the load generator and of the system under test, sampled with psutil.

The drill runner calls :meth:`ResourceSampler.sample` about once a second with the current phase. Each
sample reads, for every process of every group (a group is one process tree: the Locust master or a
worker, or one kind of the local stack's processes, e.g. ``app`` = the uvicorn master and its
workers), its CPU time and RSS. CPU seconds used since the previous sample are charged to the phase of
this sample; RSS is summed over a kind's processes and its peak kept per phase. Processes that already
ran before the sampler started are charged only for what they use afterwards.

Generator processes are kept separate, per process: one Locust process runs on one core (gevent), so
the busiest process's CPU share — 100 = one full core — tells whether the generator, rather than the
system, was the bottleneck.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import psutil

from results.document import GeneratorUse, ResourceUse

KIND_OF_PROCESS: Mapping[str, str] = {
    "portal": "app",
    "redis": "redis",
    "eid": "sim-eid",
    "population": "sim-population",
    "payments": "sim-payments",
    "backoffice": "sim-backoffice",
}
"""The results' kind of each process of :class:`stack.launcher.LocalStack`; other names keep their
name without a numeric suffix (``forwarder-1`` and ``forwarder-2`` are both ``forwarder``)."""


def kind_of(name: str) -> str:
    base = re.sub(r"-\d+$", "", name)
    return KIND_OF_PROCESS.get(base, base)


def _trees(roots: list[psutil.Process]) -> list[psutil.Process]:
    """Every process of the trees under ``roots`` (those that have exited are left out)."""
    out: list[psutil.Process] = []
    for root in roots:
        try:
            out.extend([root, *root.children(recursive=True)])
        except psutil.Error:
            continue
    return out


@dataclass
class _KindPhase:
    cpu_s: float = 0.0
    rss_max: int = 0
    processes: int = 0


@dataclass
class _GeneratorPhase:
    samples: dict[int, list[float]] = field(default_factory=dict)  # generator pid → CPU % samples


class ResourceSampler:
    """See the module docstring. ``clock`` is injectable for tests."""

    def __init__(
        self,
        stack_roots: Mapping[str, int],
        generator_pids: Callable[[], list[int]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._roots: dict[str, list[psutil.Process]] = {}
        for name, pid in stack_roots.items():
            self._roots.setdefault(kind_of(name), []).append(psutil.Process(pid))
        self._generator_pids = generator_pids
        self._clock = clock
        self._cpu_seen: dict[int, float] = {}
        self._gen_seen: dict[int, tuple[float, float]] = {}
        self.kinds: dict[str, dict[str, _KindPhase]] = {}
        self.generator: dict[str, _GeneratorPhase] = {}
        self._baseline()

    @staticmethod
    def _cpu(proc: psutil.Process) -> float | None:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            return None
        return float(times.user + times.system)

    def _baseline(self) -> None:
        for roots in self._roots.values():
            for proc in _trees(roots):
                cpu = self._cpu(proc)
                if cpu is not None:
                    self._cpu_seen[proc.pid] = cpu

    def sample(self, phase: str) -> None:
        now = self._clock()
        for kind, roots in self._roots.items():
            slot = self.kinds.setdefault(phase, {}).setdefault(kind, _KindPhase())
            rss = 0
            alive = 0
            for proc in _trees(roots):
                cpu = self._cpu(proc)
                if cpu is None:
                    continue
                try:
                    rss += int(proc.memory_info().rss)
                except psutil.Error:
                    continue
                alive += 1
                slot.cpu_s += max(0.0, cpu - self._cpu_seen.get(proc.pid, 0.0))
                self._cpu_seen[proc.pid] = cpu
            slot.rss_max = max(slot.rss_max, rss)
            slot.processes = max(slot.processes, alive)
        gen = self.generator.setdefault(phase, _GeneratorPhase())
        for pid in self._generator_pids():
            try:
                cpu = self._cpu(psutil.Process(pid))
            except psutil.Error:
                continue
            if cpu is None:
                continue
            seen = self._gen_seen.get(pid)
            self._gen_seen[pid] = (now, cpu)
            if seen is not None and now > seen[0]:
                gen.samples.setdefault(pid, []).append(100.0 * (cpu - seen[1]) / (now - seen[0]))

    # --- per phase, for the results document -----------------------------------------------------------

    def resources(self, phase: str, duration_s: float) -> tuple[ResourceUse, ...]:
        return tuple(
            ResourceUse(
                kind=kind,
                processes=slot.processes,
                cpu_seconds=round(slot.cpu_s, 4),
                cpu_cores_mean=round(slot.cpu_s / max(duration_s, 1e-9), 4),
                rss_bytes_max=slot.rss_max,
            )
            for kind, slot in sorted(self.kinds.get(phase, {}).items())
        )

    def generator_use(self, phase: str) -> GeneratorUse | None:
        """The generator's CPU in ``phase``: the busiest process's mean, and the highest sample."""
        gen = self.generator.get(phase)
        if gen is None or not gen.samples:
            return None
        means = [sum(s) / len(s) for s in gen.samples.values() if s]
        peaks = [max(s) for s in gen.samples.values() if s]
        return GeneratorUse(
            processes=len(gen.samples),
            cpu_percent_mean=round(max(means), 2),
            cpu_percent_max=round(max(peaks), 2),
        )
