"""Sessions, e-ID login state and the auto-fill profile cache, kept in Redis with expiry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import orjson

from stack.data import keys
from stack.data.client import RedisClient, timed


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    citizen_id: str
    ttl_s: int


class SessionStore:
    def __init__(self, redis: RedisClient, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def create(self, citizen_id: str, acr: str) -> Session:
        token = secrets.token_urlsafe(32)
        value = orjson.dumps({"citizen_id": citizen_id, "acr": acr})
        async with timed("session_create"):
            await self._redis.set(keys.session(token), value, ex=self._ttl_s)
        return Session(token, citizen_id, self._ttl_s)

    async def get(self, token: str) -> Session | None:
        """The session, its idle expiry renewed (sliding) in the same round trip."""
        async with timed("session_get"):
            raw = await self._redis.getex(keys.session(token), ex=self._ttl_s)
        if raw is None:
            return None
        return Session(token, orjson.loads(raw)["citizen_id"], self._ttl_s)

    async def delete(self, token: str) -> bool:
        async with timed("session_delete"):
            return bool(await self._redis.delete(keys.session(token)))


class LoginStateStore:
    """State, nonce and PKCE verifier of a login in progress; each state can be used once."""

    def __init__(self, redis: RedisClient, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def put(self, state: str, data: dict[str, str]) -> None:
        async with timed("login_state_put"):
            await self._redis.set(keys.login_state(state), orjson.dumps(data), ex=self._ttl_s)

    async def take(self, state: str) -> dict[str, str] | None:
        async with timed("login_state_take"):
            raw = await self._redis.getdel(keys.login_state(state))
        return None if raw is None else dict(orjson.loads(raw))


class ProfileCache:
    """Auto-fill profiles from the population database, cached for the length of a session."""

    def __init__(self, redis: RedisClient, ttl_s: int) -> None:
        self._redis = redis
        self._ttl_s = ttl_s

    async def get(self, citizen_id: str) -> dict[str, Any] | None:
        async with timed("profile_get"):
            raw = await self._redis.get(keys.profile(citizen_id))
        return None if raw is None else dict(orjson.loads(raw))

    async def put(self, citizen_id: str, profile: dict[str, Any]) -> None:
        async with timed("profile_put"):
            await self._redis.set(keys.profile(citizen_id), orjson.dumps(profile), ex=self._ttl_s)
