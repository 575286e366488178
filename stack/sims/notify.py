"""Simulated SMS and e-mail gateway: a sink that records every message it is asked to send.

The account lifecycle job sends its inactivity notices here (FACTS.md: a notice by SMS or e-mail during
the 2 months before the lock). Messages are addressed by citizen id: the real gateway would look up the
mobile number or e-mail address registered with the national e-ID; the sink only records.

Run: ``python -m stack.sims.notify --host 127.0.0.1 --port 8105 [--record FILE] [--max-messages N]
[fault flags]`` (the fault flags of :mod:`stack.sims.serve`); stops on SIGTERM/SIGINT, exit 0.

Endpoints:

- ``POST /messages`` with ``Idempotency-Key`` (1-200 characters) and a JSON body ``{"channel": "sms" |
  "email", "to": "<12-digit citizen id>", "kind": "inactivity_notice", "subject": "...", "body": "...",
  "data": {"k": "v"}}`` → ``202 {"id", "duplicate": false}``. The same key again records nothing and
  answers ``200 {"id", "duplicate": true}`` (a sender that retries after a timeout sends one message in
  effect). A bad body or missing key: ``422`` naming the field.
- ``GET /messages?to=&kind=&limit=100`` → ``{"total", "items": [...]}``, oldest first: what was sent.
- ``GET /messages/stats`` → ``{"received", "duplicates", "kept"}``.
- ``/_sim/...``: health, fault statistics and fault controls (:mod:`stack.sims.control`).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

import orjson
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.responses import Response

from stack.sims.middleware import FaultState
from stack.sims.responses import OrjsonResponse, error_response
from stack.sims.serve import base_parser, install_faults, new_app, parse_args, serve

DEFAULT_PORT = 8105
DEFAULT_MAX_MESSAGES = 100_000
"""Assumption: messages kept in memory (the oldest are forgotten beyond it, keys included)."""
IDEMPOTENCY_HEADER = "Idempotency-Key"


class MessageIn(BaseModel):
    """One message to send."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Literal["sms", "email"]
    to: str = Field(pattern=r"^[0-9]{12}$", description="citizen id; the gateway resolves the address")
    kind: str = Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")
    subject: str = Field(default="", max_length=200)
    body: str = Field(min_length=1, max_length=1000)
    data: dict[str, str] = Field(default_factory=dict, max_length=20)


class Outbox:
    """The messages received (bounded), deduplicated by idempotency key, optionally appended to a file."""

    def __init__(self, max_messages: int = DEFAULT_MAX_MESSAGES, record: Path | None = None) -> None:
        if max_messages < 1:
            raise ValueError(f"max_messages: need at least 1, got {max_messages}")
        self._messages: collections.OrderedDict[str, dict[str, object]] = collections.OrderedDict()
        self._max = max_messages
        self._ids = itertools.count(1)
        self._record = record
        self.received = 0
        self.duplicates = 0

    def add(self, key: str, message: MessageIn) -> tuple[str, bool]:
        """Record ``message`` under ``key``; returns its id and whether the key was seen before."""
        seen = self._messages.get(key)
        if seen is not None:
            self.duplicates += 1
            return str(seen["id"]), True
        self.received += 1
        entry: dict[str, object] = {
            "id": f"MSG-{next(self._ids):08d}",
            "idempotency_key": key,
            "received_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            **message.model_dump(),
        }
        self._messages[key] = entry
        if len(self._messages) > self._max:
            self._messages.popitem(last=False)
        if self._record is not None:
            with self._record.open("ab") as fh:
                fh.write(orjson.dumps(entry) + b"\n")
        return str(entry["id"]), False

    def find(self, to: str | None, kind: str | None) -> list[dict[str, object]]:
        return [
            m
            for m in self._messages.values()
            if (to is None or m["to"] == to) and (kind is None or m["kind"] == kind)
        ]

    def stats(self) -> dict[str, int]:
        return {"received": self.received, "duplicates": self.duplicates, "kept": len(self._messages)}


def _field_of(exc: ValidationError) -> tuple[str, str]:
    first = exc.errors()[0]
    loc = ".".join(str(part) for part in first.get("loc", ()))
    return ("body." + loc if loc else "body"), str(first.get("msg", "invalid"))


def create_app(faults: FaultState, outbox: Outbox) -> FastAPI:
    """The SMS/e-mail sink as an ASGI app."""
    app = new_app("cuaso simulated SMS and e-mail gateway")

    @app.post("/messages")
    async def send(request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "")
        if not 1 <= len(key) <= 200:
            return error_response(422, "invalid", "need a key of 1-200 characters", IDEMPOTENCY_HEADER)
        try:
            message = MessageIn.model_validate(orjson.loads(await request.body()))
        except orjson.JSONDecodeError as exc:
            return error_response(422, "malformed_json", f"body is not JSON: {exc}", "body")
        except ValidationError as exc:
            field, reason = _field_of(exc)
            return error_response(422, "invalid", reason, field)
        message_id, duplicate = outbox.add(key, message)
        return OrjsonResponse(
            {"id": message_id, "duplicate": duplicate}, status_code=200 if duplicate else 202
        )

    @app.get("/messages/stats")
    async def stats() -> Response:
        return OrjsonResponse(outbox.stats())

    @app.get("/messages")
    async def messages(
        to: Annotated[str | None, Query(max_length=12)] = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
    ) -> Response:
        found = outbox.find(to, kind)
        return OrjsonResponse({"total": len(found), "items": found[:limit]})

    install_faults(app, faults, "notify")
    return app


def build_parser() -> argparse.ArgumentParser:
    parser = base_parser(
        "python -m stack.sims.notify", "Simulated SMS and e-mail gateway (a sink).", DEFAULT_PORT
    )
    parser.add_argument(
        "--record", type=Path, default=None, help="also append every message to this JSONL file"
    )
    parser.add_argument(
        "--max-messages",
        type=int,
        default=DEFAULT_MAX_MESSAGES,
        help="messages kept in memory (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, faults = parse_args(parser, argv)
    if args.max_messages < 1:
        parser.error(f"--max-messages={args.max_messages}: need at least 1")
    return serve(create_app(faults, Outbox(args.max_messages, args.record)), args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
