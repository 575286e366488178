"""What the report says and how it is built: verdict first, labelled figures, phase markers, tables,
a self-contained page, a Markdown summary with the same numbers, and the same bytes every time."""

from __future__ import annotations

import base64
from html.parser import HTMLParser
from pathlib import Path

import pytest

from reports.builder import ReportInputs, build_report, write_report
from reports.plots import markers
from reports.sizing import read_sizing
from reports.verdict import default_slos
from results.document import ResultsDocument
from tests.reports.synthetic import Knobs, cutover_document


class _Page(HTMLParser):
    """The parts of a page the tests look at: section ids, tags, and attributes that load things."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tags: set[str] = set()
        self.images: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.sections.append(found.get("id") or "")
        if tag == "img":
            self.images.append(found.get("src") or "")
        for name in ("href", "src", "action", "srcset"):
            value = found.get(name)
            if value is not None and tag != "img":
                self.links.append(value)


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    return page


@pytest.fixture(scope="module")
def written(
    cutover_doc: ResultsDocument, sizing_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    inputs = ReportInputs(
        cutover_doc, "results.json", default_slos(), read_sizing(sizing_path), sizing_path.parent
    )
    out = tmp_path_factory.mktemp("report")
    write_report(build_report(inputs), out)
    return out


def test_the_verdict_comes_first_then_what_was_run(written: Path) -> None:
    page = _parse((written / "report.html").read_text(encoding="utf-8"))
    assert page.sections == ["verdict", "run", "timeline", "phases", "endpoints", "journeys", "resources",
                             "bottleneck", "validity", "sizing", "method"]  # fmt: skip
    html = (written / "report.html").read_text(encoding="utf-8")
    assert html.index('class="banner fail"') < html.index('id="verdict"') < html.index('id="run"')
    assert "FAIL: 1 of 2 SLOs met" in html
    assert "<td>error rate of all requests ≤ 1%</td>" in html
    assert '<td class="st">BREACHED in redirect</td>' in html
    assert "<td>120,000 concurrent users over 15 min</td>" in html  # modelled
    assert "<td>12 users at peak over 1 min 30 s of drill time</td>" in html  # simulated
    assert "<td>1 : 10,000 users; 1 drill second = 10 modelled seconds</td>" in html
    assert "<td>abc123def456</td>" in html  # revision


def test_phase_changes_and_the_cutover_are_marked(cutover_doc: ResultsDocument, written: Path) -> None:
    found = markers(cutover_doc)
    assert [(m.t_s, m.label, m.cutover) for m in found] == [
        (10.0, "baseline", False), (30.0, "cutover · redirect", True), (40.0, "growth", False),
        (55.0, "plateau", False),
    ]  # fmt: skip
    html = (written / "report.html").read_text(encoding="utf-8")
    assert (
        "<li>30 s drill time (5 min modelled): CUTOVER: the closing portals start redirecting their "
        "users and phase redirect starts</li>" in html
    )
    assert "<li>40 s drill time (6 min 40 s modelled): phase growth starts</li>" in html


def test_tables_per_phase_endpoint_journey_and_resource(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    assert "<td>redirect</td><td>0:30–0:40</td><td>5:00–6:40</td>" in html
    assert '<td class="num">85,500</td>' in html  # modelled users in the redirect phase
    row = html[html.index("<td>GET /api/v1/auth/callback</td>") :].split("</tr>", 1)[0]
    assert '<td class="num">880</td>' in row
    assert '<td class="st">http_503 × 19</td>' in row
    assert "<td>submit_dossier</td>" in html
    assert '<th class="num" scope="col">plateau, cores</th>' in html
    assert "Bottleneck: nothing saturated: the busiest tier, app," in html
    assert "<td>generator_cpu</td>" in html


def test_the_sizing_with_its_uncertainty(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    assert "Modelled: for 120,000 concurrent users" in html
    assert "at P50 and" in html
    assert "Validation on held-out levels: held" in html
    assert "<td>one site down</td>" in html


def test_the_page_is_self_contained(written: Path) -> None:
    html = (written / "report.html").read_text(encoding="utf-8")
    page = _parse(html)
    assert "script" not in page.tags
    assert "link" not in page.tags
    assert "iframe" not in page.tags
    assert all(link.startswith("#") for link in page.links)
    assert len(page.images) == 5  # timeline, CPU, and three sizing plots
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix)
        assert base64.b64decode(src[len(prefix) :])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "url(" not in html
    assert "@import" not in html


def test_markdown_summary_carries_the_same_numbers(written: Path) -> None:
    md = (written / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Phase-1 cutover drill (1 July 2025: the provincial portals close)\n")
    assert "**Measured at simulated scale (12 simulated users at peak, " in md
    assert "): FAIL: 1 of 2 SLOs met**" in md
    assert (
        "| error rate of all requests ≤ 1% | error_rate(run) <= 0.01 | 0.259% | 2.35% (redirect) | 14,671 "
        "| BREACHED in redirect |" in md
    )
    assert "| redirect | 0:30–0:40 | 5:00–6:40 |" in md
    assert "- 30 s drill time (5 min modelled): CUTOVER" in md
    assert "## Sizing for the modelled portal" in md
    assert "data:image" not in md
    assert "How the figures were computed" not in md  # HTML only


def test_same_inputs_same_bytes(
    cutover_doc: ResultsDocument, sizing_path: Path, written: Path, tmp_path: Path
) -> None:
    again = cutover_document(Knobs(redirect_slowdown=4.0, redirect_error_rate=0.2))
    assert again == cutover_doc
    inputs = ReportInputs(again, "results.json", default_slos(), read_sizing(sizing_path), sizing_path.parent)
    write_report(build_report(inputs), tmp_path)
    assert (tmp_path / "report.html").read_bytes() == (written / "report.html").read_bytes()
    assert (tmp_path / "report.md").read_bytes() == (written / "report.md").read_bytes()


def test_a_run_without_timeline_sizing_or_journeys_still_reads(tmp_path: Path) -> None:
    doc = cutover_document(Knobs(timeline=False, valid=False))
    doc = doc.model_copy(update={"phases": tuple(p.model_copy(update={"journeys": ()}) for p in doc.phases)})
    report = build_report(ReportInputs(doc, "results.json", default_slos()))
    expected = [
        "verdict",
        "run",
        "timeline",
        "phases",
        "endpoints",
        "resources",
        "bottleneck",
        "validity",
        "method",
    ]
    assert [s.id for s in report.sections] == expected
    html_path, md_path = write_report(report, tmp_path / "out")
    html = html_path.read_text(encoding="utf-8")
    assert report.verdict == "inconclusive"
    assert 'class="banner inconclusive"' in html
    assert "No timeline was recorded: one point per phase is drawn instead." in html
    assert "The run is NOT a valid measurement" in md_path.read_text(encoding="utf-8")


def test_a_drill_of_a_users_own_locustfile_says_where_its_users_came_from(tmp_path: Path) -> None:
    doc = cutover_document()
    source = {
        "path": "/srv/journeys/portal_user.py",
        "sha256": "50fde28159d944998f90f135db38aea4e675bc85f2152053bfa2f1740f198610",
        "users": [{"name": "CatalogueReader", "client": "FastHttpUser", "weight": 3.0, "fixed_count": 0}],
    }
    run = doc.run.model_copy(update={"mix": {"locustfile": source, "think_scale": 1.0}})
    report = build_report(ReportInputs(doc.model_copy(update={"run": run}), "results.json", default_slos()))
    _, md_path = write_report(report, tmp_path / "out")
    assert (
        "your locustfile /srv/journeys/portal_user.py (sha256 50fde28159d9…): CatalogueReader (weight 3)"
        in md_path.read_text(encoding="utf-8")
    )
