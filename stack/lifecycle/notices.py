"""Sending an inactivity notice to the SMS/e-mail gateway (:mod:`stack.sims.notify` in the reference
stack), once per account per idle period.

The idempotency key names the account and the idle period (``inactivity:<citizen id>:<last activity
ms>``): a job that crashes after the gateway accepted a notice but before recording it sends the same
key again on its next run, and the gateway sends nothing twice. A new login starts a new idle period,
hence a new key and, two years later, a new notice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from stack.lifecycle.policy import Channel

NOTICE_KIND = "inactivity_notice"
NOTICE_TIMEOUT_S = 5.0
"""Assumption: a gateway that takes longer than 5 s to accept a message is treated as down this run."""


def notice_key(citizen_id: str, last_ms: int) -> str:
    return f"inactivity:{citizen_id}:{last_ms}"


@dataclass(frozen=True, slots=True)
class Notice:
    """The notice for one account's idle period."""

    citizen_id: str
    last_ms: int
    lock_due: datetime
    channel: Channel

    def body(self) -> dict[str, object]:
        day = self.lock_due.strftime("%d/%m/%Y")
        text = (
            f"Cong DVC quoc gia: tai khoan cua ban se bi khoa tu ngay {day} do khong su dung 2 nam lien tuc. "
            "Dang nhap bang VNeID de giu tai khoan."
        )
        return {
            "channel": self.channel,
            "to": self.citizen_id,
            "kind": NOTICE_KIND,
            "subject": "Thông báo khóa tài khoản do không hoạt động",
            "body": text,
            "data": {"lock_due": self.lock_due.isoformat(), "last_activity_ms": str(self.last_ms)},
        }


class NoticeSender:
    """Posts notices to ``<notify_url>/messages``; :meth:`send` says whether the gateway took it."""

    def __init__(self, http: httpx.AsyncClient, notify_url: str) -> None:
        self._http = http
        self._url = notify_url.rstrip("/") + "/messages"
        self.last_error = ""

    async def send(self, notice: Notice) -> bool:
        """True when the gateway accepted the notice (now or before: a duplicate is a success)."""
        headers = {"Idempotency-Key": notice_key(notice.citizen_id, notice.last_ms)}
        try:
            response = await self._http.post(
                self._url, json=notice.body(), headers=headers, timeout=NOTICE_TIMEOUT_S
            )
        except httpx.HTTPError as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            return False
        if response.status_code in (200, 202):
            return True
        self.last_error = f"HTTP {response.status_code}: {response.text[:200]}"
        return False
