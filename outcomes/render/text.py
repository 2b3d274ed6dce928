"""Plain text to paste into the IGF web form, field by field (``--format txt``).

Organisers file their report through a form with the fields Key takeaways, Calls to action and
Session report. A ``.txt`` file holds those fields in that order, each under its label: no markup,
items as Unicode bullets (``•``) with a blank line between them, so that each field can be copied
as it is. The short report's file holds its two fields; the session report's holds all three, the
third being the document itself as its template lays it out; the other types hold their document.

The documents' text comes from their HTML (the template the editor sees), read back: headings and
paragraphs become lines, list items bullets, table rows bullets with their cells joined by " — ".
The cover, the table of contents, charts (their table gives the same numbers) and anything with
the class ``no-txt`` (the Sources appendix: file and line references are for the editor) are left out.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import html as lxml_html

from outcomes.model import Report
from outcomes.render.documents import short_report
from outcomes.render.templates import TemplateSet, render_html

BULLET = "•"
CELL_SEPARATOR = " — "
FIELD_SEPARATOR = "\n\n\n"
SKIPPED_CLASSES = {"no-txt", "toc", "cover", "chart"}
_SVG_START = re.compile(r"<svg\b", re.IGNORECASE)
_SVG_END = re.compile(r"</svg>", re.IGNORECASE)
_CONTAINERS = {"body", "section", "div", "main", "article", "header", "footer", "figure"}


def write_text(report: Report, doc_type: str, target: Path, templates: TemplateSet) -> None:
    """Write one document type as the plain text of the web form's fields."""
    target.write_text(document_text(report, doc_type, templates), encoding="utf-8")


def document_text(report: Report, doc_type: str, templates: TemplateSet) -> str:
    """The web form's fields for one document type, each under its label, in the form's order."""
    labels = templates.labels(report.session.language)
    fields: list[tuple[str, str]] = []
    if doc_type in ("short_report", "session_report"):
        fields += [
            (labels["key_takeaways"], takeaways_text(report, labels)),
            (labels["calls_to_action"], actions_text(report, labels)),
        ]
    if doc_type != "short_report":
        fields.append((labels[doc_type], html_to_text(render_html(report, doc_type, "html", templates))))
    return FIELD_SEPARATOR.join(f"{label}\n\n{body}" for label, body in fields) + "\n"


def takeaways_text(report: Report, labels: dict[str, str]) -> str:
    """Every takeaway, by theme (the theme's title on a line of its own), as bullets."""
    blocks: list[str] = []
    for group in short_report(report).takeaways:
        blocks.append(group.theme or labels["session_takeaways"])
        blocks += [f"{BULLET} {_squash(t.text)}" for t in group.takeaways]
    return "\n\n".join(blocks) or labels["none_recorded"]


def actions_text(report: Report, labels: dict[str, str]) -> str:
    """Every call to action as a bullet, with the actors it addresses."""
    items = []
    for action in report.actions:
        actors = f" ({labels['actors']}{labels['colon']}{', '.join(action.actors)})" if action.actors else ""
        items.append(f"{BULLET} {_squash(action.text)}{actors}")
    return "\n\n".join(items) or labels["none_recorded"]


def html_to_text(document: str) -> str:
    """A document's HTML as plain text: one block per heading, paragraph, list item or table row."""
    root = lxml_html.document_fromstring(_without_svg(document))
    body = root.find("body")
    return "\n\n".join(_blocks(body if body is not None else root))


def _without_svg(document: str) -> str:
    """The document without its inline SVG (a chart's labels are not text), in one pass.

    Each ``<svg`` is cut to the first ``</svg>`` after it; one with none after it ends the search.
    """
    kept: list[str] = []
    done = 0
    while (start := _SVG_START.search(document, done)) and (end := _SVG_END.search(document, start.end())):
        kept.append(document[done : start.start()])
        done = end.end()
    return "".join(kept) + document[done:]


def _skipped(el) -> bool:
    return bool(SKIPPED_CLASSES & set((el.get("class") or "").split()))


def _text(el) -> str:
    """The element's text, white space made single; skipped descendants left out."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and not _skipped(child):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    return _squash("".join(parts))


def _squash(text: str) -> str:
    return " ".join(text.split())


def _blocks(el) -> list[str]:
    out: list[str] = []
    for child in el:
        if not isinstance(child.tag, str) or _skipped(child):
            continue
        tag = child.tag.lower()
        if tag in _CONTAINERS:
            out += _blocks(child)
        elif tag in ("ul", "ol"):
            for number, item in enumerate(child.findall("li"), start=1):
                mark = f"{number}." if tag == "ol" else BULLET
                out.append(f"{mark} {_text(item)}")
        elif tag == "table":
            out += _table(child)
        elif tag == "dl":
            out += [
                f"{BULLET} {_text(dt)}: {_text(dd)}"
                for dt, dd in zip(child.findall("dt"), child.findall("dd"), strict=False)
            ]
        elif tag == "blockquote":
            out.append(f"“{_text(child)}”")
        elif text := _text(child):  # headings, paragraphs and anything else: a line of its own
            out.append(text)
    return out


def _table(table) -> list[str]:
    rows = []
    for row in table.iter("tr"):
        # An empty cell (no affiliation, say) is left out rather than shown as an empty " —  — ".
        cells = [_text(cell) for cell in row if isinstance(cell.tag, str) and cell.tag in ("td", "th")]
        cells = [c for c in cells if c]
        if not any(cells):
            continue
        header = row.getparent() is not None and row.getparent().tag == "thead"
        joined = CELL_SEPARATOR.join(cells)
        rows.append(joined if header else f"{BULLET} {joined}")
    return rows
