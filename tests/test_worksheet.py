"""worksheet.xlsx: what the organiser's sheet reads as, every problem located, hostile files refused."""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from pathlib import Path

import defusedxml.ElementTree
import openpyxl
import openpyxl.xml.functions
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from outcomes.errors import Problems
from outcomes.ingest import worksheet as module
from outcomes.ingest.worksheet import (
    MAX_ITEMS,
    MAX_ROWS,
    check_workbook_archive,
    read_worksheet,
    write_template_worksheet,
)
from outcomes.model import Action, Paragraph, Person, Role, Source, Takeaway, Theme

FIXTURES = Path(__file__).parent / "fixtures" / "worksheet"
REL = "worksheet.xlsx"

VISIBILITY = "Infrastructure visibility & modernization"
GOVERNANCE = "Responsible governance"
COLLABORATION = "Stakeholder collaboration"
WEOG = "Western European and Others Group (WEOG)"


@pytest.fixture(autouse=True)
def in_fixtures(monkeypatch):
    """Run from the fixture folder, so locations print as `worksheet_x.xlsx!Sheet!B7`."""
    monkeypatch.chdir(FIXTURES)


def read(name: str):
    problems = Problems()
    return read_worksheet(Path(name), REL, problems), problems


def src(sheet: str, row: int) -> list[Source]:
    return [Source(path=REL, sheet=sheet, row=row)]


def printed(problems: Problems) -> list[str]:
    return [str(p) for p in problems.items]


# --- what a good worksheet reads as ------------------------------------------------------------------


def test_complete_worksheet_reads_every_sheet_with_sources():
    sheet, problems = read("worksheet_complete.xlsx")

    assert problems.items == []
    assert sheet is not None and sheet.path == REL
    assert sheet.themes == [
        Theme(
            title=VISIBILITY,
            action_lines=["C2", "C6"],
            narrative=[
                Paragraph(
                    text="The Internet infrastructure ecosystem is complex and often misunderstood. "
                    "A user's request to view a website is typically processed by 4 or 5 entities "
                    "who are generally unrelated to each other.",
                    sources=src("Themes", 2),
                )
            ],
            sources=src("Themes", 2),
        ),
        Theme(
            title=GOVERNANCE,
            action_lines=["C6", "C10"],
            narrative=[
                Paragraph(
                    text="Infrastructure providers must extend their responsibilities beyond the DNS layer, "
                    "with support from governments through incentives and clearer policy frameworks.",
                    sources=src("Themes", 3),
                )
            ],
            sources=src("Themes", 3),
        ),
        # Action lines given by title, not code; no summary, so no narrative.
        Theme(title=COLLABORATION, action_lines=["C1", "C11"], sources=src("Themes", 4)),
    ]
    assert sheet.takeaways == [
        (
            VISIBILITY,
            Takeaway(
                text="Visibility and modernization across infrastructure layers are urgently needed.",
                sources=src("Takeaways", 2),
            ),
        ),
        (
            VISIBILITY,
            Takeaway(
                text="Environmentally unsustainable and legacy hardware increase security and upgrade "
                "challenges.",
                sources=src("Takeaways", 3),
            ),
        ),
        (
            GOVERNANCE,
            Takeaway(
                text="Cross-jurisdictional legal fragmentation limits cohesive global responses.",
                sources=src("Takeaways", 4),
            ),
        ),
        (
            "",
            Takeaway(
                text="Multi-stakeholder trust and collaboration are essential for a resilient Internet.",
                sources=src("Takeaways", 5),
            ),
        ),
    ]
    assert sheet.actions == [
        Action(
            text="Develop frameworks for ethical governance of infrastructure, emphasizing inclusivity.",
            actors=["Governments", "Civil Society"],
            action_lines=["C6", "C10"],
            sources=src("Actions", 2),
        ),
        Action(
            text="Support capacity building in underserved regions to ensure equitable security and "
            "infrastructure resilience.",
            # Split on ",", ";" and line breaks.
            actors=["Technical Community", "Private Sector", "Development partners"],
            action_lines=["C4"],
            sources=src("Actions", 3),
        ),
        Action(
            text="Facilitate regular multi-stakeholder forums for shared learning and "
            "collaborative problem-solving.",
            sources=src("Actions", 4),
        ),
    ]
    assert sheet.people == [
        Person(
            name="Snead David",
            role=Role.ORGANIZER,
            stakeholder="Private Sector",
            region=WEOG,
            sources=src("People", 2),
        ),
        Person(
            name="Jacqueline van de Werken",
            role=Role.SPEAKER,
            stakeholder="Civil Society",
            region=WEOG,
            gender="Female",
            sources=src("People", 3),
        ),
        Person(
            name="Goyal Vivek",
            role=Role.SPEAKER,
            stakeholder="Private Sector",
            region="Asia-Pacific Group",
            gender="Male",
            sources=src("People", 4),
        ),
        Person(
            name="Lawrence Olawale-Roberts",
            role=Role.SPEAKER,
            stakeholder="Private Sector",
            region="African Group",
            sources=src("People", 5),
        ),
        Person(
            name="Christian Dawson",
            role=Role.ONLINE_MODERATOR,
            stakeholder="Private Sector",
            region=WEOG,
            sources=src("People", 6),
        ),
        Person(
            name="Irina Daneliya",
            role=Role.RAPPORTEUR,
            stakeholder="Technical Community",
            region="Eastern European Group",
            gender="Female",
            sources=src("People", 7),
        ),
    ]


