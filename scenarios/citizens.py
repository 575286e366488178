"""Synthetic citizens for the drills: reproducible, unique, spread over the 34 provinces by population.

A :class:`CitizenPool` of ``size`` citizens is a pure function of ``(seed, index)``: citizen ``i`` is the
same on every machine and in every process, so Locust worker ``k`` of ``K`` can take a disjoint slice of
the pool (:meth:`CitizenPool.slice_for_worker`) without any coordination.

* **Citizen IDs** are 12 decimal digits, like the national citizen identity number (CCCD), and never
  start with ``000``: the population-database simulator treats ``000…`` IDs as missing people. An ID is a
  keyed pseudo-random *permutation* of the index (a numeric Feistel network over two 6-digit halves, with
  cycle walking to stay in ``[001000000000, 999999999999]``), so IDs are unique within a pool by
  construction and look unordered.
* **Provinces** are drawn for each citizen by a keyed hash of the index, weighted by the population
  estimates of ``load_provinces()`` (``../shared/data/provinces.csv``), so a large pool's province shares
  follow the population shares.

The hash is BLAKE2b (``hashlib``), keyed by the seed: it is used here as a fast, portable, deterministic
mixing function, not for secrecy.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from stack.catalogue.provinces import Province, load_provinces

ID_DIGITS = 12
"""Digits in a citizen ID (the 12-digit national citizen identity number)."""

_HALF = 10**6  # each Feistel half is 6 decimal digits: 10**6 * 10**6 = 10**12 IDs
_ID_SPACE = _HALF * _HALF
_LOWEST_ID = 10**9  # 001000000000: anything below starts with "000"
MAX_POOL_SIZE = _ID_SPACE - _LOWEST_ID
"""The most distinct IDs that do not start with ``000`` (999 × 10⁹)."""

_FEISTEL_ROUNDS = 6  # enough rounds of a keyed hash for a well-mixed permutation (not a security claim)


@dataclass(frozen=True, slots=True)
class Citizen:
    """One synthetic citizen: its index in the pool, its 12-digit ID and its province code (P01..P34)."""

    index: int
    citizen_id: str
    province_code: str


@dataclass(frozen=True)
class CitizenPool:
    """``size`` synthetic citizens reproducible from ``seed``; see the module docstring.

    >>> pool = CitizenPool(seed=7, size=1000)
    >>> pool.citizen(3) == CitizenPool(seed=7, size=1000).citizen(3)
    True
    """

    seed: int
    size: int
    _key: bytes = field(init=False, repr=False, compare=False)
    _provinces: tuple[Province, ...] = field(init=False, repr=False, compare=False)
    _cumulative: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed: must be an integer, got {self.seed!r}")
        if isinstance(self.size, bool) or not isinstance(self.size, int):
            raise ValueError(f"size: must be an integer, got {self.size!r}")
        if not 1 <= self.size <= MAX_POOL_SIZE:
            raise ValueError(f"size: must be between 1 and {MAX_POOL_SIZE}, got {self.size}")
        provinces = load_provinces()
        key = hashlib.blake2b(f"cuaso.citizens:{self.seed}".encode(), digest_size=32).digest()
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_provinces", provinces)
        object.__setattr__(self, "_cumulative", tuple(accumulate(p.population for p in provinces)))

    def __len__(self) -> int:
        return self.size

    def citizen(self, i: int) -> Citizen:
        """Citizen number ``i`` (0 ≤ i < size): a pure function of ``(seed, i)``."""
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < self.size:
            raise ValueError(f"i: must be an integer in [0, {self.size}), got {i!r}")
        return Citizen(index=i, citizen_id=self._citizen_id(i), province_code=self._province_code(i))

    def citizens(self, indices: Iterable[int]) -> Iterator[Citizen]:
        """The citizens at ``indices``, lazily (e.g. ``pool.citizens(pool.slice_for_worker(k, K))``)."""
        return (self.citizen(i) for i in indices)

    def slice_for_worker(self, k: int, workers: int) -> range:
        """The indices worker ``k`` of ``workers`` owns: ``k, k + workers, k + 2·workers, …``.

        The slices of workers ``0..workers-1`` are disjoint and together cover the pool; their sizes differ
        by at most one. A worker beyond the pool size gets an empty slice.
        """
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: must be an integer >= 1, got {workers!r}")
        if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k < workers:
            raise ValueError(f"k: must be an integer in [0, {workers}), got {k!r}")
        return range(k, self.size, workers)

    def expected_shares(self) -> dict[str, float]:
        """Province code → the share of citizens it should get (its share of the population)."""
        total = self._cumulative[-1]
        return {p.code: p.population / total for p in self._provinces}

    # --- internals ------------------------------------------------------------------------------------

    def _hash(self, tag: bytes, value: int) -> int:
        digest = hashlib.blake2b(tag + value.to_bytes(8, "big"), key=self._key, digest_size=8).digest()
        return int.from_bytes(digest, "big")

    def _permute(self, x: int) -> int:
        """One pass of the keyed Feistel permutation of ``[0, 10**12)``."""
        left, right = divmod(x, _HALF)
        for round_ in range(_FEISTEL_ROUNDS):
            left, right = right, (left + self._hash(bytes((round_,)), right)) % _HALF
        return left * _HALF + right

    def _citizen_id(self, i: int) -> str:
        # Start inside the allowed range and walk the permutation's cycle until it lands there again:
        # the result is a permutation of [10**9, 10**12), hence unique per index.
        value = self._permute(_LOWEST_ID + i)
        while value < _LOWEST_ID:
            value = self._permute(value)
        return f"{value:0{ID_DIGITS}d}"

    def _province_code(self, i: int) -> str:
        # A 64-bit hash modulo the ~1.1e8 total population: the bias is below 1e-10 per province.
        ticket = self._hash(b"province", i) % self._cumulative[-1]
        return self._provinces[bisect_right(self._cumulative, ticket)].code
