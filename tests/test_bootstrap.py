"""``scripts/bootstrap.sh`` as someone who is not root: every missing package in one ``sudo apt-get``
line, or, where sudo needs no password (hosted CI runners), one install through it.

The script runs for real (bash, as an unprivileged user when the tests run as root) on a copy of the
repository's setup files and a virtual env whose install stamp is current, so only the programs' part
runs. ``sudo`` itself is the operating system's, outside cuaso: the second test puts a stand-in first on
PATH that records what it was asked to do, since a test must not install packages.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534
CANDIDATES = (Path(sys.executable).resolve(), Path("/usr/bin/python3"), Path("/usr/local/bin/python3"))


def _as_user(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *argv]


def _python_for_anyone() -> Path:
    """A Python >= 3.11 the unprivileged user can run (this one may live under /root)."""
    for candidate in CANDIDATES:
        # through bash, as the script runs it (bash checks the path's permissions itself)
        code = "import sys; sys.exit(sys.version_info < (3, 11))"
        check = _as_user(["bash", "-c", f'"{candidate}" -c "{code}"'])
        if subprocess.run(check, capture_output=True, timeout=30, check=False).returncode == 0:
            return candidate
    pytest.fail(
        f"no Python >= 3.11 that user {NOBODY} may run among {[str(c) for c in CANDIDATES]}: "
        "install Debian's python3 (>= 3.11)"
    )


# Three absent programs from two packages: each package is named once.
MISSING = (
    "cuaso-absent-tool-a:cuaso-pkg-a",
    "cuaso-absent-tool-b:cuaso-pkg-b",
    "cuaso-absent-tool-c:cuaso-pkg-a",
)


@pytest.fixture
def setup_copy() -> Iterator[Path]:
    """scripts/bootstrap.sh, pyproject.toml and constraints.txt in a world-readable folder (pytest's
    tmp_path is private to its user), with a .venv whose stamp matches (so pip is not run)."""
    with tempfile.TemporaryDirectory(prefix="cuaso-bootstrap-") as folder:
        yield _copy(Path(folder))


def _copy(tmp_path: Path) -> Path:
    tmp_path.chmod(0o777)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap.sh", tmp_path / "scripts" / "bootstrap.sh")
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    venv_bin = tmp_path / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").symlink_to(_python_for_anyone())
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + (ROOT / "constraints.txt").read_bytes())
    (tmp_path / ".venv" / ".cuaso-installed").write_text(digest.hexdigest() + "\n")
    for path in [tmp_path, *tmp_path.rglob("*")]:
        path.chmod(0o777 if path.is_dir() else 0o755)
    return tmp_path


def _run(copy: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    argv = _as_user(["bash", str(copy / "scripts" / "bootstrap.sh"), *MISSING])
    full_env = {"HOME": str(copy), "PYTHON": str(_python_for_anyone()), **env}
    return subprocess.run(argv, env=full_env, capture_output=True, text=True, timeout=60, check=False)


def test_without_sudo_every_missing_package_is_in_one_line(setup_copy: Path) -> None:
    result = _run(setup_copy, {"PATH": os.environ["PATH"], "CUASO_BOOTSTRAP_SUDO": "0"})
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if "apt-get install" in line]
    assert len(lines) == 1, result.stderr
    assert lines[0].rstrip().endswith("sudo apt-get install -y cuaso-pkg-a cuaso-pkg-b"), lines[0]


def test_with_passwordless_sudo_it_installs_them_in_one_call(setup_copy: Path) -> None:
    fake = setup_copy / "fake-bin"
    fake.mkdir(mode=0o777)
    log = setup_copy / "sudo.log"
    (fake / "sudo").write_text(f'#!/bin/sh\necho "$*" >> {log}\nexit 0\n')
    (fake / "sudo").chmod(0o755)
    # without apt-get the script rightly never tries sudo; the test machines are Debian
    assert shutil.which("apt-get") is not None, "apt-get is not on this machine"
    result = _run(setup_copy, {"PATH": f"{fake}:{os.environ['PATH']}"})
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls[0] == "-n true", calls
    installs = [call for call in calls if " apt-get install " in f" {call} "]
    assert len(installs) == 1, calls
    assert installs[0].startswith("-n env DEBIAN_FRONTEND=noninteractive apt-get install")
    assert installs[0].endswith("cuaso-pkg-a cuaso-pkg-b"), installs[0]
    assert "with sudo -n apt-get" in result.stderr
