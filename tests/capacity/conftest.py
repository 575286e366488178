"""Shared fixtures of the capacity tests: the reference data sets under ``data/``."""

from __future__ import annotations

from pathlib import Path

import pytest

from capacity.points import Points, read_points_csv

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def specsdm91() -> Points:
    return read_points_csv(DATA / "specsdm91.csv")


@pytest.fixture(scope="session")
def raytracer() -> Points:
    return read_points_csv(DATA / "raytracer.csv")


@pytest.fixture(scope="session")
def cisco() -> Points:
    return read_points_csv(DATA / "cisco.csv")
