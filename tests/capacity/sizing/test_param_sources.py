"""Sizing parameters from a TOML file and ``--param KEY=VALUE``: precedence flag > file > default, and
errors that name the source, the key and the bad value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from capacity.sizing.param_sources import (
    ParameterSourceError,
    merge_parameters,
    parameter_origins,
    parse_assignments,
    read_parameter_file,
)
from capacity.sizing.params import SizingParameters
from capacity.sizing.synthetic import synthetic_sweep
from capacity.usl import USLParameters
from cuaso.cli import main
from results.document import save_results

PLAN = """# a planner's own figures
target_users = 150000
os_reserved_gib = 4
redis-session-bytes = 3072
workers_per_core = 2
storage_copies = 3
site_failover = true
"""


def test_file_values_are_typed_and_hyphens_stand_for_underscores(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_text(PLAN, encoding="utf-8")
    values = read_parameter_file(path)
    assert values == {
        "target_users": 150000.0, "os_reserved_gib": 4.0, "redis_session_bytes": 3072.0,
        "workers_per_core": 2.0, "storage_copies": 3, "site_failover": True,
    }  # fmt: skip
    assert isinstance(values["os_reserved_gib"], float)
    assert isinstance(values["storage_copies"], int)
    table = tmp_path / "table.toml"
    table.write_text("[sizing]\nredis_hot_days = 90\n", encoding="utf-8")
    assert read_parameter_file(table) == {"redis_hot_days": 90.0}


def test_precedence_is_command_line_over_file_over_default() -> None:
    file = {"os_reserved_gib": 4.0, "redis_replicas": 2}
    line = parse_assignments(["os-reserved-gib=8", "think_time_s=none", "site_failover=off", "sites=3"])
    params = merge_parameters(file=file, command_line=line)
    assert params.os_reserved_gib == 8.0
    assert params.redis_replicas == 2
    assert params.think_time_s is None
    assert params.site_failover is False
    assert params.sites == 3
    assert params.workers_per_core == SizingParameters().workers_per_core
    origins = parameter_origins(file=file, command_line=line)
    assert (origins["os_reserved_gib"], origins["redis_replicas"], origins["samples"]) == (
        "command line", "file", "default",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "os_reserve_gib=4",
            r"--param: 'os_reserve_gib': not a sizing parameter \(did you mean 'os_reserved_gib'\?\)",
        ),
        ("storage_copies=2.5", r"--param: storage_copies='2.5': must be a whole number"),
        ("redis_session_bytes=lots", r"--param: redis_session_bytes='lots': must be a number"),
        ("site_failover=maybe", r"--param: site_failover='maybe': must be true or false"),
        ("workers_per_core", r"--param: 'workers_per_core': must be KEY=VALUE"),
    ],
)
def test_bad_assignments_name_the_key_and_value(text: str, message: str) -> None:
    with pytest.raises(ParameterSourceError, match=message):
        parse_assignments([text])


def test_bad_files_name_the_file_key_and_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    for content, message in [
        ("storage_copies = 2.5\n", r"bad\.toml: storage_copies=2\.5: must be a whole number"),
        ("nodes = 3\n", r"bad\.toml: 'nodes': not a sizing parameter"),
        ("surge = true\n", r"bad\.toml: surge=True: must be a number"),
        ("surge = \n", r"bad\.toml: not TOML"),
    ]:
        path.write_text(content, encoding="utf-8")
        with pytest.raises(ParameterSourceError, match=message):
            read_parameter_file(path)
    with pytest.raises(ParameterSourceError, match=r"missing\.toml: no such parameters file"):
        read_parameter_file(tmp_path / "missing.toml")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    truth = USLParameters(100.0, 0.05, 0.001)
    doc = synthetic_sweep(truth.throughput_at_concurrency, (1, 2, 4, 8, 12, 16, 24, 32), repeats=2, seed=5)
    return save_results(doc, tmp_path_factory.mktemp("sweep") / "results.json")


def test_cuaso_size_reads_the_file_and_the_flags_override_it(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(PLAN, encoding="utf-8")
    argv = ["size", str(results), "--format", "json", "--params", str(plan),
            "--target-users", "90000", "--param", "redis_hot_days=30"]  # fmt: skip
    assert main(argv) == 0
    parameters = json.loads(capsys.readouterr().out)["parameters"]
    assert parameters["target_users"] == {"value": 90000.0, "note": parameters["target_users"]["note"],
                                          "origin": "command line"}  # fmt: skip
    assert parameters["os_reserved_gib"]["value"] == 4.0
    assert parameters["os_reserved_gib"]["origin"] == "file"
    assert parameters["redis_hot_days"]["value"] == 30.0
    assert parameters["redis_hot_days"]["origin"] == "command line"
    assert parameters["samples"]["origin"] == "default"


def test_cuaso_size_refuses_bad_parameters_with_exit_2(
    results: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["size", str(results), "--param", "os_reserved_gib=-1"]) == 2
    assert "os_reserved_gib: must be >= 0, got -1.0" in capsys.readouterr().err
    assert main(["size", str(results), "--param", "nodez=3"]) == 2
    assert "--param: 'nodez': not a sizing parameter" in capsys.readouterr().err
    assert main(["size", str(results), "--surge", "2", "--param", "surge=3"]) == 2
    assert "--param surge=3.0: the same parameter is also given as an option (2.0)" in capsys.readouterr().err
