"""Immutable values of the procedure catalogue: agencies, fields, procedures and back-office systems.

Each value validates itself on construction, so a catalogue built from them cannot hold a record the
portal could not serve (an empty name, a negative fee, a level outside the three the portal knows).
Errors name the bad key and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, TypeAlias, get_args

AgencyKind: TypeAlias = Literal["ministry", "province"]
Level: TypeAlias = Literal["ministry", "province", "commune"]
OnlineLevel: TypeAlias = Literal["full", "partial"]

AGENCY_KINDS: Final[frozenset[str]] = frozenset(get_args(AgencyKind))
LEVELS: Final[tuple[Level, ...]] = ("ministry", "province", "commune")
"""The levels a procedure is carried out at, from the most central (the order of :data:`Level`)."""
ONLINE_LEVELS: Final[frozenset[str]] = frozenset(get_args(OnlineLevel))


class UnknownValueError(ValueError):
    """A lookup key (a filter, a procedure id, a province code) the catalogue does not hold.

    ``key`` is the name of the argument and ``value`` the bad value, so an API can answer 404 or 422
    naming the offending field.
    """

    def __init__(self, key: str, value: object) -> None:
        super().__init__(f"{key}: unknown value {value!r}")
        self.key = key
        self.value = value


def _require_text(key: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key}: need a non-empty string, got {value!r}")


def _require_choice(key: str, value: str, allowed: frozenset[str] | tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{key}: need one of {sorted(allowed)}, got {value!r}")


def _require_int(key: str, value: int, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{key}: need an integer >= {minimum}, got {value!r}")


@dataclass(frozen=True, slots=True)
class Agency:
    """A body that owns procedures: a ministry (or ministry-level agency) or one of the 34 provinces."""

    code: str
    name: str
    kind: AgencyKind

    def __post_init__(self) -> None:
        _require_text("code", self.code)
        _require_text("name", self.name)
        _require_choice("kind", self.kind, AGENCY_KINDS)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class Field:
    """A field of administration (lĩnh vực), managed by one ministry; ``code`` is an ASCII slug."""

    code: str
    name: str
    agency: str

    def __post_init__(self) -> None:
        _require_text("code", self.code)
        _require_text("name", self.name)
        _require_text("agency", self.agency)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "agency": self.agency}


@dataclass(frozen=True, slots=True)
class Document:
    """A paper a dossier must include: how many copies, and whether the original must be shown."""

    name: str
    copies: int
    original_required: bool

    def __post_init__(self) -> None:
        _require_text("name", self.name)
        _require_int("copies", self.copies, 1)
        if not isinstance(self.original_required, bool):
            raise ValueError(f"original_required: need a bool, got {self.original_required!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "copies": self.copies, "original_required": self.original_required}


@dataclass(frozen=True, slots=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) as the portal publishes it.

    ``agency`` is the agency that owns the procedure (a ministry code, or a province code for a
    procedure a province issued itself); ``field`` is a :class:`Field` code; ``level`` is where it is
    carried out.
    """

    id: str
    code: str
    name: str
    field: str
    agency: str
    level: Level
    required_documents: tuple[Document, ...]
    fee_vnd: int
    processing_days: int
    online: OnlineLevel

    def __post_init__(self) -> None:
        for key in ("id", "code", "name", "field", "agency"):
            _require_text(key, getattr(self, key))
        _require_choice("level", self.level, LEVELS)
        _require_choice("online", self.online, ONLINE_LEVELS)
        if not isinstance(self.required_documents, tuple) or not all(
            isinstance(doc, Document) for doc in self.required_documents
        ):
            raise ValueError(
                f"required_documents: need a tuple of Document, got {type(self.required_documents).__name__}"
            )
        _require_int("fee_vnd", self.fee_vnd, 0)
        _require_int("processing_days", self.processing_days, 1)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (plain str/int/bool/list values) for API responses."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "field": self.field,
            "agency": self.agency,
            "level": self.level,
            "required_documents": [doc.to_dict() for doc in self.required_documents],
            "fee_vnd": self.fee_vnd,
            "processing_days": self.processing_days,
            "online": self.online,
        }

    def to_summary_dict(self) -> dict[str, Any]:
        """The fields a search result lists (no documents, no processing time): cheaper than
        :meth:`to_dict` on the search hot path."""
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "field": self.field,
            "agency": self.agency,
            "level": self.level,
            "fee_vnd": self.fee_vnd,
            "online": self.online,
        }


@dataclass(frozen=True, slots=True)
class BackOfficeSystem:
    """A connected information system that processes dossiers forwarded by the portal (liên thông)."""

    code: str
    name: str
    kind: AgencyKind
    agency: str

    def __post_init__(self) -> None:
        _require_text("code", self.code)
        _require_text("name", self.name)
        _require_choice("kind", self.kind, AGENCY_KINDS)
        _require_text("agency", self.agency)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "kind": self.kind, "agency": self.agency}


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of search results: ``total`` matches in all, ``items`` the requested slice."""

    total: int
    items: tuple[Procedure, ...]

    def __post_init__(self) -> None:
        _require_int("total", self.total, 0)
        if len(self.items) > self.total:
            raise ValueError(f"items: page holds {len(self.items)} items but total is {self.total}")