def test_sheet_names_and_headers_match_in_any_case_and_blank_rows_are_skipped():
    sheet, problems = read("worksheet_header_case_and_blank_rows.xlsx")

    assert problems.items == []
    assert sheet is not None
    # Header row 3 (rows 1-2 blank or whitespace), columns B-D; the sheet's own spelling in sources.
    assert sheet.themes == [
        Theme(
            title=GOVERNANCE,
            action_lines=["C6", "C10"],
            narrative=[
                Paragraph(
                    text="Infrastructure providers must extend their responsibilities beyond the DNS layer.",
                    sources=src("themes", 4),
                ),
                Paragraph(
                    text="Real-world implementation is challenged by legal ambiguities.",
                    sources=src("themes", 4),
                ),
            ],
            sources=src("themes", 4),
        ),
        Theme(
            title="Harmful activity mitigation & security",
            action_lines=["C5"],
            sources=src("themes", 6),
        ),
    ]
    assert sheet.takeaways == [
        (
            GOVERNANCE,
            Takeaway(
                text="Ethical responsibility should inform infrastructure decisions, not just commercial "
                "interests.",
                sources=src("TAKEAWAYS", 2),
            ),
        ),
        ("", Takeaway(text="Timely and coordinated responses are critical.", sources=src("TAKEAWAYS", 4))),
    ]
    assert sheet.actions == [
        Action(
            text="Encourage international regulatory harmonization to ease cross-border collaboration.",
            actors=["Governments", "Intergovernmental organizations"],
            action_lines=["C11"],
            sources=src("Actions", 2),
        )
    ]
    assert sheet.people == [
        Person(
            name="Ana Neves",
            role=Role.ONLINE_MODERATOR,
            stakeholder="Government",
            region=WEOG,
            gender="Female",
            sources=src("people", 2),
        ),
        Person(
            name="Irina Daneliya",
            role=Role.RAPPORTEUR,
            stakeholder="Technical Community",
            region="Eastern European Group",
            sources=src("people", 4),
        ),
        Person(
            name="benny Vasquez",
            role=Role.SPEAKER,
            stakeholder="Technical Community",
            region=WEOG,
            sources=src("people", 5),
        ),
    ]


# --- problems, located -------------------------------------------------------------------------------


