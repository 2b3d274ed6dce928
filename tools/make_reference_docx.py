"""Regenerate templates/_shared/reference.docx: pandoc's default reference with the house styles.

Run: .venv/bin/python tools/make_reference_docx.py [OUT]

pandoc takes from this file the styles (Normal, Body Text, Title, Subtitle, Author, Heading 1-3,
Table, TOC Heading, and the custom Draft Notice, Editor Note and Adopters), the page size and
margins, and the header and footer. The header paragraph holds ``{header}`` and the footer ``{footer}``:
outcomes.render.docx replaces them with the document's running header and its "Page {page} of
{pages}" label, with live page fields. Editors can instead open the file in Word or LibreOffice,
change the styles, header and footer (keeping the two placeholders) and save it.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pypandoc
from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

OUT = Path(__file__).resolve().parents[1] / "templates" / "_shared" / "reference.docx"
BLUE = "1F5C99"
GREY = "555555"
LATIN, CJK, ARABIC = "Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic"
FONTS = f'<w:rFonts w:ascii="{LATIN}" w:hAnsi="{LATIN}" w:eastAsia="{CJK}" w:cs="{ARABIC}"/>'

# Paragraph styles: (style id, name, based on, pPr children, rPr children). Sizes are half-points,
# spacing twentieths of a point. No style sets a left/centre alignment: paragraphs start on the
# reading side, so the same styles serve left-to-right and right-to-left documents.
PARAGRAPH_STYLES: list[tuple[str, str, str | None, str, str]] = [
    ("Normal", "Normal", None, "", ""),
    ("BodyText", "Body Text", "Normal", '<w:spacing w:before="0" w:after="120"/>', ""),
    ("FirstParagraph", "First Paragraph", "BodyText", "", ""),
    ("Compact", "Compact", "BodyText", '<w:spacing w:before="20" w:after="20"/>', ""),
    (
        "Title",
        "Title",
        "Normal",
        '<w:keepNext/><w:spacing w:before="0" w:after="120"/>',
        f'{FONTS}<w:b/><w:bCs/><w:color w:val="1B1B1B"/><w:sz w:val="40"/><w:szCs w:val="40"/>',
    ),
    (
        "Subtitle",
        "Subtitle",
        "Normal",
        '<w:keepNext/><w:spacing w:before="0" w:after="200"/>',
        f'{FONTS}<w:b/><w:bCs/><w:caps/><w:color w:val="{BLUE}"/><w:sz w:val="22"/><w:szCs w:val="22"/>',
    ),
    (
        "Author",
        "Author",
        "Normal",
        '<w:keepNext/><w:spacing w:before="0" w:after="20"/>',
        '<w:color w:val="333333"/><w:sz w:val="20"/><w:szCs w:val="20"/>',
    ),
    (
        "Date",
        "Date",
        "Normal",
        '<w:keepNext/><w:spacing w:before="0" w:after="240"/>',
        '<w:color w:val="333333"/><w:sz w:val="20"/><w:szCs w:val="20"/>',
    ),
    (
        "Heading1",
        "heading 1",
        "Normal",
        '<w:keepNext/><w:keepLines/><w:spacing w:before="360" w:after="120"/><w:outlineLvl w:val="0"/>',
        f'{FONTS}<w:b/><w:bCs/><w:color w:val="{BLUE}"/><w:sz w:val="32"/><w:szCs w:val="32"/>',
    ),
    (
        "Heading2",
        "heading 2",
        "Normal",
        '<w:keepNext/><w:keepLines/><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="C9D6E3"/>'
        '</w:pBdr><w:spacing w:before="300" w:after="100"/><w:outlineLvl w:val="1"/>',
        f'{FONTS}<w:b/><w:bCs/><w:color w:val="{BLUE}"/><w:sz w:val="27"/><w:szCs w:val="27"/>',
    ),
    (
        "Heading3",
        "heading 3",
        "Normal",
        '<w:keepNext/><w:keepLines/><w:spacing w:before="220" w:after="60"/><w:outlineLvl w:val="2"/>',
        f'{FONTS}<w:b/><w:bCs/><w:color w:val="1B1B1B"/><w:sz w:val="23"/><w:szCs w:val="23"/>',
    ),
    ("TOCHeading", "TOC Heading", "Heading1", '<w:outlineLvl w:val="9"/>', ""),
    ("TOC1", "toc 1", "Normal", '<w:spacing w:before="80" w:after="20"/>', "<w:b/><w:bCs/>"),
    ("TOC2", "toc 2", "Normal", '<w:spacing w:before="0" w:after="20"/><w:ind w:left="360"/>', ""),
    (
        "BlockText",
        "Block Text",
        "BodyText",
        '<w:ind w:left="567" w:right="567"/>',
        '<w:i/><w:iCs/><w:color w:val="333333"/>',
    ),
    (
        "Header",
        "header",
        "Normal",
        '<w:spacing w:before="0" w:after="0"/><w:jc w:val="center"/>',
        f'<w:color w:val="{GREY}"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
    ),
    (
        "Footer",
        "footer",
        "Normal",
        '<w:spacing w:before="0" w:after="0"/><w:jc w:val="center"/>',
        f'<w:color w:val="{GREY}"/><w:sz w:val="16"/><w:szCs w:val="16"/>',
    ),
    (
        "DraftNotice",
        "Draft Notice",
        "BodyText",
        '<w:pBdr><w:top w:val="single" w:sz="4" w:space="4" w:color="C77700"/>'
        '<w:left w:val="single" w:sz="4" w:space="4" w:color="C77700"/>'
        '<w:bottom w:val="single" w:sz="4" w:space="4" w:color="C77700"/>'
        '<w:right w:val="single" w:sz="4" w:space="4" w:color="C77700"/></w:pBdr>'
        '<w:shd w:val="clear" w:color="auto" w:fill="FFF4E0"/>',
        "",
    ),
    ("EditorNote", "Editor Note", "DraftNotice", "", ""),
    (
        "Adopters",
        "Adopters",
        "BodyText",
        '<w:pBdr><w:left w:val="single" w:sz="18" w:space="6" w:color="1F5C99"/></w:pBdr>'
        '<w:shd w:val="clear" w:color="auto" w:fill="F1F5F9"/>',
        "",
    ),
]

TABLE_STYLE = f"""
<w:style {nsdecls("w")} w:type="table" w:default="1" w:styleId="Table">
  <w:name w:val="Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:qFormat/>
  <w:pPr><w:spacing w:before="20" w:after="20"/></w:pPr>
  <w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr>
  <w:tblPr>
    <w:tblInd w:w="0" w:type="dxa"/>
    <w:tblBorders>
      <w:top w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
      <w:left w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
      <w:right w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
      <w:insideV w:val="single" w:sz="4" w:space="0" w:color="B7C4D1"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="40" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>
      <w:bottom w:w="40" w:type="dxa"/><w:right w:w="100" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="E8EFF6"/></w:tcPr>
  </w:tblStylePr>
