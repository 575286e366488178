"""Generate the synthetic procedure catalogue from a seed: same seed, same catalogue, byte for byte.

Each portal worker calls :func:`generate_catalogue` at start, so it must be fast (tens of ms) and
reproducible without files. Only ``random.Random(seed)`` draws numbers; every count that must come out
exact (procedures per field and per level, province-issued procedures per province) is shared out with
:func:`apportion`, and the draws only decide which procedure gets what.

Sourced (FACTS): the mean online payment, 29,807e9 VND / 38.7e6 transactions ≈ 770,000 VND, used as
the mean of non-zero fees; 151 connected systems; 34 provinces. Everything else below is an
assumption, named as one where it is defined.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Generic, TypeVar

from stack.catalogue.apportion import apportion
from stack.catalogue.catalogue import Catalogue
from stack.catalogue.fields import FIELDS
from stack.catalogue.model import LEVELS, Agency, Document, Field, Level, OnlineLevel, Procedure
from stack.catalogue.provinces import load_provinces
from stack.catalogue.reference import DOCUMENT_NAMES, MINISTRIES
from stack.catalogue.systems import CONNECTED_SYSTEMS, derive_systems
from stack.catalogue.text import slug

DEFAULT_SEED: Final = 20250701
"""Default seed (assumption: any fixed value; this one is the date of the phase-1 cutover)."""
DEFAULT_SIZE: Final = 6400
"""Procedures in the catalogue (assumption: the order of size of the national database, ~6,400)."""
MAX_SIZE: Final = 200_000
"""Largest catalogue generated (assumption: bounds a worker's start time and memory)."""

LEVEL_SHARES: Final[Mapping[Level, float]] = MappingProxyType(
    {"ministry": 0.45, "province": 0.40, "commune": 0.15}
)
"""Share of procedures carried out at each level (assumption; after the 2025 two-level reform there is
no district level)."""
PROVINCE_ISSUED_SHARE: Final = 0.08
"""Share of province- and commune-level procedures a province issued itself (assumption)."""
ZERO_FEE_SHARE: Final = 0.45
"""Share of procedures without fee or charge (assumption)."""
MEAN_FEE_VND: Final = 770_000
"""Mean of the non-zero fees (FACTS, derived: mean online payment 29,807e9 / 38.7e6 ≈ 770,000 VND)."""
FEE_SIGMA: Final = 1.0
"""Spread (log-space sigma) of the log-normal non-zero fees (assumption: many small, a few large)."""
FEE_STEP_VND: Final = 5_000
"""Fees are multiples of this, at least one step (assumption)."""
DOCUMENT_COUNT_WEIGHTS: Final[Mapping[int, int]] = MappingProxyType(
    {1: 5, 2: 15, 3: 25, 4: 22, 5: 15, 6: 10, 7: 5, 8: 3}
)
"""Relative frequency of the number of documents a dossier needs (assumption)."""
COPIES_WEIGHTS: Final[Mapping[int, int]] = MappingProxyType({1: 75, 2: 20, 3: 5})
"""Relative frequency of the number of copies of a document (assumption)."""
ORIGINAL_REQUIRED_SHARE: Final = 0.3
"""Share of documents whose original must be shown (assumption)."""
PROCESSING_DAYS_WEIGHTS: Final[Mapping[int, int]] = MappingProxyType(
    {1: 8, 2: 8, 3: 12, 5: 15, 7: 12, 10: 14, 15: 12, 20: 7, 30: 8, 45: 4}
)
"""Relative frequency of the legal processing time in working days (assumption)."""
FULL_ONLINE_SHARE: Final = 0.55
"""Share of procedures offered fully online (toàn trình) rather than partly (assumption)."""
ID_RANGE: Final = range(1_000_001, 4_000_000)
"""Numbers procedure ids are drawn from, written ``major.minor`` (``1.001234``; assumption)."""

_K = TypeVar("_K")


class _Weighted(Generic[_K]):
    """Draws keys of a weight table with one ``random()`` and a bisect (``choices`` is slower per draw)."""

    __slots__ = ("_cumulative", "_keys", "_total")

    def __init__(self, weights: Mapping[_K, int]) -> None:
        self._keys = tuple(weights)
        self._cumulative = tuple(itertools.accumulate(weights.values()))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> _K:
        return self._keys[bisect.bisect_right(self._cumulative, rng.random() * self._total)]


_DOCUMENT_COUNT = _Weighted(DOCUMENT_COUNT_WEIGHTS)
_COPIES = _Weighted(COPIES_WEIGHTS)
_PROCESSING_DAYS = _Weighted(PROCESSING_DAYS_WEIGHTS)


def _fee(rng: random.Random) -> int:
    if rng.random() < ZERO_FEE_SHARE:
        return 0
    mu = math.log(MEAN_FEE_VND) - FEE_SIGMA**2 / 2  # a log-normal with this mu has mean MEAN_FEE_VND
    return max(FEE_STEP_VND, round(rng.lognormvariate(mu, FEE_SIGMA) / FEE_STEP_VND) * FEE_STEP_VND)


def _documents(rng: random.Random, interned: dict[tuple[str, int, bool], Document]) -> tuple[Document, ...]:
    """A sample of the document names, each with copies and original flag; equal documents are shared."""
    documents: list[Document] = []
    for name in rng.sample(DOCUMENT_NAMES, _DOCUMENT_COUNT.draw(rng)):
        key = (name, _COPIES.draw(rng), rng.random() < ORIGINAL_REQUIRED_SHARE)
        document = interned.get(key)
        if document is None:
            document = interned[key] = Document(*key)
        documents.append(document)
    return tuple(documents)


def _check_arguments(seed: int, size: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: need an integer, got {seed!r}")
    if isinstance(size, bool) or not isinstance(size, int) or not len(FIELDS) <= size <= MAX_SIZE:
        raise ValueError(
            f"size: need an integer in {len(FIELDS)}..{MAX_SIZE} (one per field at least), got {size!r}"
        )


def _levels(rng: random.Random, size: int) -> list[Level]:
    counts = apportion(size, [LEVEL_SHARES[level] for level in LEVELS])
    levels: list[Level] = [level for level, count in zip(LEVELS, counts, strict=True) for _ in range(count)]
    rng.shuffle(levels)
    return levels


def _owners(
    rng: random.Random, levels: list[Level], field_firsts: set[int], ministry_of: list[str]
) -> list[str]:
    """The owning agency of each planned procedure: its field's ministry, or for a sample of local-level
    procedures (never the first of a field, so every ministry keeps procedures) a province."""
    owners = list(ministry_of)
    local = [i for i, level in enumerate(levels) if level != "ministry" and i not in field_firsts]
    issued = sorted(rng.sample(local, min(len(local), round(PROVINCE_ISSUED_SHARE * len(local)))))
    provinces = load_provinces()
    per_province = apportion(
        len(issued), [p.population for p in provinces], minimum=1 if len(issued) >= len(provinces) else 0
    )
    codes = [p.code for p, count in zip(provinces, per_province, strict=True) for _ in range(count)]
    rng.shuffle(codes)
    for position, code in zip(issued, codes, strict=True):
        owners[position] = code
    return owners


def generate_catalogue(seed: int = DEFAULT_SEED, size: int = DEFAULT_SIZE) -> Catalogue:
    """A catalogue of ``size`` procedures over the 2025 ministries and the 34 provinces, from ``seed``.

    Raises ValueError naming ``seed`` or ``size`` when they are not integers or ``size`` is outside
    ``len(FIELDS)..MAX_SIZE``.
    """
    _check_arguments(seed, size)
    rng = random.Random(seed)
    ministries = tuple(Agency(code=code, name=name, kind="ministry") for code, name in MINISTRIES)
    provinces = tuple(Agency(code=p.code, name=p.name, kind="province") for p in load_provinces())
    fields = tuple(Field(code=slug(spec.name), name=spec.name, agency=spec.agency) for spec in FIELDS)

    plan: list[tuple[int, str]] = []  # (field index, name) per procedure, fields in order
    field_firsts: set[int] = set()
    for index, (spec, count) in enumerate(
        zip(FIELDS, apportion(size, [f.weight for f in FIELDS], 1), strict=True)
    ):
        names = list(spec.names())
        rng.shuffle(names)
        field_firsts.add(len(plan))
        plan.extend((index, names[k % len(names)]) for k in range(count))
    levels = _levels(rng, size)
    owners = _owners(rng, levels, field_firsts, [fields[index].agency for index, _ in plan])
    ids = rng.sample(ID_RANGE, size)

    interned: dict[tuple[str, int, bool], Document] = {}
    sequence: dict[tuple[str, int], int] = {}
    procedures: list[Procedure] = []
    for (index, name), level, owner, number in zip(plan, levels, owners, ids, strict=True):
        seq = sequence[owner, index] = sequence.get((owner, index), 0) + 1
        online: OnlineLevel = "full" if rng.random() < FULL_ONLINE_SHARE else "partial"
        procedures.append(
            Procedure(
                id=f"{number // 1_000_000}.{number % 1_000_000:06d}",
                code=f"{owner}-{index + 1:02d}-{seq:04d}",
                name=name,
                field=fields[index].code,
                agency=owner,
                level=level,
                required_documents=_documents(rng, interned),
                fee_vnd=_fee(rng),
                processing_days=_PROCESSING_DAYS.draw(rng),
                online=online,
            )
        )
    load: dict[str, int] = {}
    for procedure in procedures:
        if procedure.level == "ministry":
            load[procedure.agency] = load.get(procedure.agency, 0) + 1
    systems = derive_systems(ministries, provinces, load, total=CONNECTED_SYSTEMS)
    return Catalogue(agencies=ministries + provinces, fields=fields, procedures=procedures, systems=systems)
