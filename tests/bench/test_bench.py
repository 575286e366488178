"""``make bench`` runs end to end: a short run of the bare endpoint, /healthz and the refusal path (a
stack whose only admission slot is held answers every API request with 503); the generator's parts
(CPU per request of journey and bare user side by side, memory per idle user as a slope)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bench import accept as bench_accept
from bench import generator as bench_generator
from bench import portal as bench
from bench import replicated as bench_replicated
from bench.idle import Idle, Plateau, idle_bare, user_counts
from stack.launcher import LocalStack


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make test installs it)")
def test_bench_measures_the_refusal_path_beside_healthz(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--seconds", "1", "--repeats", "1", "--only", "503 refusal"]) == 0
    out = capsys.readouterr().out
    rows = {m[1].strip(): float(m[2]) for m in re.finditer(r"^(.{30}) +\d+ +\d+ +([\d.]+)$", out, re.M)}
    assert set(rows) == {"/healthz (bare FastAPI)", "/healthz", "503 refusal (admission)"}, out
    assert rows["/healthz"] == 1.0
    assert rows["503 refusal (admission)"] > 0


WRK_OK = "Running 1s test @ http://x\n  1200 requests in 1.00s, 150.00KB read\nRequests/sec:   1200.00\n"
WRK_SOME_503 = WRK_OK + "  Non-2xx or 3xx responses: 1000\n"
WRK_ALL_503 = WRK_OK + "  Non-2xx or 3xx responses: 1200\n"


def test_wrk_counts_are_checked_against_what_the_target_should_answer() -> None:
    assert bench.requests_in(WRK_OK, "u") == 1200
    assert bench.requests_in(WRK_ALL_503, "u", refused=True) == 1200
    with pytest.raises(RuntimeError, match="u: 1000 error responses"):
        bench.requests_in(WRK_SOME_503, "u")
    with pytest.raises(RuntimeError, match="u: 200 of 1200 requests were admitted; expected refusals"):
        bench.requests_in(WRK_SOME_503, "u", refused=True)
    with pytest.raises(RuntimeError, match="u: 1200 of 1200 requests were admitted"):
        bench.requests_in(WRK_OK, "u", refused=True)
    with pytest.raises(RuntimeError, match="unexpected wrk output"):
        bench.requests_in("garbage", "u")


@pytest.mark.slow
def test_accept_bench_answers_every_new_client_on_both_loops(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_accept.main(["--base", "4", "--burst", "12", "--cpu-ms", "1"]) == 0
    out = capsys.readouterr().out
    rows = {m[1]: m for m in re.finditer(r"^(uvloop|asyncio) +(\d+) +(\d+) +(\d+) +(\d+) +(\d+)$", out, re.M)}
    assert set(rows) == {"uvloop", "asyncio"}, out
    for row in rows.values():
        assert int(row[5]) >= 1  # with 8 slots and 8 waiting, some of 12 new clients are admitted


def test_accept_bench_refuses_a_burst_of_nobody() -> None:
    with pytest.raises(SystemExit):
        bench_accept.main(["--burst", "0"])


def test_the_generator_bench_runs_the_catalogue_journey_alone_once_per_step() -> None:
    from bench.locust_runs import catalogue_mix
    from scenarios.journeys import JOURNEY_STEPS

    mix = catalogue_mix()
    assert [j.name for j in mix.enabled()] == ["browse_catalogue"]
    steps = {s.name: s for s in mix.journey("browse_catalogue").steps}
    assert set(JOURNEY_STEPS["browse_catalogue"]) <= set(steps)
    assert all((s.repeat.min, s.repeat.max) == (1, 1) for s in steps.values())  # one search, one read


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (make test installs it)")
def test_replicated_bench_measures_create_with_and_without_wait(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_replicated.main(["--seconds", "1", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    row = re.compile(r"^(dossier create.{0,12}?) +\d+ +\d+ +\S+ +\S+ +([\d.]+)$", re.M)
    rows = {m[1].strip(): float(m[2]) for m in row.finditer(out)}
    assert set(rows) == set(bench_replicated.ROWS), out
    assert rows["dossier create, no WAIT"] == 1.0
    assert rows["dossier create, WAIT 1"] > 0


def test_wrk_latency_is_read_in_ms() -> None:
    out = "  Latency Distribution\n     50%  850.00us\n     75%    1.20ms\n     99%    1.50s\n"
    assert bench_replicated.latency_ms(out) == {"p50": 0.85, "p99": 1500.0}


def test_idle_memory_is_the_slope_not_the_whole_over_the_users() -> None:
    fixed = 50 << 20  # the process's own 50 MiB weigh on neither figure
    low, high = Plateau(500, fixed + 500 * 20_000, 40 + 500), Plateau(2000, fixed + 2000 * 20_000, 40 + 2000)
    assert Idle.slope(low, high) == Idle(20_000.0, 1.0)
    with pytest.raises(ValueError, match=r"high\.users: must exceed low\.users=2000"):
        Idle.slope(high, low)
    assert user_counts(2000) == (500, 2000)
    assert user_counts(120) == (50, 120)
    with pytest.raises(ValueError, match="--idle-users: need more than 50 for a slope, got 50"):
        user_counts(50)
    with pytest.raises(SystemExit):
        bench_generator.main(["--idle-users", "40"])


@pytest.mark.slow
def test_journey_and_bare_user_cpu_per_request_is_measured_side_by_side(local_stack: LocalStack) -> None:
    rounds = bench_generator.per_request_cpu(local_stack.url, users=2, rounds=2, seconds=0.5)
    assert len(rounds) == 2
    for r in rounds:
        assert r.bare > r.hub > 0  # the hub's share is in both
        assert r.journey > r.hub
        assert 0.5 < r.ratio < 3.0  # the same requests: same order of cost


@pytest.mark.slow
def test_an_idle_bare_user_holds_memory_and_one_connection(local_stack: LocalStack, tmp_path: Path) -> None:
    idle = idle_bare(local_stack.url, 200, tmp_path)
    assert 1024 < idle.bytes_per_user < 1 << 20
    assert idle.fds_per_user == pytest.approx(1.0, abs=0.1)
