"""JUnit XML for CI job pages: one test suite per kind of check, one test case per check.

A failed check is a ``<failure>`` (its type is the verdict); a skipped one is ``<skipped>``; an
inconclusive one (JUnit has no such state) is ``<skipped>`` whose message starts with ``INCONCLUSIVE``,
with the property ``cuaso.status=inconclusive``; every case carries its one-line explanation in
``<system-out>``. The root's ``cuaso.verdict`` property is PASS, FAIL or INCONCLUSIVE.
Built with :mod:`xml.etree.ElementTree`, so it is always well-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from gate.model import GateReport

SUITES = (
    ("threshold", "cuaso gate: thresholds"),
    ("comparison", "cuaso gate: candidate vs baseline"),
    ("history", "cuaso gate: change points in the history"),
)


def junit_xml(report: GateReport) -> ET.ElementTree[ET.Element]:
    checks = report.checks
    root = ET.Element(
        "testsuites",
        name="cuaso gate",
        tests=str(len(checks)),
        failures=str(len(report.failed)),
        errors="0",
        skipped=str(sum(1 for c in checks if c.status in ("skipped", "inconclusive"))),
    )
    root_props = ET.SubElement(root, "properties")
    ET.SubElement(root_props, "property", name="cuaso.verdict", value=report.word)
    ET.SubElement(root_props, "property", name="cuaso.inconclusive", value=str(len(report.inconclusive)))
    for kind, title in SUITES:
        cases = [c for c in checks if c.kind == kind]
        if not cases:
            continue
        suite = ET.SubElement(
            root,
            "testsuite",
            name=title,
            tests=str(len(cases)),
            failures=str(sum(1 for c in cases if c.status == "fail")),
            errors="0",
            skipped=str(sum(1 for c in cases if c.status in ("skipped", "inconclusive"))),
            time="0",
        )
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("baseline", ", ".join(report.baselines)),
            ("candidate", ", ".join(report.candidates)),
            *report.settings.items(),
        ):
            ET.SubElement(props, "property", name=key, value=value)
        for check in cases:
            case = ET.SubElement(suite, "testcase", classname=f"cuaso.gate.{kind}", name=check.name, time="0")
            if check.status == "fail":
                failure = ET.SubElement(case, "failure", message=check.message, type=check.verdict)
                failure.text = f"{check.name}: {check.verdict}: {check.message}"
            elif check.status == "skipped":
                ET.SubElement(case, "skipped", message=f"{check.verdict}: {check.message}")
            elif check.status == "inconclusive":
                ET.SubElement(
                    ET.SubElement(case, "properties"), "property", name="cuaso.status", value="inconclusive"
                )
                ET.SubElement(case, "skipped", message=f"INCONCLUSIVE: {check.verdict}: {check.message}")
            ET.SubElement(case, "system-out").text = f"{check.verdict}: {check.message}"
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(report: GateReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    junit_xml(report).write(path, encoding="utf-8", xml_declaration=True)
    return path
