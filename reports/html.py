"""Render a :class:`~reports.model.Report` as one self-contained HTML page.

Self-contained means: the CSS is in a ``<style>`` element, every figure is a ``data:image/png;base64``
URI, and there is no script, no web font and no link to anything outside the file, so the page opens
the same from an e-mail attachment, an intranet share or a laptop with no network. Plain Python string
building with :func:`html.escape` on every piece of text (no template engine needed for one page).
"""

from __future__ import annotations

import base64
from html import escape

from reports.model import Block, Image, Report, Section, Table

CSS = """
:root { --ink: #1d2330; --muted: #5b6472; --line: #d9dde3; --pass: #1b7a3a; --pass-bg: #e6f4ea;
  --fail: #b3261e; --fail-bg: #fce8e6; --warn: #8a5a00; --warn-bg: #fff4d6; --head: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1160px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.meta { display: flex; flex-wrap: wrap; gap: 8px; margin: 0 0 16px; padding: 0; list-style: none; }
.meta li { background: var(--head); border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
.meta b { color: var(--muted); font-weight: 600; margin-right: 6px; }
.banner { border-radius: 8px; padding: 14px 18px; margin: 8px 0 12px; font-size: 18px; font-weight: 700; }
.banner.pass { background: var(--pass-bg); color: var(--pass); border: 2px solid var(--pass); }
.banner.fail { background: var(--fail-bg); color: var(--fail); border: 2px solid var(--fail); }
.banner.inconclusive { background: var(--warn-bg); color: var(--warn); border: 2px solid var(--warn); }
nav.toc { display: flex; flex-wrap: wrap; gap: 2px 16px; font-size: 14px; margin: 0 0 8px; }
nav.toc a { color: #1f5fbf; text-decoration: none; white-space: nowrap; }
.scroll { overflow-x: auto; margin: 10px 0 14px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
caption { caption-side: bottom; text-align: left; color: var(--muted); font-size: 12.5px; padding-top: 4px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
tr.pass td.st { color: var(--pass); font-weight: 600; }
tr.fail td { background: var(--fail-bg); }
tr.fail td.st { color: var(--fail); font-weight: 700; }
tr.warn td { background: var(--warn-bg); }
.figs { display: flex; flex-wrap: wrap; gap: 0 16px; }
.figs figure { flex: 1 1 520px; min-width: 0; }
figure { margin: 12px 0 18px; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12.5px; border-top: 1px solid var(--line);
  padding-top: 8px; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; }
  figure, tr { break-inside: avoid; } }
"""


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _table(t: Table) -> str:
    def cls(column: int, cell: bool = False) -> str:
        names = ["num"] if t.is_numeric(column) else []
        names += ["st"] if cell and column == t.status_column else []
        return f' class="{" ".join(names)}"' if names else ""

    head = "".join(f'<th{cls(i)} scope="col">{escape(h)}</th>' for i, h in enumerate(t.headers))
    rows = []
    for r, row in enumerate(t.rows):
        status = t.status[r] if t.status else ""
        row_cls = f' class="{status}"' if status else ""
        cells = "".join(f"<td{cls(i, cell=True)}>{escape(c)}</td>" for i, c in enumerate(row))
        rows.append(f"<tr{row_cls}>{cells}</tr>")
    caption = f"<caption>{escape(t.caption)}</caption>" if t.caption else ""
    return (
        f'<div class="scroll"><table>{caption}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _image(i: Image) -> str:
    return (
        f'<figure><img src="{data_uri(i.png)}" alt="{escape(i.alt)}" width="{i.width_px}" '
        f'height="{i.height_px}"><figcaption>{escape(i.title)}</figcaption></figure>'
    )


def _block(b: Block) -> str:
    if b.table is not None:
        return _table(b.table)
    if b.image is not None:
        return _image(b.image)
    if b.bullets:
        return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in b.bullets) + "</ul>"
    return f"<p>{escape(b.paragraph)}</p>"


def _section(s: Section) -> str:
    parts: list[str] = []
    run: list[str] = []  # consecutive images share a row when they fit side by side
    for b in s.blocks:
        if b.image is not None:
            run.append(_image(b.image))
            continue
        if run:
            parts.append(f'<div class="figs">{"".join(run)}</div>' if len(run) > 1 else run[0])
            run = []
        parts.append(_block(b))
    if run:
        parts.append(f'<div class="figs">{"".join(run)}</div>' if len(run) > 1 else run[0])
    body = "\n".join(parts)
    return f'<section id="{s.id}">\n<h2>{escape(s.title)}</h2>\n{body}\n</section>'


def render_html(report: Report) -> str:
    meta = "".join(f"<li><b>{escape(k)}</b>{escape(v)}</li>" for k, v in report.meta)
    toc = "".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in report.sections)
    modelled = (
        f'<div class="banner {report.modelled_status}" role="status">'
        f"{escape(report.modelled_headline)}</div>\n"
        if report.modelled_headline
        else ""
    )
    sections = "\n".join(_section(s) for s in report.sections)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{escape(report.title)}</h1>
<p class="subtitle">{escape(report.subtitle)}</p>
<div class="banner {report.verdict}" role="status">{escape(report.headline)}</div>
{modelled}<ul class="meta">{meta}</ul>
<nav class="toc">{toc}</nav>
</header>
{sections}
<footer>{escape(report.footer)}</footer>
</main>
</body>
</html>
"""
