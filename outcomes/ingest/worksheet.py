"""Read the organiser's worksheet.xlsx, and write the empty scaffold ``outcomes init`` puts in a session.

Sheets and columns (sheet names and headers match in any case, with small variants):

- Themes: Theme, WSIS action lines, Summary
- Takeaways: Theme (blank for the session), Takeaway
- Actions: Action, Actors, WSIS action lines
- People (optional): Name, Role, Stakeholder group, Regional group, Gender (and Affiliation)

The header row is the first non-blank row of a sheet; blank rows are skipped. An unknown sheet or column
is a warning, a missing required column or a bad cell an error located at ``path!Sheet!B7``.

A worksheet comes from outside, so it is read defensively:

- the file must be a ZIP archive holding an Excel workbook; other files get a clear error, not a traceback;
- archives that unpack to more than :data:`MAX_UNPACKED_BYTES` in all, or hold a member compressed more
  than :data:`MAX_COMPRESSION_RATIO` times, are refused before anything is decompressed (ZIP bombs);
- XML with a document type declaration is refused (no entity expansion, "billion laughs"); openpyxl
  parses with defusedxml as a second line of defence;
- formulas are never evaluated: a formula's text (``=...``) is kept as literal text, with a warning;
- at most :data:`MAX_ROWS` rows and :data:`MAX_COLUMNS` columns of a sheet are read, and at most
  :data:`MAX_ITEMS` of its rows hold items (themes, takeaways, actions, people);
- characters no document can hold (control characters, also as Excel writes them: ``_x0001_``) are
  removed, with a warning at the first cell that held one.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from openpyxl.xml.functions import tostring

from outcomes import catalog
from outcomes.errors import ZIP_DAMAGE, Location, Problems
from outcomes.model import Action, Paragraph, Person, Role, Source, Takeaway, Theme, Worksheet
from outcomes.text import clean_text, first_illegal

MAX_UNPACKED_BYTES = 50 * 1024 * 1024
"""Largest total size of the archive's members once unpacked (a real worksheet is well under 1 MB)."""

MAX_COMPRESSION_RATIO = 100
"""Largest unpacked/packed size ratio of one member; real XLSX parts stay well under 30x."""

RATIO_GRACE_BYTES = 100 * 1024
"""Members smaller than this unpacked are not held to the ratio limit (as in Apache POI)."""

MAX_MEMBERS = 1000
"""Most files an XLSX archive may hold."""

MAX_ROWS = 5000
"""Rows of a sheet that are read; a value below this row is an error."""

MAX_COLUMNS = 50
"""Columns of a sheet that are read (A to AX); values further right are ignored with a warning."""

MAX_ITEMS = 2000
"""Rows of one sheet that hold an item; a row beyond them is an error (merging compares every item)."""

# Excel's own row limit: rows beyond it cannot be part of a valid workbook.
_EXCEL_MAX_ROW = 1_048_576

# Fixed timestamp for the scaffold, so that two `outcomes init` runs write the same bytes.
_SCAFFOLD_TIME = dt.datetime(2025, 1, 1)


# --- what the sheets hold -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    in_template: bool = True

    def matches(self, key: str) -> bool:
        return key in {catalog.normalize(n) for n in (self.header, *self.aliases)}


@dataclass(frozen=True)
class _SheetSpec:
    title: str
    aliases: tuple[str, ...]
    columns: tuple[_Column, ...]
    example: tuple[str, ...]

    def matches(self, name: str) -> bool:
        return catalog.normalize(name) in {catalog.normalize(n) for n in (self.title, *self.aliases)}

    @property
    def headers(self) -> str:
        return ", ".join(c.header for c in self.columns if c.in_template)


_ACTION_LINE_ALIASES = (
    "WSIS action line",
    "WSIS action line(s)",
    "Action lines",
    "Action line",
    "Action line(s)",
    "WSIS",
    "WSIS alignment",
    "WSIS lines",
)
_THEME_ALIASES = ("Theme title", "Title", "Themes")

