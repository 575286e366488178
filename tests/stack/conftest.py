"""Helpers of the stack tests (the session fixtures `redis_server`, `local_stack`, `client` live in
tests/conftest.py so that every folder shares one stack)."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest


def new_citizen_id() -> str:
    """A fresh 12-digit citizen ID that the population simulator knows (not starting with 000)."""
    return "079" + "".join(secrets.choice("0123456789") for _ in range(9))


def login(http: httpx.Client, citizen_id: str) -> dict[str, str]:
    """The e-ID login a load-test client does: three requests, no browser. Returns auth headers."""
    r = http.get("/api/v1/auth/login", params={"login_hint": citizen_id})
    assert r.status_code == 302, r.text
    r = http.get(r.headers["location"])
    assert r.status_code == 302, r.text
    query = parse_qs(urlsplit(r.headers["location"]).query)
    r = http.get("/api/v1/auth/callback", params={"code": query["code"][0], "state": query["state"][0]})
    assert r.status_code == 200, r.text
    assert r.json()["citizen_id"] == citizen_id
    return {"Authorization": f"Bearer {r.json()['session_token']}"}


@pytest.fixture
def citizen(client: httpx.Client) -> tuple[str, dict[str, str]]:
    cid = new_citizen_id()
    return cid, login(client, cid)


def any_procedure(http: httpx.Client) -> dict[str, object]:
    r = http.get("/api/v1/procedures", params={"limit": 1})
    assert r.status_code == 200, r.text
    item: dict[str, object] = r.json()["items"][0]
    return item
