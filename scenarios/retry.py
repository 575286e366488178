"""How people retry when the portal answers with an error or times out.

After the phase-1 cutover citizens met slowness and hangs (FACTS: dispatch 111/CĐ-TTg); what they do next
decides whether the load eases or turns into a retry storm. A :class:`RetryPolicy` says, for the
``attempt``-th retry (1 = the first retry after the first failure):

* :meth:`RetryPolicy.delay_for` — how long the person waits before it: ``none`` (retries at once),
  ``fixed`` (``base_s``), or ``exponential`` (``base_s · factor^(attempt−1)``), capped at ``max_s``; then
  ``jitter`` ∈ [0, 1] takes a random fraction off (``jitter = 1`` is "full jitter": uniform in
  ``[0, delay]``);
* :meth:`RetryPolicy.gives_up` — whether the person abandons instead: always once ``attempt`` exceeds
  ``patience``, otherwise with probability ``abandon_probability``.

Both are pure functions of their arguments and the state of the random stream passed in, so a
seeded generator gives the same decisions every run. :meth:`RetryPolicy.load_amplification` is the
closed form of the extra load a policy adds when requests fail.

The presets are **assumptions** (no public data on how citizens retry); their numbers are named below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, get_args

from scenarios.rng import Rng

Backoff = Literal["none", "fixed", "exponential"]
BACKOFFS: tuple[str, ...] = get_args(Backoff)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Retry behaviour of one kind of visitor (or client); see the module docstring."""

    patience: int
    backoff: Backoff
    base_s: float = 1.0
    factor: float = 2.0
    max_s: float = 60.0
    jitter: float = 0.0
    abandon_probability: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.patience, bool) or not isinstance(self.patience, int) or self.patience < 0:
            raise ValueError(f"patience: must be an integer >= 0, got {self.patience!r}")
        if self.backoff not in BACKOFFS:
            raise ValueError(f"backoff: must be one of {', '.join(BACKOFFS)}, got {self.backoff!r}")
        for key in ("base_s", "factor", "max_s", "jitter", "abandon_probability"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValueError(f"{key}: must be a finite number, got {value!r}")
        if self.base_s < 0:
            raise ValueError(f"base_s: must be >= 0, got {self.base_s!r}")
        if self.factor < 1:
            raise ValueError(
                f"factor: must be >= 1 (a backoff that shrinks is not a backoff), got {self.factor!r}"
            )
        if self.max_s < self.base_s:
            raise ValueError(f"max_s: must be >= base_s={self.base_s!r}, got {self.max_s!r}")
        if not 0 <= self.jitter <= 1:
            raise ValueError(f"jitter: must be in [0, 1], got {self.jitter!r}")
        if not 0 <= self.abandon_probability <= 1:
            raise ValueError(f"abandon_probability: must be in [0, 1], got {self.abandon_probability!r}")

    def _check_attempt(self, attempt: int) -> None:
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise ValueError(f"attempt: must be an integer >= 1 (1 = the first retry), got {attempt!r}")

    def delay_for(self, attempt: int, rng: Rng) -> float:
        """Seconds to wait before retry number ``attempt``; draws one number from ``rng`` iff jitter > 0."""
        self._check_attempt(attempt)
        if self.backoff == "none":
            return 0.0
        if self.backoff == "fixed":
            delay = min(self.base_s, self.max_s)
        else:
            # factor**(attempt-1) overflows for huge attempts; the cap makes the exact value irrelevant
            exponent = attempt - 1
            growth = math.inf if exponent * math.log(max(self.factor, 1.0)) > 700 else self.factor**exponent
            delay = min(self.max_s, self.base_s * growth)
        if self.jitter > 0:
            delay *= 1.0 - self.jitter * rng.random()
        return delay

    def gives_up(self, attempt: int, rng: Rng) -> bool:
        """Whether the person abandons instead of making retry ``attempt``.

        Past ``patience`` always (without drawing); otherwise draws one number from ``rng`` when
        ``abandon_probability`` is strictly between 0 and 1.
        """
        self._check_attempt(attempt)
        if attempt > self.patience:
            return True
        if self.abandon_probability <= 0:
            return False
        if self.abandon_probability >= 1:
            return True
        return rng.random() < self.abandon_probability

    def load_amplification(self, failure_probability: float) -> float:
        """Expected requests sent per original request when each attempt fails independently with
        ``failure_probability``: Σ_{a=0..patience} (f·(1 − abandon_probability))^a.

        1.0 means no extra load; an impatient crowd facing a 50% error rate multiplies its load by ~2.
        """
        if not 0 <= failure_probability <= 1:
            raise ValueError(f"failure_probability: must be in [0, 1], got {failure_probability!r}")
        r = failure_probability * (1.0 - self.abandon_probability)
        return math.fsum(r**a for a in range(self.patience + 1))


# --- presets (all numbers are assumptions) ----------------------------------------------------------

PATIENT = RetryPolicy(
    patience=3,  # assumption: tries three more times
    backoff="fixed",
    base_s=10.0,  # assumption: waits ~10 s (reads the error, tries again)
    max_s=10.0,
    jitter=0.5,  # assumption: people do not wait exactly 10 s: 5-10 s
    abandon_probability=0.1,  # assumption: 10% give up at each failure
)
"""A patient citizen: a few retries after a pause, some give up."""

IMPATIENT = RetryPolicy(
    patience=10,  # assumption: hammers reload up to ten times
    backoff="none",  # retries at once: the retry storm
    abandon_probability=0.02,  # assumption: rarely gives up
)
"""An impatient citizen (retry storm): no backoff, many retries."""

WELL_BEHAVED = RetryPolicy(
    patience=5,  # assumption
    backoff="exponential",
    base_s=1.0,  # assumption: 1, 2, 4, 8, 16 s before jitter
    factor=2.0,
    max_s=30.0,  # assumption: never waits more than 30 s
    jitter=1.0,  # full jitter: uniform in [0, delay], spreads retries out
    abandon_probability=0.0,
)
"""A well-behaved client: exponential backoff with full jitter (AWS Architecture Blog, "Exponential
Backoff And Jitter", 2015)."""

PRESETS: dict[str, RetryPolicy] = {"patient": PATIENT, "impatient": IMPATIENT, "well_behaved": WELL_BEHAVED}


def policy_by_name(name: str) -> RetryPolicy:
    """A preset by name (``patient``, ``impatient``, ``well_behaved``)."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"retry policy: unknown {name!r}; known: {', '.join(PRESETS)}") from None
