"""Is a drill's measurement trustworthy? The checks every results document carries, with reasons.

* ``generator_cpu`` — in no phase did a Locust process average more than ``GENERATOR_CPU_LIMIT`` % of a
  core: a saturated generator delays its own requests and measures itself, not the portal.
* ``littles_law`` — in every phase long enough and with enough requests, the users the generator held
  agree with Little's law, N = X · (R + Z) (X requests/s, R mean response time, Z mean time users
  spent thinking or backing off per request), within ``LITTLE_TOLERANCE``. A large gap means users were
  neither waiting for the portal nor thinking: the generator lagged, or the phase is too short for the
  sessions in it to settle.
  In the open model N is the sessions in progress (the pool also holds idle users), and a phase is a
  ramp when its intended arrival rate varies by more than ``LITTLE_MAX_SPREAD``.
* ``open_model`` (open drills) — at most ``MAX_LATE_SHARE`` of the arrivals the schedule released
  started late or were dropped: otherwise the generator, not the schedule, set the load.
* ``generator_lag`` — in every phase with enough samples and requests, the generator's event-loop lag
  moves the reported p50 and p99 by at most ``LAG_SHARE`` of them (or under ``LAG_FLOOR_MS``), the
  shift estimated by :func:`scenarios.drill.loop_lag.percentile_shifts_ms`: otherwise the generator's own
  delay is a visible part of the percentiles it reports.
* ``min_samples`` — at least ``MIN_REQUESTS`` requests, or percentiles mean little.
* ``error_rate_abort`` — the drill was not aborted for its error rate.
* ``completed`` — Locust ended by itself (the shape's end, or all fixed iterations done), not killed
  at the hard time bound.
"""

from __future__ import annotations

from collections.abc import Sequence

from results.document import Check, Phase, Validity
from results.histogram import LatencyHistogram
from scenarios.drill.loop_lag import percentile_shifts_ms

GENERATOR_CPU_LIMIT = 80.0
"""Percent of one core per generator process above which the run is invalid (Locust itself warns at 90%;
assumption: 80% leaves headroom for bursts between samples)."""

LITTLE_TOLERANCE = 0.2
"""Assumption: |N_measured − X·(R+Z)| / N_measured up to 20% — users are sampled once a second and
requests and pauses that straddle a phase boundary count in one phase only."""

LITTLE_MIN_REQUESTS = 50
"""Assumption: Little's law is checked only in phases with at least 50 requests..."""

LITTLE_MIN_PHASE_S = 10.0
"""...and at least 10 s long: in distributed mode the master learns its workers' user counts from their
reports every 3 s, too late for a phase of a few seconds (a short ramp) to average them well."""

LITTLE_MAX_SPREAD = 0.4
"""...and not in clear ramps, whose mean users are below 60% of their peak (assumption): during a ramp
the users just started have not yet completed a request and pause, so N = X·(R+Z), a law of steady
state, does not apply to the phase's averages."""

MAX_LATE_SHARE = 0.02
"""Assumption: up to 2% of an open drill's arrivals may start late or be dropped; more, and the offered
rate is the generator's (a pool too small, a process too busy), not the schedule's."""

LAG_SHARE = 0.5
"""Assumption: the generator's loop lag may move a reported percentile (p50, p99) by up to half of it
before the run is invalid: beyond that the percentile describes the generator more than the portal.
Smaller shifts are reported in the check's value and reason (on a shared 2-core machine a third of a
p99 is common, and a limit there would make every drill's validity depend on the neighbours' load)."""

LAG_FLOOR_MS = 10.0
"""Assumption: a shift under 10 ms cannot move a drill's verdict: 1% of the dashboards' 1-s p99 latency
SLO, and a busy shared machine's scheduler alone delays a wake-up by a few milliseconds."""

LAG_PERCENTILES = (50.0, 99.0)

