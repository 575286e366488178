"""The committed example report is what the code makes from the committed inputs."""

from __future__ import annotations

from pathlib import Path

from reports.builder import ReportInputs, build_report, write_report
from reports.sizing import read_sizing
from reports.verdict import choose_slos
from results.document import load_results

EXAMPLE = Path(__file__).resolve().parents[2] / "reports" / "examples" / "phase1-cutover"
SOURCE = "reports/examples/phase1-cutover/results.json"  # as the README's command names it


def test_the_committed_example_is_what_the_code_makes(tmp_path: Path) -> None:
    sizing = EXAMPLE / "sizing" / "sizing.json"
    inputs = ReportInputs(
        load_results(EXAMPLE / "results.json"),
        SOURCE,
        choose_slos(EXAMPLE / "slo.txt"),
        read_sizing(sizing),
        sizing.parent,
    )
    report = build_report(inputs)
    _, md_path = write_report(report, tmp_path)
    committed = (EXAMPLE / "report.md").read_text(encoding="utf-8")
    assert md_path.read_text(encoding="utf-8") == committed, (
        "reports/examples/ is stale: remake it with the command in reports/examples/README.md"
    )
    html = (EXAMPLE / "report.html").read_text(encoding="utf-8")
    assert report.headline in html
    assert "<script" not in html
