"""The fault schedule of a chaos drill: which fault starts when, and for how long.

A schedule is plain data, built once from the drill's duration and the faults asked for, so that it can
be printed before the drill, tested without a stack, and written into the audit. Times are seconds
since the drill started. Point faults (a worker killed, Redis restarted) have ``duration_s`` 0; window
faults (a back-office system down, the e-ID provider slow, partners misbehaving) are undone at
``at_s + duration_s``.

Where each fault falls is a share of the drill's duration (the constants below, all *assumptions*
chosen so that faults overlap the load but each has room to be noticed on its own, and the end of the
drill is fault-free so that clients can catch up before the drain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from results.exceptions import ConfigError

FaultKind = Literal[
    "worker-kill", "redis-restart", "backoffice-outage", "eid-slow", "partner-callbacks",
    "node-loss", "primary-failover", "site-loss",
]  # fmt: skip
FAULT_KINDS: tuple[FaultKind, ...] = get_args(FaultKind)
TOPOLOGY_KINDS: tuple[FaultKind, ...] = ("node-loss", "primary-failover", "site-loss")
"""Faults of a multi-node topology (``--topology``): a whole app node, a Redis primary, a whole site."""
SINGLE_NODE_KINDS: tuple[FaultKind, ...] = ("redis-restart",)
"""Faults of the single node only (the topology's Redis is a cluster: see primary-failover)."""

WORKER_KILL_EVERY_S = 10.0
"""Assumption: one app worker SIGKILLed every 10 s between the start and end shares below."""
WORKER_KILL_SPAN = (0.15, 0.80)
"""Assumption: worker kills start at 15% and stop by 80% of the drill."""
REDIS_RESTART_AT = 0.50
"""Assumption: Redis is killed and restarted once, half-way."""
BACKOFFICE_WINDOW = (0.20, 0.45)
"""Assumption: the back-office systems are down from 20% to 45% of the drill."""
EID_WINDOW = (0.55, 0.70)
"""Assumption: the e-ID provider is slow from 55% to 70% of the drill."""
PARTNER_WINDOW = (0.10, 0.85)
"""Assumption: payment partners drop and duplicate callbacks from 10% to 85% of the drill."""
NODE_LOSS_WINDOW = (0.10, 0.30)
"""Assumption: one app node (every process of it) is lost from 10% to 30% of the drill, then restarted."""
PRIMARY_LOSS_WINDOW = (0.35, 0.50)
"""Assumption: one Redis primary is killed at 35% (its replica is promoted) and restarted at 50%."""
SITE_LOSS_WINDOW = (0.55, 0.80)
"""Assumption: a whole site (its app nodes and Redis nodes) is lost from 55% to 80% of the drill."""
REMOTE_REFUSAL = (
    "local-only: cuaso injects these into the stack it starts (it SIGKILLs its processes, restarts its "
    "Redis, drives its simulators), not into a system at --host; inject your own faults there with "
    "--fault-command NAME@SECONDS=COMMAND (docs/chaos.md)"
)
"""Why the built-in faults are refused with ``--host``."""
MIN_DURATION_S = 20.0
"""Below this a drill has no room for its faults to be told apart (assumption)."""


@dataclass(frozen=True, slots=True)
class FaultEvent:
    """One scheduled fault: ``kind`` starts at ``at_s`` and (for a window) lasts ``duration_s``."""

    at_s: float
    kind: FaultKind
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ConfigError("kind", self.kind, f"unknown fault; known: {', '.join(FAULT_KINDS)}")
        if not self.at_s >= 0:
            raise ConfigError("at_s", self.at_s, "must be >= 0 seconds")
        if not self.duration_s >= 0:
            raise ConfigError("duration_s", self.duration_s, "must be >= 0 seconds")

    @property
    def end_s(self) -> float:
        return self.at_s + self.duration_s

    def to_dict(self) -> dict[str, object]:
        return {"at_s": round(self.at_s, 3), "kind": self.kind, "duration_s": round(self.duration_s, 3)}


def parse_faults(text: str | None, topology: bool = False, remote: bool = False) -> tuple[FaultKind, ...]:
    """``--faults`` as a comma-separated list, each kind once, in order. None or ``all``: every kind the
    stack has (the topology faults only with ``topology``, redis-restart only without; none ``remote``:
    against ``--host`` every built-in fault is local-only, refused naming them). ``none``: no built-in
    fault (the operator's fault commands only)."""
    fits = tuple(k for k in FAULT_KINDS if k not in (SINGLE_NODE_KINDS if topology else TOPOLOGY_KINDS))
    if text is None or text.strip() == "all":
        return () if remote else fits
    if text.strip() == "none":
        return ()
    kinds: list[FaultKind] = []
    for item in (part.strip() for part in text.split(",")):
        if item not in FAULT_KINDS:
            known = ", ".join(FAULT_KINDS)
            raise ConfigError("--faults", item, f"unknown fault; known: {known}, all or none")
        if item not in fits and not remote:
            need = "a single-node stack (no --topology)" if topology else "--topology (nodes and sites)"
            raise ConfigError("--faults", item, f"needs {need}")
        if item not in kinds:
            kinds.append(item)
    if remote and kinds:
        raise ConfigError("--faults", ",".join(kinds), REMOTE_REFUSAL)
    if not kinds:
        raise ConfigError("--faults", text, "need at least one fault (or none, with --fault-command)")
    return tuple(kinds)


def _window(kind: FaultKind, duration_s: float, span: tuple[float, float]) -> FaultEvent:
    return FaultEvent(span[0] * duration_s, kind, (span[1] - span[0]) * duration_s)


def build_schedule(
    duration_s: float, faults: tuple[FaultKind, ...], kill_every_s: float = WORKER_KILL_EVERY_S
) -> tuple[FaultEvent, ...]:
    """The events of a drill of ``duration_s`` seconds with ``faults``, sorted by start time."""
    if not duration_s >= MIN_DURATION_S:
        raise ConfigError("--duration", duration_s, f"need at least {MIN_DURATION_S:g} s for the faults")
    if not kill_every_s > 0:
        raise ConfigError("kill_every_s", kill_every_s, "must be > 0 seconds")
    events: list[FaultEvent] = []
    if "worker-kill" in faults:
        at, stop = WORKER_KILL_SPAN[0] * duration_s, WORKER_KILL_SPAN[1] * duration_s
        while at <= stop:
            events.append(FaultEvent(at, "worker-kill"))
            at += kill_every_s
    if "redis-restart" in faults:
        events.append(FaultEvent(REDIS_RESTART_AT * duration_s, "redis-restart"))
    if "backoffice-outage" in faults:
        events.append(_window("backoffice-outage", duration_s, BACKOFFICE_WINDOW))
    if "eid-slow" in faults:
        events.append(_window("eid-slow", duration_s, EID_WINDOW))
    if "partner-callbacks" in faults:
        events.append(_window("partner-callbacks", duration_s, PARTNER_WINDOW))
    if "node-loss" in faults:
        events.append(_window("node-loss", duration_s, NODE_LOSS_WINDOW))
    if "primary-failover" in faults:
        events.append(_window("primary-failover", duration_s, PRIMARY_LOSS_WINDOW))
    if "site-loss" in faults:
        events.append(_window("site-loss", duration_s, SITE_LOSS_WINDOW))
    return tuple(sorted(events, key=lambda e: (e.at_s, e.kind)))
