"""A user's own Locust file: checked before anything starts, each refusal naming the file and the reason,
and the options that shape cuaso's journeys refused beside it (by flag, project file or variable)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cuaso.cli import build_parser, main, verb_parsers
from cuaso.project import Project, apply_defaults
from results.exceptions import ConfigError
from scenarios.drill.config import DrillConfig
from scenarios.drill.user_file import UserClass, describe, inspect_user_file, load_user_classes

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "locustfiles" / "portal_user.py"

HEAD = "from locust import FastHttpUser, HttpUser, LoadTestShape, User, task\n"

BAD_FILES = {
    "syntax": ("class Broken(HttpUser:\n", r"cannot import it: SyntaxError"),
    "import": ("import no_such_module_of_the_user\n", r"ModuleNotFoundError: No module named 'no_such_"),
    "no_users": ("x = 1\n", r"has no runnable User class: define a subclass of HttpUser or FastHttpUser"),
    "plain_user": (
        "class Raw(User):\n    @task\n    def t(self): pass\n",
        r"class Raw is not an HttpUser or FastHttpUser: cuaso checks every request against the allow-list",
    ),
    "no_tasks": ("class Idle(FastHttpUser):\n    pass\n", r"class Idle has no tasks"),
    "shape": (
        "class Mine(LoadTestShape):\n    def tick(self): return None\n"
        "class Reader(HttpUser):\n    @task\n    def t(self): pass\n",
        r"defines the load shape Mine: cuaso's scenario is the drill's shape",
    ),
    "reserved": (
        "class DrillShape(HttpUser):\n    @task\n    def t(self): pass\n",
        r"class DrillShape: the name is cuaso's own",
    ),
}


def _write(folder: Path, stem: str, body: str) -> Path:
    path = folder / f"{stem}.py"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_naming_the_file_and_why(case: str, tmp_path: Path) -> None:
    body, reason = BAD_FILES[case]
    path = _write(tmp_path, f"user_file_{case}", body)
    with pytest.raises(ConfigError, match=rf"--locustfile='{path}': .*{reason}"):
        load_user_classes(path)


def test_a_missing_file_or_a_taken_module_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--locustfile='.*nope.py': no such file"):
        load_user_classes(tmp_path / "nope.py")
    taken = _write(tmp_path, "json", "class R(HttpUser):\n    @task\n    def t(self): pass\n")
    with pytest.raises(ConfigError, match=r"module name 'json' is already taken"):
        load_user_classes(taken)


def test_the_example_is_described_as_locust_will_run_it() -> None:
    users = describe(load_user_classes(EXAMPLE))
    assert users == (
        UserClass("CatalogueReader", "FastHttpUser", weight=3.0, fixed_count=0, tasks=2),
        UserClass("StatisticsReader", "HttpUser", weight=1.0, fixed_count=0, tasks=2),
    )


def test_the_check_runs_the_file_in_a_child_process(tmp_path: Path) -> None:
    described = inspect_user_file(EXAMPLE)
    assert described.path == str(EXAMPLE)
    assert described.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    assert [u.name for u in described.users] == ["CatalogueReader", "StatisticsReader"]
    broken = _write(tmp_path, "child_broken", "raise RuntimeError('the user file fails at import')\n")
    with pytest.raises(ConfigError, match=r"cannot import it: RuntimeError: the user file fails at import"):
        inspect_user_file(broken)


@pytest.mark.parametrize(
    ("extra", "refused"),
    [
        (["--mix", "mix.toml"], "--mix='mix.toml'"),
        (["--retry", "impatient"], "--retry='impatient'"),
        (["--request-timeout", "5"], "--request-timeout=5.0"),
        (["--iterations", "2"], "--iterations=2"),
        (["--open"], "--open=True"),
    ],
)
def test_options_of_cuaso_journeys_are_refused_beside_a_locustfile(
    extra: list[str], refused: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["drill", "steady", "--host", "http://127.0.0.1:9", "--locustfile", str(EXAMPLE), *extra])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{refused}: cannot be combined with --locustfile {EXAMPLE}" in err


def test_an_open_scenario_or_a_bad_file_is_refused_before_any_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    host = ["--host", "http://127.0.0.1:9"]  # nothing listens there: nothing may be sent anyway
    assert main(["drill", "arrivals", *host, "--locustfile", str(EXAMPLE)]) == 2
    assert "SCENARIO='arrivals': cannot be combined with --locustfile" in capsys.readouterr().err
    assert main(["drill", "steady", *host, "--locustfile", str(tmp_path / "missing.py")]) == 2
    assert f"--locustfile='{tmp_path / 'missing.py'}': no such file" in capsys.readouterr().err
    for changes in ({"scenario": "arrivals"}, {"open": True}, {"iterations": 2}):
        with pytest.raises(ValueError, match=r"CUASO_DRILL_LOCUSTFILE='x\.py'"):
            DrillConfig(locustfile="x.py", **changes)


def test_the_locustfile_comes_from_the_project_file_or_the_environment(tmp_path: Path) -> None:
    project_path = tmp_path / "cuaso.toml"
    project_path.write_text('[drill]\nlocustfile = "journeys/portal.py"\n', encoding="utf-8")
    for project, env, expected in (
        (Project.load(project_path, environ={}), {}, Path("journeys/portal.py")),
        (Project(None, {}), {"CUASO_LOCUSTFILE": "other.py"}, Path("other.py")),
    ):
        parser = build_parser()
        apply_defaults(verb_parsers(parser), project, environ=env)
        assert parser.parse_args(["drill", "steady"]).locustfile == expected
    config = DrillConfig(locustfile="/abs/portal.py")
    assert DrillConfig.from_env(config.to_env()).locustfile == "/abs/portal.py"
