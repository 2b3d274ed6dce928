"""Write the binary files of the hostile-input corpus: `.venv/bin/python tests/hostile/make_corpus.py`.

Word, OpenDocument and Excel files are zip packages; they are assembled here part by part, with fixed
timestamps, so that regenerating without changes leaves git clean and every file stays small (the
bombs declare huge sizes or compress hundreds of times; they are a few kilobytes on disk). The text
cases are plain files beside them, written by hand.

Files too large to commit (a 25 MB CSV, a 2 MB note) are written at test time by the ``generate_*``
functions below, which ``tests/test_hostile.py`` calls by name from ``cases.yaml``.

The string ``127.0.0.1:PORT`` in a file is replaced at test time by the address of a local HTTP
server that must never receive a request, and ``MARKER`` by a path that must never be created.
"""

from __future__ import annotations

import os
import struct
import subprocess
import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).parent
FILES = HERE / "files"
STAMP = (2025, 6, 24, 0, 0, 0)
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 504

NOTE_MD = """## Word note theme

WSIS alignment: C5

Participants discussed a Word document.

Key takeaways:

- Word notes are read through pandoc.
"""

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)
EXTERNAL_ENTITY = '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


# --- zip packages -----------------------------------------------------------------------------------


def pack(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip package with fixed timestamps, parts in the given order."""
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.compress_type = method
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def unpack(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def pandoc(markdown: str, to: str) -> bytes:
    """A document written by pandoc from Markdown, repacked with fixed timestamps."""
    import pypandoc

    done = subprocess.run(
        [pypandoc.get_pandoc_path(), "--sandbox", "--from=markdown", f"--to={to}", "--output=-"],
        input=markdown.encode(),
        capture_output=True,
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1750723200"},
    )
    return pack(unpack(done.stdout))


def with_doctype(data: bytes, part: str, doctype: str, body_marker: bytes, entity: str) -> bytes:
    """Insert a DOCTYPE after the XML declaration of ``part`` and use ``entity`` in its text."""
    parts = unpack(data)
    xml = parts[part]
    end = xml.index(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    xml = xml[:end] + doctype.encode() + xml[end:]
    parts[part] = xml.replace(body_marker, body_marker + f"&{entity};".encode(), 1)
    return pack(parts)


def lying_sizes(data: bytes, part: str, real: bytes) -> bytes:
    """Replace ``part`` with ``real`` (compressed) while the zip headers still declare a tiny size."""
    parts = unpack(data)
    parts[part] = real
    packed = bytearray(pack(parts))
    # Local header: size fields at offset 22 (compressed) / 22+4 (uncompressed) after the signature.
    declared = 1000
    offset = 0
    while (offset := packed.find(b"PK\x03\x04", offset)) >= 0:
        name_len = struct.unpack_from("<H", packed, offset + 26)[0]
        if packed[offset + 30 : offset + 30 + name_len] == part.encode():
            struct.pack_into("<I", packed, offset + 22, declared)
        offset += 4
    offset = 0
    while (offset := packed.find(b"PK\x01\x02", offset)) >= 0:
        name_len = struct.unpack_from("<H", packed, offset + 28)[0]
        if packed[offset + 46 : offset + 46 + name_len] == part.encode():
            struct.pack_into("<I", packed, offset + 24, declared)
        offset += 4
    return bytes(packed)


def bomb_part(size: int = 30 * 1024 * 1024) -> bytes:
    """XML that compresses about a thousand times: spaces inside a comment."""
    return b"<?xml version='1.0'?><!--" + b" " * size + b"-->"


# --- Word and OpenDocument notes ------------------------------------------------------------------------


def docx_with_relationships() -> bytes:
    """A Word note whose image and hyperlink point at /etc/passwd and at the local server."""
    data = pandoc(NOTE_MD + "\n[a link](http://127.0.0.1:PORT/docx-link)\n", "docx")
    parts = unpack(data)
    rels = parts["word/_rels/document.xml.rels"].decode()
    extra = (
        '<Relationship Id="rIdX1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        'Target="file:///etc/passwd" TargetMode="External"/>'
        '<Relationship Id="rIdX2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        'Target="http://127.0.0.1:PORT/docx-image.png" TargetMode="External"/>'
        '<Relationship Id="rIdX3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'attachedTemplate" Target="http://127.0.0.1:PORT/template.dotm" TargetMode="External"/>'
    )
    parts["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>", extra + "</Relationships>"
    ).encode()
    picture = (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/'
        'wordprocessingDrawing"><wp:extent cx="100" cy="100"/><wp:docPr id="99" name="linked"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
        'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://'
        'schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="0" name="x"/>'
        "<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip "
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:link="rIdX1"/>'
        "</pic:blipFill><pic:spPr/></pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )
    document = parts["word/document.xml"].decode()
    parts["word/document.xml"] = document.replace("<w:body>", "<w:body>" + picture, 1).encode()
    return pack(parts)


def docx_payload() -> bytes:
    """A valid Word note whose text is markup, template syntax and URLs: all of it must stay text."""
    return pandoc(
        "## Payloads in Word\n\n"
        "Participants typed `<script>fetch('http://127.0.0.1:PORT/docx')</script>` and {{ 7*191 }}.\n\n"
        'They pasted \\<link rel="attachment" href="file:///etc/passwd"\\> as text.\n\n'
        "Key takeaways:\n\n- {% for x in range(9) %}{{ x }}{% endfor %} prints literally.\n",
        "docx",
    )


def docx_footnote_loop() -> bytes:
    """A Word note whose two footnotes cite each other: a mark inside a note, which Word never writes and
    pandoc 3.9 expands without end."""
    data = pandoc(
        "## Footnotes in Word\n\nParticipants cited the 2025 figures.[^1] And the earlier ones.[^2]\n\n"
        "[^1]: Facts and Figures 2025.\n\n[^2]: Facts and Figures 2024.\n\n"
        "Key takeaways:\n\n- Word footnotes are read once.\n",
        "docx",
    )
    parts = unpack(data)
    notes = parts["word/footnotes.xml"].decode()
    ids = [chunk.split('"', 1)[0] for chunk in notes.split('<w:footnote w:id="')[1:]]
    assert len(ids) == 2, ids
    for mine, other in (ids, reversed(ids)):
        start = notes.index(f'<w:footnote w:id="{mine}"')
        end = notes.index("</w:p>", start)
        notes = notes[:end] + f'<w:r><w:footnoteReference w:id="{other}" /></w:r>' + notes[end:]
    parts["word/footnotes.xml"] = notes.encode()
    return pack(parts)


def damaged_member(data: bytes, member: str) -> bytes:
    """``data`` with the local header of ``member`` overwritten: the zip directory reads, the part does not."""
    with zipfile.ZipFile(BytesIO(data)) as archive:
        offset = archive.getinfo(member).header_offset
    return data[:offset] + b"XX" + data[offset + 2 :]


def directory_before_start(data: bytes) -> bytes:
    """``data`` whose end record places the central directory 1 GB on: zipfile finds the directory by
    its size, takes the difference for bytes prepended to the archive, and seeks to every part before
    the file's start (an OSError, EINVAL, not a BadZipFile)."""
    end = data.rindex(b"PK\x05\x06")
    return data[: end + 16] + struct.pack("<I", 1 << 30) + data[end + 20 :]


def docx_damaged_image() -> bytes:
    """A Word note with hidden text (so its package is rewritten) and an image whose zip entry is damaged."""
    parts = unpack(pandoc(NOTE_MD, "docx"))
    body = parts["word/document.xml"].decode()
    run = "<w:r><w:rPr><w:vanish /></w:rPr><w:t>hidden</w:t></w:r>"
    parts["word/document.xml"] = body.replace("<w:r>", run + "<w:r>", 1).encode()
    parts["word/media/image1.png"] = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    return damaged_member(pack(parts), "word/media/image1.png")


def word_notes() -> dict[str, bytes]:
    docx = pandoc(NOTE_MD, "docx")
    odt = pandoc(NOTE_MD, "odt")
    return {
        "notes/docx_truncated.docx": docx[: len(docx) // 2],
        "notes/docx_not_zip.docx": b"This is a plain text file that someone renamed to .docx.\n",
        "notes/docx_is_pdf.docx": PDF_BYTES,
        "notes/docx_empty.docx": b"",
        "notes/docx_bomb.docx": pack({**unpack(docx), "word/document.xml": bomb_part()}),
        "notes/docx_billion_laughs.docx": with_doctype(
            docx, "word/document.xml", BILLION_LAUGHS, b"<w:t>", "lol9"
        ),
        "notes/docx_external_entity.docx": with_doctype(
            docx, "word/document.xml", EXTERNAL_ENTITY, b"<w:t>", "xxe"
        ),
        "notes/docx_lying_sizes.docx": lying_sizes(docx, "word/document.xml", bomb_part(20 * 1024 * 1024)),
        "notes/docx_external_refs.docx": docx_with_relationships(),
        "notes/docx_payload.docx": docx_payload(),
        "notes/docx_footnote_loop.docx": docx_footnote_loop(),
        "notes/docx_damaged_image.docx": docx_damaged_image(),
        "notes/docx_directory_before_start.docx": directory_before_start(docx),
        "notes/odt_not_zip.odt": b"<office:document>not a package</office:document>\n",
        "notes/odt_billion_laughs.odt": with_doctype(odt, "content.xml", BILLION_LAUGHS, b"<text:p>", "lol9"),
        "notes/odt_is_docx.odt": docx,
        "notes/legacy_word.doc": OLE2,
    }


# --- Excel workbooks ------------------------------------------------------------------------------------


class Formula(str):
    """A cell holding a formula (its text without '='), with a cached value beside it."""


def _cell(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        return f'<c r="{ref}" t="str"><f>{escape(str(value))}</f><v>cached</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(str(value))}</t></is></c>'


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_xml(
    rows: dict[int, list[object]] | list[list[object]], doctype: str = "", entity: str = ""
) -> bytes:
    numbered = rows if isinstance(rows, dict) else {i: row for i, row in enumerate(rows, start=1)}
    body = "".join(
        f'<row r="{n}">' + "".join(_cell(f"{_column(i)}{n}", v) for i, v in enumerate(row)) + "</row>"
        for n, row in numbered.items()
    )
    if entity:
        body = body.replace("</t>", f"&{entity};</t>", 1)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        + doctype
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{body}</sheetData></worksheet>"
    ).encode()


def xlsx(sheets: dict[str, bytes]) -> bytes:
    """A minimal workbook: the given sheet parts (already XML), in order."""
    names = list(sheets)
    content_types = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        + "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Types>"
    )
    root_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(names, start=1)
        )
        + "</sheets></workbook>"
    )
    workbook_rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(names) + 1)
        )
        + "</Relationships>"
    )
    parts = {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": root_rels.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": workbook_rels.encode(),
    }
    for i, name in enumerate(names, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = sheets[name]
    return pack(parts)


GOOD_THEMES = [
    ["Theme", "WSIS action lines", "Summary"],
    ["Worksheet theme", "C5", "A summary from the sheet."],
]
COUNTED = [["Question", "Option", "Votes"], ["Which layer first?", "DNS", 12], [None, "Hosting", 7]]


def workbooks() -> dict[str, bytes]:
    good = xlsx({"Themes": sheet_xml(GOOD_THEMES)})
    poll = xlsx({"Results": sheet_xml(COUNTED)})
    ods = pack({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    return {
        # poll exports
        "polls/xlsx_truncated.xlsx": poll[: len(poll) * 2 // 3],
        "polls/xlsx_bomb.xlsx": pack({**unpack(poll), "xl/worksheets/sheet1.xml": bomb_part()}),
        "polls/xlsx_billion_laughs.xlsx": xlsx({"Results": sheet_xml(COUNTED, BILLION_LAUGHS, "lol9")}),
        "polls/xlsx_external_entity.xlsx": xlsx({"Results": sheet_xml(COUNTED, EXTERNAL_ENTITY, "xxe")}),
        "polls/xlsx_is_csv.xlsx": b"Question,Option,Votes\nWhich layer first?,DNS,12\n",
        "polls/xls_ole.xlsx": OLE2,
        "polls/xlsx_formula_hyperlink.xlsx": xlsx(
            {
                "Results": sheet_xml(
                    [
                        ["Question", "Option", "Votes"],
                        [
                            "Which layer first?",
                            Formula('HYPERLINK("http://127.0.0.1:PORT/poll-xlsx","DNS")'),
                            12,
                        ],
                        [None, '=HYPERLINK("file:///etc/passwd","Hosting")', 7],
                        [None, "<script>alert(1)</script>", 3],
                    ]
                )
            }
        ),
        # organisers' worksheets
        "worksheet/not_zip.xlsx": b"Theme,WSIS action lines,Summary\nA theme,C5,Text\n",
        "worksheet/truncated.xlsx": good[: len(good) // 2],
        "worksheet/directory_before_start.xlsx": directory_before_start(good),
        "worksheet/bomb.xlsx": pack({**unpack(good), "xl/worksheets/sheet1.xml": bomb_part()}),
        "worksheet/billion_laughs.xlsx": xlsx({"Themes": sheet_xml(GOOD_THEMES, BILLION_LAUGHS, "lol9")}),
        "worksheet/external_entity.xlsx": xlsx({"Themes": sheet_xml(GOOD_THEMES, EXTERNAL_ENTITY, "xxe")}),
        "worksheet/ods_named_xlsx.xlsx": ods,
        "worksheet/encrypted_ole.xlsx": OLE2,
        "worksheet/formula_hyperlink.xlsx": xlsx(
            {
                "Themes": sheet_xml(
                    [
                        ["Theme", "WSIS action lines", "Summary"],
                        [
                            "Formulas stay text",
                            "C5",
                            Formula('HYPERLINK("http://127.0.0.1:PORT/worksheet","click for the summary")'),
                        ],
                    ]
                ),
                "Actions": sheet_xml(
                    [
                        ["Action", "Actors", "WSIS action lines"],
                        [Formula('HYPERLINK("file:///etc/passwd","Read the file")'), "Government", "C5"],
                        [Formula('WEBSERVICE("http://127.0.0.1:PORT/webservice")'), "Civil Society", "C5"],
                    ]
                ),
            }
        ),
        "worksheet/html_cells.xlsx": xlsx(
            {
                "Themes": sheet_xml(
                    [
                        ["Theme", "WSIS action lines", "Summary"],
                        [
                            "<script>fetch('http://127.0.0.1:PORT/sheet')</script> Sheet theme",
                            "C5",
                            '<img src="file:///etc/passwd"> {{ 7*191 }} <style>@import url(http://127.0.0.1:PORT/s.css)</style>',
                        ],
                    ]
                ),
                "Takeaways": sheet_xml(
                    [
                        ["Theme", "Takeaway"],
                        [None, '<link rel="attachment" href="file:///etc/passwd"> {% raw %}'],
                    ]
                ),
            }
        ),
        "worksheet/unknown_region.xlsx": xlsx(
            {
                "Themes": sheet_xml(GOOD_THEMES),
                "People": sheet_xml(
                    [
                        ["Name", "Role", "Stakeholder group", "Regional group", "Gender"],
                        ["Zed", "Speaker", "Civil Society", "Atlantis Group", "Other"],
                    ]
                ),
            }
        ),
        "worksheet/missing_column.xlsx": xlsx({"Themes": sheet_xml([["Summary"], ["No theme column"]])}),
        "worksheet/row_beyond_limit.xlsx": xlsx(
            {
                "Takeaways": sheet_xml(
                    {1: ["Theme", "Takeaway"], 2: [None, "First"], 6000: [None, "Far below"]}
                )
            }
        ),
    }


# --- written at test time (too large to commit) --------------------------------------------------------


def generate_huge_csv(path: Path) -> None:
    """A 25 MB poll export, sparse on disk."""
    with path.open("wb") as handle:
        handle.write(b"Timestamp,Which layer first?\n2025/06/24 10:00:01,DNS\n")
        handle.truncate(25 * 1024 * 1024)


def generate_many_rows_csv(path: Path) -> None:
    """A poll export with more rows than any poll has (100,001 answers)."""
    path.write_bytes(b"Timestamp,Which layer first?\n" + b"2025/06/24,DNS\n" * 100_001)


def generate_long_cell_csv(path: Path) -> None:
    """A single answer longer than the CSV field limit (131,072 characters)."""
    path.write_bytes(b"Timestamp,Which layer first?\n2025/06/24,DNS\n2025/06/24," + b"x" * 200_000 + b"\n")


def generate_huge_note(path: Path) -> None:
    """A Markdown note past the size limit, sparse on disk."""
    with path.open("wb") as handle:
        handle.write(b"## Theme\n\nText.\n")
        handle.truncate(2 * 1024 * 1024)


def generate_backtracking_note(path: Path) -> None:
    """Pasted lines shaped to make the readers' patterns backtrack (each once cost its length squared)."""
    n = 20_000
    lines = [
        "By" + " " * n + "x" * 100,
        "Key takeaways",
        "- The panel agreed on open standards.",
        " -" * n + " a",
        "[" * n,
        "a." * n,
        "(" * n,
        "一" * n,
        "Recommended actions" + " - a" * n,
        "- Publish the open standards.",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate_huge_session(path: Path) -> None:
    """A session.yaml of 2 MB."""
    path.write_bytes(b"title: Huge\n" + b"# padding\n" * 200_000)


def generate_huge_docx(path: Path) -> None:
    """A Word note of 6 MB (stored, not compressed)."""
    path.write_bytes(
        pack(
            {**unpack(pandoc(NOTE_MD, "docx")), "word/media/big.bin": os.urandom(6 * 1024 * 1024)},
            method=zipfile.ZIP_STORED,
        )
    )


# --- polls and worksheets: respondents' details, bounded work, control characters (issue 14) -----------


def privacy_and_limits_files() -> dict[str, bytes]:
    """Workbooks of the issue-14 cases: personal questions in six languages, Excel's _x0001_ escapes."""
    ms_header = ["ID", "Start time", "Completion time", "Email", "Name", "Имя", "姓名", "الاسم",
                 "Correo electrónico", "Nom et prénom", "Организация", "Institución", "单位",
                 "What should the IGF do next?"]  # fmt: skip
    ms_rows = [
        ms_header,
        [1, "2025-06-24 10:00", "2025-06-24 10:01", "dsokolov@example.ru", "Jean-Luc Picard",
         "Дмитрий Соколов", "王小明", "فاطمة الزهراء", "dsokolov@example.ru", "Zola Émile", "МГУ", "UNAM",
         "清华大学", "Дмитрий прав; 王小明说得对; قالت فاطمة ذلك; as Picard said, and Emile Zola too"],
        [2, "2025-06-24 10:02", "2025-06-24 10:03", "anonymous", None, None, None, None, None, None,
         None, None, None, "JEAN-LUC PICARD agrees: publish abuse contact points"],
    ]  # fmt: skip
    return {
        "polls/microsoft_forms_personal_questions_in_six_languages.xlsx": xlsx(
            {"Sheet1": sheet_xml(ms_rows)}
        ),
        "polls/xlsx_control_character_escape.xlsx": xlsx(
            {"Results": sheet_xml([["Question", "Option", "Votes"], ["Which_x0001_ layer first?", "DNS", 4]])}
        ),
        "polls/xlsx_votes_of_5000_digits.xlsx": xlsx(
            {
                "Results": sheet_xml(
                    [["Question", "Option", "Votes"], ["Which layer first?", "DNS", 12], [None, "Hosting", 0]]
                ).replace(b'<c r="C3"><v>0</v>', b'<c r="C3"><v>' + b"9" * 5000 + b"</v>")
            }
        ),
        "worksheet/control_character_escape.xlsx": xlsx(
            {
                "Themes": sheet_xml(GOOD_THEMES),
                "Takeaways": sheet_xml([["Theme", "Takeaway"], [None, "Start_x0001_ with the DNS_x0007_"]]),
            }
        ),
    }


def _counted_options(path: Path, count: int) -> None:
    rows = [f",word-{n:05d},{(n * 7919) % 97}" for n in range(1, count)]
    path.write_text("Question,Option,Votes\nWhich word describes the IGF?,word-00000,500\n" + "\n".join(rows))


def generate_counted_4000_options(path: Path) -> None:
    """A counted poll with 4,000 options to one question (once 70-92 s and 2.3 GB to build)."""
    _counted_options(path, 4000)


def generate_counted_20000_options(path: Path) -> None:
    """A counted poll with 20,000 options to one question (once 452 s and 10.4 GB to build)."""
    _counted_options(path, 20_000)


def generate_worksheet_2001_takeaways(path: Path) -> None:
    """A worksheet whose Takeaways sheet holds 2,001 takeaways, one more than a sheet may."""
    rows = [["Theme", "Takeaway"]] + [[None, f"Takeaway number {n}"] for n in range(1, 2002)]
    path.write_bytes(xlsx({"Takeaways": sheet_xml(rows)}))


def main() -> None:
    files = {**word_notes(), **workbooks(), **privacy_and_limits_files()}
    for name, data in files.items():
        target = FILES / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        print(f"{len(data):>8}  {target.relative_to(HERE)}")


if __name__ == "__main__":
    main()


# --- session folders: sizes looked at first, nesting (issue 14) ------------------------------------------


def generate_sparse_8g(path: Path) -> None:
    """A file of 8 GB that takes 20 KB on disk: refused by its size, never read or hashed."""
    with path.open("wb") as handle:
        handle.write(b"## Theme\n\nText.\n")
        handle.truncate(8 << 30)


def generate_sparse_1t(path: Path) -> None:
    """A sparse file of a terabyte (reading it would take over an hour)."""
    with path.open("wb") as handle:
        handle.truncate(1 << 40)


def generate_long_title_session(path: Path) -> None:
    """A session.yaml whose title is 200 KB: longer than any command line may carry."""
    path.write_text(f"title: {'T' * 200_000}\ndocuments: [session_report]\n", "utf-8")


def generate_nested_folders(path: Path) -> None:
    """Folders 100 levels deep with an image at the bottom (deeper than assets/ is read)."""
    deep = path.joinpath(*["a"] * 100)
    deep.mkdir(parents=True)
    (deep / "deep.png").write_bytes(b"\x89PNG\r\n\x1a\n")
