"""Generation, shape and routing of the synthetic procedure catalogue."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from stack.catalogue import (
    CONNECTED_SYSTEMS,
    DEFAULT_SEED,
    LEVEL_SHARES,
    MEAN_FEE_VND,
    ZERO_FEE_SHARE,
    Agency,
    BackOfficeSystem,
    Catalogue,
    Document,
    Field,
    Procedure,
    UnknownValueError,
    generate_catalogue,
)
from stack.catalogue.apportion import apportion
from stack.catalogue.fields import FIELDS
from stack.catalogue.generate import FEE_STEP_VND, MAX_SIZE, PROCESSING_DAYS_WEIGHTS
from stack.catalogue.provinces import load_provinces
from stack.catalogue.reference import MINISTRIES


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return generate_catalogue()


def _snapshot(cat: Catalogue) -> tuple[object, ...]:
    return (
        [p.to_dict() for p in cat.procedures.values()],
        [s.to_dict() for s in cat.systems.values()],
        [f.to_dict() for f in cat.fields.values()],
    )


def test_same_seed_gives_identical_catalogue(catalogue: Catalogue) -> None:
    assert _snapshot(generate_catalogue(DEFAULT_SEED)) == _snapshot(catalogue)


def test_different_seed_gives_different_catalogue(catalogue: Catalogue) -> None:
    other = generate_catalogue(DEFAULT_SEED + 1)
    assert len(other) == len(catalogue)
    assert set(other.procedures) != set(catalogue.procedures)
    assert [p.name for p in other.procedures.values()] != [p.name for p in catalogue.procedures.values()]


def test_default_size_and_custom_size(catalogue: Catalogue) -> None:
    assert len(catalogue) == 6400 == len(catalogue.procedures)
    assert len(generate_catalogue(seed=3, size=len(FIELDS))) == len(FIELDS)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"size": len(FIELDS) - 1}, "size"),
        ({"size": MAX_SIZE + 1}, "size"),
        ({"size": 100.0}, "size"),
        ({"seed": "1"}, "seed"),
        ({"seed": True}, "seed"),
    ],
)
def test_bad_generation_arguments_name_the_key(kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^{key}: "):
        generate_catalogue(**kwargs)  # type: ignore[arg-type]


def test_agencies_are_the_ministries_and_all_34_provinces(catalogue: Catalogue) -> None:
    kinds = Counter(a.kind for a in catalogue.agencies.values())
    assert kinds == {"ministry": len(MINISTRIES), "province": 34}
    assert 17 <= len(MINISTRIES) <= 22
    province_codes = {a.code for a in catalogue.agencies.values() if a.kind == "province"}
    assert province_codes == {p.code for p in load_provinces()} == {f"P{i:02d}" for i in range(1, 35)}


def test_every_ministry_and_field_owns_procedures(catalogue: Catalogue) -> None:
    owners = Counter(p.agency for p in catalogue.procedures.values())
    ministries = [a.code for a in catalogue.agencies.values() if a.kind == "ministry"]
    assert all(owners[code] > 0 for code in ministries), owners
    per_field = Counter(p.field for p in catalogue.procedures.values())
    assert set(per_field) == set(catalogue.fields)
    assert 35 <= len(catalogue.fields) <= 50
    assert all(catalogue.agencies[f.agency].kind == "ministry" for f in catalogue.fields.values())


def test_province_issued_procedures_are_local(catalogue: Catalogue) -> None:
    issued = [p for p in catalogue.procedures.values() if catalogue.agencies[p.agency].kind == "province"]
    assert issued, "expected some procedures issued by provinces"
    assert all(p.level != "ministry" for p in issued)
    assert {p.agency for p in issued} == {f"P{i:02d}" for i in range(1, 35)}


def test_ids_and_codes_are_unique_and_well_formed(catalogue: Catalogue) -> None:
    procedures = list(catalogue.procedures.values())
    assert all(re.fullmatch(r"\d\.\d{6}", p.id) for p in procedures)
    assert len({p.code for p in procedures}) == len(procedures)
    assert [p.id for p in procedures] == sorted(catalogue.procedures)
    assert all(catalogue.procedures[p.id] is p for p in procedures)


def test_levels_follow_their_shares(catalogue: Catalogue) -> None:
    counts = Counter(p.level for p in catalogue.procedures.values())
    for level, share in LEVEL_SHARES.items():
        assert abs(counts[level] - share * len(catalogue)) <= 1, (level, counts)


def test_fees_are_shaped_after_the_mean_payment(catalogue: Catalogue) -> None:
    fees = [p.fee_vnd for p in catalogue.procedures.values()]
    paid = [fee for fee in fees if fee > 0]
    assert abs(fees.count(0) / len(fees) - ZERO_FEE_SHARE) < 0.03
    assert abs(sum(paid) / len(paid) - MEAN_FEE_VND) < 0.1 * MEAN_FEE_VND
    assert all(fee % FEE_STEP_VND == 0 for fee in paid)


def test_documents_days_and_online_levels(catalogue: Catalogue) -> None:
    procedures = list(catalogue.procedures.values())
    assert all(1 <= len(p.required_documents) <= 8 for p in procedures)
    assert all(len({d.name for d in p.required_documents}) == len(p.required_documents) for p in procedures)
    assert {p.processing_days for p in procedures} <= set(PROCESSING_DAYS_WEIGHTS)
    assert Counter(p.online for p in procedures).keys() == {"full", "partial"}


def test_names_are_vietnamese_templates(catalogue: Catalogue) -> None:
    names = {p.name for p in catalogue.procedures.values()}
    assert "Đăng ký khai sinh" in names
    assert "Cấp giấy phép xây dựng" in names
    assert len(names) > 1000


def test_to_dict_is_json_ready(catalogue: Catalogue) -> None:
    procedure = next(iter(catalogue.procedures.values()))
    data = json.loads(json.dumps(procedure.to_dict()))
    assert data["id"] == procedure.id
    assert len(data["required_documents"]) == len(procedure.required_documents)
    assert data["required_documents"][0]["copies"] == procedure.required_documents[0].copies
    summary = procedure.to_summary_dict()
    assert summary == {k: v for k, v in data.items() if k in summary}
    assert set(summary) == {"id", "code", "name", "field", "agency", "level", "fee_vnd", "online"}


def test_mappings_are_read_only(catalogue: Catalogue) -> None:
    with pytest.raises(TypeError):
        catalogue.procedures["1.000000"] = next(iter(catalogue.procedures.values()))  # type: ignore[index]
    with pytest.raises(TypeError):
        del catalogue.systems[next(iter(catalogue.systems))]  # type: ignore[attr-defined]


def test_151_systems_split_over_provinces_and_ministries(catalogue: Catalogue) -> None:
    systems = list(catalogue.systems.values())
    assert len(systems) == CONNECTED_SYSTEMS == 151
    province_systems = Counter(s.agency for s in systems if s.kind == "province")
    assert len(province_systems) == 34
    assert set(province_systems.values()) == {1}
    central = Counter(s.agency for s in systems if s.kind == "ministry")
    ministries = [code for code, _ in MINISTRIES]
    assert sum(central.values()) == 117
    assert all(central[code] >= 1 for code in ministries)
    load = Counter(p.agency for p in catalogue.procedures.values() if p.level == "ministry")
    assert [central[code] for code in ministries] == list(apportion(117, [load[c] for c in ministries], 1))
    assert len(catalogue.systems_of(max(load, key=load.__getitem__))) == max(central.values())


def test_every_procedure_routes_to_an_existing_system_in_every_province(catalogue: Catalogue) -> None:
    provinces = [p.code for p in load_provinces()]
    for procedure in catalogue.procedures.values():
        owner_kind = catalogue.agencies[procedure.agency].kind
        for province in provinces:
            system = catalogue.system_for(procedure.id, province)
            assert catalogue.systems[system.code] is system
            if procedure.level == "ministry":
                assert system.kind == "ministry"
                assert system.agency == procedure.agency
            elif owner_kind == "province":
                assert system.agency == procedure.agency
            else:
                assert system.agency == province


def test_ministry_routing_is_stable_and_spread(catalogue: Catalogue) -> None:
    central = [p for p in catalogue.procedures.values() if p.level == "ministry" and p.agency == "BTC"]
    used = {catalogue.system_for(p.id, "P01").code for p in central}
    assert used == {s.code for s in catalogue.systems_of("BTC")}
    again = generate_catalogue()
    assert all(again.system_for(p.id, "P09") == catalogue.system_for(p.id, "P30") for p in central)


@pytest.mark.parametrize(
    ("procedure_id", "province", "key"),
    [("9.999999", "P01", "procedure_id"), (None, "P35", "province_code"), (None, "p01", "province_code")],
)
def test_routing_rejects_unknown_values(
    catalogue: Catalogue, procedure_id: str | None, province: str, key: str
) -> None:
    pid = procedure_id or next(iter(catalogue.procedures))
    with pytest.raises(UnknownValueError, match=rf"^{key}: ") as caught:
        catalogue.system_for(pid, province)
    assert caught.value.key == key


def _tiny_parts() -> tuple[list[Agency], list[Field], list[Procedure], list[BackOfficeSystem]]:
    agencies = [Agency("BX", "Bộ X", "ministry"), Agency("P01", "Tỉnh A", "province")]
    fields = [Field("f", "Lĩnh vực", "BX")]
    doc = (Document("Đơn", 1, True),)
    procedures = [
        Procedure("1.000001", "C1", "Cấp phép", "f", "BX", "ministry", doc, 0, 1, "full"),
        Procedure("1.000002", "C2", "Đăng ký", "f", "P01", "commune", doc, 5000, 3, "partial"),
    ]
    systems = [
        BackOfficeSystem("BX-1", "Hệ thống X", "ministry", "BX"),
        BackOfficeSystem("P-1", "A", "province", "P01"),
    ]
    return agencies, fields, procedures, systems


def test_catalogue_accepts_consistent_parts() -> None:
    cat = Catalogue(*_tiny_parts())
    assert cat.system_for("1.000001", "P01").code == "BX-1"
    assert cat.system_for("1.000002", "P01").code == "P-1"


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda a, f, p, s: p.append(p[0]), "procedures: duplicate id"),
        (lambda a, f, p, s: f.append(Field("g", "G", "P01")), "fields: field 'g' has agency 'P01'"),
        (lambda a, f, p, s: p.append(Procedure("1.3", "C3", "X", "nope", "BX", "ministry", (), 0, 1, "full")),
         "unknown field 'nope'"),
        (lambda a, f, p, s: p.append(Procedure("1.3", "C1", "X", "f", "BX", "ministry", (), 0, 1, "full")),
         "duplicate code 'C1'"),
        (lambda a, f, p, s: s.pop(), "province 'P01' has no system"),
        (lambda a, f, p, s: s.pop(0), "'BX' has no system"),
    ],
)  # fmt: skip
def test_catalogue_rejects_inconsistent_parts(mutate: object, message: str) -> None:
    parts = _tiny_parts()
    mutate(*parts)  # type: ignore[operator]
    with pytest.raises(ValueError, match=re.escape(message)):
        Catalogue(*parts)
