"""The chaos audit waits for the partners' notices in flight before it reconciles: a notice still on
its way is late, not missing. Against the real local stack and its payment simulator."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from scenarios.chaos.evidence import settle_callbacks
from stack.launcher import LocalStack
from tests.stack.conftest import login, new_citizen_id
from tests.stack.test_payments_support import behaviour, new_dossier, new_payment

PARTNER = "PAYOO"
"""A partner no other test of the session's stack changes."""


@pytest.fixture
def sim(local_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.payments_url, timeout=10.0) as http:
        yield http


def _checkout_now(client: httpx.Client) -> str:
    """A payment checked out at the partner, without waiting for its notices; its id."""
    auth = login(client, new_citizen_id())
    payment = new_payment(client, auth, PARTNER, new_dossier(client, auth)["code"])
    r = client.get(payment["redirect_url"])
    assert r.status_code == 302, r.text
    return str(payment["payment_id"])


def test_settle_waits_for_the_notice_in_flight(
    client: httpx.Client, sim: httpx.Client, local_stack: LocalStack
) -> None:
    heard: list[str] = []
    with behaviour(sim, PARTNER, callback_delay_ms=1500):
        before = sim.get(f"/_sim/partners/{PARTNER}/stats").json()["delivery"]["delivered"]
        _checkout_now(client)
        t0 = time.monotonic()
        counters = settle_callbacks(local_stack.payments_url, (PARTNER,), 20.0, heard.append)
        waited = time.monotonic() - t0
    delivery = counters[PARTNER]
    assert delivery["in_flight"] == 0, delivery
    assert delivery["delivered"] == before + 2, delivery  # the pending notice at once, the final one late
    assert 1.0 <= waited < 20.0, waited
    assert heard, heard
    assert "0 partner notices still in flight" in heard[-1], heard


def test_settle_gives_up_after_its_timeout(
    client: httpx.Client, sim: httpx.Client, local_stack: LocalStack
) -> None:
    heard: list[str] = []
    with behaviour(sim, PARTNER, callback_delay_ms=4000):
        _checkout_now(client)
        t0 = time.monotonic()
        counters = settle_callbacks(local_stack.payments_url, (PARTNER,), 0.5, heard.append)
        waited = time.monotonic() - t0
        assert counters[PARTNER]["in_flight"] == 1, counters
        assert waited < 3.0, waited
        assert "1 partner notices still in flight" in heard[-1], heard
        settle_callbacks(local_stack.payments_url, (PARTNER,), 20.0, heard.append)  # leave nothing behind
