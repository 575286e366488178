"""Deterministic synthetic procedure catalogue.

``generate_catalogue(seed, size)`` builds, in a fraction of a second, a read-only :class:`Catalogue`
of ~6,400 administrative procedures over the 2025 ministries and the 34 provinces, with its search
index and the 151 connected back-office systems dossiers are routed to. Portal workers build it once
at start and share it between requests.
"""

from stack.catalogue.catalogue import MAX_LIMIT, Catalogue
from stack.catalogue.generate import (
    DEFAULT_SEED,
    DEFAULT_SIZE,
    LEVEL_SHARES,
    MEAN_FEE_VND,
    ZERO_FEE_SHARE,
    generate_catalogue,
)
from stack.catalogue.model import (
    LEVELS,
    Agency,
    BackOfficeSystem,
    Document,
    Field,
    Level,
    Procedure,
    SearchPage,
    UnknownValueError,
)
from stack.catalogue.systems import CONNECTED_SYSTEMS

__all__ = [
    "CONNECTED_SYSTEMS",
    "DEFAULT_SEED",
    "DEFAULT_SIZE",
    "LEVELS",
    "LEVEL_SHARES",
    "MAX_LIMIT",
    "MEAN_FEE_VND",
    "ZERO_FEE_SHARE",
    "Agency",
    "BackOfficeSystem",
    "Catalogue",
    "Document",
    "Field",
    "Level",
    "Procedure",
    "SearchPage",
    "UnknownValueError",
    "generate_catalogue",
]
