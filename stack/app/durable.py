"""A 2xx to a write that must survive a failover: first a replica confirms it (stack/data/replication.py),
else 503 with Retry-After and the client retries with its Idempotency-Key (docs/durability.md)."""

from __future__ import annotations

from stack.app.errors import RETRY_AFTER_S, ApiError
from stack.app.services import Services
from stack.data import keys
from stack.data.replication import NotReplicatedError


async def acknowledge(services: Services, key: str) -> None:
    """Return once ``key``'s write may be acknowledged; raise a 503 ApiError if it may not."""
    try:
        await services.replicas.confirm(key)
    except NotReplicatedError as exc:
        raise ApiError(503, "not_replicated", str(exc), None, {"Retry-After": str(RETRY_AFTER_S)}) from None


async def acknowledge_dossier(services: Services, code: str) -> None:
    await acknowledge(services, keys.dossier(code, keys.tag_of_code(code) or "00"))


async def acknowledge_payment(services: Services, payment_id: str) -> None:
    await acknowledge(services, keys.payment(payment_id, keys.tag_of_payment(payment_id) or "00"))