THEMES = _SheetSpec(
    "Themes",
    ("Theme", "Key themes"),
    (
        _Column("title", "Theme", _THEME_ALIASES, required=True),
        _Column("action_lines", "WSIS action lines", _ACTION_LINE_ALIASES),
        _Column("summary", "Summary", ("Narrative", "Discussion", "Description")),
    ),
    (
        "Infrastructure visibility & modernization",
        "C2, C6",
        "Participants discussed how underserved regions may be burdened by outdated and unsustainable "
        "systems, and why visibility across infrastructure layers matters.",
    ),
)
TAKEAWAYS = _SheetSpec(
    "Takeaways",
    ("Takeaway", "Key takeaways"),
    (
        _Column("theme", "Theme", _THEME_ALIASES),
        _Column("text", "Takeaway", ("Takeaways", "Key takeaway", "Key takeaways"), required=True),
    ),
    (
        "Infrastructure visibility & modernization",
        "Visibility and modernization across infrastructure layers are urgently needed.",
    ),
)
ACTIONS = _SheetSpec(
    "Actions",
    ("Action", "Recommended actions", "Recommendations", "Calls to action"),
    (
        _Column(
            "text",
            "Action",
            ("Actions", "Recommended action", "Recommendation", "Call to action"),
            required=True,
        ),
        _Column("actors", "Actors", ("Actor", "Who", "Responsible")),
        _Column("action_lines", "WSIS action lines", _ACTION_LINE_ALIASES),
    ),
    (
        "Support capacity building in underserved regions to ensure equitable security and "
        "infrastructure resilience.",
        "Government, Technical Community",
        "C4, C5",
    ),
)
PEOPLE = _SheetSpec(
    "People",
    ("Person", "Speakers", "Participants"),
    (
        _Column("name", "Name", ("Full name", "Person", "Speaker"), required=True),
        _Column("role", "Role"),
        _Column("stakeholder", "Stakeholder group", ("Stakeholder", "Stakeholder groups", "Stakeholders")),
        _Column("region", "Regional group", ("Region", "Regional groups", "Regions")),
        _Column("gender", "Gender"),
        _Column("affiliation", "Affiliation", ("Organization", "Organisation"), in_template=False),
    ),
    (
        "Jacqueline van de Werken",
        "Speaker",
        "Civil Society",
        "Western European and Others Group (WEOG)",
        "Female",
    ),
)
SHEETS = (THEMES, TAKEAWAYS, ACTIONS, PEOPLE)

_ROLE_ALIASES = {
    "organiser": Role.ORGANIZER,
    "co organizer": Role.ORGANIZER,
    "co organiser": Role.ORGANIZER,
    "panelist": Role.SPEAKER,
    "panellist": Role.SPEAKER,
    "onsite moderator": Role.MODERATOR,
    "online moderator": Role.ONLINE_MODERATOR,
    "remote moderator": Role.ONLINE_MODERATOR,
}


# --- the archive, checked before openpyxl sees it ----------------------------------------------------


