"""The connected back-office systems the portal forwards dossiers to (liên thông), derived from a catalogue.

FACTS: 151 information systems of ministries and provinces were connected to the portal in Oct 2025.
The split is this project's (assumption): one system per province (34, FACTS: provinces after the
2025 merger), and the other 117 spread over the ministries, each at least one, the rest in proportion
to the number of ministry-level procedures each ministry owns (the dossiers its systems process).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from stack.catalogue.apportion import apportion
from stack.catalogue.model import Agency, BackOfficeSystem

CONNECTED_SYSTEMS: Final = 151
"""Information systems connected to the portal, Oct 2025 (FACTS: 137 in June 2025 → 151 in Oct 2025)."""

PROVINCE_SYSTEM_NAME: Final = "Hệ thống thông tin giải quyết thủ tục hành chính {name}"
CENTRAL_SYSTEM_NAME: Final = "Hệ thống xử lý hồ sơ thủ tục hành chính {name} (phân hệ {number})"


def system_code(agency: str, number: int) -> str:
    """The code of an agency's ``number``-th system, e.g. ``BCA-HT03`` or ``P01-HT01``."""
    return f"{agency}-HT{number:02d}"


def derive_systems(
    ministries: Sequence[Agency],
    provinces: Sequence[Agency],
    ministry_load: Mapping[str, int],
    total: int = CONNECTED_SYSTEMS,
) -> tuple[BackOfficeSystem, ...]:
    """One system per province, then ``total - len(provinces)`` central systems over ``ministries``.

    ``ministry_load`` maps a ministry code to its number of ministry-level procedures (missing: 0).
    Provinces come first, then each ministry's systems in the order of ``ministries``.
    """
    central = total - len(provinces)
    if central < len(ministries):
        raise ValueError(
            f"total: {total} systems leave {central} for {len(ministries)} ministries; need at least 1 each"
        )
    systems = [
        BackOfficeSystem(
            code=system_code(province.code, 1),
            name=PROVINCE_SYSTEM_NAME.format(name=province.name),
            kind="province",
            agency=province.code,
        )
        for province in provinces
    ]
    counts = apportion(central, [ministry_load.get(m.code, 0) for m in ministries], minimum=1)
    for ministry, count in zip(ministries, counts, strict=True):
        systems.extend(
            BackOfficeSystem(
                code=system_code(ministry.code, number),
                name=CENTRAL_SYSTEM_NAME.format(name=ministry.name, number=number),
                kind="ministry",
                agency=ministry.code,
            )
            for number in range(1, count + 1)
        )
    return tuple(systems)
