"""``cuaso assess --host``: the main job against a portal cuaso did not start (the reference stack started
on its own, watched by a real Prometheus and process-exporter: the fixtures of test_own_portal.py). The
sweep and the drill go to the host, their resources come from Prometheus, the scale-out sweeps are
skipped with the reason, and assess.md says what was measured against which host."""

from __future__ import annotations

from pathlib import Path

import pytest

from cuaso.cli import main
from results.document import load_results
from stack.launcher import LocalStack
from tests.scenarios.test_own_portal import _project, foreign_stack, monitoring

__all__ = ["foreign_stack", "monitoring"]  # the fixtures, used here by name


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_assess_drives_a_foreign_portal_and_says_so(
    foreign_stack: LocalStack, monitoring: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "cuaso.toml", monitoring)
    out = tmp_path / "assess"
    code = main([
        "--project", str(project), "assess", "--host", foreign_stack.url, "--no-sizing",
        "--levels", "1,2", "--warmup", "2", "--steady", "5", "--scale", "0.0001", "--duration", "30",
        "--param", "warmup_s=5", "--param", "cutover_s=10", "--param", "redirect_window_s=5",
        "--param", "growth_s=10", "--out", str(out),
    ])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0, printed
    assert f"resources: per phase from {monitoring} (2 tiers)" in printed  # assess's project file, in steps
    for step in ("sweep", "drill"):
        doc = load_results(out / step / "results.json")
        assert not doc.run.local_stack
        assert doc.run.target == foreign_stack.url
    sweep = load_results(out / "sweep" / "results.json")
    levels = [p for p in sweep.phases if p.name.startswith("level-")]
    assert len(levels) == 4  # 2 levels x 2 windows
    assert all({r.kind for r in p.resources} == {"app", "redis"} for p in levels)  # from Prometheus
    assert not list(out.glob("sweep-*"))  # no scale-out sweep: it would set the local stack's quota
    assert not (out / "sizing").exists()
    assert (out / "report" / "report.html").is_file()
    summary = (out / "assess.md").read_text()
    assert summary in printed
    assert f"Target: {foreign_stack.url}, a running system" in summary
    assert f"CPU and memory: from the Prometheus at {monitoring}" in summary
    assert "warmup_s=5, cutover_s=10, redirect_window_s=5, growth_s=10" in summary
    assert "- scale-out sweeps and sizing: --no-sizing" in summary
