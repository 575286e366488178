"""Per-citizen rate limit in Redis: an authenticated citizen past its budget gets ``429`` + Retry-After.

Admission control (``admission.py``) protects one worker from too much work in total; this protects the
portal from one citizen (a script, a stuck client retrying in a loop) taking a share meant for many.
The budget is a token bucket of ``rate_limit_burst`` requests refilled at ``rate_limit_per_s``
(``stack/settings.py``, assumptions), kept as GCRA in one Redis key per citizen under the citizen's
hash tag (``stack/data/lua/ratelimit.lua``): atomic, shared by every worker and app node, and on the
same Redis Cluster shard as the rest of the citizen's keys. It costs one script call per authenticated
request.

Enforced by the session dependency (:func:`stack.app.deps.current_session`) after the session is found,
so that every route taking ``CurrentSession`` is limited and anonymous routes are not.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib import resources

from prometheus_client import Counter

from stack.app.errors import ApiError
from stack.data.client import RedisClient, timed
from stack.data.keys import citizen_tag
from stack.settings import StackSettings

RATE_LIMITED = Counter("cuaso_rate_limited_total", "Authenticated requests refused with 429 (per citizen).")


def rate_limit_key(citizen_id: str) -> str:
    """The citizen's rate-limit key, under the same hash tag as its other keys (``stack/data/keys.py``)."""
    return f"c:{{{citizen_tag(citizen_id)}}}:{citizen_id}:rl"


@dataclass(frozen=True, slots=True)
class RateDecision:
    allowed: bool
    retry_after_s: float
    remaining: int


class CitizenRateLimiter:
    """A token bucket per citizen (``per_s`` refill, ``burst`` size); ``per_s == 0`` allows everything."""

    def __init__(self, redis: RedisClient, per_s: float, burst: int) -> None:
        if not math.isfinite(per_s) or per_s < 0:
            raise ValueError(f"per_s: need a finite rate >= 0, got {per_s!r}")
        if isinstance(burst, bool) or burst < 1:
            raise ValueError(f"burst: need an integer >= 1, got {burst!r}")
        if per_s > 1_000_000:
            raise ValueError(f"per_s: at most 1,000,000 requests/s, got {per_s!r}")
        self.per_s = per_s
        self.burst = burst
        self._interval_us = max(1, round(1_000_000 / per_s)) if per_s else 0
        script = resources.files("stack.data").joinpath("lua/ratelimit.lua").read_text(encoding="utf-8")
        self._script = redis.register_script(script)

    @classmethod
    def from_settings(cls, redis: RedisClient, settings: StackSettings) -> CitizenRateLimiter:
        return cls(redis, settings.rate_limit_per_s, settings.rate_limit_burst)

    @property
    def enabled(self) -> bool:
        return self.per_s > 0

    async def check(self, citizen_id: str) -> RateDecision:
        """Spend one request of the citizen's budget if there is one left."""
        if not self.enabled:
            return RateDecision(True, 0.0, self.burst)
        async with timed("rate_limit"):
            allowed, retry_us, remaining = await self._script(
                keys=[rate_limit_key(citizen_id)], args=[self._interval_us, self.burst]
            )
        return RateDecision(bool(allowed), int(retry_us) / 1_000_000, int(remaining))

    async def enforce(self, citizen_id: str) -> None:
        """Raise a 429 ``ApiError`` (Retry-After in whole seconds, at least 1) when over the budget."""
        decision = await self.check(citizen_id)
        if decision.allowed:
            return
        RATE_LIMITED.inc()
        retry = max(1, math.ceil(decision.retry_after_s))
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this citizen: at most {self.per_s:g}/s (bursts of {self.burst}); "
            f"retry after {retry} s",
            None,
            {"Retry-After": str(retry)},
        )