</w:style>"""


def _style(styles, style_id: str, name: str, based_on: str | None, ppr: str, rpr: str) -> None:
    """Replace (or add) one paragraph style with exactly these properties."""
    for old in styles.findall(qn("w:style")):
        if old.get(qn("w:styleId")) == style_id:
            styles.remove(old)
    custom = (
        ""
        if style_id
        in {
            "Normal",
            "Title",
            "Subtitle",
            "Heading1",
            "Heading2",
            "Heading3",
            "Header",
            "Footer",
            "BodyText",
            "BlockText",
            "TOCHeading",
            "Date",
            "TOC1",
            "TOC2",
        }
        else ' w:customStyle="1"'
    )
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    default = ' w:default="1"' if style_id == "Normal" else ""
    styles.append(
        parse_xml(
            f'<w:style {nsdecls("w")} w:type="paragraph"{default}{custom} w:styleId="{style_id}">'
            f'<w:name w:val="{name}"/>{based}<w:qFormat/><w:pPr>{ppr}</w:pPr><w:rPr>{rpr}</w:rPr></w:style>'
        )
    )


def _defaults(styles) -> None:
    """Fonts for every script and the base size, for every style that does not say otherwise."""
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        if child.tag in (qn("w:rFonts"), qn("w:sz"), qn("w:szCs")):
            rpr.remove(child)
    rpr.insert(
        0,
        parse_xml(
            f'<w:rFonts {nsdecls("w")} w:ascii="{LATIN}" w:hAnsi="{LATIN}" '
            f'w:eastAsia="{CJK}" w:cs="{ARABIC}"/>'
        ),
    )
    rpr.insert(1, parse_xml(f'<w:sz {nsdecls("w")} w:val="21"/>'))
    rpr.insert(2, parse_xml(f'<w:szCs {nsdecls("w")} w:val="22"/>'))
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is not None:
        defaults.remove(ppr_default)
    defaults.append(
        parse_xml(
            f"<w:pPrDefault {nsdecls('w')}><w:pPr>"
            '<w:spacing w:after="120" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
        )
    )


def _placeholder(paragraph, style: str, text: str) -> None:
    paragraph.text = ""
    paragraph.style = style
    paragraph.add_run(text)


def _reproducible(data: bytes) -> bytes:
    """Rewrite the package with fixed entry dates, so regenerating gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: (i.filename != "[Content_Types].xml", i.filename)):
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, zin.read(info))
    return out.getvalue()


def build(out: Path = OUT) -> None:
    raw = subprocess.run(
        [pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True,
        check=True,
    ).stdout
    doc = Document(io.BytesIO(raw))
    styles = doc.styles.element
    _defaults(styles)
    for style_id, name, based_on, ppr, rpr in PARAGRAPH_STYLES:
        _style(styles, style_id, name, based_on, ppr, rpr)
    for old in styles.findall(qn("w:style")):
        if old.get(qn("w:styleId")) == "Table":
            styles.remove(old)
    styles.append(parse_xml(TABLE_STYLE))

    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(22)
    section.left_margin = section.right_margin = Mm(18)
    section.header_distance = section.footer_distance = Mm(10)
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False
    _placeholder(section.header.paragraphs[0], "Header", "{header}")
    _placeholder(section.footer.paragraphs[0], "Footer", "{footer}")

    buffer = io.BytesIO()
    doc.save(buffer)
    out.write_bytes(_reproducible(buffer.getvalue()))
    print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
