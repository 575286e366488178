"""The report in a real headless Chromium: it renders, every image loads, nothing is fetched from the
network, no console errors; a full-page screenshot is kept as a test artifact. A broken page is checked
the same way first, so the checks are shown to catch what they look for."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from reports.builder import ReportInputs, build_report, write_report
from reports.sizing import read_sizing
from reports.verdict import default_slos
from results.document import ResultsDocument
from tests.reports.browser import Browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "reports" / "out" / "test-artifacts"
"""Where the screenshot is copied for a person to look at (git-ignored with the rest of reports/out)."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    with Browser(tmp_path_factory.mktemp("chromium")) as b:
        yield b


def test_the_checks_catch_a_broken_page(browser: Browser, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><title>broken</title></head><body><h2>x</h2>"
        '<img src="missing.png" alt="missing"><script>console.error("boom")</script></body></html>',
        encoding="utf-8",
    )
    check = browser.check(page)
    assert check.dom["images_loaded"] is False
    assert check.dom["broken"] == ["missing"]
    assert check.dom["scripts"] == 1
    assert any("boom" in e for e in check.errors)
    assert any(url.endswith("missing.png") for url in check.requests)


def test_the_report_renders_with_every_image_and_no_errors(
    browser: Browser, cutover_doc: ResultsDocument, sizing_path: Path, tmp_path: Path
) -> None:
    inputs = ReportInputs(
        cutover_doc, "results.json", default_slos(), read_sizing(sizing_path), sizing_path.parent
    )
    html_path, _ = write_report(build_report(inputs), tmp_path / "report")
    check = browser.check(html_path)
    assert check.errors == ()
    assert check.dom["images"] == 5
    assert check.dom["images_loaded"] is True
    assert check.dom["scripts"] == 0
    assert check.dom["title"] == "Phase-1 cutover drill (1 July 2025: the provincial portals close)"
    assert check.dom["banner"].startswith("Measured at simulated scale (12 simulated users at peak, ")
    assert check.dom["banner"].endswith("cores): FAIL: 1 of 2 SLOs met")
    assert check.dom["headings"][:2] == ["Verdict against the SLOs", "What was run"]
    assert check.dom["overflow_x"] is False  # nothing wider than a 1280 px window
    assert all(url.startswith(("file:", "data:")) for url in check.requests), check.requests
    assert check.screenshot_png[:8] == b"\x89PNG\r\n\x1a\n"
    shot = tmp_path / "report-screenshot.png"
    shot.write_bytes(check.screenshot_png)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / shot.name)
