"""The drill's CPU allotments: which groups a drill confines, and what the results document records.

``sut`` is the local stack (every process kind :class:`stack.launcher.LocalStack` starts), ``generator``
is Locust; :mod:`stack.cgroups` does the confining. The results document records, per group, the
process kinds in it and the CPUs and quota it had (:class:`results.document.CpuAllotment`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager

from results.document import CpuAllotment
from scenarios.drill.sampler import kind_of
from stack.cgroups import Confinement, CpuLimit

CONFINED_GROUPS = ("sut", "generator")
"""The groups a drill can confine: the local stack (system under test) and the load generator."""

GENERATOR_KINDS = ("locust",)
"""The process kind of the generator in an allotment (Locust's CPU is recorded apart from resources)."""


def confinement_for(limits: Mapping[str, CpuLimit] | None) -> AbstractContextManager[Confinement | None]:
    """A :class:`Confinement` of ``limits``, or nothing when there are none."""
    if not limits:
        return contextlib.nullcontext()
    return Confinement(limits)


def allotments(confinement: Confinement | None, stack_names: Iterable[str]) -> tuple[CpuAllotment, ...]:
    """What each confined group had, for the results document (``()`` without confinement)."""
    if confinement is None:
        return ()
    kinds = {"sut": tuple(sorted({kind_of(n) for n in stack_names})), "generator": GENERATOR_KINDS}
    return tuple(
        CpuAllotment(
            group=group,
            kinds=kinds[group],
            cpus=",".join(str(c) for c in limit.cpus) if limit.cpus is not None else None,
            quota_cores=limit.cores,
            cores=limit.effective_cores,
            mechanism=confinement.mechanism,
        )
        for group, limit in sorted(confinement.limits.items())
    )
