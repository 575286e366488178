"""A reconciliation report as JSON (for machines) and as a readable Markdown summary (for people)."""

from __future__ import annotations

from pathlib import Path

import orjson

from stack.reconcile.model import MismatchKind, Report


def summary(report: Report) -> str:
    """The report in a few lines: the period, what was compared, and every mismatch by kind."""
    period = report.period.to_dict()
    lines = [
        f"# Payment reconciliation {period['from']} .. {period['to']}",
        "",
        f"- partners: {len(report.partners)} ({', '.join(report.partners)})",
        f"- portal payments: {report.portal_payments}",
        f"- partner ledger entries: {report.partner_entries}",
        f"- callbacks for unknown payments: {report.unknown_callbacks}",
        "",
    ]
    if report.clean:
        lines.append("**Clean**: the portal and every partner agree.")
        return "\n".join(lines) + "\n"
    counts = report.counts_by_kind()
    lines.append(
        f"**{len(report.mismatches)} mismatches**: " + ", ".join(f"{k} {n}" for k, n in counts.items())
    )
    for kind in MismatchKind:
        found = [m for m in report.mismatches if m.kind is kind]
        if not found:
            continue
        lines += ["", f"## {kind.value} ({len(found)})", ""]
        lines += [f"- `{m.partner}` `{m.payment_id}`: {m.detail}" for m in found]
    return "\n".join(lines) + "\n"


def write_report(report: Report, out_dir: Path) -> tuple[Path, Path]:
    """Write ``reconcile-<from>-<to>.json`` and ``.md`` into ``out_dir``; returns both paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = "reconcile-{}-{}".format(
        *(moment.strftime("%Y%m%dT%H%M%S%z") for moment in (report.period.start, report.period.end))
    )
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_bytes(orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2) + b"\n")
    md_path.write_text(summary(report), encoding="utf-8")
    return json_path, md_path
