"""Option defaults from the project file and ``CUASO_*`` variables: flag > environment > file > default."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from cuaso.cli import build_parser, main, verb_parsers
from cuaso.project import Project, apply_defaults
from results.exceptions import ConfigError


def _parse(
    argv: list[str], toml: str | None, tmp_path: Path, env: dict[str, str] | None = None
) -> argparse.Namespace:
    parser = build_parser()
    project = Project(None, {})
    if toml is not None:
        path = tmp_path / "cuaso.toml"
        path.write_text(toml, encoding="utf-8")
        project = Project.load(path, environ={})
    apply_defaults(verb_parsers(parser), project, environ=env or {})
    return parser.parse_args(argv)


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    toml = "seed = 3\n[drill]\nusers = 7\nduration = 30\nthink-scale = 0.5\n"
    args = _parse(["drill", "steady"], None, tmp_path)
    assert (args.seed, args.users, args.duration) == (1, None, None)  # built-in defaults
    args = _parse(["drill", "steady"], toml, tmp_path)
    assert (args.seed, args.users, args.duration, args.think_scale) == (3, 7, 30.0, 0.5)
    args = _parse(["drill", "steady"], toml, tmp_path, env={"CUASO_USERS": "9", "CUASO_SEED": "4"})
    assert (args.seed, args.users, args.duration) == (4, 9, 30.0)
    args = _parse(["drill", "steady", "--users", "11"], toml, tmp_path, env={"CUASO_USERS": "9"})
    assert args.users == 11


def test_a_top_level_key_serves_every_verb_and_a_verb_table_wins(tmp_path: Path) -> None:
    toml = 'seed = 3\nallow-host = ["eid.staging.example"]\n[sweep]\nseed = 8\n'
    assert _parse(["drill", "steady"], toml, tmp_path).seed == 3
    assert _parse(["sweep"], toml, tmp_path).seed == 8
    assert _parse(["sweep"], toml, tmp_path).allow_host == ["eid.staging.example"]


def test_repeatable_options_add_the_flags_to_the_file(tmp_path: Path) -> None:
    toml = '[drill]\nallow_host = ["a.example"]\nslo = ["p95(run) < 2s"]\n'
    args = _parse(["drill", "steady", "--allow-host", "b.example"], toml, tmp_path)
    assert args.allow_host == ["a.example", "b.example"]
    assert args.slo == ["p95(run) < 2s"]
    env = {"CUASO_ALLOW_HOST": "c.example, d.example"}
    assert _parse(["drill", "steady"], toml, tmp_path, env=env).allow_host == ["c.example", "d.example"]


def test_switches_and_choices_are_checked(tmp_path: Path) -> None:
    assert _parse(["drill", "steady"], "[drill]\nprometheus = true\n", tmp_path).prometheus is True
    assert _parse(["drill", "steady"], None, tmp_path, env={"CUASO_PROMETHEUS": "no"}).prometheus is False
    with pytest.raises(ConfigError, match=r"\[drill\] retry='lazy'.*must be one of patient"):
        _parse(["drill", "steady"], '[drill]\nretry = "lazy"\n', tmp_path)
    with pytest.raises(ConfigError, match=r"CUASO_PROMETHEUS='maybe'.*true or false"):
        _parse(["drill", "steady"], None, tmp_path, env={"CUASO_PROMETHEUS": "maybe"})


def test_errors_name_the_file_the_key_and_the_value(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"cuaso.toml \[drill\] userz=7.*cuaso drill has no option --userz"):
        _parse(["drill", "steady"], "[drill]\nuserz = 7\n", tmp_path)
    with pytest.raises(ConfigError, match=r"cuaso.toml \[dril\].*no such verb or table"):
        _parse(["drill", "steady"], "[dril]\nusers = 7\n", tmp_path)
    with pytest.raises(ConfigError, match=r"cuaso.toml bogus=1: no verb has this option"):
        _parse(["drill", "steady"], "bogus = 1\n", tmp_path)
    with pytest.raises(ConfigError, match=r"users='many': not a valid value for --users"):
        _parse(["drill", "steady"], '[drill]\nusers = "many"\n', tmp_path)
    with pytest.raises(ConfigError, match="not valid TOML"):
        _parse(["drill", "steady"], "[drill\n", tmp_path)


def test_the_command_finds_cuaso_toml_in_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cuaso.toml").write_text("[fit]\nbogus = 1\n", encoding="utf-8")
    assert main(["fit", "points.csv"]) == 2  # the file was read: its bad key is refused
    assert "[fit] bogus=1" in capsys.readouterr().err
    other = tmp_path / "other.toml"
    other.write_text("", encoding="utf-8")
    assert main(["fit", "nothing.csv", "--project", str(other)]) == 2  # --project wins; then no such CSV
    assert "[fit] bogus" not in capsys.readouterr().err
    monkeypatch.setenv("CUASO_PROJECT", str(tmp_path / "missing.toml"))
    monkeypatch.chdir(Path("/"))
    assert main(["fit", "points.csv"]) == 2
    assert "missing.toml" in capsys.readouterr().err
