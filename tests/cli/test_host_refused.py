"""Every verb that drives load refuses a ``--host`` that is neither loopback nor allowed, before anything
starts, in the same words (``scenarios.safety.check_target``'s), with exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main

FOREIGN = "192.0.2.10"  # TEST-NET-1 (RFC 5737): not loopback, and never reached here
URL = f"http://{FOREIGN}:8000"
REFUSAL = (
    f"--host='{URL}': {FOREIGN} is not a loopback address; cuaso sends load only to 127.0.0.0/8 and ::1 "
    f"unless the host is listed with --allow-host {FOREIGN}"
)


@pytest.mark.parametrize(
    "argv",
    [
        ["drill", "steady", "--duration", "10"],
        ["walk"],
        ["sweep", "--levels", "1,2"],
        ["assess", "--no-sizing"],
        ["assess"],  # refused for the host before it is asked for a resources source
        ["chaos", "steady", "--duration", "30", "--fault-command", "pause@5=true"],
        ["overload"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_a_host_nobody_allowed_is_refused_by_every_load_verb(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    with_out = [] if argv[0] == "walk" else ["--out", str(out)]
    assert main([*argv, *with_out, "--host", URL]) == 2
    assert capsys.readouterr().err == f"cuaso {argv[0]}: error: {REFUSAL}\n"
    assert not out.exists()  # refused before anything was started or written


def test_assess_with_host_needs_a_resources_source_or_no_sizing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert main(["assess", "--host", "http://127.0.0.1:9", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cuaso assess: error: --resources-prometheus=None: the sizing needs the CPU")
    assert "--no-sizing" in err
    assert not out.exists()