LAG_MIN_SAMPLES = 100
"""The lag is judged only in phases with at least 100 samples (10 s at ``LOOP_SAMPLE_S``) and
``LITTLE_MIN_REQUESTS`` requests: the p99 of fewer samples is their maximum, i.e. one start-up hiccup."""

MIN_REQUESTS = 100
"""Assumption: fewer than 100 requests in a whole drill are too few to report percentiles."""


def littles_law_users(phase: Phase) -> float | None:
    """X · (R + Z) for a phase: the concurrent users its throughput, latency and think time imply."""
    if phase.offered.think_time_s is None:
        return None
    response_s = phase.latency().mean_ms() / 1000.0
    return phase.throughput_rps * (response_s + phase.offered.think_time_s)


def _generator_check(phases: Sequence[Phase]) -> Check:
    busiest = [(p.generator.cpu_percent_mean, p.name) for p in phases if p.generator is not None]
    if not busiest:
        return Check(
            name="generator_cpu",
            ok=False,
            threshold=GENERATOR_CPU_LIMIT,
            reason="generator CPU was not measured",
        )
    value, name = max(busiest)
    ok = value <= GENERATOR_CPU_LIMIT
    verdict = "at most" if ok else "over"
    return Check(
        name="generator_cpu",
        ok=ok,
        value=value,
        threshold=GENERATOR_CPU_LIMIT,
        reason=f"busiest generator process averaged {value:.0f}% of a core (phase {name}), "
        f"{verdict} the {GENERATOR_CPU_LIMIT:.0f}% limit"
        + ("" if ok else ": the generator, not the portal, may have been the bottleneck"),
    )


def _little_check(phases: Sequence[Phase]) -> Check:
    worst: tuple[float, str, float, float] | None = None
    for phase in phases:
        implied = littles_law_users(phase)
        users = phase.offered.users_mean
        too_small = phase.requests < LITTLE_MIN_REQUESTS or phase.duration_s < LITTLE_MIN_PHASE_S
        if phase.arrivals is not None:
            rates = phase.arrivals
            ramping = rates.rate_min_per_s < (1.0 - LITTLE_MAX_SPREAD) * rates.rate_max_per_s
        else:
            ramping = users < (1.0 - LITTLE_MAX_SPREAD) * phase.offered.users_max
        if implied is None or users <= 0 or too_small or ramping:
            continue
        gap = abs(users - implied) / users
        if worst is None or gap > worst[0]:
            worst = (gap, phase.name, users, implied)
    if worst is None:
        reason = (
            f"no steady phase of {LITTLE_MIN_PHASE_S:g} s or more had {LITTLE_MIN_REQUESTS} requests to "
            "check Little's law on"
        )
        return Check(name="littles_law", ok=False, threshold=LITTLE_TOLERANCE, reason=reason)
    gap, name, users, implied = worst
    ok = gap <= LITTLE_TOLERANCE
    return Check(
        name="littles_law",
        ok=ok,
        value=round(gap, 4),
        threshold=LITTLE_TOLERANCE,
        reason=f"Little's law N = X·(R+Z): worst phase {name} held {users:.1f} users, X·(R+Z) = "
        f"{implied:.1f} ({gap:.0%} apart, tolerance {LITTLE_TOLERANCE:.0%})",
    )


def _open_check(phases: Sequence[Phase]) -> Check | None:
    counted = [p.arrivals for p in phases if p.arrivals is not None]
    if not counted:
        return None
    scheduled = sum(a.scheduled + a.returned for a in counted)
    late = sum(a.late for a in counted)
    dropped = sum(a.dropped for a in counted)
    share = (late + dropped) / scheduled if scheduled else 1.0
    ok = scheduled > 0 and share <= MAX_LATE_SHARE
    after = counted[0].late_after_s
    reason = (
        f"{scheduled} arrivals released (schedule and returning citizens), {late} started late "
        f"(> {after:g} s) and {dropped} dropped: {share:.1%} "
        f"({'at most' if ok else 'over'} the {MAX_LATE_SHARE:.0%} limit)"
    )
    if not ok:
        reason += (
            ": the generator could not start sessions on schedule (pool too small for how long sessions "
            "took, or the generator too busy); the offered load is not the schedule's"
            if scheduled
            else ": no arrival was released"
        )
    return Check(name="open_model", ok=ok, value=round(share, 4), threshold=MAX_LATE_SHARE, reason=reason)


