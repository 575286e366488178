"""The catalogue's building blocks: text folding, apportioning, value validation, bit pages, benchmark."""

from __future__ import annotations

import random
from typing import Any

import pytest

from stack.catalogue import Agency, BackOfficeSystem, Document, Procedure, SearchPage
from stack.catalogue.apportion import apportion
from stack.catalogue.bench import main as bench_main
from stack.catalogue.bench import search_mix
from stack.catalogue.fields import FIELDS
from stack.catalogue.generate import generate_catalogue
from stack.catalogue.reference import MINISTRIES, FieldSpec
from stack.catalogue.search import _page_positions
from stack.catalogue.text import fold, query_tokens, slug, tokens


def test_fold_strips_vietnamese_marks_and_case() -> None:
    assert fold("Đăng ký KHAI SINH có yếu tố nước ngoài") == "dang ky khai sinh co yeu to nuoc ngoai"
    assert fold("Ưu đãi Ở Huế, Đà Nẵng") == "uu dai o hue, da nang"
    composed, decomposed = "Hộ tịch", "Ho\u0302\u0323 ti\u0323ch"
    assert fold(composed) == fold(decomposed) == "ho tich"


def test_tokens_and_query_tokens() -> None:
    assert tokens("Cấp đổi giấy phép lái xe!") == ("cap", "doi", "giay", "phep", "lai", "xe")
    assert query_tokens("xây dựng XAY dung, nhà") == ("xay", "dung", "nha")
    assert query_tokens("  ...  ") == ()
    assert query_tokens("日本") == ("日本",)


def test_slug() -> None:
    assert slug("Văn hóa, Thể thao và Du lịch") == "van-hoa-the-thao-va-du-lich"


@pytest.mark.parametrize(
    ("total", "weights", "minimum", "expected"),
    [
        (10, [1, 1, 1], 0, (4, 3, 3)),
        (10, [0.5, 0.3, 0.2], 0, (5, 3, 2)),
        (117, [0, 0, 0], 1, (39, 39, 39)),
        (7, [100, 0, 0], 2, (3, 2, 2)),
        (0, [3, 1], 0, (0, 0)),
    ],
)
def test_apportion(total: int, weights: list[float], minimum: int, expected: tuple[int, ...]) -> None:
    assert apportion(total, weights, minimum) == expected


def test_apportion_random_splits_sum_and_respect_minimum() -> None:
    rng = random.Random(5)
    for _ in range(200):
        weights = [rng.random() * rng.choice((0, 1, 100)) for _ in range(rng.randint(1, 40))]
        minimum = rng.randint(0, 3)
        total = minimum * len(weights) + rng.randint(0, 500)
        parts = apportion(total, weights, minimum)
        assert sum(parts) == total
        assert min(parts) >= minimum
        rest, weight_sum = total - minimum * len(weights), sum(weights)
        if weight_sum > 0:
            assert all(
                abs(p - minimum - rest * w / weight_sum) < 1 for p, w in zip(parts, weights, strict=True)
            )


@pytest.mark.parametrize(
    ("args", "key"),
    [((-1, [1]), "total"), ((5, []), "weights"), ((5, [1, -1]), "weights"), ((3, [1, 1], 2), "minimum")],
)
def test_apportion_rejects_bad_arguments(args: tuple[Any, ...], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^{key}: "):
        apportion(*args)


def _procedure(**changes: Any) -> Procedure:
    values: dict[str, Any] = {
        "id": "1.000001",
        "code": "BX-01-0001",
        "name": "Cấp phép",
        "field": "f",
        "agency": "BX",
        "level": "province",
        "required_documents": (Document("Đơn", 1, False),),
        "fee_vnd": 0,
        "processing_days": 1,
        "online": "full",
    }
    values.update(changes)
    return Procedure(**values)


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"id": ""}, "id"),
        ({"name": "  "}, "name"),
        ({"level": "district"}, "level"),
        ({"online": "none"}, "online"),
        ({"fee_vnd": -1}, "fee_vnd"),
        ({"processing_days": 0}, "processing_days"),
        ({"required_documents": [Document("Đơn", 1, False)]}, "required_documents"),
    ],
)
def test_procedure_validation_names_the_key(changes: dict[str, Any], key: str) -> None:
    assert _procedure().fee_vnd == 0
    with pytest.raises(ValueError, match=rf"^{key}: "):
        _procedure(**changes)


@pytest.mark.parametrize(
    ("build", "key"),
    [
        (lambda: Document("Đơn", 0, True), "copies"),
        (
            lambda: Document("Đơn", 1, 1),  # type: ignore[arg-type]
            "original_required",
        ),
        (lambda: Agency("X", "Bộ X", "district"), "kind"),  # type: ignore[arg-type]
        (lambda: BackOfficeSystem("S", "", "ministry", "X"), "name"),
        (lambda: SearchPage(total=0, items=(_procedure(),)), "items"),
    ],
)
def test_other_values_validate(build: Any, key: str) -> None:
    with pytest.raises(ValueError, match=rf"^{key}: "):
        build()


def test_field_specs_are_valid_and_reference_ministries() -> None:
    ministries = {code for code, _ in MINISTRIES}
    assert {spec.agency for spec in FIELDS} == ministries
    assert len({spec.name for spec in FIELDS}) == len(FIELDS)
    assert len({slug(spec.name) for spec in FIELDS}) == len(FIELDS)
    spec = FieldSpec("Thử", "BX", 1, ("Cấp|Cấp lại > giấy phép A|giấy phép B",))
    assert spec.names()[:2] == ("Cấp giấy phép A", "Cấp giấy phép A có yếu tố nước ngoài")
    assert len(spec.names()) == 2 * 2 * 6
    with pytest.raises(ValueError, match=r"^phrases: "):
        FieldSpec("Thử", "BX", 1, ("Cấp giấy phép",))
    with pytest.raises(ValueError, match=r"^weight: "):
        FieldSpec("Thử", "BX", 0, ("Cấp > A",))


def test_page_positions_match_a_sorted_list() -> None:
    rng = random.Random(3)
    for _ in range(300):
        size = rng.choice((1, 64, 600, 6400))
        density = rng.random()
        bits = [i for i in range(size) if rng.random() < density]
        mask = sum(1 << i for i in bits)
        offset, limit = rng.randrange(len(bits) + 3), rng.randint(1, 100)
        assert _page_positions(mask, offset, limit) == bits[offset : offset + limit]


def test_bench_mix_and_main_run(capsys: pytest.CaptureFixture[str]) -> None:
    catalogue = generate_catalogue(size=300)
    mix = search_mix(catalogue, count=40)
    assert mix == search_mix(catalogue, count=40)
    assert len({q.kind for q in mix}) == 4
    assert all(q.run(catalogue).total >= 0 for q in mix)
    assert bench_main(["--size", "300", "--searches", "40"]) == 0
    out = capsys.readouterr().out
    assert "generation: median" in out
    assert "search all" in out
