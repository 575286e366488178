"""Erlang C: the M/M/c queue, for sizing worker pools and connection pools.

Requests arrive as a Poisson stream at rate λ and each holds one of c identical servers (a worker, a
pooled database or Redis connection) for an exponentially distributed time of mean T_s. The offered
load is A = λ·T_s Erlangs; the pool is stable only when A < c. Then

    B(0) = 1,  B(k) = A·B(k−1) / (k + A·B(k−1))      Erlang B by its recursion (no factorials)
    C(c, A) = c·B(c) / (c − A·(1 − B(c)))             probability that a request must wait
    E[W]    = C · T_s / (c − A)                       mean wait in the queue
    P(W > t) = C · exp(−(c − A)·t / T_s)              tail of the wait
    service level(t) = 1 − P(W > t)

The recursion keeps every intermediate value in [0, 1], so it is stable for thousands of servers where
A^c/c! would overflow. :func:`servers_for` finds the smallest pool that meets one target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from capacity._validate import non_negative, positive, probability
from capacity.exceptions import ModelError, UnreachableError

MAX_SERVERS = 1_000_000
"""Assumption: the largest pool :func:`servers_for` searches before giving up."""


def _check_servers(servers: int) -> int:
    if isinstance(servers, bool) or not isinstance(servers, int) or servers < 1:
        raise ModelError(f"servers: must be an integer >= 1, got {servers!r}")
    return servers


def erlang_b(servers: int, offered_load: float) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B), by the stable recursion."""
    c = _check_servers(servers)
    a = non_negative("offered_load", offered_load)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def _check_stable(servers: int, offered_load: float) -> tuple[int, float]:
    c = _check_servers(servers)
    a = non_negative("offered_load", offered_load)
    if a >= c:
        raise UnreachableError(
            f"offered_load: {offered_load!r} Erlangs needs more than servers={servers!r} "
            f"(with A >= c the queue grows without bound)"
        )
    return c, a


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arriving request has to wait, C(c, A); requires A < c."""
    c, a = _check_stable(servers, offered_load)
    if a == 0.0:
        return 0.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def mean_wait(servers: int, offered_load: float, service_time: float) -> float:
    """Mean time in the queue E[W] = C·T_s/(c − A), in the unit of ``service_time``."""
    c, a = _check_stable(servers, offered_load)
    ts = positive("service_time", service_time)
    return erlang_c(c, a) * ts / (c - a)


def wait_exceeds_probability(servers: int, offered_load: float, service_time: float, wait: float) -> float:
    """P(W > t) = C·exp(−(c − A)·t/T_s): the share of requests that wait longer than ``wait``."""
    c, a = _check_stable(servers, offered_load)
    ts = positive("service_time", service_time)
    t = non_negative("wait", wait)
    return erlang_c(c, a) * math.exp(-(c - a) * t / ts)


def service_level(servers: int, offered_load: float, service_time: float, wait: float) -> float:
    """The share of requests answered within ``wait``: 1 − P(W > t)."""
    return 1.0 - wait_exceeds_probability(servers, offered_load, service_time, wait)


@dataclass(frozen=True)
class ErlangCResult:
    """The state of one pool: its size, load and the figures a sizing reports."""

    servers: int
    offered_load: float
    service_time: float
    wait_probability: float
    mean_wait: float
    occupancy: float


def evaluate(servers: int, offered_load: float, service_time: float) -> ErlangCResult:
    """All the pool's figures at once (occupancy = A/c, the mean busy share of a server)."""
    c, a = _check_stable(servers, offered_load)
    return ErlangCResult(
        servers=c,
        offered_load=a,
        service_time=positive("service_time", service_time),
        wait_probability=erlang_c(c, a),
        mean_wait=mean_wait(c, a, service_time),
        occupancy=a / c,
    )


def servers_for(
    offered_load: float,
    service_time: float,
    *,
    max_wait_probability: float | None = None,
    max_mean_wait: float | None = None,
    wait: float | None = None,
    max_wait_exceeds_probability: float | None = None,
) -> int:
    """The smallest pool c > A meeting exactly one target:

    * ``max_wait_probability``: C(c, A) ≤ p;
    * ``max_mean_wait``: E[W] ≤ w (unit of ``service_time``);
    * ``wait`` with ``max_wait_exceeds_probability``: P(W > wait) ≤ p (i.e. service level ≥ 1 − p).

    Every figure falls as c grows, so the first c that meets the target is the answer.
    """
    a = non_negative("offered_load", offered_load)
    ts = positive("service_time", service_time)
    tail_given = wait is not None or max_wait_exceeds_probability is not None
    chosen = sum(t is not None for t in (max_wait_probability, max_mean_wait)) + int(tail_given)
    if chosen != 1:
        raise ModelError(
            "target: give exactly one of max_wait_probability, max_mean_wait, or wait with "
            f"max_wait_exceeds_probability; got {chosen}"
        )
    if max_wait_probability is not None:
        p = probability("max_wait_probability", max_wait_probability)

        def meets(c: int) -> bool:
            return erlang_c(c, a) <= p

    elif max_mean_wait is not None:
        w = positive("max_mean_wait", max_mean_wait)

        def meets(c: int) -> bool:
            return mean_wait(c, a, ts) <= w

    else:
        if wait is None or max_wait_exceeds_probability is None:
            raise ModelError(
                f"wait/max_wait_exceeds_probability: give both, got wait={wait!r}, "
                f"max_wait_exceeds_probability={max_wait_exceeds_probability!r}"
            )
        t = non_negative("wait", wait)
        q = probability("max_wait_exceeds_probability", max_wait_exceeds_probability)

        def meets(c: int) -> bool:
            return wait_exceeds_probability(c, a, ts, t) <= q

    c = max(1, math.floor(a) + 1)
    while c <= MAX_SERVERS:
        if meets(c):
            return c
        c += 1
    raise UnreachableError(f"offered_load: {offered_load!r} Erlangs needs more than {MAX_SERVERS} servers")