def check_workbook_archive(path: Path) -> str | None:
    """Say why a file must not be opened as a workbook, or return None when it may be.

    The ZIP directory's declared sizes are checked before anything is unpacked, so a bomb costs
    nothing; only then are the XML parts scanned for a DTD.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or _reason(exc)})"
    try:
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            return (
                "is an Excel 97-2003 (.xls) or password-protected workbook; "
                "save it as an unprotected Excel workbook (.xlsx)"
            )
        if not zipfile.is_zipfile(path):
            if head.startswith(b"PK\x03\x04"):
                return "is damaged or truncated: its ZIP directory is missing; save it again from Excel"
            return "is not an Excel workbook (.xlsx): it is not a ZIP archive"
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            refusal = _check_members(members)
            if refusal:
                return refusal
            return _find_doctype(archive, members)
    except ZIP_DAMAGE as exc:  # the file reads (above): what zipfile raises is damage
        return f"is damaged and cannot be read ({_reason(exc)})"


def _check_members(members: list[zipfile.ZipInfo]) -> str | None:
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names:
        if "mimetype" in names or "content.xml" in names:
            return "is an OpenDocument file, not an Excel workbook (.xlsx); save it as .xlsx"
        return "is not an Excel workbook (.xlsx): the ZIP archive holds no workbook"
    if any(name.endswith(".bin") and name.startswith("xl/workbook") for name in names):
        return "is a binary Excel workbook (.xlsb); save it as an Excel workbook (.xlsx)"
    if len(members) > MAX_MEMBERS:
        return f"is refused: it holds {len(members)} files, more than the limit of {MAX_MEMBERS}"
    if any(m.flag_bits & 0x1 for m in members):
        return "is refused: it holds encrypted parts"
    # zipfile never returns more than a member's declared size, so the declared sizes bound the work.
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED_BYTES:
        return (
            f"is refused: it unpacks to {total / 2**20:.0f} MB, "
            f"more than the limit of {MAX_UNPACKED_BYTES // 2**20} MB (a ZIP bomb?)"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_GRACE_BYTES and ratio > MAX_COMPRESSION_RATIO:
            return (
                f"is refused: its part {member.filename} is compressed {ratio:.0f} times, "
                f"more than the limit of {MAX_COMPRESSION_RATIO} (a ZIP bomb?)"
            )
    return None


# A document type declaration in any encoding Excel or an attacker might use.
_DOCTYPE = tuple(
    marker.encode(codec)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("ascii", "utf-16-le", "utf-16-be")
)
_CHUNK = 1 << 20


def _find_doctype(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> str | None:
    """Refuse XML parts that declare a DTD: Excel never writes one, and entities expand into bombs."""
    overlap = max(len(p) for p in _DOCTYPE) - 1
    for member in members:
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(_CHUNK):
                window = (tail + chunk).upper()
                if any(pattern in window for pattern in _DOCTYPE):
                    return (
                        f"is refused: its part {member.filename} declares XML entities (DOCTYPE), "
                        "which Excel never writes"
                    )
                tail = window[-overlap:]
    return None


def _failure(exc: BaseException) -> str:
    """What to tell the organiser when openpyxl could not read the file."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return "is refused: it declares XML entities or a DTD, which Excel never writes"
        cause = cause.__cause__ or cause.__context__
    return f"is damaged and cannot be read ({_reason(exc)})"


def _reason(exc: BaseException) -> str:
    """The most specific message in an exception chain, without openpyxl's generic wrapper text."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


# --- reading ------------------------------------------------------------------------------------------


class _Cell(NamedTuple):
    value: object
    data_type: str


@dataclass
class _RawSheet:
    """One sheet's non-blank rows as openpyxl read them, before any interpretation."""

    name: str
    rows: list[tuple[int, tuple[_Cell, ...]]] = field(default_factory=list)
    too_many_rows_at: int | None = None
    wide_value_at: str | None = None
    is_worksheet: bool = True
    illegal: tuple[str, str, int] | None = None
    """Set when characters no document can hold were removed: first cell, its character, how many cells."""

    def kept(self, value: object, coordinate: str) -> object:
        """A cell's value, Excel's escapes undone and the characters no document can hold removed."""
        if not isinstance(value, str):
            return value
        value = unescape(value)  # Excel writes a control character as _x0001_
        char = first_illegal(value)
        if char is None:
            return value
        count = self.illegal[2] + 1 if self.illegal else 1
        self.illegal = (self.illegal[0], self.illegal[1], count) if self.illegal else (coordinate, char, 1)
        return clean_text(value)[0]


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _load_sheets(path: Path) -> list[_RawSheet]:
    """Read every sheet's cells with openpyxl in read-only mode, formulas unevaluated."""
    sheets: list[_RawSheet] = []
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it drops; none of that matters here.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(path, read_only=True, data_only=False, keep_links=False)
        try:
            for name in book.sheetnames:
                sheet = book[name]
                raw = _RawSheet(name)
                sheets.append(raw)
                if not hasattr(sheet, "iter_rows"):
                    raw.is_worksheet = False
                    continue
                # The stored dimension may be wrong; without it every cell of every row is read.
                sheet.reset_dimensions()
                for number, row in enumerate(sheet.iter_rows(), start=1):
                    if not row or all(_is_blank(cell.value) for cell in row):
                        if number >= _EXCEL_MAX_ROW:
                            break
                        continue
                    if number > MAX_ROWS:
                        raw.too_many_rows_at = number
                        break
                    if raw.wide_value_at is None:
                        for cell in row[MAX_COLUMNS:]:
                            if not _is_blank(cell.value):
                                raw.wide_value_at = cell.coordinate
                                break
                    kept = tuple(
                        _Cell(
                            raw.kept(cell.value, getattr(cell, "coordinate", "")),
                            getattr(cell, "data_type", "n"),
                        )
                        for cell in row[:MAX_COLUMNS]
                    )
                    raw.rows.append((number, kept))
        finally:
            book.close()
    return sheets


