"""DOCX through pandoc (the pypandoc-binary build), styled by the template set's reference.docx.

pandoc runs with ``--sandbox``, so it reads nothing but its input and the reference document, and
with ``SOURCE_DATE_EPOCH`` so that the same inputs give the same file.

pandoc gives Word styles (Title, Heading 1-3, Body Text, Table with a repeated header row), a TOC
field and the reference's header and footer. What it cannot do is finished here, in the package
it wrote:

- the reference's header and footer hold the placeholders ``{header}`` and ``{footer}``; they are
  replaced by the document's own ``<meta name="docx-header">`` and ``<meta name="docx-footer">``, so
  both are in its language. Their text is inserted as plain runs: only the reference's own ``{page}``
  and ``{pages}`` and the field marks the template's ``docx_fields`` filter writes
  (:data:`FIELD_MARKS`, which escaped session text can never spell) become PAGE and NUMPAGES fields,
  so an event called "IGF {pages}" prints as typed;
- the TOC field is empty until Word updates it (it does on opening; LibreOffice does not), so its
  shown result is filled with the Heading 1-2 entries, linked to their bookmarks;
- for right-to-left documents every paragraph gets ``w:bidi`` (pandoc leaves the title block,
  header and footer out) and every table ``w:bidiVisual``, so columns run right to left too;
- links to anything outside the document (``TargetMode="External"``: a web page, a ``file://`` path)
  are unwrapped to their text. Only templates can make them, and a Word file that points outside itself
  is a way to make the reader's machine fetch something; the document's own links (TOC) stay.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import os
import re
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

from outcomes.errors import OutcomesError, RenderError
from outcomes.pandoc import pandoc_command

PANDOC_TIMEOUT_S = 120
PANDOC_MAX_HEAP = "1024m"
"""GHC's heap limit for pandoc writing one DOCX, as for the note reader: past it pandoc stops
(exit code 251) and the document is refused with a clear error, instead of the machine swapping."""
# How a template asks for a page field in a docx-* meta (see templates.docx_fields): a character
# reference for "{", which autoescaping never writes, so text from a session cannot produce one.
FIELD_MARKS = {"&#123;page&#125;": "PAGE", "&#123;pages&#125;": "NUMPAGES"}
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# Children of w:pPr and w:tblPr in the order the schema requires; Word refuses a file that breaks it.
PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers pBdr shd "
    "tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE autoSpaceDN bidi "
    "adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents suppressOverlap jc textDirection "
    "textAlignment textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange"
).split()
TBLPR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
    "tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription tblPrChange"
).split()


def docx_args(reference: Path, *, lang: str, rtl: bool, toc_title: str, toc: bool = True) -> list[str]:
    """pandoc's arguments to write a document's HTML (on stdin) as DOCX; the output path is added.

    The title is the HTML's own ``<title>``, which pandoc's HTML reader takes as text: a title given
    with ``--metadata`` is read as YAML, and one that reads "true" or "false" would become a boolean
    and leave the document without a title.
    """
    args = [
        "--from=html",
        "--to=docx",
        f"--reference-doc={reference}",
        *(["--toc", "--toc-depth=2"] if toc else []),
        f"--metadata=lang:{lang}",
        f"--metadata=toc-title:{toc_title}",
    ]
    if rtl:
        args.append("--metadata=dir:rtl")
    return args


def run_pandoc(
    args: list[str], stdin: str, *, epoch: int | None = None, timeout: float = PANDOC_TIMEOUT_S
) -> str:
    """Run pandoc; a crash or timeout is a retryable :class:`RenderError`."""
    env = dict(os.environ)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        done = subprocess.run(
            pandoc_command(args, rts=(f"-M{PANDOC_MAX_HEAP}",)),
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"pandoc took longer than {timeout:.0f} s", retryable=False) from exc
    stderr = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode == 251 or "Heap exhausted" in stderr:
        # The same input needs the same memory again: not worth a retry.
        raise OutcomesError(
            f"pandoc needs more than {PANDOC_MAX_HEAP.rstrip('m')} MB of memory to write this DOCX; "
            "refused (the document is too large: very many poll options, themes or takeaways?)"
        )
    if done.returncode != 0:
        raise RenderError(f"pandoc failed: {stderr[:500]}")
    return done.stdout.decode("utf-8", "replace")


def write_docx(
    html: str,
    target: Path,
    reference: Path,
    *,
    lang: str,
    rtl: bool,
    created: dt.date | None,
    toc_title: str,
    toc: bool = True,
) -> None:
    """Convert the document's HTML to DOCX at ``target``; ``toc`` adds a table-of-contents field."""
    epoch = int(dt.datetime.combine(created or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC).timestamp())
    args = docx_args(reference, lang=lang, rtl=rtl, toc_title=toc_title, toc=toc)
    run_pandoc([*args, f"--output={target}"], html, epoch=epoch)
    try:
        finish_docx(
            target,
            header=_meta_pieces(html, "docx-header"),
            footer=_meta_pieces(html, "docx-footer"),
            creator=_meta(html, "docx-creator"),
            created=created or dt.date(2000, 1, 1),
            rtl=rtl,
        )
    except (etree.XMLSyntaxError, zipfile.BadZipFile, ValueError) as exc:
        raise OutcomesError(f"the DOCX pandoc wrote could not be finished ({target.name}): {exc}") from exc


