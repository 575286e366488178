"""Numbers as a person reads them: units always, rounded to what the measurement supports.

Every report figure goes through one of these, so the HTML page and the Markdown summary show the same
text for the same number, and rounding is decided in one place. Rules: latencies keep three
significant digits (HDR histograms record three), counts get thousands separators, rates and shares
get as many decimals as make a small value readable.
"""

from __future__ import annotations

import math

DASH = "–"
"""What a missing or meaningless figure prints as (an en dash, never "nan" or "None")."""


def _bad(value: float | None) -> bool:
    return value is None or not math.isfinite(value)


def count(value: float | None) -> str:
    """A whole count with thousands separators: ``12,345``."""
    return DASH if _bad(value) else f"{round(value or 0):,}"


def ms(value: float | None) -> str:
    """A latency in milliseconds with three significant digits: ``0.84 ms``, ``12.3 ms``, ``1,230 ms``."""
    if _bad(value):
        return DASH
    v = float(value or 0.0)
    if v >= 100:
        return f"{v:,.0f} ms"
    if v >= 10:
        return f"{v:.1f} ms"
    return f"{v:.2f} ms"


def ms_bare(value: float | None) -> str:
    """:func:`ms` without the unit, for table cells whose header carries it."""
    return ms(value).removesuffix(" ms")


def rate(value: float | None, unit: str = "req/s") -> str:
    """A rate: ``1,234 req/s``, ``56.7 req/s``, ``0.42 req/s``."""
    if _bad(value):
        return DASH
    v = float(value or 0.0)
    text = f"{v:,.0f}" if v >= 100 else f"{v:.1f}" if v >= 1 else f"{v:.2f}"
    return f"{text} {unit}".rstrip()


def percent(share: float | None) -> str:
    """A share (0.0123) as a percentage with three significant digits: ``1.23%``, ``1%``, ``45.6%``;
    ``0%`` exactly for zero; ``<0.01%`` for tiny ones."""
    if _bad(share):
        return DASH
    v = float(share or 0.0) * 100.0
    if v == 0:
        return "0%"
    if v < 0.01:
        return "<0.01%"
    return f"{number(v)}%"


def cores(value: float | None) -> str:
    """CPU use in cores: ``0.42 cores``."""
    return DASH if _bad(value) else f"{float(value or 0.0):.2f} cores"


def mib(value_bytes: float | None) -> str:
    """Memory: ``87 MiB`` below 1 GiB, ``7.8 GiB`` above."""
    if _bad(value_bytes):
        return DASH
    v = float(value_bytes or 0.0)
    if v >= 1024**3:
        return f"{v / 1024**3:,.1f} GiB"
    return f"{v / 1024**2:,.0f} MiB"


def seconds(value: float | None) -> str:
    """A duration: ``42 s``, ``1 min 30 s``, ``1 h 40 min``."""
    if _bad(value):
        return DASH
    total = round(float(value or 0.0))
    if total < 60:
        v = float(value or 0.0)
        return f"{v:.1f} s" if v < 10 and v != round(v) else f"{total} s"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def number(value: float | None, digits: int = 3) -> str:
    """A plain figure with at most ``digits`` significant digits, thousands separators and no trailing
    zeros: ``120,000``, ``0.0123``, ``1``, ``2.5``."""
    if _bad(value):
        return DASH
    v = float(value or 0.0)
    if v == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(v)))
    decimals = max(0, digits - 1 - magnitude)
    text = f"{round(v, decimals):,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def ratio(scale: float) -> str:
    """A scale factor as ``1 : 10,000`` (simulated : modelled)."""
    if _bad(scale) or scale <= 0:
        return DASH
    return f"1 : {number(1.0 / scale)}" if scale < 1 else f"{number(scale)} : 1"


def timestamp(iso: str) -> str:
    """An ISO 8601 instant as ``2026-11-22 14:51:00 UTC`` (the text as given when it does not parse)."""
    from datetime import UTC, datetime

    try:
        instant = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC)
    return f"{instant:%Y-%m-%d %H:%M:%S} UTC"


def clock(value: float | None) -> str:
    """A point in a run as ``m:ss`` (``h:mm:ss`` from an hour): ``1:30``, ``1:05:00``."""
    if _bad(value):
        return DASH
    total = round(float(value or 0.0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
