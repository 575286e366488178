"""The progress line a drill prints every few seconds, from the master's ``live.json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

PROGRESS_EVERY_S = 5.0
"""Assumption: a line every 5 s is frequent enough to follow a drill, sparse enough to read."""


def read_live(path: Path) -> dict[str, Any] | None:
    """The latest ``live.json``, or None before the master wrote one (or mid-write on odd filesystems)."""
    try:
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def progress_line(live: dict[str, Any]) -> str:
    """``  42s / 120s (78s left)  phase steady  users 12  35.1 req/s  p95 18.2 ms  errors 0.0%``."""
    t = float(live.get("t_s", 0.0))
    duration = float(live.get("duration_s", 0.0))
    left = max(0.0, duration - t)
    return (
        f"{t:6.0f}s / {duration:.0f}s ({left:.0f}s left)  phase {live.get('phase') or '-'}  "
        f"users {int(live.get('users', 0))}  {float(live.get('rps', 0.0)):.1f} req/s  "
        f"p95 {float(live.get('p95_ms', 0.0)):.1f} ms  "
        f"errors {100 * float(live.get('error_rate', 0.0)):.1f}%  "
        f"(total {int(live.get('requests', 0))} requests, {int(live.get('failures', 0))} failed)"
    )
