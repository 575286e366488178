"""The sweep: the staircase shape as a pure function of time, and a real short sweep whose points
``cuaso fit`` can read."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from capacity.points import read_points_csv
from cuaso.cli import main
from results.document import load_results
from scenarios.sweep import Staircase, parse_levels, sweep_points
from stack.launcher import LocalStack
from tests.scenarios.test_journeys import fixed_mix, write_mix


def test_the_staircase_holds_each_level_for_a_warmup_then_its_repeats() -> None:
    shape = Staircase(levels=(2, 4, 16), warmup_s=5, steady_s=10, repeats=2)
    assert shape.duration_s == 75
    assert [p.name for p in shape.phases()] == [
        "warmup-002", "level-002-r1", "level-002-r2",
        "warmup-004", "level-004-r1", "level-004-r2",
        "warmup-016", "level-016-r1", "level-016-r2",
    ]  # fmt: skip
    assert shape.phase_at(31.0) == "level-004-r1"
    assert [shape.users_at(t) for t in (0, 24.9, 25, 74.9)] == [2, 2, 4, 16]
    assert shape.tick(75) is None
    assert shape.peak_users() == 16
    assert Staircase(**shape.params()) == shape


def test_an_idle_window_comes_first_and_shifts_the_staircase() -> None:
    from cuaso.verbs import sweep as verb
    from scenarios import sweep

    shape = Staircase(levels=(2, 4), warmup_s=3, steady_s=10, repeats=2, interleave=True, idle_s=5)
    assert shape.duration_s == 5 + 4 * 13
    assert [(p.name, p.start_s, p.end_s) for p in shape.phases()[:3]] == [
        ("idle", 0, 5), ("warmup-002-r1", 5, 8), ("level-002-r1", 8, 18),
    ]  # fmt: skip
    assert [shape.users_at(t) for t in (0, 4.9, 5, 17.9, 18)] == [0, 0, 2, 2, 4]
    assert shape.tick(0) == (0, 1.0)
    assert verb.IDLE_S == sweep.IDLE_S  # the command line's default is the shape's


def test_interleaved_repeats_are_passes_over_every_level() -> None:
    shape = Staircase(levels=(2, 4), warmup_s=5, steady_s=10, repeats=2, interleave=True)
    assert shape.duration_s == 60
    assert [p.name for p in shape.phases()] == [
        "warmup-002-r1", "level-002-r1", "warmup-004-r1", "level-004-r1",
        "warmup-002-r2", "level-002-r2", "warmup-004-r2", "level-004-r2",
    ]  # fmt: skip
    assert [shape.users_at(t) for t in (0, 14.9, 15, 29.9, 30, 45, 59.9)] == [2, 2, 4, 4, 2, 4, 4]
    assert shape.phase_at(50.0) == "level-004-r2"
    assert Staircase(**shape.params()) == shape
    with pytest.raises(ValueError, match="interleave: must be true or false"):
        Staircase(levels=(2,), interleave="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"levels": ()}, "need at least one level"), ({"levels": (4, 2)}, "must increase"),
     ({"levels": (0, 2)}, r"levels\[0\]: must be >= 1"), ({"steady_s": 0}, "steady_s: must be > 0"),
     ({"repeats": 0}, "repeats: must be >= 1")],
)  # fmt: skip
def test_bad_staircases_are_refused_by_name(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Staircase(**kwargs)  # type: ignore[arg-type]


def test_levels_parse_from_the_command_line() -> None:
    assert parse_levels("1, 2,8") == (1, 2, 8)
    with pytest.raises(ValueError, match="comma-separated integers"):
        parse_levels("1,two")


@pytest.mark.slow
def test_a_short_sweep_gives_six_points_that_cuaso_fit_reads(
    local_stack: LocalStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mix = write_mix(tmp_path / "mix.json", fixed_mix())
    out = tmp_path / "sweep"
    code = main([
        "sweep", "--host", local_stack.url, "--levels", "1,2,3", "--warmup", "1", "--steady", "3",
        "--repeats", "2", "--idle", "2", "--mix", str(mix), "--out", str(out),
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    doc = load_results(out / "results.json")
    points = sweep_points(doc)
    assert [(p.concurrency, p.repeat) for p in points] == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (3, 2)]
    for point in points:
        phase = doc.phase(point.phase)
        assert phase.offered.users_max == point.concurrency
        assert point.throughput_rps > 0
        # one workload at every level: even N = 1 draws its sessions from the whole mix (Locust's class
        # weights would give one user a single journey)
        assert {j.name for j in phase.journeys if j.started} >= {"browse_catalogue", "submit_dossier"}
    idle = doc.phase("idle")
    assert (idle.start_s, idle.end_s, idle.requests) == (0.0, 2.0, 0)
    measured = read_points_csv(out / "sweep.csv")
    assert len(measured.concurrency) >= 6
    assert f"sweep: 6 points (concurrency, throughput) in {out.resolve() / 'sweep.csv'}" in printed


def _confine_args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {"sut_cpus": None, "sut_cores": None, "generator_cpus": None}
    values["no_confine"] = False
    values.update(given)
    return argparse.Namespace(**values)


def test_the_sweep_splits_the_cpus_between_locust_and_the_stack() -> None:
    from cuaso.verbs.sweep import confine_limits
    from results.exceptions import ConfigError
    from stack.cgroups import CgroupUnavailableError, CpuLimit, detect

    assert confine_limits(_confine_args(no_confine=True), local=True) is None
    with pytest.raises(ConfigError, match="--no-confine=True: cannot be combined"):
        confine_limits(_confine_args(no_confine=True, sut_cores=0.5), local=True)
    cpus = sorted(os.sched_getaffinity(0))
    try:
        detect()
    except CgroupUnavailableError:
        assert confine_limits(_confine_args(), local=True) is None  # says why and runs unconfined
        with pytest.raises(CgroupUnavailableError):
            confine_limits(_confine_args(sut_cores=0.5), local=True)
        return
    if len(cpus) < 2:
        assert confine_limits(_confine_args(), local=True) is None
        return
    rest = tuple(cpus[1:])
    assert confine_limits(_confine_args(), local=True) == {
        "generator": CpuLimit(cpus=(cpus[0],)),
        "sut": CpuLimit(cpus=rest),
    }
    assert confine_limits(_confine_args(sut_cores=0.5), local=True) == {
        "generator": CpuLimit(cpus=(cpus[0],)),
        "sut": CpuLimit(cpus=rest, cores=0.5),
    }
    assert confine_limits(_confine_args(), local=False) is None  # another machine's stack: nothing to split
