"""Request-body size limits, enforced before a body is read into memory (413, never a 500)."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stack.app.errors import error_response


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit. It is an HTTPException so that
    FastAPI's body parsing re-raises it (rather than turning it into a 400) and the error handler
    answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body larger than {limit} bytes", {"Connection": "close"})


class BodyLimitMiddleware:
    """Refuses bodies over a limit: at once from Content-Length, else while streaming.

    Attachment uploads (paths containing ``/attachments/``) get ``upload_limit``; everything else
    ``json_limit``.
    """

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int) -> None:
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if "/attachments/" in scope["path"] else self.json_limit
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await self._refuse(scope, receive, send, limit)
                    return
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except BodyTooLarge:
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413, "too_large", f"body larger than {limit} bytes", "body", {"Connection": "close"}
        )
        await response(scope, receive, send)
