"""Seeded random streams for simulated citizens: small enough to give every user and every session its
own.

A drill gives each user (closed model) or each arrival (open model) its own seeded stream, so that a
run is reproducible per citizen whatever the scheduling of the others. ``random.Random`` carries the
Mersenne Twister's 2.5 KiB of state and costs ~5 µs to seed from a string: at 100,000 idle users that
is a quarter of each user's memory, and in the open model a seeding per session. :class:`Stream` is
Lemire's *lehmer64*, a multiplicative congruential generator modulo 2^128 whose high 64 bits pass
BigCrush (D. Lemire, "The fastest conventional random number generator that can pass Big Crush?",
2019; reference code ``lehmer64.h`` in github.com/lemire/testingRNG): one 128-bit integer of state
(~100 bytes with its object), seeded from a string through BLAKE2b (~1 µs), a draw ~0.16 µs in pure
Python (``random.Random.random`` in C: 0.03 µs; a journey draws a handful per session).

:class:`Rng` is what journeys, think times and the retry policy draw from; ``random.Random`` satisfies
it too (tests and one-off uses keep it). Only the high bits of the state are used (the low bits of an
MCG modulo a power of two are weak). ``randint`` and ``randrange`` scale a 53-bit uniform and
``choice`` a 64-bit output, so a choice among ``n`` is biased by at most ``n / 2**53`` (negligible for
the sizes drawn here).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from itertools import accumulate
from typing import Protocol, TypeVar

T = TypeVar("T")

MULTIPLIER = 0xDA942042E4DD58B5
"""lehmer64's multiplier (Lemire's reference code); also written as a literal in the hot draws."""

_MASK128 = (1 << 128) - 1


class Rng(Protocol):
    """The draws a simulated citizen makes (a subset of ``random.Random``'s, same meanings)."""

    def random(self) -> float: ...

    def uniform(self, a: float, b: float) -> float: ...

    def randint(self, a: int, b: int) -> int: ...

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int: ...

    def choice(self, seq: Sequence[T]) -> T: ...

    def choices(
        self,
        population: Sequence[T],
        weights: Sequence[float] | None = None,
        *,
        cum_weights: Sequence[float] | None = None,
        k: int = 1,
    ) -> list[T]: ...

    def getrandbits(self, k: int, /) -> int: ...


class Stream:
    """lehmer64 (module docstring): a small seeded stream with :class:`Rng`'s draws."""

    __slots__ = ("_state",)

    def __init__(self, seed: str | int) -> None:
        """``seed``: a string (hashed with BLAKE2b to the 128-bit state) or an int (the state itself,
        made odd: the generator's period is 2^126 from any odd state)."""
        if isinstance(seed, str):
            state = int.from_bytes(hashlib.blake2b(seed.encode(), digest_size=16).digest(), "little")
        elif isinstance(seed, int) and not isinstance(seed, bool):
            state = seed & _MASK128
        else:
            raise TypeError(f"seed: need a str or an int, got {seed!r}")
        self._state = state | 1

    def next64(self) -> int:
        """The next 64-bit output (lehmer64 exactly: multiply the state, return its high 64 bits)."""
        state = self._state = (self._state * MULTIPLIER) & _MASK128
        return state >> 64

    def random(self) -> float:
        """A float in [0, 1): the next output's top 53 bits. (The step is written out with literals in the
        draws a journey makes most, ``random``, ``uniform`` and ``choice``: ~50 ns less each.)"""
        state = self._state = self._state * 0xDA942042E4DD58B5 & 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        return (state >> 75) * 1.1102230246251565e-16

    def getrandbits(self, k: int, /) -> int:
        """``k`` random bits (0 <= k <= 64): the next output's top ``k`` bits."""
        if not 0 <= k <= 64:
            raise ValueError(f"k: need 0..64 bits, got {k}")
        return self.next64() >> (64 - k) if k else 0

    def uniform(self, a: float, b: float) -> float:
        state = self._state = self._state * 0xDA942042E4DD58B5 & 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        return a + (b - a) * ((state >> 75) * 1.1102230246251565e-16)

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:
        if stop is None:
            start, stop = 0, start
        n = (stop - start + step - (1 if step > 0 else -1)) // step
        if step == 0 or n <= 0:
            raise ValueError(f"randrange: empty range ({start}, {stop}, {step})")
        return start + step * int(self.random() * n)

    def randint(self, a: int, b: int) -> int:
        if b < a:
            raise ValueError(f"randint: empty range ({a}, {b})")
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Sequence[T]) -> T:
        """One element: the next output times ``len(seq)``, shifted down 64 bits (Lemire's multiply-shift
        range reduction)."""
        if not seq:
            raise IndexError("choice: cannot choose from an empty sequence")
        state = self._state = self._state * 0xDA942042E4DD58B5 & 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
        return seq[(state >> 64) * len(seq) >> 64]

    def choices(
        self,
        population: Sequence[T],
        weights: Sequence[float] | None = None,
        *,
        cum_weights: Sequence[float] | None = None,
        k: int = 1,
    ) -> list[T]:
        """As ``random.Random.choices``: ``k`` draws with replacement, by relative or cumulative weights."""
        if weights is not None:
            if cum_weights is not None:
                raise TypeError("choices: give weights or cum_weights, not both")
            cum_weights = list(accumulate(weights))
        if cum_weights is None:
            return [self.choice(population) for _ in range(k)]
        if len(cum_weights) != len(population):
            raise ValueError("choices: the number of weights does not match the population")
        total = cum_weights[-1] + 0.0
        if not total > 0.0:
            raise ValueError("choices: total of weights must be greater than zero")
        hi = len(population) - 1
        return [population[bisect.bisect(cum_weights, self.random() * total, 0, hi)] for _ in range(k)]
