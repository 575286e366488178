"""Accent- and case-insensitive folding of Vietnamese text, for search keys and ASCII slugs.

Folding decomposes to NFD, drops every combining mark (the tone marks and the circumflex, breve and
horn of Vietnamese vowels) and maps ``đ``/``Đ`` (a letter of its own, not a mark) to ``d``, then lower-
cases: "Đăng ký khai sinh" and "dang ky KHAI SINH" fold to the same tokens. It is one ``str.translate``
with a precomputed table, so it is cheap enough for every search request; query folding is also cached.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Final

QUERY_CACHE_SIZE: Final = 4096
"""How many distinct query strings keep their folded tokens (assumption: enough for a load test's
keyword pool; a miss only costs one fold)."""

_TOKEN = re.compile(r"\w+")


_MARK_BLOCKS: Final = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)
"""The Unicode combining-mark blocks; NFD of Latin text only produces marks from the first one."""


def _fold_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {0x0111: "d", 0x0110: "d"}
    for low, high in _MARK_BLOCKS:
        for codepoint in range(low, high + 1):
            if unicodedata.combining(chr(codepoint)) > 0:
                table[codepoint] = None
    return table


_FOLD: Final = _fold_table()


def fold(text: str) -> str:
    """``text`` without accents, with ``đ`` as ``d``, lower-cased (see the module docstring)."""
    return unicodedata.normalize("NFD", text).translate(_FOLD).lower()


def tokens(text: str) -> tuple[str, ...]:
    """The folded word tokens of ``text``, in order, duplicates kept."""
    return tuple(_TOKEN.findall(fold(text)))


@lru_cache(maxsize=QUERY_CACHE_SIZE)
def query_tokens(query: str) -> tuple[str, ...]:
    """The distinct folded tokens of a search query, in first-seen order (cached: queries repeat)."""
    return tuple(dict.fromkeys(tokens(query)))


def slug(text: str) -> str:
    """An ASCII-friendly code for ``text``: its folded tokens joined by ``-``."""
    return "-".join(tokens(text))