def _lag_check(phases: Sequence[Phase]) -> Check | None:
    measured = [
        p
        for p in phases
        if p.loop_lag is not None
        and p.loop_lag.samples >= LAG_MIN_SAMPLES
        and p.requests >= LITTLE_MIN_REQUESTS
    ]
    if not measured:
        return None
    worst: tuple[float, str, float, float, float] | None = None  # (ratio, phase, pct, shift, latency)
    for phase in measured:
        assert phase.loop_lag is not None
        lag = LatencyHistogram.decode(phase.loop_lag.histogram)
        latency = phase.latency()
        shifts = percentile_shifts_ms(latency, lag, LAG_PERCENTILES)
        for pct, shift in zip(LAG_PERCENTILES, shifts, strict=True):
            reported = latency.percentile_ms(pct)
            ratio = shift / reported if reported > 0 else 0.0
            if shift > LAG_FLOOR_MS and (worst is None or ratio > worst[0]):
                worst = (ratio, phase.name, pct, shift, reported)
    top = max(p.loop_lag.p99_ms for p in measured if p.loop_lag is not None)
    if worst is None or worst[0] <= LAG_SHARE:
        detail = (
            f"moves the reported p{worst[2]:g} of phase {worst[1]} by about {worst[3]:.1f} ms, "
            f"{worst[0]:.0%} of it (the most; limit {LAG_SHARE:.0%})"
            if worst is not None
            else f"moves the reported p50 and p99 by under {LAG_FLOOR_MS:g} ms"
        )
        return Check(
            name="generator_lag", ok=True, value=round(worst[0], 4) if worst else 0.0, threshold=LAG_SHARE,
            reason=f"the generator's event-loop lag {detail}; highest p99 lag {top:.1f} ms",
        )  # fmt: skip
    ratio, name, pct, shift, reported = worst
    return Check(
        name="generator_lag", ok=False, value=round(ratio, 4), threshold=LAG_SHARE,
        reason=f"the generator's event loop (p99 lag {top:.1f} ms) moves the reported p{pct:g} of phase "
        f"{name} by about {shift:.1f} ms, {ratio:.0%} of it ({reported:.1f} ms; limit {LAG_SHARE:.0%}): the "
        "generator's own delay distorts the reported percentiles; use more Locust workers or fewer users",
    )  # fmt: skip


def assess(phases: Sequence[Phase], stop_reason: str | None, aborted: bool, killed: bool) -> Validity:
    """The validity of a drill from its phases and how it ended."""
    requests = sum(p.requests for p in phases)
    checks = [
        _generator_check(phases),
        _little_check(phases),
        Check(
            name="min_samples",
            ok=requests >= MIN_REQUESTS,
            value=float(requests),
            threshold=MIN_REQUESTS,
            reason=f"{requests} requests measured "
            f"({'at least' if requests >= MIN_REQUESTS else 'fewer than'} {MIN_REQUESTS})",
        ),
        Check(
            name="error_rate_abort",
            ok=not aborted,
            reason=stop_reason if aborted and stop_reason else "not aborted for its error rate",
        ),
        Check(
            name="completed",
            ok=not killed,
            reason="killed at the hard time bound"
            if killed
            else f"Locust ended by itself ({stop_reason or 'the shape ended'})",
        ),
    ]
    checks.extend(c for c in (_open_check(phases), _lag_check(phases)) if c is not None)
    return Validity(valid=all(c.ok for c in checks), checks=tuple(checks))
