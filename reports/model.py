"""The report as data: sections of paragraphs, tables and images, already worded and rounded.

The builder (:mod:`reports.builder`) decides *what* a report says; :mod:`reports.html` and
:mod:`reports.markdown` only decide how it looks. Keeping the words and numbers here, formatted once,
is what makes the HTML page and the Markdown summary agree to the character.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

RowStatus = Literal["pass", "fail", "warn", ""]
VerdictStatus = Literal["pass", "fail", "inconclusive"]


@dataclass(frozen=True)
class Table:
    """A table of already formatted cells; ``numeric`` columns are right-aligned."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...] = ()
    status: tuple[RowStatus, ...] = ()  # per row, for colouring; empty: no colouring
    caption: str = ""
    status_column: int | None = None  # the cell that says pass/fail, emphasised in its row's colour

    def __post_init__(self) -> None:
        width = len(self.headers)
        if width == 0:
            raise ValueError("headers=(): a table needs at least one column")
        for i, row in enumerate(self.rows):
            if len(row) != width:
                raise ValueError(f"rows[{i}]: {len(row)} cells for {width} headers {self.headers!r}")
        if self.numeric and len(self.numeric) != width:
            raise ValueError(f"numeric: {len(self.numeric)} flags for {width} headers {self.headers!r}")
        if self.status and len(self.status) != len(self.rows):
            raise ValueError(f"status: {len(self.status)} entries for {len(self.rows)} rows")
        if self.status_column is not None and not 0 <= self.status_column < width:
            raise ValueError(f"status_column={self.status_column}: must be a column index below {width}")

    def is_numeric(self, column: int) -> bool:
        return bool(self.numeric) and self.numeric[column]


@dataclass(frozen=True)
class Image:
    """A PNG figure, inlined into the HTML as a data: URI."""

    title: str
    alt: str
    png: bytes
    width_px: int
    height_px: int

    def __post_init__(self) -> None:
        if not self.png.startswith(b"\x89PNG\r\n\x1a\n"):
            raise ValueError(f"png of {self.title!r}: not a PNG file")
        if self.width_px <= 0 or self.height_px <= 0:
            raise ValueError(f"size of {self.title!r}: {self.width_px}x{self.height_px} px must be positive")


@dataclass(frozen=True)
class Block:
    """One part of a section, shown in order: a paragraph, a bullet list, a table or an image."""

    paragraph: str = ""
    bullets: tuple[str, ...] = ()
    table: Table | None = None
    image: Image | None = None
    in_summary: bool = True  # False: the HTML page only (large tables, every figure)

    def __post_init__(self) -> None:
        given = sum(1 for part in (self.paragraph, self.bullets, self.table, self.image) if part)
        if given != 1:
            raise ValueError(f"block: exactly one of paragraph, bullets, table, image, got {given}")


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    blocks: tuple[Block, ...]
    in_summary: bool = True

    def __post_init__(self) -> None:
        if not self.id.replace("-", "").isalnum():
            raise ValueError(f"section id={self.id!r}: letters, digits and '-' only")


@dataclass(frozen=True)
class Report:
    title: str
    subtitle: str
    verdict: VerdictStatus
    headline: str
    sections: tuple[Section, ...]
    footer: str = ""
    meta: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # key facts under the title
    # The second banner: the sizing's answer for the modelled population, apart from what was measured.
    modelled_headline: str = ""
    modelled_status: VerdictStatus = "inconclusive"

    def __post_init__(self) -> None:
        ids = [s.id for s in self.sections]
        if len(ids) != len(set(ids)):
            raise ValueError(f"sections: duplicate ids in {ids}")


def passed(ok: bool) -> RowStatus:
    """The row status of a check: ``pass`` or ``fail``."""
    return "pass" if ok else "fail"


def flagged(flag: bool, status: RowStatus = "warn") -> RowStatus:
    """``status`` when ``flag``, else no colouring."""
    return status if flag else ""


def paragraph(text: str, *, in_summary: bool = True) -> Block:
    return Block(paragraph=text, in_summary=in_summary)


def bullets(items: tuple[str, ...] | list[str], *, in_summary: bool = True) -> Block:
    return Block(bullets=tuple(items), in_summary=in_summary)


def table(t: Table, *, in_summary: bool = True) -> Block:
    return Block(table=t, in_summary=in_summary)


def image(i: Image) -> Block:
    return Block(image=i, in_summary=False)