def test_unknown_sheet_column_and_action_line_are_located_warnings():
    sheet, problems = read("worksheet_unknown_sheet_and_column.xlsx")

    assert problems.errors == []
    assert printed(problems) == [
        "worksheet_unknown_sheet_and_column.xlsx!Themes!D1: warning: unknown column 'Notes' in sheet Themes "
        "ignored; expected headers: Theme, WSIS action lines, Summary",
        "worksheet_unknown_sheet_and_column.xlsx!Themes!B2: warning: unknown WSIS action line 'C12' ignored; "
        'write codes C1 to C11 (e.g. "C2, C6") or their titles',
        "worksheet_unknown_sheet_and_column.xlsx!Themes!E3: warning: values in column E ignored: "
        "the column has no header",
        "worksheet_unknown_sheet_and_column.xlsx!Themes!B3: warning: unknown WSIS action line "
        "'Digital inclusion' ignored; write codes C1 to C11 (e.g. \"C2, C6\") or their titles",
        "worksheet_unknown_sheet_and_column.xlsx!Agenda: warning: unknown sheet 'Agenda' ignored; "
        "expected sheets: Themes, Takeaways, Actions, People",
    ]
    assert sheet is not None
    assert [(t.title, t.action_lines, t.sources) for t in sheet.themes] == [
        ("Inclusivity & ethical dimensions", ["C3", "C8"], src("Themes", 2)),
        (COLLABORATION, ["C1"], src("Themes", 3)),
    ]


def test_missing_required_column_is_an_error_naming_sheet_and_headers():
    sheet, problems = read("worksheet_missing_column.xlsx")

    assert printed(problems) == [
        "worksheet_missing_column.xlsx!Actions!A1: warning: unknown column 'Text' in sheet Actions ignored; "
        "expected headers: Action, Actors, WSIS action lines",
        "worksheet_missing_column.xlsx!Actions!A1: sheet Actions has no column 'Action' in its header row "
        "(row 1); expected headers: Action, Actors, WSIS action lines",
    ]
    assert sheet is not None
    assert sheet.actions == []
    assert [t.title for t in sheet.themes] == [VISIBILITY]


def test_blank_required_cell_in_a_filled_row_is_an_error_at_that_cell():
    sheet, problems = read("worksheet_blank_required_cell.xlsx")

    assert printed(problems) == [
        "worksheet_blank_required_cell.xlsx!Themes!A2: the Theme cell is empty, "
        "but other cells of row 2 are filled",
        "worksheet_blank_required_cell.xlsx!Takeaways!B2: the Takeaway cell is empty, "
        "but other cells of row 2 are filled",
        "worksheet_blank_required_cell.xlsx!Actions!A3: the Action cell is empty, "
        "but other cells of row 3 are filled",
        "worksheet_blank_required_cell.xlsx!People!A2: the Name cell is empty, "
        "but other cells of row 2 are filled",
    ]
    assert sheet is not None
    assert sheet.themes == [] and sheet.takeaways == [] and sheet.people == []
    assert sheet.actions == [
        Action(
            text="Facilitate regular multi-stakeholder forums.",
            actors=["Governments"],
            sources=src("Actions", 2),
        )
    ]


def test_unknown_stakeholder_role_and_region_are_errors_naming_value_and_accepted_labels():
    sheet, problems = read("worksheet_bad_stakeholder.xlsx")

    assert printed(problems) == [
        "worksheet_bad_stakeholder.xlsx!People!C3: unknown stakeholder group 'Academia'; accepted: "
        "Government, Intergovernmental Organization, Civil Society, Technical Community, Private Sector",
        "worksheet_bad_stakeholder.xlsx!People!B4: unknown role 'Keynote'; accepted roles: "
        "organizer, speaker, moderator, online_moderator, rapporteur",
        "worksheet_bad_stakeholder.xlsx!People!D5: unknown regional group 'Central Asia'; accepted: "
        "African Group, Asia-Pacific Group, Eastern European Group, "
        "Latin American and Caribbean Group (GRULAC), Western European and Others Group (WEOG), "
        "Intergovernmental Organization",
    ]
    assert all(p.is_error for p in problems.items)
    assert sheet is not None
    assert [p.name for p in sheet.people] == ["Jacqueline van de Werken"]


