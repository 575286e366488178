"""The in-memory catalogue each portal worker holds: lookup, search, filter validation and routing.

A :class:`Catalogue` is built once from validated values and never changes; every mapping it hands
out is read-only, so workers can share it between requests (and threads) without locks.

Routing (which back-office system processes a dossier): citizens may submit at the service point of
any province, so the province is an argument. A ministry-level procedure goes to one of its ministry's
systems, chosen by a stable hash (CRC-32) of the procedure id, so the same procedure always lands on the
same system. A province- or commune-level procedure goes to the chosen province's system, except a
procedure a province issued itself, which only that province's system can process.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, TypeVar

from stack.catalogue.model import (
    LEVELS,
    Agency,
    BackOfficeSystem,
    Field,
    Level,
    Procedure,
    SearchPage,
    UnknownValueError,
)
from stack.catalogue.search import SearchIndex
from stack.catalogue.text import query_tokens

MAX_LIMIT: Final = 100
"""Most results one search page may hold (an API bound, keeping pages cheap)."""

_T = TypeVar("_T")


def _by_key(key: str, values: Iterable[_T], key_of: str) -> Mapping[str, _T]:
    table: dict[str, _T] = {}
    for value in values:
        code = getattr(value, key_of)
        if code in table:
            raise ValueError(f"{key}: duplicate {key_of} {code!r}")
        table[code] = value
    return MappingProxyType(table)


class Catalogue:
    """Agencies, fields, procedures and back-office systems, cross-checked, with a search index."""

    __slots__ = ("_agencies", "_fields", "_index", "_procedures", "_province_systems", "_routes", "_systems")

    def __init__(
        self,
        agencies: Iterable[Agency],
        fields: Iterable[Field],
        procedures: Iterable[Procedure],
        systems: Iterable[BackOfficeSystem],
    ) -> None:
        """Check every cross reference (raising ValueError naming the bad key and value), then index."""
        self._agencies = _by_key("agencies", agencies, "code")
        self._fields = _by_key("fields", fields, "code")
        ordered = sorted(procedures, key=lambda p: p.id)
        self._procedures = _by_key("procedures", ordered, "id")
        self._systems = _by_key("systems", systems, "code")
        self._check_references(ordered)
        self._province_systems = self._map_province_systems()
        self._routes = self._route_ministry_procedures(ordered)
        self._index = SearchIndex(ordered, {code: f.name for code, f in self._fields.items()})

    def _check_references(self, procedures: list[Procedure]) -> None:
        for field in self._fields.values():
            owner = self._agencies.get(field.agency)
            if owner is None or owner.kind != "ministry":
                raise ValueError(f"fields: field {field.code!r} has agency {field.agency!r}, not a ministry")
        codes: set[str] = set()
        for procedure in procedures:
            if procedure.field not in self._fields:
                raise ValueError(f"procedures: {procedure.id} has unknown field {procedure.field!r}")
            if procedure.agency not in self._agencies:
                raise ValueError(f"procedures: {procedure.id} has unknown agency {procedure.agency!r}")
            if procedure.code in codes:
                raise ValueError(f"procedures: duplicate code {procedure.code!r}")
            codes.add(procedure.code)
        for system in self._systems.values():
            owner = self._agencies.get(system.agency)
            if owner is None or owner.kind != system.kind:
                raise ValueError(f"systems: {system.code} has agency {system.agency!r} of another kind")

    def _map_province_systems(self) -> Mapping[str, BackOfficeSystem]:
        table: dict[str, BackOfficeSystem] = {}
        for system in self._systems.values():
            if system.kind == "province":
                if system.agency in table:
                    raise ValueError(f"systems: province {system.agency!r} has more than one system")
                table[system.agency] = system
        for agency in self._agencies.values():
            if agency.kind == "province" and agency.code not in table:
                raise ValueError(f"systems: province {agency.code!r} has no system")
        return MappingProxyType(table)

    def _route_ministry_procedures(self, procedures: list[Procedure]) -> Mapping[str, BackOfficeSystem]:
        by_ministry: dict[str, list[BackOfficeSystem]] = {}
        for system in self._systems.values():
            if system.kind == "ministry":
                by_ministry.setdefault(system.agency, []).append(system)
        routes: dict[str, BackOfficeSystem] = {}
        for procedure in procedures:
            if procedure.level != "ministry":
                continue
            choices = by_ministry.get(procedure.agency)
            if not choices:
                raise ValueError(
                    f"procedures: {procedure.id} is ministry-level; {procedure.agency!r} has no system"
                )
            routes[procedure.id] = choices[zlib.crc32(procedure.id.encode()) % len(choices)]
        return MappingProxyType(routes)

    @property
    def procedures(self) -> Mapping[str, Procedure]:
        """Every procedure by id, in id order (read-only)."""
        return self._procedures

    @property
    def agencies(self) -> Mapping[str, Agency]:
        """Ministries then provinces, by code (read-only)."""
        return self._agencies

    @property
    def fields(self) -> Mapping[str, Field]:
        """Fields (lĩnh vực) by code (read-only)."""
        return self._fields

    @property
    def systems(self) -> Mapping[str, BackOfficeSystem]:
        """Connected back-office systems by code (read-only)."""
        return self._systems

    @property
    def levels(self) -> tuple[Level, ...]:
        """The levels a procedure can be carried out at, the valid ``level`` filter values."""
        return LEVELS

    def __len__(self) -> int:
        return len(self._procedures)

    def get(self, procedure_id: str) -> Procedure | None:
        """The procedure with this id, or None."""
        return self._procedures.get(procedure_id)

    def validate_filters(
        self, agency: str | None = None, field: str | None = None, level: str | None = None
    ) -> None:
        """Raise :class:`UnknownValueError` naming the first filter whose value the catalogue lacks."""
        if agency is not None and agency not in self._agencies:
            raise UnknownValueError("agency", agency)
        if field is not None and field not in self._fields:
            raise UnknownValueError("field", field)
        if level is not None and level not in LEVELS:
            raise UnknownValueError("level", level)

    def search(
        self,
        q: str | None = None,
        agency: str | None = None,
        field: str | None = None,
        level: str | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        """Procedures matching every keyword of ``q`` (accent- and case-insensitive) and every filter.

        Results come in id order. A query without word characters means no keyword filter. An unknown
        filter value matches nothing (call :meth:`validate_filters` first to reject it instead).
        Raises ValueError for ``limit`` outside 1..MAX_LIMIT or a negative ``offset``.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise ValueError(f"limit: need an integer in 1..{MAX_LIMIT}, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise ValueError(f"offset: need an integer >= 0, got {offset!r}")
        keywords = query_tokens(q) if q else ()
        return self._index.search(keywords, agency, field, level, limit, offset)

    def systems_of(self, agency: str) -> tuple[BackOfficeSystem, ...]:
        """The systems of one agency, in catalogue order (empty for an agency without systems)."""
        return tuple(s for s in self._systems.values() if s.agency == agency)

    def system_for(self, procedure_id: str, province_code: str) -> BackOfficeSystem:
        """The system that processes a dossier for ``procedure_id`` submitted in ``province_code``.

        Raises :class:`UnknownValueError` for an unknown procedure id or province code.
        """
        procedure = self._procedures.get(procedure_id)
        if procedure is None:
            raise UnknownValueError("procedure_id", procedure_id)
        chosen = self._province_systems.get(province_code)
        if chosen is None:
            raise UnknownValueError("province_code", province_code)
        if procedure.level == "ministry":
            return self._routes[procedure_id]
        return self._province_systems.get(procedure.agency, chosen)
