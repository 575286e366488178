"""``cuaso reconcile`` end to end: mismatches injected through the partner simulator of the real stack are
each found, by kind, and nothing else; a clean period exits 0; bad input exits 2 naming the option."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from cuaso.cli import main
from stack.launcher import LocalStack
from stack.process import free_port
from tests.stack.test_payments_support import (
    behaviour,
    checkout,
    deliveries_settled,
    new_dossier,
    new_payment,
    wait_for,
)


@pytest.fixture
def sim(local_stack: LocalStack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=local_stack.payments_url, timeout=10.0) as http:
        yield http


def _reconcile(stack: LocalStack, start: datetime, end: datetime, out: Path, *extra: str) -> int:
    return main(
        ["reconcile", "--from", start.isoformat(), "--to", end.isoformat(), "--portal-redis", stack.redis_url,
         "--partners", stack.payments_url, "--out", str(out), *extra]
    )  # fmt: skip


def test_each_injected_mismatch_is_found_and_nothing_else(
    client: httpx.Client,
    sim: httpx.Client,
    local_stack: LocalStack,
    citizen: tuple[str, dict[str, str]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, auth = citizen
    start = datetime.now(UTC) - timedelta(milliseconds=1)

    def paid(partner: str, **settings: object) -> str:
        with behaviour(sim, partner, **settings):
            payment = new_payment(client, auth, partner, new_dossier(client, auth)["code"])
            checkout(client, sim, payment)
        payment_id: str = payment["payment_id"]
        return payment_id

    paid("VIETTEL")  # agrees on both sides
    new_payment(client, auth, "VIETTEL", new_dossier(client, auth)["code"])  # never checked out: fine
    expected = {
        ("missing_callback", "VNPTPAY", paid("VNPTPAY", drop_rate=1.0)),
        ("amount_mismatch", "PAYOO", paid("PAYOO", amount_delta=1_000)),
        ("duplicate", "NAPAS", paid("NAPAS", double_charge_rate=1.0)),
    }
    stray = sim.post("/_sim/partners/VNPAY/charges", json={"amount": 50_000})
    assert stray.status_code == 201, stray.text
    wait_for(lambda: deliveries_settled(sim, "VNPAY"), "the stray charge's notices were refused")
    expected.add(("unknown_payment", "VNPAY", stray.json()["payment_id"]))
    end = datetime.now(UTC) + timedelta(seconds=1)

    assert _reconcile(local_stack, start, end, tmp_path) == 1
    printed = capsys.readouterr().out
    [json_path] = tmp_path.glob("reconcile-*.json")
    report = orjson.loads(json_path.read_bytes())
    found = {(m["kind"], m["partner"], m["payment_id"]) for m in report["mismatches"]}
    assert found == expected
    by_kind = {"missing_callback": 1, "amount_mismatch": 1, "duplicate": 1, "unknown_payment": 1}
    assert report["mismatches_by_kind"] == {**by_kind, "status_mismatch": 0}
    assert report["counts"]["portal_payments"] == 5  # VIETTEL twice, VNPTPAY, PAYOO, NAPAS
    assert "**4 mismatches**" in printed
    assert f"wrote {json_path}" in printed

    # the same period for the partner that agreed is clean
    assert _reconcile(local_stack, start, end, tmp_path / "clean", "--partner", "VIETTEL") == 0
    assert "Clean" in capsys.readouterr().out


def test_bad_options_and_unreachable_ledgers_exit_2(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    assert main(["reconcile", "--from", "yesterday", "--to", now.isoformat()]) == 2
    assert "--from='yesterday'" in capsys.readouterr().err
    assert _reconcile(local_stack, now, now, tmp_path) == 2
    assert "--to=" in capsys.readouterr().err
    assert _reconcile(local_stack, now - timedelta(hours=1), now, tmp_path, "--partner", "NOPE") == 2
    assert "--partner='NOPE'" in capsys.readouterr().err
    nobody = f"http://127.0.0.1:{free_port()}"
    code = main(["reconcile", "--from", (now - timedelta(hours=1)).isoformat(), "--to", now.isoformat(),
                 "--portal-redis", local_stack.redis_url, "--partners", nobody, "--partner", "VCB",
                 "--out", str(tmp_path)])  # fmt: skip
    assert code == 2
    assert "VCB ledger" in capsys.readouterr().err
