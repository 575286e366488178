"""A Markdown summary for the CI job page (GitHub's step summary, a GitLab MR note, a PR comment)."""

from __future__ import annotations

from pathlib import Path

from gate.model import CheckResult, GateReport

_ICON = {"pass": "✅", "fail": "❌", "inconclusive": "❔", "skipped": "⏭️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _num(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:.2%}" if unit == "%" else f"{value:.2f}"


def _rel(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    return f"{value * 100:+.2f} pp" if unit == "%" else f"{value:+.1%}"


def _ci(check: CheckResult) -> str:
    if check.ci is None:
        return ""
    return f"{_rel(check.ci[0], check.unit)} … {_rel(check.ci[1], check.unit)}"


def _noise(check: CheckResult) -> str:
    if check.noise is None:
        return "" if check.kind != "comparison" else "not measured"
    return f"{check.noise * 100:.2f} pp" if check.unit == "%" else f"{check.noise:.1%}"


def markdown_summary(report: GateReport) -> str:
    lines = [f"## cuaso gate: {report.headline()}", ""]
    lines += [
        f"- baseline: {', '.join(f'`{b}`' for b in report.baselines) or 'none (thresholds only)'}",
        f"- candidate: {', '.join(f'`{c}`' for c in report.candidates)}",
        "- settings: " + "; ".join(f"{k} {v}" for k, v in report.settings.items()),
    ]
    if report.calibration:
        factors = ", ".join(f"`{label}` {factor:.2f}" for label, factor in report.calibration.items())
        lines.append(f"- machine speed factors (calibration endpoint median / reference): {factors}")
    if report.failed:
        lines += ["", "### Failed", ""]
        lines += [f"- **{_cell(c.name)}**: {c.verdict}: {_cell(c.message)}" for c in report.failed]
    if report.inconclusive:
        lines += ["", "### Inconclusive (neither pass nor fail: give repeats to decide)", ""]
        lines += [f"- ❔ **{_cell(c.name)}**: {c.verdict}: {_cell(c.message)}" for c in report.inconclusive]
    lines += [
        "",
        "### All checks",
        "",
        "| | check | baseline | candidate | change | CI | noise floor | verdict |",
        "|---|---|---:|---:|---:|---|---:|---|",
    ]
    for c in report.checks:
        lines.append(
            f"| {_ICON[c.status]} | {_cell(c.name)} | {_num(c.baseline, c.unit)} "
            f"| {_num(c.candidate, c.unit)} | {_rel(c.change, c.unit)} | {_ci(c)} | {_noise(c)} "
            f"| {_cell(c.verdict)} |"
        )
    lines += [
        "",
        "Latencies in ms; a regression needs a material change (beyond the tolerance and the absolute "
        "floor), significant, beyond the noise floor (measured between repeats, or stated with one run "
        "per side) and with a non-negligible effect; what cannot be decided is inconclusive "
        "(docs/gate.md).",
    ]
    return "\n".join(lines) + "\n"


def write_markdown(report: GateReport, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown_summary(report), encoding="utf-8")
    return path
