"""Catalogue search: keywords (accent- and case-insensitive), filters, pagination, validation.

Results are checked against a brute-force scan of every procedure, so the index has to agree with
the plain definition of a match, not with itself.
"""

from __future__ import annotations

import pytest

from stack.catalogue import MAX_LIMIT, Catalogue, Procedure, UnknownValueError, generate_catalogue
from stack.catalogue.text import query_tokens, tokens


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return generate_catalogue(seed=11, size=2000)


def _brute(
    cat: Catalogue,
    q: str | None = None,
    agency: str | None = None,
    field: str | None = None,
    level: str | None = None,
) -> list[Procedure]:
    wanted = set(query_tokens(q or ""))
    found = []
    for procedure in cat.procedures.values():
        words = set(tokens(procedure.name)) | set(tokens(cat.fields[procedure.field].name))
        if wanted <= words and all(
            value is None or value == actual
            for value, actual in (
                (agency, procedure.agency),
                (field, procedure.field),
                (level, procedure.level),
            )
        ):
            found.append(procedure)
    return sorted(found, key=lambda p: p.id)


def _all_pages(cat: Catalogue, filters: dict[str, str | None]) -> tuple[int, list[Procedure]]:
    """Every result of a search, fetched page by page at the largest page size."""
    q, agency, field, level = (filters.get(key) for key in ("q", "agency", "field", "level"))
    first = cat.search(q, agency, field, level, limit=MAX_LIMIT)
    items = list(first.items)
    while len(items) < first.total:
        page = cat.search(q, agency, field, level, limit=MAX_LIMIT, offset=len(items))
        assert page.total == first.total
        assert page.items, "a page before the end came back empty"
        items.extend(page.items)
    return first.total, items


CASES: list[dict[str, str | None]] = [
    {"q": "khai sinh"},
    {"q": "giấy phép xây dựng"},
    {"q": "cap doi"},
    {"q": "đất đai", "level": "province"},
    {"q": "cấp", "agency": "BXD"},
    {"agency": "BCA"},
    {"agency": "P01"},
    {"field": "ho-tich"},
    {"level": "commune"},
    {"field": "dat-dai", "level": "ministry"},
    {"q": "dang ky", "agency": "BTP", "field": "ho-tich", "level": "commune"},
    {"q": "cấp giấy chứng nhận", "level": "ministry"},
]


@pytest.mark.parametrize("filters", CASES, ids=[",".join(f"{k}={v}" for k, v in c.items()) for c in CASES])
def test_search_agrees_with_a_brute_force_scan(catalogue: Catalogue, filters: dict[str, str | None]) -> None:
    expected = _brute(catalogue, **filters)
    total, items = _all_pages(catalogue, filters)
    assert expected, f"test case matches nothing: {filters}"
    assert total == len(expected)
    assert items == expected


def test_accents_and_case_do_not_matter(catalogue: Catalogue) -> None:
    accented = catalogue.search("Đăng ký khai sinh", limit=MAX_LIMIT)
    assert accented.total > 0
    assert catalogue.search("dang ky khai sinh", limit=MAX_LIMIT) == accented
    assert catalogue.search("  ĐĂNG KÝ,  KHAI-SINH!  ", limit=MAX_LIMIT) == accented
    assert catalogue.search("DANG KY KHAI SINH KHAI", limit=MAX_LIMIT) == accented


def test_every_keyword_must_match(catalogue: Catalogue) -> None:
    one = catalogue.search("giấy phép").total
    both = catalogue.search("giấy phép xây dựng").total
    assert 0 < both < one
    assert catalogue.search("giấy phép xylophone").total == 0


def test_no_keywords_means_no_keyword_filter(catalogue: Catalogue) -> None:
    everything = catalogue.search()
    assert everything.total == len(catalogue)
    assert [p.id for p in everything.items] == sorted(catalogue.procedures)[:20]
    assert catalogue.search("").total == len(catalogue)
    assert catalogue.search(" ,.;- ").total == len(catalogue)
    assert catalogue.search("", level="commune").total == len(_brute(catalogue, level="commune"))


def test_pagination_slices_one_stable_order(catalogue: Catalogue) -> None:
    whole = _brute(catalogue, q="cấp", level="province")
    for offset, limit in [(0, 7), (7, 7), (93, 20), (len(whole) - 3, 10)]:
        page = catalogue.search("cấp", level="province", limit=limit, offset=offset)
        assert page.total == len(whole)
        assert list(page.items) == whole[offset : offset + limit]
    beyond = catalogue.search("cấp", level="province", offset=len(whole))
    assert beyond.total == len(whole)
    assert beyond.items == ()
    single = catalogue.search(level="province", offset=len(catalogue))
    assert single.items == ()


def test_unknown_filter_values_match_nothing(catalogue: Catalogue) -> None:
    assert catalogue.search(agency="NOPE").total == 0
    assert catalogue.search(q="cấp", field="nope").total == 0
    assert catalogue.search(level="district").total == 0


@pytest.mark.parametrize(
    ("filters", "key"),
    [({"agency": "NOPE"}, "agency"), ({"field": "Hộ tịch"}, "field"), ({"level": "district"}, "level")],
)
def test_validate_filters_names_the_bad_key(catalogue: Catalogue, filters: dict[str, str], key: str) -> None:
    with pytest.raises(UnknownValueError, match=rf"^{key}: unknown value") as caught:
        catalogue.validate_filters(**filters)
    assert caught.value.key == key
    assert caught.value.value == filters[key]


def test_validate_filters_accepts_known_values(catalogue: Catalogue) -> None:
    catalogue.validate_filters()
    catalogue.validate_filters(agency="BYT", field="ho-tich", level="commune")
    catalogue.validate_filters(agency="P34")


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": "5"}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 1.5}, "offset"),
    ],
)
def test_bad_limit_or_offset_name_the_key(catalogue: Catalogue, kwargs: dict[str, object], key: str) -> None:
    with pytest.raises(ValueError, match=rf"^{key}: need an integer"):
        catalogue.search("cấp", **kwargs)  # type: ignore[arg-type]


def test_get_returns_procedure_or_none(catalogue: Catalogue) -> None:
    first = next(iter(catalogue.procedures.values()))
    assert catalogue.get(first.id) is first
    assert catalogue.get("0.000000") is None