def _raw_meta(html: str, name: str) -> str | None:
    match = re.search(rf'<meta\s+name="{re.escape(name)}"\s+content="([^"]*)"', html)
    return match.group(1) if match else None


def _meta(html: str, name: str) -> str | None:
    """The text of one ``<meta name=...>`` tag of the document's HTML."""
    raw = _raw_meta(html, name)
    return htmllib.unescape(raw) if raw is not None else None


def _meta_pieces(html: str, name: str) -> list[str] | None:
    """A ``<meta>``'s content as text pieces and field codes ("PAGE"): only FIELD_MARKS become fields.

    The marks are looked for before unescaping, so escaped text (from a session) stays text.
    """
    raw = _raw_meta(html, name)
    if raw is None:
        return None
    marks = "|".join(re.escape(m) for m in FIELD_MARKS)
    pieces: list[str] = []
    for i, piece in enumerate(re.split(f"({marks})", raw)):
        if i % 2:
            pieces.append(Field(FIELD_MARKS[piece]))
        elif piece:
            pieces.append(htmllib.unescape(piece))
    return pieces


class Field(str):
    """A field code (PAGE, NUMPAGES) among the text pieces of a header or footer."""


def finish_docx(
    path: Path,
    *,
    header: list[str] | None,
    footer: list[str] | None,
    creator: str | None,
    created: dt.date,
    rtl: bool,
) -> None:
    """Fill the header and footer, show the TOC entries, drop outside links, and mark RTL bidi."""
    with zipfile.ZipFile(path) as zin:
        entries = [(info, zin.read(info)) for info in zin.infolist()]
    changed: list[tuple[zipfile.ZipInfo, bytes]] = []
    for info, data in entries:
        name = info.filename
        if name.endswith(".rels"):
            data = _without_external_relationships(data)
        elif name == "docProps/core.xml":
            data = _core_properties(data, creator, created)
        elif name == "docProps/custom.xml":
            data = _without_docx_meta(data)
        elif name == "word/document.xml" or re.fullmatch(r"word/(header|footer|footnotes)\d*\.xml", name):
            root = etree.fromstring(data)
            _unwrap_outside_links(root)
            if name.startswith("word/header") and header is not None:
                _fill_placeholder(root, "{header}", header)
            if name.startswith("word/footer") and footer is not None:
                _fill_placeholder(root, "{footer}", footer)
            if name == "word/document.xml":
                _prefill_toc(root)
            if rtl:
                _make_bidi(root)
            data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        changed.append((info, data))
    # Rewrite with pandoc's own entry order and fixed dates, so the file stays reproducible.
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as zout:
        for info, data in changed:
            zout.writestr(info, data, compress_type=info.compress_type)
    tmp.replace(path)


