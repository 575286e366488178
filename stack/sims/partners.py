"""The 19 simulated payment partners and their shared secrets.

FACTS.md: the portal takes online payments through **10 banks and 9 payment intermediaries**. Which
ones is not sourced: the codes and names below are an *assumption* (well-known Vietnamese banks and
wallets, chosen to make logs readable); only the counts, checked at import, are facts.

Each partner shares one secret with the portal, an HMAC-SHA256 key derived from a seed (the setting
``CUASO_PAYMENT_SECRET_SEED``, the simulator's ``--secret-seed``) and the partner code, so that the
portal and the simulator agree on every key without exchanging them and a test can sign a forged or
genuine notification itself. The default seed is a development value, not a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal

PartnerKind = Literal["bank", "intermediary"]

CODE_RE = re.compile(r"^[A-Z0-9]{2,12}$")
DEFAULT_SECRET_SEED = "cuaso-dev-payments"
"""A development seed shared by the launcher, the portal and the simulator; not a secret."""
SECRET_SEED_ENV = "CUASO_PAYMENT_SECRET_SEED"
CURRENCY = "VND"
"""Every fee on the portal is in Vietnamese dong (FACTS.md: totals are reported in VND)."""

FACT_BANKS = 10
FACT_INTERMEDIARIES = 9
"""FACTS.md: 10 banks and 9 payment intermediaries."""


@dataclass(frozen=True, slots=True)
class Partner:
    """One bank or payment intermediary the citizen may pay through."""

    code: str
    name: str
    kind: PartnerKind

    def __post_init__(self) -> None:
        if not CODE_RE.fullmatch(self.code):
            raise ValueError(f"code: need 2-12 capitals or digits, got {self.code!r}")
        if not self.name.strip():
            raise ValueError(f"name: empty for partner {self.code!r}")
        if self.kind not in ("bank", "intermediary"):
            raise ValueError(f"kind: need 'bank' or 'intermediary', got {self.kind!r}")

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "name": self.name, "kind": self.kind}


PARTNERS: tuple[Partner, ...] = (
    Partner("VCB", "Vietcombank", "bank"),
    Partner("BIDV", "BIDV", "bank"),
    Partner("CTG", "VietinBank", "bank"),
    Partner("AGRIBANK", "Agribank", "bank"),
    Partner("MB", "MB Bank", "bank"),
    Partner("TCB", "Techcombank", "bank"),
    Partner("VPB", "VPBank", "bank"),
    Partner("ACB", "ACB", "bank"),
    Partner("TPB", "TPBank", "bank"),
    Partner("STB", "Sacombank", "bank"),
    Partner("VNPAY", "VNPAY", "intermediary"),
    Partner("MOMO", "MoMo", "intermediary"),
    Partner("ZALOPAY", "ZaloPay", "intermediary"),
    Partner("VIETTEL", "Viettel Money", "intermediary"),
    Partner("VNPTPAY", "VNPT Money", "intermediary"),
    Partner("PAYOO", "Payoo", "intermediary"),
    Partner("SHOPEEPAY", "ShopeePay", "intermediary"),
    Partner("ONEPAY", "OnePay", "intermediary"),
    Partner("NAPAS", "NAPAS", "intermediary"),
)
"""The partners, banks first (assumption: which ones; see the module docstring)."""

_BY_CODE = MappingProxyType({p.code: p for p in PARTNERS})
if len(_BY_CODE) != len(PARTNERS):
    raise ValueError("PARTNERS: duplicate partner code")
if sum(p.kind == "bank" for p in PARTNERS) != FACT_BANKS or len(PARTNERS) != FACT_BANKS + FACT_INTERMEDIARIES:
    raise ValueError(f"PARTNERS: FACTS.md says {FACT_BANKS} banks and {FACT_INTERMEDIARIES} intermediaries")


def partner_by_code(code: str) -> Partner | None:
    """The partner with this code, or None."""
    return _BY_CODE.get(code)


def partner_codes() -> tuple[str, ...]:
    return tuple(p.code for p in PARTNERS)


def secret_seed_from_env() -> str:
    """The seed in ``CUASO_PAYMENT_SECRET_SEED``, or the development default."""
    return os.environ.get(SECRET_SEED_ENV) or DEFAULT_SECRET_SEED


@cache
def partner_secret(code: str, seed: str) -> bytes:
    """The HMAC-SHA256 key ``code`` shares with the portal under ``seed``."""
    if partner_by_code(code) is None:
        raise ValueError(f"code: unknown payment partner {code!r}")
    return hmac.new(seed.encode(), b"cuaso-partner-secret:" + code.encode(), hashlib.sha256).digest()


def sign(secret: bytes, message: bytes) -> str:
    """The hex HMAC-SHA256 of ``message``."""
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def signature_matches(secret: bytes, message: bytes, signature: str) -> bool:
    """Whether ``signature`` is the HMAC of ``message`` (constant-time comparison)."""
    given = signature.strip().lower().encode("utf-8", "replace")  # bytes: any header text compares
    return hmac.compare_digest(sign(secret, message).encode(), given)
