"""Benchmark (not a test): catalogue generation time and the latency of a mix of searches.

Run with ``python -m stack.catalogue.bench``. It generates the default catalogue a few times, then
runs a fixed, seeded mix of searches (keywords with and without accents, filters, both, deep pages)
and prints the median and 99th percentile per kind. Figures depend on the machine; compare runs on
the same one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from stack.catalogue.catalogue import Catalogue
from stack.catalogue.generate import DEFAULT_SEED, DEFAULT_SIZE, generate_catalogue
from stack.catalogue.model import Procedure, SearchPage
from stack.catalogue.text import fold

GENERATIONS: Final = 5
"""How many times generation is timed (assumption: enough for a stable median)."""
SEARCHES: Final = 10_000
"""How many searches the mix holds."""
BENCH_SEED: Final = 7
"""Seed of the search mix (any fixed value)."""


@dataclass(frozen=True, slots=True)
class Query:
    """One search of the mix: its kind (for reporting) and its arguments."""

    kind: str
    q: str | None = None
    agency: str | None = None
    field: str | None = None
    level: str | None = None
    limit: int = 20
    offset: int = 0

    def run(self, catalogue: Catalogue) -> SearchPage:
        return catalogue.search(self.q, self.agency, self.field, self.level, self.limit, self.offset)


def _keywords(rng: random.Random, procedures: Sequence[Procedure]) -> str:
    """One to three consecutive words of a procedure name, half of the time without accents."""
    words = rng.choice(procedures).name.split()
    start = rng.randrange(len(words))
    phrase = " ".join(words[start : start + rng.randint(1, 3)])
    return fold(phrase) if rng.random() < 0.5 else phrase


def search_mix(catalogue: Catalogue, count: int = SEARCHES, seed: int = BENCH_SEED) -> list[Query]:
    """``count`` searches drawn from ``catalogue`` with a fixed seed, four kinds in equal shares."""
    rng = random.Random(seed)
    procedures = tuple(catalogue.procedures.values())
    agencies, fields, levels = tuple(catalogue.agencies), tuple(catalogue.fields), catalogue.levels
    mix: list[Query] = []
    for number in range(count):
        kind = ("keyword", "filter", "keyword+filter", "deep page")[number % 4]
        if kind == "keyword":
            mix.append(Query(kind, q=_keywords(rng, procedures)))
        elif kind == "filter":
            mix.append(Query(kind, field=rng.choice(fields), level=rng.choice(levels)))
        elif kind == "keyword+filter":
            mix.append(Query(kind, q=_keywords(rng, procedures), agency=rng.choice(agencies), limit=50))
        else:
            mix.append(Query(kind, q="cấp", level=rng.choice(levels), offset=rng.randrange(0, 800)))
    return mix


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main(argv: Sequence[str] | None = None) -> int:
    """Time generation and the search mix; print medians (and p99) in milliseconds/microseconds."""
    parser = argparse.ArgumentParser(prog="python -m stack.catalogue.bench", description=__doc__)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="procedures in the catalogue")
    parser.add_argument("--searches", type=int, default=SEARCHES, help="searches in the mix")
    args = parser.parse_args(argv)

    generation_ms = []
    catalogue = None
    for _ in range(GENERATIONS):
        start = time.perf_counter()
        catalogue = generate_catalogue(DEFAULT_SEED, args.size)
        generation_ms.append((time.perf_counter() - start) * 1e3)
    assert catalogue is not None
    print(f"catalogue: {len(catalogue)} procedures, {len(catalogue.systems)} systems")
    print(f"generation: median {statistics.median(generation_ms):.1f} ms over {GENERATIONS} runs")

    timings: dict[str, list[float]] = {}
    for query in search_mix(catalogue, args.searches):
        start_ns = time.perf_counter_ns()
        query.run(catalogue)
        timings.setdefault(query.kind, []).append((time.perf_counter_ns() - start_ns) / 1e3)
    everything = [t for values in timings.values() for t in values]
    for kind, values in [*sorted(timings.items()), ("all", everything)]:
        print(
            f"search {kind:<15} n={len(values):>5}  median {statistics.median(values):7.1f} µs"
            f"  p99 {_percentile(values, 0.99):7.1f} µs"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