def _core_properties(data: bytes, creator: str | None, created: dt.date) -> bytes:
    """Date the document from the session, as the PDF (sandboxed pandoc writes 1970); name its author."""
    root = etree.fromstring(data)
    stamp = f"{created.isoformat()}T00:00:00Z"
    for el in root:
        name = etree.QName(el).localname
        if name in ("created", "modified"):
            el.text = stamp
        elif name == "creator" and creator:
            el.text = creator
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_docx_meta(data: bytes) -> bytes:
    """Custom properties without the docx-* instructions the template gave this module."""
    root = etree.fromstring(data)
    for prop in list(root):
        if (prop.get("name") or "").startswith("docx-"):
            root.remove(prop)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_external_relationships(data: bytes) -> bytes:
    """A .rels part without the relationships that point outside the package."""
    root = etree.fromstring(data)
    outside = [rel for rel in root if rel.get("TargetMode") == "External"]
    if not outside:
        return data
    for rel in outside:
        root.remove(rel)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _unwrap_outside_links(root: etree._Element) -> None:
    """Replace hyperlinks that leave the document (they carry r:id, not w:anchor) by their text."""
    for link in list(root.iter(_w("hyperlink"))):
        if link.get(_w("anchor")) is not None:
            continue
        parent = link.getparent()
        position = parent.index(link)
        for offset, child in enumerate(list(link)):
            parent.insert(position + offset, child)
        parent.remove(link)


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _insert_ordered(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert ``child`` into ``parent`` where the schema's sequence puts it."""
    rank = order.index(etree.QName(child).localname)
    for i, existing in enumerate(parent):
        name = etree.QName(existing).localname
        if name in order and order.index(name) > rank:
            parent.insert(i, child)
            return
    parent.append(child)


def _make_bidi(root: etree._Element) -> None:
    for p in root.iter(_w("p")):
        ppr = p.find(_w("pPr"))
        if ppr is None:
            ppr = etree.Element(_w("pPr"))
            p.insert(0, ppr)
        if ppr.find(_w("bidi")) is None:
            _insert_ordered(ppr, etree.Element(_w("bidi")), PPR_ORDER)
    for tbl in root.iter(_w("tbl")):
        tblpr = tbl.find(_w("tblPr"))
        if tblpr is None:
            tblpr = etree.Element(_w("tblPr"))
            tbl.insert(0, tblpr)
        if tblpr.find(_w("bidiVisual")) is None:
            _insert_ordered(tblpr, etree.Element(_w("bidiVisual")), TBLPR_ORDER)


def _prefill_toc(root: etree._Element, levels: int = 2) -> None:
    """Show the TOC field's entries (headings, linked to their bookmarks) until Word refreshes it."""
    instr = next((el for el in root.iter(_w("instrText")) if (el.text or "").strip().startswith("TOC")), None)
    if instr is None:
        return
    field_p = instr.getparent().getparent()
    body = root.find(_w("body"))
    entries: list[tuple[int, str, str | None]] = []
    bookmark: str | None = None
    for el in body.iter(_w("bookmarkStart"), _w("p")):
        if el.tag == _w("bookmarkStart"):
            bookmark = el.get(_w("name"))
            continue
        style = el.find(f"{_w('pPr')}/{_w('pStyle')}")
        level = re.fullmatch(r"Heading(\d)", style.get(_w("val")) if style is not None else "")
        if level and int(level.group(1)) <= levels:
            text = "".join(t.text or "" for t in el.iter(_w("t")))
            entries.append((int(level.group(1)), text, bookmark))
        bookmark = None
    if not entries:
        return
    # The field's runs: begin, instruction, separate ... end. Split them around the entries.
    runs = [r for r in field_p if r.tag == _w("r")]
    chars = [c for r in runs for c in r]
    end = next((c for c in chars if c.get(_w("fldCharType")) == "end"), None)
    if end is None:
        return
    end.getparent().remove(end)
    paragraphs = []
    for i, (level, text, anchor) in enumerate(entries):
        p = field_p if i == 0 else etree.Element(_w("p"))
        ppr = p.find(_w("pPr"))
        if ppr is None:
            ppr = etree.Element(_w("pPr"))
            p.insert(0, ppr)
        etree.SubElement(ppr, _w("pStyle")).set(_w("val"), f"TOC{level}")
        link = etree.SubElement(p, _w("hyperlink"))
        if anchor:
            link.set(_w("anchor"), anchor)
        link.append(_text_run(text, None))
        paragraphs.append(p)
    closing = etree.SubElement(paragraphs[-1], _w("r"))
    closing.append(end)
    anchor_at = field_p
    for p in paragraphs[1:]:
        anchor_at.addnext(p)
        anchor_at = p


def _fill_placeholder(root: etree._Element, placeholder: str, pieces: list[str]) -> None:
    """Replace the runs of each paragraph that spells ``placeholder`` by ``pieces``.

    The reference's own text around the placeholder is split into text and page fields first; the
    pieces then go in as they are: plain runs, and fields only where a piece is a :class:`Field`.
    Word may split the placeholder over several runs; the first run's formatting is kept.
    """
    for p in root.iter(_w("p")):
        runs = [r for r in p if r.tag == _w("r")]
        joined = "".join(t.text or "" for r in runs for t in r.iter(_w("t")))
        if placeholder not in joined:
            continue
        rpr = next((r.find(_w("rPr")) for r in runs if r.find(_w("rPr")) is not None), None)
        before, after = joined.split(placeholder, 1)
        position = p.index(runs[0])
        for r in runs:
            p.remove(r)
        new_runs: list[etree._Element] = []
        for piece in [*_reference_pieces(before), *pieces, *_reference_pieces(after)]:
            if isinstance(piece, Field):
                new_runs += _field_runs(str(piece), rpr)
            elif piece:
                new_runs.append(_text_run(piece, rpr))
        for offset, r in enumerate(new_runs):
            p.insert(position + offset, r)


def _reference_pieces(text: str) -> list[str]:
    """The reference document's own header or footer text, its ``{page}`` and ``{pages}`` as fields."""
    codes = {"{page}": "PAGE", "{pages}": "NUMPAGES"}
    return [Field(codes[p]) if p in codes else p for p in re.split(r"(\{page\}|\{pages\})", text) if p]


def _run(rpr: etree._Element | None) -> etree._Element:
    r = etree.Element(_w("r"))
    if rpr is not None:
        r.append(etree.fromstring(etree.tostring(rpr)))
    return r


def _text_run(text: str, rpr: etree._Element | None) -> etree._Element:
    r = _run(rpr)
    t = etree.SubElement(r, _w("t"))
    t.text = text
    t.set(XML_SPACE, "preserve")
    return r


def _field_runs(code: str, rpr: etree._Element | None) -> list[etree._Element]:
    """A complex field (PAGE, NUMPAGES) whose shown value Word and LibreOffice update."""
    runs = []
    for kind in ("begin", "instr", "separate", "value", "end"):
        r = _run(rpr)
        if kind == "instr":
            el = etree.SubElement(r, _w("instrText"))
            el.text = f" {code} "
            el.set(XML_SPACE, "preserve")
        elif kind == "value":
            etree.SubElement(r, _w("t")).text = "1"
        else:
            etree.SubElement(r, _w("fldChar")).set(_w("fldCharType"), kind)
        runs.append(r)
    return runs