# --- formulas are text -------------------------------------------------------------------------------


def test_formulas_are_kept_as_literal_text_and_never_evaluated():
    sheet, problems = read("worksheet_formula_cells.xlsx")

    assert sheet is not None
    assert [t.title for t in sheet.themes] == [
        '=HYPERLINK("https://example.com/phish","Infrastructure visibility")'
    ]
    assert [p.text for p in sheet.themes[0].narrative] == ['=A2&" summary"']
    # Typed as text in Excel: no formula, no warning, still literal.
    assert [(theme, t.text) for theme, t in sheet.takeaways] == [(VISIBILITY, "=cmd|' /C calc'!A0")]
    assert [a.text for a in sheet.actions] == [
        '=CONCATENATE("Support capacity building", " in underserved regions")'
    ]
    # The cached result Excel stored beside the formula is not used either.
    assert "Click here" not in sheet.model_dump_json()
    assert problems.errors == []
    assert printed(problems) == [
        "worksheet_formula_cells.xlsx!Themes!A2: warning: formula "
        """'=HYPERLINK("https://example.com/phish","Infrastructure visibility")' is not evaluated; """
        "its text is used as written",
        """worksheet_formula_cells.xlsx!Themes!C2: warning: formula '=A2&" summary"' is not evaluated; """
        "its text is used as written",
        "worksheet_formula_cells.xlsx!Actions!A2: warning: formula "
        """'=CONCATENATE("Support capacity building", " in underserved regions")' is not evaluated; """
        "its text is used as written",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        ("=SUM(A1:A2)", "=SUM(A1:A2)"),
        (42, "42"),
        (3.0, "3"),
        (2.5, "2.5"),
        (0.1 + 0.2, "0.3"),
        (True, "TRUE"),
        (dt.datetime(2025, 6, 24), "2025-06-24"),
        (dt.datetime(2025, 6, 24, 14, 30), "2025-06-24 14:30"),
        (dt.datetime(2025, 6, 24, 14, 30, 5), "2025-06-24 14:30:05"),
        (dt.date(2025, 6, 24), "2025-06-24"),
        (dt.time(9, 15), "09:15"),
        (dt.timedelta(hours=1, minutes=30), "1:30:00"),
        (ArrayFormula("E3", "=SUM(A1:A2)"), "=SUM(A1:A2)"),
    ],
)
def test_cell_values_become_the_text_a_reader_sees(value, text):
    assert module._text(value) == text


# --- files that are not worksheets, or hostile -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("worksheet_not_a_zip.xlsx", "is not an Excel workbook (.xlsx): it is not a ZIP archive"),
        (
            "worksheet_truncated.xlsx",
            "is damaged or truncated: its ZIP directory is missing; save it again from Excel",
        ),
        (
            "worksheet_billion_laughs.xlsx",
            "is refused: its part xl/worksheets/sheet1.xml declares XML entities (DOCTYPE), "
            "which Excel never writes",
        ),
        (
            "worksheet_zip_bomb.xlsx",
            "is refused: it unpacks to 60 MB, more than the limit of 50 MB (a ZIP bomb?)",
        ),
    ],
)
def test_unreadable_or_hostile_files_are_one_located_error_quickly(name, message):
    started = time.perf_counter()
    sheet, problems = read(name)

    assert time.perf_counter() - started < 1.0
    assert sheet is None
    assert printed(problems) == [f"{name}: {message}"]


def test_fixtures_are_small_on_disk():
    sizes = {p.name: p.stat().st_size for p in FIXTURES.glob("*.xlsx")}
    assert len(sizes) >= 10
    assert all(size < 200 * 1024 for size in sizes.values()), sizes


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True
    assert openpyxl.xml.functions.iterparse is defusedxml.ElementTree.iterparse