def _text(value: object) -> str:
    """A cell's value as the text a reader of the sheet sees; formulas as their literal text."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Excel shows 15 significant digits: 0.1 + 0.2 is 0.3, 3.0 is 3.
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, ArrayFormula):
        return value.text or ""
    if isinstance(value, DataTableFormula):
        return f"=TABLE({value.r1 or ''},{value.r2 or ''})"
    return str(value)


def _one_line(text: str) -> str:
    return " ".join(text.split())


@dataclass
class _Value:
    """One filled cell of a data row, with its coordinate."""

    text: str
    cell: str


@dataclass
class _Row:
    """One data row: its filled cells by field, and what is needed to locate it."""

    spec: _SheetSpec
    sheet: str
    number: int
    columns: dict[str, int]
    values: dict[str, _Value]
    source: Source

    def cell(self, name: str) -> str:
        return f"{get_column_letter(self.columns[name] + 1)}{self.number}"

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return _one_line(value.text) if value else ""


class _Reader:
    """Turn raw sheets into a Worksheet, collecting every problem on the way."""

    def __init__(self, path: Path, rel: str, problems: Problems):
        self.path = path
        self.rel = rel
        self.problems = problems
        self.worksheet = Worksheet(path=rel)

    def at(self, sheet: str, cell: str | None = None) -> Location:
        return Location(path=str(self.path), sheet=sheet, cell=cell)

    def read(self, sheets: list[_RawSheet]) -> Worksheet:
        for raw in sheets:
            spec = next((s for s in SHEETS if s.matches(raw.name)), None)
            if spec is None:
                self.problems.warn(
                    self.at(raw.name),
                    f"unknown sheet '{raw.name}' ignored; expected sheets: "
                    + ", ".join(s.title for s in SHEETS),
                )
            elif not raw.is_worksheet:
                self.problems.warn(self.at(raw.name), f"sheet '{raw.name}' is a chart, not a table; ignored")
            else:
                self.read_sheet(spec, raw)
        return self.worksheet

    def read_sheet(self, spec: _SheetSpec, raw: _RawSheet) -> None:
        if raw.wide_value_at:
            self.problems.warn(
                self.at(raw.name, raw.wide_value_at),
                f"values right of column {get_column_letter(MAX_COLUMNS)} are ignored",
            )
        if raw.too_many_rows_at:
            self.problems.error(
                self.at(raw.name, f"A{raw.too_many_rows_at}"),
                f"sheet '{raw.name}' has more than {MAX_ROWS} rows; rows after row {MAX_ROWS} are not read",
            )
        if raw.illegal:
            cell, char, count = raw.illegal
            others = f" (and in {count - 1:,} other cell(s) of this sheet)" if count > 1 else ""
            self.problems.warn(
                self.at(raw.name, cell),
                f"control characters (such as {char}) that no document can hold were removed here{others}",
            )
        if not raw.rows:
            return
        header_row, header = raw.rows[0]
        columns = self.map_header(spec, raw.name, header_row, header)
        if columns is None:
            return
        fields = {index: name for name, index in columns.items()}
        handler = {
            THEMES.title: self.theme,
            TAKEAWAYS.title: self.takeaway,
            ACTIONS.title: self.action,
            PEOPLE.title: self.person,
        }[spec.title]
        unheaded: set[int] = set()
        items = 0
        for number, cells in raw.rows[1:]:
            values: dict[str, _Value] = {}
            for index, cell in enumerate(cells):
                if _is_blank(cell.value):
                    continue
                coordinate = f"{get_column_letter(index + 1)}{number}"
                name = fields.get(index)
                if name is not None:
                    values[name] = _Value(self.cell_text(raw.name, coordinate, cell), coordinate)
                elif (index >= len(header) or _is_blank(header[index].value)) and index not in unheaded:
                    # Columns with an unknown header were reported once, at the header.
                    unheaded.add(index)
                    self.problems.warn(
                        self.at(raw.name, coordinate),
                        f"values in column {get_column_letter(index + 1)} ignored: the column has no header",
                    )
            if any(v.text for v in values.values()):
                items += 1
                if items > MAX_ITEMS:
                    self.problems.error(
                        self.at(raw.name, f"A{number}"),
                        f"sheet '{raw.name}' has more than {MAX_ITEMS:,} rows of items; row {number} is the "
                        f"first over the limit, and the rows from it on are not read",
                    )
                    return
                source = Source(path=self.rel, sheet=raw.name, row=number)
                handler(_Row(spec, raw.name, number, columns, values, source))

    def map_header(
        self, spec: _SheetSpec, sheet: str, row: int, header: tuple[_Cell, ...]
    ) -> dict[str, int] | None:
        """Map fields to column indexes; None when a required column is missing."""
        columns: dict[str, int] = {}
        for index, cell in enumerate(header):
            if _is_blank(cell.value):
                continue
            label = _one_line(_text(cell.value))
            coordinate = f"{get_column_letter(index + 1)}{row}"
            column = next((c for c in spec.columns if c.matches(catalog.normalize(label))), None)
            if column is None:
                self.problems.warn(
                    self.at(sheet, coordinate),
                    f"unknown column '{label}' in sheet {sheet} ignored; expected headers: {spec.headers}",
                )
            elif column.field in columns:
                first = get_column_letter(columns[column.field] + 1)
                self.problems.warn(
                    self.at(sheet, coordinate),
                    f"column '{label}' repeats column {first}; only column {first} is read",
                )
            else:
                columns[column.field] = index
        missing = [c.header for c in spec.columns if c.required and c.field not in columns]
        if missing:
            self.problems.error(
                self.at(sheet, f"A{row}"),
                f"sheet {sheet} has no column '{missing[0]}' in its header row (row {row}); "
                f"expected headers: {spec.headers}",
            )
            return None
        return columns

    def cell_text(self, sheet: str, coordinate: str, cell: _Cell) -> str:
        text = _text(cell.value)
        if cell.data_type == "f":
            self.problems.warn(
                self.at(sheet, coordinate),
                f"formula {_one_line(text)!r} is not evaluated; its text is used as written",
            )
        elif cell.data_type == "e":
            self.problems.warn(self.at(sheet, coordinate), f"cell holds the Excel error value {text}")
        return text.replace("\r\n", "\n").replace("\r", "\n").strip()

    def required(self, row: _Row, name: str) -> str:
        """The text of a required cell, or "" after reporting it empty."""
        text = row.text(name)
        if not text:
            header = next(c.header for c in row.spec.columns if c.field == name)
            self.problems.error(
                self.at(row.sheet, row.cell(name)),
                f"the {header} cell is empty, but other cells of row {row.number} are filled",
            )
        return text

    def action_lines(self, row: _Row) -> list[str]:
        value = row.values.get("action_lines")
        if value is None:
            return []
        codes, unknown = catalog.parse_action_lines(value.text.replace("\n", ", "))
        for fragment in unknown:
            self.problems.warn(
                self.at(row.sheet, value.cell),
                f"unknown WSIS action line '{fragment}' ignored; "
                'write codes C1 to C11 (e.g. "C2, C6") or their titles',
            )
        return codes

    def theme(self, row: _Row) -> None:
        title = self.required(row, "title")
        action_lines = self.action_lines(row)
        if not title:
            return
        summary = row.values.get("summary")
        paragraphs = re.split(r"\n\s*\n", summary.text) if summary else []
        self.worksheet.themes.append(
            Theme(
                title=title,
                action_lines=action_lines,
                narrative=[
                    Paragraph(text=_one_line(p), sources=[row.source]) for p in paragraphs if p.strip()
                ],
                sources=[row.source],
            )
        )

    def takeaway(self, row: _Row) -> None:
        text = self.required(row, "text")
        if text:
            self.worksheet.takeaways.append((row.text("theme"), Takeaway(text=text, sources=[row.source])))

    def action(self, row: _Row) -> None:
        text = self.required(row, "text")
        action_lines = self.action_lines(row)
        if not text:
            return
        actors = row.values.get("actors")
        names = [_one_line(a) for a in re.split(r"[,;\n]", actors.text)] if actors else []
        self.worksheet.actions.append(
            Action(
                text=text,
                actors=list(dict.fromkeys(a for a in names if a)),
                action_lines=action_lines,
                sources=[row.source],
            )
        )

    def person(self, row: _Row) -> None:
        name = self.required(row, "name")
        role = self.role(row)
        stakeholder = self.group(row, "stakeholder", catalog.match_stakeholder, catalog.stakeholder_groups())
        region = self.group(row, "region", catalog.match_region, catalog.regional_groups())
        if not name or role is None or stakeholder is None or region is None:
            return
        self.worksheet.people.append(
            Person(
                name=name,
                role=role,
                stakeholder=stakeholder or None,
                region=region or None,
                gender=row.text("gender") or None,
                affiliation=row.text("affiliation") or None,
                sources=[row.source],
            )
        )

    def role(self, row: _Row) -> Role | None:
        """The role a cell names (speaker when blank), or None after reporting it unknown."""
        text = row.text("role")
        if not text:
            return Role.SPEAKER
        # "Speaker 3" as IGF's session pages write it; "online_moderator" as session.yaml does.
        key = catalog.normalize(text).replace("_", " ")
        end = len(key)
        while end and key[end - 1].isdecimal():
            end -= 1
        key = key[:end].rstrip()
        role = _ROLE_ALIASES.get(key) or next((r for r in Role if r.value.replace("_", " ") == key), None)
        if role is None:
            self.problems.error(
                self.at(row.sheet, row.cell("role")),
                f"unknown role '{text}'; accepted roles: " + ", ".join(r.value for r in Role),
            )
        return role

    def group(
        self, row: _Row, name: str, match: Callable[[str], str | None], groups: tuple[catalog.Group, ...]
    ) -> str | None:
        """The IGF label a cell names, "" when blank, None after reporting it unknown."""
        text = row.text(name)
        if not text:
            return ""
        label = match(text)
        if label is None:
            what = next(c.header for c in row.spec.columns if c.field == name).lower()
            self.problems.error(
                self.at(row.sheet, row.cell(name)),
                f"unknown {what} '{text}'; accepted: " + ", ".join(g.label for g in groups),
            )
        return label


def read_worksheet(path: Path, rel: str, problems: Problems) -> Worksheet | None:
    """Read a worksheet.xlsx; None when the file cannot be read at all (the reason is in problems)."""
    refusal = check_workbook_archive(path)
    if refusal:
        problems.error(Location(str(path)), refusal)
        return None
    try:
        sheets = _load_sheets(path)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many undocumented types on bad input
        problems.error(Location(str(path)), _failure(exc))
        return None
    return _Reader(path, rel, problems).read(sheets)


# --- the scaffold -------------------------------------------------------------------------------------


def write_template_worksheet(path: Path) -> None:
    """Write the scaffold worksheet: every sheet with its headers and one example row."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for spec in SHEETS:
        sheet = book.create_sheet(spec.title)
        columns = [c for c in spec.columns if c.in_template]
        sheet.append([c.header for c in columns])
        sheet.append(list(spec.example))
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            sheet[f"{letter}1"].font = bold
            sheet[f"{letter}2"].alignment = Alignment(wrap_text=True, vertical="top")
            wide = column.field in {"summary", "text"}
            sheet.column_dimensions[letter].width = 70 if wide else 28
        sheet.freeze_panes = "A2"
    _add_choices(book[PEOPLE.title])
    _save_reproducibly(book, path)


