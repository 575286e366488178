"""Render a :class:`~reports.model.Report` as a Markdown summary (GitHub-flavoured tables, no images).

The summary carries the same words and numbers as the HTML page, minus the figures and the blocks
marked ``in_summary=False`` (large per-phase tables, method notes), so it pastes into an issue, a chat
or a change ticket. Cells are escaped for table syntax (``|`` and line breaks).
"""

from __future__ import annotations

from reports.model import Block, Report, Section, Table


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(t: Table) -> list[str]:
    align = ["---:" if t.is_numeric(i) else "---" for i in range(len(t.headers))]
    lines = [
        "| " + " | ".join(_cell(h) for h in t.headers) + " |",
        "|" + "|".join(align) + "|",
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in t.rows]
    if t.caption:
        lines += ["", f"_{t.caption}_"]
    return lines


def _block(b: Block) -> list[str]:
    if b.table is not None:
        return _table(b.table)
    if b.bullets:
        return [f"- {item}" for item in b.bullets]
    if b.paragraph:
        return [b.paragraph]
    return []


def _section(s: Section) -> list[str]:
    lines = [f"## {s.title}", ""]
    for b in s.blocks:
        if b.in_summary:
            body = _block(b)
            if body:
                lines += [*body, ""]
    return lines


def render_markdown(report: Report) -> str:
    lines = [f"# {report.title}", "", report.subtitle, "", f"**{report.headline}**", ""]
    if report.modelled_headline:
        lines += [f"**{report.modelled_headline}**", ""]
    lines.append(" · ".join(f"{k}: {v}" for k, v in report.meta))
    lines.append("")
    for s in report.sections:
        if s.in_summary:
            lines += _section(s)
    lines += ["---", "", report.footer, ""]
    return "\n".join(lines)
