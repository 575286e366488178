"""``cuaso drill --prometheus``: a real Prometheus scrapes the stack while the drill runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main


def test_a_drill_with_prometheus_gets_scraped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "drill"
    code = main([
        "drill", "steady", "--users", "3", "--duration", "12", "--param", "ramp_s=1",
        "--think-scale", "0.01", "--seed", "3", "--prometheus", "--out", str(out),
    ])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "prometheus: http://127.0.0.1:" in printed
    config = (out / "prometheus" / "config" / "prometheus.yml").read_text()
    assert "cuaso-portal" in config
    wal = list((out / "prometheus" / "data" / "wal").glob("*"))
    assert wal, "Prometheus wrote no samples"
    assert sum(f.stat().st_size for f in wal if f.is_file()) > 0
