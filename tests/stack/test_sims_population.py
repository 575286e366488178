"""The simulated population database: deterministic, well-formed profiles, in process and over HTTP."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from stack.catalogue.provinces import load_provinces, province_by_code
from stack.process import free_port
from stack.sims import names
from stack.sims.launch import simulator_process
from stack.sims.population import (
    MAX_AGE_YEARS,
    MIN_AGE_YEARS,
    REFERENCE_DATE,
    CitizenNotFound,
    CitizenProfile,
    profile_for,
)

SAMPLE_IDS = [f"{n:012d}" for n in range(1_000_000_000, 1_000_000_000 + 3000 * 7919, 7919)]


def assert_well_formed(profile: CitizenProfile) -> None:
    family, middle, given = profile.full_name.split(" ", 2)
    assert family in names.FAMILY_NAMES
    assert profile.gender in ("male", "female")
    assert middle in names.MIDDLE_NAMES[profile.gender]
    assert given in names.GIVEN_NAMES[profile.gender]
    born = dt.date.fromisoformat(profile.date_of_birth)
    youngest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - MIN_AGE_YEARS)
    oldest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - MAX_AGE_YEARS)
    assert oldest <= born <= youngest
    province = province_by_code(profile.residence_province_code)
    assert province is not None
    assert province.name == profile.residence_province_name
    assert re.fullmatch(r"(Phường|Xã) \S+ \S+", profile.commune)
    assert profile.address.endswith(f"{profile.commune}, {province.name}")
    assert re.fullmatch(r"[0-9]{12}", profile.household_id)
    assert profile.ethnicity in {name for name, _ in names.ETHNICITIES}
    assert re.fullmatch(r"0[35789][0-9]\*{4}[0-9]{3}", profile.phone_masked)


def test_profiles_are_deterministic_and_differ_between_citizens() -> None:
    a = profile_for("079203001234")
    assert profile_for("079203001234") == a
    b = profile_for("079203001235")
    assert a.citizen_id != b.citizen_id
    assert a.to_dict() != {**b.to_dict(), "citizen_id": a.citizen_id}


def test_profiles_are_well_formed() -> None:
    for citizen_id in SAMPLE_IDS[:300]:
        profile = profile_for(citizen_id)
        assert profile.citizen_id == citizen_id
        assert_well_formed(profile)


def test_residence_follows_population_weights() -> None:
    counts = Counter(profile_for(cid).residence_province_code for cid in SAMPLE_IDS)
    provinces = load_provinces()
    total_population = sum(p.population for p in provinces)
    largest = provinces[0]  # the file lists the largest first
    expected = largest.population / total_population * len(SAMPLE_IDS)
    # 3000 draws: the share of the largest province is within ~4 standard deviations of its weight.
    sd = (expected * (1 - largest.population / total_population)) ** 0.5
    assert abs(counts[largest.code] - expected) < 4 * sd
    assert counts[largest.code] > counts[provinces[-1].code]
    assert sum(counts.values()) == len(SAMPLE_IDS)


def test_both_genders_and_urban_and_rural_communes_occur() -> None:
    profiles = [profile_for(cid) for cid in SAMPLE_IDS[:400]]
    assert {p.gender for p in profiles} == {"male", "female"}
    assert {p.commune.split(" ")[0] for p in profiles} == {"Phường", "Xã"}


@pytest.mark.parametrize("bad", ["12345", "07920300123x", "0792030012345", "", " 79203001234"])
def test_malformed_ids_are_refused_naming_the_field(bad: str) -> None:
    with pytest.raises(ValueError, match="citizen_id"):
        profile_for(bad)


def test_ids_starting_000_do_not_exist() -> None:
    with pytest.raises(CitizenNotFound):
        profile_for("000203001234")


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    port = free_port()
    with (
        simulator_process(
            "population",
            port,
            ["--latency-ms", "0", "--jitter-ms", "0"],
            log_path=tmp_path_factory.mktemp("population") / "population.log",
        ),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10, trust_env=False) as client,
    ):
        yield client


def test_http_profile_is_the_derived_one(population: httpx.Client) -> None:
    for citizen_id in SAMPLE_IDS[:5]:
        response = population.get(f"/citizens/{citizen_id}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == profile_for(citizen_id).to_dict()
    assert population.get(f"/citizens/{SAMPLE_IDS[0]}").json() == profile_for(SAMPLE_IDS[0]).to_dict()


def test_http_missing_citizen_is_404(population: httpx.Client) -> None:
    response = population.get("/citizens/000203001234")
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "citizen_id"


@pytest.mark.parametrize("bad", ["12345", "07920300123x", "0792030012345"])
def test_http_malformed_id_is_422_naming_citizen_id(population: httpx.Client, bad: str) -> None:
    response = population.get(f"/citizens/{bad}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "citizen_id"
    assert error["code"] == "invalid"
