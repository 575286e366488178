"""The inverted index behind catalogue search: built once, read by every request without scanning.

Procedures are numbered by their position in id order. For every keyword token, agency, field and
level the index keeps the sorted positions that carry it and the same set as a bitmask (a Python int,
one bit per procedure). A search with one criterion slices the sorted positions; a search with several
ANDs the bitmasks (a few hundred machine words for 6,400 procedures) and then extracts only the set bits
of the requested page, skipping ``offset`` matches a window of bits at a time by popcount. No request
touches procedures outside its page, and results come in id order, so pages are stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from stack.catalogue.model import Procedure, SearchPage
from stack.catalogue.text import tokens

EMPTY_PAGE: Final = SearchPage(total=0, items=())


@dataclass(frozen=True, slots=True)
class Posting:
    """Where one key occurs: sorted procedure positions and the same set as a bitmask."""

    positions: tuple[int, ...]
    mask: int

    @classmethod
    def of(cls, positions: Sequence[int], size: int) -> Posting:
        """The posting of ``positions`` (ascending) in a catalogue of ``size`` procedures."""
        bits = bytearray((size + 7) // 8)
        for position in positions:
            bits[position >> 3] |= 1 << (position & 7)
        return cls(positions=tuple(positions), mask=int.from_bytes(bits, "little"))


def _postings(keys_per_item: Iterable[Iterable[str]], size: int) -> dict[str, Posting]:
    positions: dict[str, list[int]] = {}
    for position, keys in enumerate(keys_per_item):
        for key in keys:
            positions.setdefault(key, []).append(position)
    return {key: Posting.of(found, size) for key, found in positions.items()}


WINDOW_BITS: Final = 512
"""Bits of a result bitmask examined at a time when collecting a page (measured: 512 was fastest of
64..1024 on a 6,400-procedure catalogue; small windows make Python-level bit tricks cheap)."""
_WINDOW_MASK: Final = (1 << WINDOW_BITS) - 1
_WORD_MASK: Final = (1 << 64) - 1


def _page_positions(mask: int, offset: int, limit: int) -> list[int]:
    """Positions of set bits ``offset`` .. ``offset + limit - 1`` (by rank) of ``mask``, ascending.

    Walks the mask one window at a time: whole windows, then 64-bit words inside the window holding
    the first wanted bit, are skipped by popcount while ``offset`` lasts; only the page's own bits (and
    fewer than 64 skipped ones) are extracted one by one.
    """
    positions: list[int] = []
    base = 0
    while mask:
        window = mask & _WINDOW_MASK
        mask >>= WINDOW_BITS
        start = base
        base += WINDOW_BITS
        count = window.bit_count()
        if offset >= count:
            offset -= count
            continue
        while offset >= (word := (window & _WORD_MASK).bit_count()):
            offset -= word
            window >>= 64
            start += 64
        while window:
            lowest = window & -window
            window ^= lowest
            if offset:
                offset -= 1
                continue
            positions.append(start + lowest.bit_length() - 1)
            if len(positions) == limit:
                return positions
    return positions


class SearchIndex:
    """Keyword and filter index over procedures held in id order (see the module docstring)."""

    __slots__ = ("_agencies", "_fields", "_items", "_levels", "_tokens")

    def __init__(self, items: Sequence[Procedure], field_names: Mapping[str, str]) -> None:
        """Index ``items`` (already in the order results should come in); keywords come from each
        procedure's name and the name of its field (``field_names`` maps field code → name)."""
        self._items: tuple[Procedure, ...] = tuple(items)
        size = len(self._items)
        field_tokens = {code: tokens(name) for code, name in field_names.items()}
        self._tokens = _postings(
            (frozenset(tokens(p.name)).union(field_tokens.get(p.field, ())) for p in self._items), size
        )
        self._agencies = _postings(((p.agency,) for p in self._items), size)
        self._fields = _postings(((p.field,) for p in self._items), size)
        self._levels = _postings(((p.level,) for p in self._items), size)

    @property
    def vocabulary_size(self) -> int:
        """How many distinct keyword tokens the index holds."""
        return len(self._tokens)

    def search(
        self,
        query_tokens: Sequence[str],
        agency: str | None,
        field: str | None,
        level: str | None,
        limit: int,
        offset: int,
    ) -> SearchPage:
        """Procedures carrying every token and matching every given filter, ``limit`` from ``offset``.

        Arguments are trusted (the catalogue validates them); a token or filter value the index does
        not hold matches nothing.
        """
        chosen: list[Posting] = []
        for token in query_tokens:
            posting = self._tokens.get(token)
            if posting is None:
                return EMPTY_PAGE
            chosen.append(posting)
        for value, table in ((agency, self._agencies), (field, self._fields), (level, self._levels)):
            if value is not None:
                posting = table.get(value)
                if posting is None:
                    return EMPTY_PAGE
                chosen.append(posting)
        if not chosen:
            return SearchPage(total=len(self._items), items=self._items[offset : offset + limit])
        if len(chosen) == 1:
            positions = chosen[0].positions
            page = positions[offset : offset + limit]
            return SearchPage(total=len(positions), items=tuple(self._items[i] for i in page))
        return self._intersect(chosen, limit, offset)

    def _intersect(self, chosen: list[Posting], limit: int, offset: int) -> SearchPage:
        chosen.sort(key=lambda posting: len(posting.positions))
        mask = chosen[0].mask
        for posting in chosen[1:]:
            mask &= posting.mask
            if not mask:
                return EMPTY_PAGE
        total = mask.bit_count()
        if offset >= total:
            return SearchPage(total=total, items=())
        items = tuple(self._items[i] for i in _page_positions(mask, offset, limit))
        return SearchPage(total=total, items=items)