def test_billion_laughs_is_refused_by_defusedxml_even_without_the_doctype_scan(monkeypatch):
    monkeypatch.setattr(module, "_find_doctype", lambda archive, members: None)
    started = time.perf_counter()
    sheet, problems = read("worksheet_billion_laughs.xlsx")

    assert time.perf_counter() - started < 1.0
    assert sheet is None
    assert printed(problems) == [
        "worksheet_billion_laughs.xlsx: is refused: it declares XML entities or a DTD, "
        "which Excel never writes"
    ]


def _zip(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


def test_high_compression_ratio_is_refused_below_the_size_limit(tmp_path):
    parts = {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b" " * (5 * 2**20)}
    path = _zip(tmp_path / "worksheet.xlsx", parts)

    message = check_workbook_archive(path)

    assert message is not None
    assert message.startswith("is refused: its part xl/worksheets/sheet1.xml is compressed ")
    assert message.endswith(" times, more than the limit of 100 (a ZIP bomb?)")


def test_old_excel_and_opendocument_files_are_named(tmp_path):
    xls = tmp_path / "old.xlsx"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    ods = _zip(tmp_path / "sheet.xlsx", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"})

    assert check_workbook_archive(xls) == (
        "is an Excel 97-2003 (.xls) or password-protected workbook; "
        "save it as an unprotected Excel workbook (.xlsx)"
    )
    assert check_workbook_archive(ods) == (
        "is an OpenDocument file, not an Excel workbook (.xlsx); save it as .xlsx"
    )


def test_corrupt_part_inside_a_valid_zip_is_a_located_error(tmp_path):
    data = bytearray((FIXTURES / "worksheet_complete.xlsx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 10, start + 40):
        data[offset] ^= 0xFF
    path = tmp_path / "worksheet.xlsx"
    path.write_bytes(bytes(data))
    problems = Problems()

    assert read_worksheet(path, REL, problems) is None
    assert len(problems.items) == 1
    assert str(problems.items[0]).startswith(f"{path}: is damaged and cannot be read (")


def test_rows_beyond_the_cap_are_a_located_error(tmp_path):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Takeaways")
    sheet.append(["Theme", "Takeaway"])
    for number in range(2, MAX_ROWS + 3):  # every third row filled: fewer items than MAX_ITEMS
        sheet.append([VISIBILITY, f"Takeaway {number}"] if number % 3 == 0 else [])
    path = tmp_path / "worksheet.xlsx"
    book.save(path)
    problems = Problems()

    result = read_worksheet(path, REL, problems)

    assert printed(problems) == [
        f"{path}!Takeaways!A{MAX_ROWS + 1}: sheet 'Takeaways' has more than {MAX_ROWS} rows; "
        f"rows after row {MAX_ROWS} are not read"
    ]
    assert result is not None
    assert len(result.takeaways) == MAX_ROWS // 3
    assert result.takeaways[-1][1].sources == src("Takeaways", MAX_ROWS - MAX_ROWS % 3)


def test_items_beyond_the_cap_of_a_sheet_are_an_error_at_the_first_row_over(tmp_path):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Takeaways")
    sheet.append(["Theme", "Takeaway"])
    sheet.append([])  # blank rows are not items
    for number in range(MAX_ITEMS + 5):
        sheet.append([None, f"Takeaway {number}"])
    path = tmp_path / "worksheet.xlsx"
    book.save(path)
    problems = Problems()
    started = time.perf_counter()

    result = read_worksheet(path, REL, problems)

    assert time.perf_counter() - started < 5.0
    first_over = MAX_ITEMS + 3  # the header, a blank row, then MAX_ITEMS items
    assert printed(problems) == [
        f"{path}!Takeaways!A{first_over}: sheet 'Takeaways' has more than {MAX_ITEMS:,} rows of items; "
        f"row {first_over} is the first over the limit, and the rows from it on are not read"
    ]
    assert result is not None and len(result.takeaways) == MAX_ITEMS


def test_control_characters_are_removed_with_a_warning_at_the_first_cell(tmp_path):
    path = tmp_path / "worksheet.xlsx"
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>Theme</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Takeaway</t></is></c></row>'
        '<row r="2"><c r="B2" t="inlineStr"><is><t>Bell_x0007_ and start_x0001_ removed</t></is></c></row>'
        '<row r="3"><c r="B3" t="inlineStr"><is><t>Lone _xD800_ surrogate; _x000D_ kept</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    book = openpyxl.Workbook()
    book.active.title = "Takeaways"
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item, data)
    problems = Problems()

    result = read_worksheet(path, REL, problems)

    assert printed(problems) == [
        f"{path}!Takeaways!B2: warning: control characters (such as U+0007) that no document can hold "
        "were removed here (and in 1 other cell(s) of this sheet)"
    ]
    assert result is not None
    assert [t.text for _, t in result.takeaways] == ["Bell and start removed", "Lone surrogate; kept"]


def test_a_far_away_row_and_column_are_reported_without_reading_a_million_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Themes"
    sheet.append(["Theme"])
    sheet.append([VISIBILITY])
    sheet["BA2"] = "stray note"
    sheet["A1000000"] = "lost theme"
    path = tmp_path / "worksheet.xlsx"
    book.save(path)
    problems = Problems()
    started = time.perf_counter()

    result = read_worksheet(path, REL, problems)

    assert time.perf_counter() - started < 5.0
    assert printed(problems) == [
        f"{path}!Themes!BA2: warning: values right of column AX are ignored",
        f"{path}!Themes!A1000000: sheet 'Themes' has more than {MAX_ROWS} rows; "
        f"rows after row {MAX_ROWS} are not read",
    ]
    assert result is not None and [t.title for t in result.themes] == [VISIBILITY]


# --- the scaffold ------------------------------------------------------------------------------------


def test_template_round_trip_gives_the_example_rows_without_problems(tmp_path):
    path = tmp_path / "worksheet.xlsx"
    write_template_worksheet(path)
    problems = Problems()

    sheet = read_worksheet(path, REL, problems)

    assert problems.items == []
    assert sheet is not None
    assert sheet.themes == [
        Theme(
            title=VISIBILITY,
            action_lines=["C2", "C6"],
            narrative=[
                Paragraph(
                    text="Participants discussed how underserved regions may be burdened by outdated and "
                    "unsustainable systems, and why visibility across infrastructure layers matters.",
                    sources=src("Themes", 2),
                )
            ],
            sources=src("Themes", 2),
        )
    ]
    assert sheet.takeaways == [
        (
            VISIBILITY,
            Takeaway(
                text="Visibility and modernization across infrastructure layers are urgently needed.",
                sources=src("Takeaways", 2),
            ),
        )
    ]
    assert sheet.actions == [
        Action(
            text="Support capacity building in underserved regions to ensure equitable security and "
            "infrastructure resilience.",
            actors=["Government", "Technical Community"],
            action_lines=["C4", "C5"],
            sources=src("Actions", 2),
        )
    ]
    assert sheet.people == [
        Person(
            name="Jacqueline van de Werken",
            role=Role.SPEAKER,
            stakeholder="Civil Society",
            region=WEOG,
            gender="Female",
            sources=src("People", 2),
        )
    ]


def test_template_has_the_documented_headers_and_is_reproducible(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_template_worksheet(first)
    write_template_worksheet(second)

    assert first.read_bytes() == second.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.xlsx", "b.xlsx"]
    book = openpyxl.load_workbook(first, read_only=True)
    try:
        headers = {ws.title: next(ws.iter_rows(max_row=1, values_only=True)) for ws in book.worksheets}
    finally:
        book.close()
    assert headers == {
        "Themes": ("Theme", "WSIS action lines", "Summary"),
        "Takeaways": ("Theme", "Takeaway"),
        "Actions": ("Action", "Actors", "WSIS action lines"),
        "People": ("Name", "Role", "Stakeholder group", "Regional group", "Gender"),
    }


def test_missing_file_is_a_located_error(tmp_path):
    path = tmp_path / "worksheet.xlsx"
    problems = Problems()

    assert read_worksheet(path, REL, problems) is None
    assert printed(problems) == [f"{path}: cannot be read (No such file or directory)"]
