"""Accessibility checks of written documents, run by the renderer right after it writes each file.

- PDF: the ``pdfua`` package, the machine-checkable subset of PDF/UA-1 (figures without /Alt, table
  headers not tied to their cells, missing language or title, untagged content...). It does not
  certify conformance; a rule it could not run is listed, never counted as passed.
- DOCX: what Word's accessibility checker looks for that a file can show: alternative text on every
  image, a header row on every table, a document title and language, headings in heading styles.

Each check returns an :class:`AccessibilityCheck`; build.json records one per document.
"""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

from lxml import etree
from pydantic import BaseModel, Field

from outcomes.errors import RenderError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
DC = "http://purl.org/dc/elements/1.1/"


class AccessibilityCheck(BaseModel):
    """What one check found in one document: counts, the findings, and the rules it could not run."""

    checker: str
    errors: int = 0
    warnings: int = 0
    rules_run: int = 0
    rules_skipped: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)
    seconds: float = 0.0


def check_pdf(path: Path) -> AccessibilityCheck:
    """Run the PDF/UA-1 checks on a written PDF."""
    import pdfua

    started = time.perf_counter()
    try:
        report = pdfua.validate(str(path))
    except pdfua.PdfuaError as exc:
        raise RenderError(f"the PDF/UA check could not read {path.name}: {exc}", retryable=False) from exc
    counts = report.count_by_severity()
    return AccessibilityCheck(
        checker=f"pdfua {pdfua.__version__} (PDF/UA-1, machine-checkable rules)",
        errors=counts[pdfua.Severity.ERROR],
        warnings=counts[pdfua.Severity.WARNING],
        rules_run=len(report.outcomes) - len(report.skipped),
        rules_skipped=[f"{o.rule_id}: {o.skipped_reason}" for o in report.skipped],
        findings=[
            f"PDF/UA {f.severity.name.lower()} {f.rule_id} ({f.location.describe()}): {f.message}"
            for f in report.findings
            if f.severity >= pdfua.Severity.WARNING
        ],
        seconds=round(time.perf_counter() - started, 4),
    )


SCRIPT_LANGUAGE_ATTRIBUTE = {"ar": "bidi", "zh": "eastAsia"}
DOCX_RULES = ("image alt text", "table header row", "document title", "document language", "heading styles")


def check_docx(path: Path) -> AccessibilityCheck:
    """Check a written DOCX for what Word's accessibility checker reports as errors."""
    started = time.perf_counter()
    with zipfile.ZipFile(path) as package:
        document = etree.fromstring(package.read("word/document.xml"))
        core = etree.fromstring(package.read("docProps/core.xml"))
        styles = etree.fromstring(package.read("word/styles.xml"))
    findings: list[str] = []
    for number, doc_pr in enumerate(document.iter(f"{{{WP}}}docPr"), start=1):
        if not (doc_pr.get("descr") or "").strip():
            findings.append(f"image {number} ({doc_pr.get('name')}) has no alternative text")
    for number, table in enumerate(document.iter(f"{{{W}}}tbl"), start=1):
        first = table.find(f"{{{W}}}tr")
        header = first.find(f"{{{W}}}trPr/{{{W}}}tblHeader") if first is not None else None
        if header is None or header.get(f"{{{W}}}val") in ("0", "false", "off"):
            findings.append(f"table {number} has no header row (its first row is not marked as one)")
    if not (core.findtext(f"{{{DC}}}title") or "").strip():
        findings.append("the document has no title (core properties)")
    language = (core.findtext(f"{{{DC}}}language") or "").strip()
    if not language:
        findings.append("the document has no language (core properties)")
    # Word keeps one language per script: w:val for Latin and Cyrillic, w:eastAsia, w:bidi (Arabic).
    attribute = SCRIPT_LANGUAGE_ATTRIBUTE.get(language.split("-")[0], "val")
    default_lang = styles.find(f"{{{W}}}docDefaults/{{{W}}}rPrDefault/{{{W}}}rPr/{{{W}}}lang")
    styled = default_lang.get(f"{{{W}}}{attribute}", "") if default_lang is not None else ""
    if language and styled.split("-")[0] != language.split("-")[0]:
        findings.append(f"the default style's language is '{styled}', not the document's '{language}'")
    used = {el.get(f"{{{W}}}val") for el in document.iter(f"{{{W}}}pStyle")}
    if not any(re.fullmatch(r"Heading\d", name or "") for name in used):
        findings.append("no paragraph uses a heading style, so the document has no navigable headings")
    return AccessibilityCheck(
        checker="igf-outcomes docx (" + ", ".join(DOCX_RULES) + ")",
        errors=len(findings),
        rules_run=len(DOCX_RULES),
        findings=[f"DOCX accessibility: {f}" for f in findings],
        seconds=round(time.perf_counter() - started, 4),
    )
