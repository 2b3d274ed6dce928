"""Regenerate templates/_shared/reference.docx: pandoc's default reference with the house styles.

Run: .venv/bin/python tools/make_reference_docx.py
Editors can instead open the file in Word or LibreOffice, change the styles (Normal, Heading 1-3,
Table, Header, Footer) and save it: pandoc takes styles from it, never direct formatting.
"""

import subprocess
import sys
from pathlib import Path

import pypandoc
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor

OUT = Path(__file__).resolve().parents[1] / "templates" / "_shared" / "reference.docx"
BLUE = RGBColor(0x1F, 0x5C, 0x99)


def field(paragraph, code: str) -> None:
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == code:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {code} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def main() -> None:
    raw = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"], capture_output=True, check=True
    ).stdout
    tmp = OUT.with_suffix(".tmp.docx")
    tmp.write_bytes(raw)
    doc = Document(str(tmp))
    styles = doc.styles
    for name in ("Normal", "Body Text", "First Paragraph", "Compact"):
        if name in [s.name for s in styles]:
            styles[name].font.name = "Noto Sans"
            styles[name].font.size = Pt(10.5)
    for name, size in (("Heading 1", 16), ("Heading 2", 13.5), ("Heading 3", 11.5), ("Title", 20)):
        style = styles[name]
        style.font.name = "Noto Sans"
        style.font.size = Pt(size)
        style.font.color.rgb = BLUE
        style.font.bold = True
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.text = "Internet Governance Forum · session outcome"
    header.style = styles["Header"] if "Header" in [s.name for s in styles] else header.style
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("Page ")
    field(footer, "PAGE")
    footer.add_run(" of ")
    field(footer, "NUMPAGES")
    doc.save(str(OUT))
    tmp.unlink()
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
