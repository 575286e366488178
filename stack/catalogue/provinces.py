"""The 34 provinces after the 2025 merger, with population estimates.

Source: ``../shared/data/provinces.csv`` (copied here as ``provinces.csv``); see ``../shared/FACTS.md``.
Province codes (``P01``..``P34``) are this project's own: they follow the file's order (largest
population first) and are stable because the file is.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name: str
    population: int


@cache
def load_provinces() -> tuple[Province, ...]:
    """All 34 provinces, in the order of the source file (largest population first)."""
    text = resources.files("stack.catalogue").joinpath("provinces.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    provinces = tuple(
        Province(code=f"P{i:02d}", name=row["province"], population=int(row["population_estimate"]))
        for i, row in enumerate(rows, start=1)
    )
    if len(provinces) != 34:
        raise ValueError(f"provinces.csv: expected 34 provinces, found {len(provinces)}")
    return provinces


def province_by_code(code: str) -> Province | None:
    """The province with this code (``P01``..``P34``), or None."""
    for province in load_provinces():
        if province.code == code:
            return province
    return None
