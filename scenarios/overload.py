"""Figures of an overload drill: goodput, latency of admitted requests, refusals, recovery.

``cuaso overload`` (docs/overload.md) runs one :class:`~scenarios.shapes.spike.Spike` drill per load
factor (1x, 2x, 5x the stack's capacity) with admission control on and off. This module reads each
run's results document into an :class:`OverloadFigures` and lays them out as a table; it starts
nothing, so it is tested on documents built by hand.

- **goodput**: successful requests per second in the ``spike`` phase (requests minus failures over
  the phase), and as a share of the capacity measured beforehand (``peak_rps``);
- **p99 admitted**: the client-side p99 of successful answers in the spike (refusals, errors and
  timeouts left out: what a citizen who got through waited), and whether it is within the latency SLO
  (:data:`SLO_P99_MS`);
- **refused share / timeout share**: ``503`` answers and client timeouts over all requests of the spike;
- **recovery**: seconds from the end of the spike until the timeline is back to how it was before the
  spike: error rate at most :data:`RECOVERY_ERROR_MARGIN` above the ``before`` phase's and goodput at
  least :data:`RECOVERY_GOODPUT_SHARE` of its, held for :data:`RECOVERY_HOLD_S` (``None``: not within
  the drill). The timeline has a point every 3 s, so recovery is known to that resolution.
- **model**: ``closed`` (Locust's users loop: a slow portal slows their arrivals) or ``open`` (``cuaso
  overload --models closed,open``: sessions keep arriving at the spike's rate, and the users column is
  the sessions in progress, which pile up); an open run also gives the share of its arrivals that
  started late or were dropped (the pool could not keep up with sessions that no longer end).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from results.document import Phase, ResultsDocument, TimelinePoint

# Assumptions of the experiment (each a flag of `cuaso overload`; docs/overload.md says why):
FACTORS = "1,2,5"  # the load factors
CPU_MS = 10.0  # CPU per API request: one worker then serves ~90 req/s, which one generator can offer 5x
STACK_WORKERS = 1
CAPACITY_USERS = 16  # users without think time that keep one worker busy (e-ID and DB waits included)
PROBE_USERS = 10  # users at --think-scale well below the knee, for the per-user rate
THINK_SCALE = 0.05  # think 5 % of a real person: ~1 request/s per user, so 5x is a few hundred users
REQUEST_TIMEOUT_S = 4.0  # a citizen facing a hung page reloads after ~4 s ("slow and hanging", FACTS)
RETRY = "impatient"  # reloads at once: the retry storm that turns a backlog into collapse
# Admission limits sized by Little's law for this capacity: ~90 req/s x ~40 ms unloaded latency = ~4
# requests in flight, doubled for headroom. The stack's defaults (64 + 64) suit requests of ~0.5 ms CPU;
# with 10 ms each, 64 in flight make every await of a request wait for 64 x 10 ms of other work.
MAX_IN_FLIGHT = 8
QUEUE = 8
CALIBRATION_S = 20.0
RAMP_S, BEFORE_S, SPIKE_S, AFTER_S = 10.0, 20.0, 45.0, 45.0


SLO_P99_MS = 1000.0
"""Assumption (FACTS.md sources no SLO): 99 % of API requests answered within 1 s, the latency objective
of ``dashboards/prometheus/rules/cuaso-slo.yml``; here applied to the requests that were admitted."""
RECOVERY_ERROR_MARGIN = 0.01
"""Assumption: the stack has recovered once its error rate is within 1 point of the rate before the
spike (at 1x, admission control may already refuse some requests)."""
RECOVERY_GOODPUT_SHARE = 0.9
"""Assumption: ... and goodput is back to 90 % of what it was before the spike (one timeline point
holds a few hundred requests, so a tighter bound would judge noise)."""
RECOVERY_HOLD_S = 6.0
"""Assumption: both hold for 6 s (two timeline points), not one lucky point."""


class OverloadError(ValueError):
    """A results document that is not an overload drill (a phase missing, nothing measured)."""


@dataclass(frozen=True, slots=True)
class OverloadFigures:
    """What one spike drill showed (see the module docstring)."""

    factor: float
    admission: bool
    users_base: float
    users_spike: float
    requests: int
    goodput_rps: float
    goodput_share: float
    p50_admitted_ms: float
    p99_admitted_ms: float
    p99_within_slo: bool
    refused_share: float
    timeout_share: float
    error_share: float
    recovery_s: float | None
    model: str = "closed"
    late_or_dropped_share: float | None = None  # open model only

    def to_dict(self) -> dict[str, Any]:
        """Plain data; a figure that could not be measured (no successful answer) is None."""
        return {
            k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in asdict(self).items()
        }


def goodput_rps(phase: Phase) -> float:
    """Successful requests per second of a phase."""
    return (phase.requests - phase.failures) / phase.duration_s


def _errors(phase: Phase, kind: str) -> int:
    return sum(c.count for e in phase.endpoints for c in e.errors if c.kind == kind)


def _good(point: TimelinePoint) -> float:
    return point.rps * (1.0 - point.error_rate)


def recovery_s(
    timeline: Sequence[TimelinePoint],
    spike_end_s: float,
    reference_goodput: float,
    reference_error_rate: float = 0.0,
) -> float | None:
    """Seconds after ``spike_end_s`` at which the timeline is as healthy as the reference (before the
    spike) and stays so for :data:`RECOVERY_HOLD_S` (0: from the first point after the spike); None:
    never within the timeline."""
    if reference_goodput <= 0:
        raise OverloadError(f"reference_goodput: need > 0 requests/s, got {reference_goodput!r}")
    after = [p for p in timeline if p.t_s > spike_end_s]

    def healthy(p: TimelinePoint) -> bool:
        return (
            p.error_rate <= reference_error_rate + RECOVERY_ERROR_MARGIN
            and _good(p) >= RECOVERY_GOODPUT_SHARE * reference_goodput
        )

    for i, point in enumerate(after):
        if after[-1].t_s - point.t_s < RECOVERY_HOLD_S - 1e-9:
            return None  # too little timeline left to tell
        held = [p for p in after[i:] if p.t_s <= point.t_s + RECOVERY_HOLD_S + 1e-9]
        if all(healthy(p) for p in held):
            start = after[i - 1].t_s if i > 0 else spike_end_s  # a point covers the interval before it
            return max(0.0, start - spike_end_s)
    return None


def figures(
    doc: ResultsDocument, peak_rps: float, *, admission: bool, slo_p99_ms: float = SLO_P99_MS
) -> OverloadFigures:
    """The figures of one spike drill, goodput as a share of ``peak_rps`` (the measured capacity), p99 of
    the admitted requests judged against ``slo_p99_ms``."""
    if not (math.isfinite(peak_rps) and peak_rps > 0):
        raise OverloadError(f"peak_rps: need the measured capacity > 0 requests/s, got {peak_rps!r}")
    if not (math.isfinite(slo_p99_ms) and slo_p99_ms > 0):
        raise OverloadError(f"slo_p99_ms: need a latency objective > 0 ms, got {slo_p99_ms!r}")
    names = [p.name for p in doc.phases]
    for needed in ("before", "spike", "after"):
        if needed not in names:
            raise OverloadError(f"{doc.run.id}: no phase {needed!r} (phases: {names}); not a spike drill")
    before, spike = doc.phase("before"), doc.phase("spike")
    if spike.requests == 0:
        raise OverloadError(f"{doc.run.id}: no request in the spike phase")
    params = doc.run.shape.get("params", {})
    ok = spike.ok_latency()
    p99 = ok.percentile_ms(99) if ok.count else math.nan
    good = goodput_rps(spike)
    reference = goodput_rps(before)
    return OverloadFigures(
        factor=float(params.get("factor", 1.0)),
        admission=admission,
        users_base=before.offered.users_mean,
        users_spike=spike.offered.users_mean,
        requests=spike.requests,
        goodput_rps=good,
        goodput_share=good / peak_rps,
        p50_admitted_ms=ok.percentile_ms(50) if ok.count else math.nan,
        p99_admitted_ms=p99,
        p99_within_slo=bool(ok.count) and p99 <= slo_p99_ms,
        refused_share=_errors(spike, "http_503") / spike.requests,
        timeout_share=_errors(spike, "timeout") / spike.requests,
        error_share=spike.failures / spike.requests,
        recovery_s=(
            recovery_s(doc.timeline, spike.end_s, reference, before.failures / max(before.requests, 1))
            if reference > 0
            else None
        ),
        model="closed" if spike.arrivals is None else "open",
        late_or_dropped_share=None if spike.arrivals is None else spike.arrivals.late_or_dropped_share,
    )


def markdown_table(rows: Sequence[OverloadFigures]) -> str:
    """The table of docs/overload.md, one row per run, by factor, admission (off first), then model
    (closed first: the same spike side by side in both models)."""
    head = (
        "| load | admission | model | users (base → spike) | goodput (req/s) | goodput / peak "
        "| p50 admitted (ms) | p99 admitted (ms) | p99 within SLO | 503 share | timeout share | failed share "
        "| recovery (s) | late/dropped arrivals |\n"
        "|---|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in sorted(rows, key=lambda r: (r.factor, r.admission, r.model != "closed")):
        recovery = "not within the drill" if r.recovery_s is None else f"{r.recovery_s:.0f}"
        late = "–" if r.late_or_dropped_share is None else f"{r.late_or_dropped_share:.1%}"
        lines.append(
            f"| {r.factor:g}x | {'on' if r.admission else 'off'} | {r.model} "
            f"| {r.users_base:.0f} → {r.users_spike:.0f} | {r.goodput_rps:.1f} | {r.goodput_share:.2f} "
            f"| {r.p50_admitted_ms:.0f} | {r.p99_admitted_ms:.0f} | {'yes' if r.p99_within_slo else 'no'} "
            f"| {r.refused_share:.1%} | {r.timeout_share:.1%} | {r.error_share:.1%} | {recovery} | {late} |"
        )
    return head + "\n".join(lines) + "\n"