def _add_choices(sheet) -> None:
    """Offer the accepted roles and IGF groups as drop-downs, still allowing the usual aliases."""
    fields = [c.field for c in PEOPLE.columns if c.in_template]
    choices = {
        "role": [r.value for r in Role],
        "stakeholder": [g.label for g in catalog.stakeholder_groups()],
        "region": [g.label for g in catalog.regional_groups()],
    }
    for name, labels in choices.items():
        letter = get_column_letter(fields.index(name) + 1)
        rule = DataValidation(type="list", formula1='"' + ",".join(labels) + '"', allow_blank=True)
        rule.showErrorMessage = False
        rule.add(f"{letter}2:{letter}{MAX_ROWS}")
        sheet.add_data_validation(rule)


def _save_reproducibly(book: openpyxl.Workbook, path: Path) -> None:
    """Save with fixed timestamps, whole or not at all."""
    book.properties.creator = "igf-outcomes"
    buffer = io.BytesIO()
    book.save(buffer)
    book.properties.created = book.properties.modified = _SCAFFOLD_TIME
    core = tostring(book.properties.to_tree())
    packed = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = core if member.filename == "docProps/core.xml" else source.read(member)
            info = zipfile.ZipInfo(member.filename, date_time=_SCAFFOLD_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        temporary.write_bytes(packed.getvalue())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
