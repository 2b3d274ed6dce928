"""Read poll exports into a :class:`~outcomes.model.Poll`.

Four layouts, recognised from the header row (never from the file name):

- **zoom**: a Zoom poll report. Metadata lines, then a header ``#, User Name, User Email, Submitted
  Date/Time`` (or a translation of it). Reports before September 2021 leave the rest of the header empty and
  put question / answer pairs in every respondent's row; later ones put the question in the header (one
  block per question) and the answer below it. Several choices in one answer are joined by ``;``.
- **google_forms**: ``Timestamp[, Email Address], <question>...``; checkbox answers joined by ``, ``.
- **microsoft_forms**: ``ID, Start time, Completion time, Email, Name[, Last modified time],
  <question>...``; several choices joined by ``;``.
- **counted**: ``Question, Option, Votes`` (any case, any column order), as copied from Mentimeter or
  Slido. A blank Question cell continues the question above.

A file starting with the zip signature is read as a workbook, anything else as CSV text. CSV text is UTF-8
(with or without BOM), UTF-16 or UTF-32 with a BOM, or else what charset-normalizer recognises,
preferring Windows-1252; separated by ``,``, ``;`` or a tab (clevercsv guesses the separator, the others
are tried when its guess shows no known header). Quoting is always RFC 4180 double quotes, which every
supported exporter writes; clevercsv's quote guess is not used because on small files it sometimes
picks "no quoting" and splits dates such as ``"Nov 12, 2024"``. Parsing is strict: a quote left open
is a located error rather than the rest of the file silently read as one cell. An old ``.xls`` (or an
encrypted workbook), or text under an ``.xlsx`` name, is an error that says how to re-save the file.

Choice or open text: answers are first split into options (``;`` for Zoom and Microsoft Forms; ``, ``
for Google Forms, see :func:`_split_google`). A question is a *choice* question when it has at most
:data:`MAX_CHOICE_OPTIONS` distinct options, none longer than :data:`MAX_OPTION_CHARS` characters, and
at least half of all picks go to options picked more than once: typed answers are mostly unique, choices
repeat. Choice questions get their options counted (votes descending, then first appearance);
``respondents`` is the number of people who answered. Open-text questions keep their answers as quotes.
For counted results every question is a choice and ``respondents`` is the sum of its votes (exact for
single-choice questions, an upper bound for multiple-choice ones).

Privacy (see :mod:`outcomes.ingest.privacy`): the name and e-mail columns are never read into the poll;
a question that asks for the respondent's own name, e-mail address, phone number or organisation (by its
wording, in any of the six UN languages, or because most answers are e-mail addresses) is left out with a
warning. Every word of every respondent's name (from the name columns and the answers to name questions;
:func:`read_polls` learns them from every export of a session before it scrubs any) becomes
``[name removed]``, every e-mail address ``[e-mail removed]`` and every phone number
``[phone number removed]``, in the questions, options, quotes and in every problem reported for the file:
problems are collected first and reported once all names are known.

What is shown is bounded, with a warning: :data:`MAX_QUESTIONS` questions a file, :data:`MAX_OPTIONS_SHOWN`
options a question (the most voted; the others summed up in one "N more options" row), :data:`MAX_QUOTES`
quotes a question, and texts cut to :data:`MAX_QUESTION_CHARS`, :data:`MAX_LABEL_CHARS` and
:data:`MAX_QUOTE_CHARS` characters. A count of votes above :data:`MAX_VOTES`, negative or fractional is a
located error. Characters no document can hold (:func:`outcomes.text.clean_text`) are removed from every
cell, with a warning at the first.

Limits, each reported as a located error: CSV files up to :data:`MAX_CSV_BYTES`; workbooks up to
:data:`MAX_XLSX_BYTES` on disk, :data:`MAX_XLSX_UNCOMPRESSED` unpacked, no part larger than 1 MiB packed
more than :data:`MAX_XLSX_RATIO` times (zip bombs), at most :data:`MAX_XLSX_PARTS` parts; at most
:data:`MAX_ROWS` non-blank rows and :data:`MAX_COLUMNS` columns. The declared sizes in a zip's directory
can be trusted as upper bounds because :mod:`zipfile` never unpacks more than they say. Workbooks are
opened with ``read_only=True, data_only=False``: formulas are never evaluated and come back as text.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import unicodedata
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import openpyxl
from charset_normalizer import from_bytes
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from outcomes import limits
from outcomes.errors import ZIP_DAMAGE, Location, Problem, Problems
from outcomes.ingest.privacy import EMAIL, Scrubber, personal_kinds
from outcomes.model import Poll, PollOption, PollQuestion, Source
from outcomes.text import clean_text, first_illegal

Layout = Literal["zoom", "google_forms", "microsoft_forms", "counted"]

MIB = 1024 * 1024
MAX_CSV_BYTES = MAX_XLSX_BYTES = limits.MAX_POLL_BYTES
MAX_XLSX_UNCOMPRESSED = 100 * MIB
MAX_XLSX_RATIO = 100
MAX_XLSX_PARTS = 2000
MAX_ROWS = 100_000
MAX_COLUMNS = 1000
HEADER_SCAN_ROWS = 50
"""The header row must be among the first this many non-blank rows."""
MAX_CHOICE_OPTIONS = 12
MAX_OPTION_CHARS = 200
MAX_VOTES = 1_000_000
"""Most votes one option can have; more is a located error (no session has a million voters)."""
MAX_QUESTIONS = 100
"""Questions of one poll file shown; the rest are left out with a warning."""
MAX_OPTIONS_SHOWN = 20
"""Options of one question shown, the most voted; the rest are summed up in one "N more options" row."""
MAX_QUOTES = 200
"""Answers to one open question kept as quotes, in file order; the rest are left out with a warning."""
MAX_QUOTE_CHARS = 3000
MAX_QUESTION_CHARS = 500
MAX_LABEL_CHARS = 300
"""Longest quote, question and option label shown; longer ones are cut, with a warning."""
DETECT_SAMPLE_CHARS = 50_000
"""clevercsv looks at this much text; its cost grows with the sample."""
DELIMITERS = (",", ";", "\t")
"""The separators poll exports use."""

LAYOUT_NAMES: dict[str, str] = {
    "zoom": "Zoom poll report",
    "google_forms": "Google Forms responses",
    "microsoft_forms": "Microsoft Forms responses",
    "counted": "counted results table",
}
SUPPORTED_LAYOUTS = (
    "Supported layouts: a Zoom poll report (a header row starting '#, User Name, User Email, Submitted "
    "Date/Time'); Google Forms responses (first column 'Timestamp'); Microsoft Forms responses (columns "
    "'ID, Start time, Completion time, Email, Name'); counted results in CSV or .xlsx (columns "
    "'Question, Option, Votes')."
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xltx", ".xltm", ".xls"}
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
_NEWLINE = re.compile(r"\r\n|\r|\n")
_ZOOM_ROW_NUMBER = re.compile(r"\d+")
_VOTES = re.compile(r"\d+(?:\.0*)?")
_NEGATIVE = re.compile(r"[-−]\s*\d+(?:[.,]\d+)?")
_DECIMAL = re.compile(r"\d*[.,]\d+")


def _fold(text: str) -> str:
    """Casefold, drop accents and a BOM, collapse spaces: header words then compare across languages."""
    text = unicodedata.normalize("NFKD", text.replace("\ufeff", "")).casefold()
    return " ".join("".join(ch for ch in text if not unicodedata.combining(ch)).split())


def _folded(words: str) -> frozenset[str]:
    """Fold a '|'-separated list of words."""
    return frozenset(_fold(w) for w in words.split("|"))


# Words that Zoom and Microsoft Forms use in their translated column titles.
_EMAIL_WORDS = _folded("mail|correo|courriel|messagerie|posta|メール|邮件|郵件|邮箱|почт|이메일|بريد")
_DATE_WORDS = _folded(
    "date|time|fecha|hora|heure|datum|zeit|data|ora|tijd|tarih|ngày|tanggal|waktu|日時|日付|日期|时间|"
    "時間|дата|время|날짜|시간|تاريخ"
)
_MODIFIED_WORDS = _folded("modif|änder|更新|修改|변경|измен|wijzig")
_ZOOM_NUMBER_HEADERS = _folded("#|no|no.|n°|nº|№|n.º|番号|序号")
_TIMESTAMP_HEADERS = _folded(
    "Timestamp|Marca temporal|Marca de tiempo|Horodateur|Horodatage|Zeitstempel|"
    "Carimbo de data/hora|Informazioni cronologiche|Indicazione temporale|Tijdstempel|"
    "Sygnatura czasowa|Zaman damgası|Отметка времени|タイムスタンプ|时间戳|時間戳記|타임스탬프|الطابع الزمني|"
    "Dấu thời gian|Cap waktu|Stempel waktu"
)
_QUESTION_HEADERS = _folded("question|questions|pregunta|pergunta|frage|вопрос")
_OPTION_HEADERS = _folded("option|options|answer|choice|opción|opcion|respuesta|réponse")
_VOTES_HEADERS = _folded("votes|vote|count|votos|voix|stimmen|голоса")
_SCORE_HEADERS = _folded("score|puntuación|note|pontuação|punteggio|punkte|punkten")
_MS_QUIZ_HEADERS = _folded("total points|quiz feedback|grade posted time")
_MS_QUIZ_PREFIXES = ("points - ", "feedback - ")


def _has_word(folded: str, words: frozenset[str]) -> bool:
    return any(w in folded for w in words)


def _clean(text: str) -> str:
    """Strip a cell and collapse its whitespace."""
    return " ".join(text.replace("\ufeff", "").split())


# --- tables -----------------------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    """The line where a CSV record starts, or a worksheet row."""
    cells: list[str]
    illegal: tuple[int, str, int] | None = None
    """Set when characters XML cannot hold were removed: the first cell, its character, how many cells."""


def _row(number: int, cells: list[str]) -> _Row:
    """A row, with the characters no document can hold removed from its cells (and noted)."""
    illegal: tuple[int, str, int] | None = None
    for col, cell in enumerate(cells):
        char = first_illegal(cell)
        if char is not None:
            cells[col] = clean_text(cell)[0]
            illegal = (illegal[0], illegal[1], illegal[2] + 1) if illegal else (col, char, 1)
    return _Row(number, cells, illegal)


@dataclass
class _Table:
    """The non-blank rows of one CSV file or one worksheet, with how to locate them."""

    path: Path
    rel: str
    rows: list[_Row]
    sheet: str | None = None

    def loc(self, row: int, col: int = 0) -> Location:
        if self.sheet is None:
            return Location(str(self.path), line=row)
        return Location(str(self.path), sheet=self.sheet, cell=f"{get_column_letter(col + 1)}{row}")

    def source(self, row: int) -> Source:
        if self.sheet is None:
            return Source(path=self.rel, line=row)
        return Source(path=self.rel, sheet=self.sheet, row=row)

    def column(self, col: int) -> str:
        """A column's letter, as spreadsheets show it."""
        return get_column_letter(col + 1) if col < 18278 else str(col + 1)


def _trim(cells: list[str]) -> list[str]:
    """Drop trailing blank cells (exports often end every row with a separator)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _detect(rows: list[_Row]) -> tuple[Layout, int] | None:
    """Find the header row among the first rows and say which layout it belongs to."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        layout = _layout_of([_fold(c) for c in row.cells])
        if layout is not None:
            return layout, index
    return None


def _layout_of(folded: list[str]) -> Layout | None:
    if _counted_columns(folded) is not None:
        return "counted"
    if _is_zoom_header(folded):
        return "zoom"
    if len(folded) >= 2 and folded[0] in _TIMESTAMP_HEADERS:
        return "google_forms"
    if (
        len(folded) >= 5
        and folded[0] == "id"
        and _has_word(folded[3], _EMAIL_WORDS)
        and (_has_word(folded[1], _DATE_WORDS) or _has_word(folded[2], _DATE_WORDS))
    ):
        return "microsoft_forms"
    return None


def _is_zoom_header(folded: list[str]) -> bool:
    # The shape: '#', a name, an e-mail, a submission date. Translations differ, so match words.
    return (
        len(folded) >= 4
        and folded[0] in _ZOOM_NUMBER_HEADERS
        and _has_word(folded[2], _EMAIL_WORDS)
        and _has_word(folded[3], _DATE_WORDS)
    )


def _counted_columns(folded: list[str]) -> tuple[int, int, int] | None:
    def find(names: frozenset[str]) -> int | None:
        return next((i for i, cell in enumerate(folded) if cell in names), None)

    question, option, votes = find(_QUESTION_HEADERS), find(_OPTION_HEADERS), find(_VOTES_HEADERS)
    if question is None or option is None or votes is None:
        return None
    return question, option, votes


_Found = tuple[Layout, list[tuple[_Table, int]]]
"""A file's layout, and each table holding it with the index of its header row."""


# --- reading the file -------------------------------------------------------------------------------------


def read_poll(path: Path, rel: str, problems: Problems) -> Poll | None:
    """Read one poll export; record every problem, and return None when the file cannot be used."""
    scrub = Scrubber()
    parsed = _parse_file(path, rel, problems, scrub)
    return None if parsed is None else _finish(parsed, scrub, problems)


def read_polls(files: list[tuple[Path, str]], problems: Problems) -> list[Poll]:
    """Read a session's poll exports (path, path in the session), scrubbing each of every file's names.

    A respondent named in one export ("María González" in the Zoom report) is scrubbed from the
    answers of the others too ("As María said" in the Google Forms responses).
    """
    scrub = Scrubber()
    parsed = [_parse_file(path, rel, problems, scrub) for path, rel in files]
    return [_finish(poll, scrub, problems) for poll in parsed if poll is not None]


@dataclass
class _Parsed:
    """A poll file read and parsed, not yet scrubbed: its questions wait until every name is known."""

    rel: str
    layout: Layout
    parts: list[tuple[_Table, int]]
    counted: list[tuple[_Table, _Counted]]
    asked: list[tuple[_Table, _Answers, Callable[[list[str]], list[list[str]]]]]
    problems: Problems
    """Problems that quote the file's text, reported scrubbed."""


def _parse_file(path: Path, rel: str, problems: Problems, scrub: Scrubber) -> _Parsed | None:
    """Read and parse one poll export, learning its respondents' names; None when it cannot be used."""
    where = Location(str(path))
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        problems.error(where, f"The file could not be opened: {exc.strerror or exc}.")
        return None

    if head.startswith(_ZIP_MAGIC):
        found = _read_workbook(path, rel, problems)
    elif head.startswith(_OLE2_MAGIC):
        problems.error(
            where,
            "This is an old Excel 97-2003 (.xls) file or a password-protected workbook, which cannot be "
            "read. Open it in Excel and save it as .xlsx without a password, or as 'CSV UTF-8'.",
        )
        return None
    elif path.suffix.lower() in _WORKBOOK_SUFFIXES:
        problems.error(
            where,
            f"The file is named {path.suffix} but is not an Excel workbook (it is not a valid .xlsx file). "
            "Export the poll again, or save it from Excel as .xlsx or 'CSV UTF-8'.",
        )
        return None
    else:
        found = _read_csv(path, rel, problems)
    if found is None:
        return None

    layout, parts = found
    # Problems quote the file's text, so they wait until every respondent's name is known and are
    # reported scrubbed; so are questions, options and quotes (names may come after the text they are in).
    local = Problems()
    for table, _ in parts:
        _warn_illegal(table, local)
    counted: list[tuple[_Table, _Counted]] = []
    asked: list[tuple[_Table, _Answers, Callable[[list[str]], list[list[str]]]]] = []
    for table, header in parts:
        if layout == "counted":
            counted.extend((table, entry) for entry in _parse_counted(table, header, local, scrub))
            continue
        if layout == "zoom":
            collected = _parse_zoom(table, header, local, scrub)
            split = _split_semicolons
        elif layout == "google_forms":
            collected = _parse_columns(table, header, _google_meta(table.rows[header].cells), local, scrub)
            split = _split_google
        else:
            meta, names = _microsoft_meta(table.rows[header].cells)
            collected = _parse_columns(table, header, meta, local, scrub, name_columns=names)
            split = _split_semicolons
        asked.extend((table, entry, split) for entry in _without_personal(collected, table, local, scrub))
    return _Parsed(rel, layout, parts, counted, asked, local)


def _finish(parsed: _Parsed, scrub: Scrubber, problems: Problems) -> Poll:
    """Make the poll of a parsed file, scrubbed, bounded, and report its problems scrubbed."""
    layout, parts, counted, asked, local = (
        parsed.layout,
        parsed.parts,
        parsed.counted,
        parsed.asked,
        parsed.problems,
    )
    questions: list[tuple[_Table, PollQuestion]] = []
    for table, entry in counted:
        questions.append((table, _counted_question(entry, scrub, table, local)))
    for table, entry, split in asked:
        question = _build_question(entry, split, scrub, table, local)
        if question is not None:
            questions.append((table, question))
    if len(questions) > MAX_QUESTIONS:
        table, first = questions[MAX_QUESTIONS]
        local.warn(
            _where(table, first.sources[0]),
            f"This poll has {len(questions):,} questions; only the first {MAX_QUESTIONS} are shown, "
            "from this one on they are left out.",
        )
        questions = questions[:MAX_QUESTIONS]
    shown = [_bounded(question, table, local) for table, question in questions]

    if not shown:
        table, header = parts[0]
        local.warn(
            table.loc(table.rows[header].number),
            f"This {LAYOUT_NAMES[layout]} has a header row but no answers; it adds nothing to the documents.",
        )
    problems.extend([Problem(p.location, scrub(p.message), p.severity) for p in local.items])
    return Poll(path=parsed.rel, layout=layout, questions=shown)


def _warn_illegal(table: _Table, problems: Problems) -> None:
    """Say, once per table, that characters no document can hold were removed from its cells."""
    dirty = [row for row in table.rows if row.illegal is not None]
    if not dirty:
        return
    col, char, _ = dirty[0].illegal
    cells = sum(row.illegal[2] for row in dirty)
    others = f" (and in {cells - 1:,} other cell(s) of this file)" if cells > 1 else ""
    problems.warn(
        table.loc(dirty[0].number, col),
        f"Control characters (such as {char}) that no document can hold were removed here{others}.",
    )


def _without_personal(
    collected: list[_Answers], table: _Table, problems: Problems, scrub: Scrubber
) -> list[_Answers]:
    """Leave out the questions that ask for the respondent's own details, learning names from them."""
    kept = []
    for entry in collected:
        kinds = personal_kinds(entry.question)
        if not kinds:
            kept.append(entry)
            continue
        if "name" in kinds:
            for answer in entry.answers:
                scrub.add_name(answer)
        source = entry.sources[0]
        problems.warn(
            table.loc(source.line or source.row or 1, entry.column),
            f"The question '{entry.question}' asks for {_details(kinds)}; its answers are left out of "
            "the documents.",
        )
    return kept


_DETAILS = {
    "name": "respondents' names",
    "email": "e-mail addresses",
    "phone": "phone numbers or contact details",
    "organisation": "respondents' organisations",
}


def _details(kinds: frozenset[str]) -> str:
    return " and ".join(_DETAILS[kind] for kind in _DETAILS if kind in kinds)


def _bounded(question: PollQuestion, table: _Table, problems: Problems) -> PollQuestion:
    """The question with its texts cut to what a document can show (options and quotes are already)."""
    where = _where(table, question.sources[0])
    cut: list[str] = []

    def short(text: str, limit: int, what: str) -> str:
        if len(text) <= limit:
            return text
        if what not in cut:
            cut.append(what)
        return text[: limit - 1].rstrip() + "…"

    title = short(question.question, MAX_QUESTION_CHARS, "the question")
    options = [
        o.model_copy(update={"label": short(o.label, MAX_LABEL_CHARS, "option labels")})
        for o in question.options
    ]
    quotes = [short(q, MAX_QUOTE_CHARS, "answers") for q in question.quotes]
    if cut:
        problems.warn(
            where,
            f"Some texts of this question were too long and were cut (questions to {MAX_QUESTION_CHARS} "
            f"characters, option labels to {MAX_LABEL_CHARS}, answers to {MAX_QUOTE_CHARS:,}): "
            f"{', '.join(cut)}.",
        )
    return question.model_copy(update={"question": title, "options": options, "quotes": quotes})


def _read_csv(path: Path, rel: str, problems: Problems) -> _Found | None:
    """Decode a CSV file, find its separator and header row, and return its rows."""
    where = Location(str(path))
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            problems.error(where, _too_big(size, MAX_CSV_BYTES))
            return None
        with path.open("rb") as handle:
            data = handle.read(MAX_CSV_BYTES + 1)
    except OSError as exc:
        problems.error(where, f"The file could not be read: {exc.strerror or exc}.")
        return None
    if len(data) > MAX_CSV_BYTES:  # it grew while we looked
        problems.error(where, _too_big(len(data), MAX_CSV_BYTES))
        return None

    text = _decode(data, path, problems)
    if text is None:
        return None
    if not text.strip():
        problems.error(Location(str(path), 1), "The file is empty: there is no poll in it.")
        return None
    nul = text.find("\x00")
    if nul >= 0:
        problems.error(
            Location(str(path), _line_at(text, nul)),
            "The file contains binary data from this line on; it is not a CSV poll export. "
            "Export the poll again as CSV.",
        )
        return None

    # The header rows under each separator. Only one giving a known layout settles it; otherwise
    # (none, or several) clevercsv's guess orders them, which costs more than all three parses.
    heads = {d: _csv_rows(text, d, limit=HEADER_SCAN_ROWS) for d in DELIMITERS}
    detected_by = {d: _detect(rows) if error is None else None for d, (rows, error) in heads.items()}
    known = [d for d, detected in detected_by.items() if detected is not None]
    order = known if len(known) == 1 else _delimiters(text)

    first_error: tuple[int, str] | None = None  # of the likeliest separator, which is tried first
    for attempt, delimiter in enumerate(order):
        error = heads[delimiter][1]
        if error is not None:
            first_error = error if attempt == 0 else first_error
            continue
        detected = detected_by[delimiter]
        if detected is None:
            continue
        rows, error = _csv_rows(text, delimiter)
        if error is not None:
            problems.error(Location(str(path), error[0]), error[1])
            return None
        layout, header = detected
        return layout, [(_Table(path, rel, rows), header)]

    if first_error is not None:
        problems.error(Location(str(path), first_error[0]), first_error[1])
    else:
        problems.error(
            Location(str(path), _first_text_line(text)),
            f"This file is not a poll export the tool recognises. {SUPPORTED_LAYOUTS}",
        )
    return None


def _too_big(size: int, limit: int) -> str:
    return (
        f"The file is {size / MIB:.1f} MB, more than the {limit // MIB} MB a poll export can be; "
        "check that this is the right file."
    )


def _line_at(text: str, index: int) -> int:
    return len(_NEWLINE.findall(text, 0, index)) + 1


def _first_text_line(text: str) -> int:
    stripped = text.lstrip()
    return _line_at(text, len(text) - len(stripped)) if stripped else 1


def _decode(data: bytes, path: Path, problems: Problems) -> str | None:
    """Turn bytes into text: a BOM decides, else strict UTF-8, else charset-normalizer (cp1252 first)."""
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                before = data[: exc.start].decode(codec, errors="replace")
                line = _line_at(before, len(before))
                problems.warn(
                    Location(str(path), line),
                    f"The file says it is {label} text but has bytes that are not; "
                    "they were replaced by '\ufffd'.",
                )
                return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass

    matches = from_bytes(data)
    best = matches.best()
    if best is not None and best.encoding.startswith(("utf_16", "utf_32")):
        return str(best)
    # Short Latin text fits many code pages equally well; the exports we expect come in Windows-1252.
    if any("cp1252" in match.could_be_from_charset for match in matches):
        return data.decode("cp1252", errors="replace")
    if best is not None:
        problems.warn(
            Location(str(path), 1),
            f"The text encoding was guessed as {best.encoding}; if letters look wrong in the documents, "
            "save the file as 'CSV UTF-8' and build again.",
        )
        return str(best)
    problems.error(
        Location(str(path), 1),
        "The characters in this file could not be recognised (it is not UTF-8, UTF-16 or Windows-1252 "
        "text). Save it as 'CSV UTF-8' and try again.",
    )
    return None


def _delimiters(text: str) -> list[str]:
    """Separators to try, clevercsv's guess first."""
    sample = text[:DETECT_SAMPLE_CHARS]
    if len(text) > DETECT_SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    order: list[str] = []
    import clevercsv  # slow to import; needed only when the header rows leave the separator open

    try:
        dialect = clevercsv.Detector().detect(sample, delimiters=list(DELIMITERS))
    except Exception:  # a failed guess only costs the guess; the fixed candidates below still apply
        dialect = None
    if dialect is not None and dialect.delimiter in DELIMITERS:
        order.append(dialect.delimiter)
    order.extend(d for d in DELIMITERS if d not in order)
    return order


def _csv_rows(
    text: str, delimiter: str, limit: int | None = None
) -> tuple[list[_Row], tuple[int, str] | None]:
    """Parse CSV text into non-blank rows, each with the line it starts on; or say where it fails."""
    # strict: an unclosed quote would otherwise swallow the rest of the file into one cell, unseen.
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=True
    )
    rows: list[_Row] = []
    previous = 0
    while limit is None or len(rows) < limit:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            return rows, (previous + 1, _csv_message(exc))
        start, previous = previous + 1, reader.line_num
        cells = _trim(cells)
        if not cells:
            continue
        if len(rows) >= MAX_ROWS:
            return rows, (start, _too_many_rows())
        if len(cells) > MAX_COLUMNS:
            return rows, (start, _too_many_columns(len(cells)))
        rows.append(_row(start, cells))
    return rows, None


def _csv_message(exc: csv.Error) -> str:
    reason = str(exc)
    if "field larger than field limit" in reason:
        return (
            f"A cell here is longer than {csv.field_size_limit():,} characters, far more than a poll "
            "answer; the file is damaged or is not a poll export."
        )
    if "unexpected end of data" in reason:
        return (
            "A quoted cell starting on this line is never closed (a closing '\"' is missing), "
            "so the rest of the file cannot be read."
        )
    if "expected after" in reason:
        return "A cell on this line has more text after its closing quote ('\"'); this is not valid CSV."
    return f"This line could not be read as CSV ({reason}); the file may be damaged."


def _too_many_rows() -> str:
    return (
        f"The file has more than {MAX_ROWS:,} rows, far more than a poll export; "
        "check that this is the right file."
    )


def _too_many_columns(count: int) -> str:
    return (
        f"This row has {count:,} columns, more than the {MAX_COLUMNS:,} a poll export can have; "
        "check that this is the right file."
    )


def _read_workbook(path: Path, rel: str, problems: Problems) -> _Found | None:
    """Check a workbook's size and packing, then read the sheets that hold a poll."""
    where = Location(str(path))
    damaged = (
        "The workbook could not be opened; it may be damaged or not a real .xlsx file. "
        "Open it in Excel and save it again as .xlsx"
    )
    try:
        size = path.stat().st_size
        if size > MAX_XLSX_BYTES:
            problems.error(where, _too_big(size, MAX_XLSX_BYTES))
            return None
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except ZIP_DAMAGE as exc:  # OSError here is also the stat's
        problems.error(where, f"{damaged} ({exc}).")
        return None
    if len(parts) > MAX_XLSX_PARTS:
        problems.error(
            where, f"The workbook has {len(parts):,} parts, far more than a poll export; it was not opened."
        )
        return None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > MAX_XLSX_UNCOMPRESSED:
        problems.error(
            where,
            f"The workbook unpacks to {unpacked / MIB:,.0f} MB, more than the "
            f"{MAX_XLSX_UNCOMPRESSED // MIB} MB a poll export can be; it was not opened.",
        )
        return None
    for part in parts:
        if part.file_size > MIB and part.file_size > MAX_XLSX_RATIO * max(part.compress_size, 1):
            problems.error(
                where,
                f"The workbook part '{part.filename}' is packed more than {MAX_XLSX_RATIO} times tighter "
                "than a spreadsheet ever is (a 'zip bomb'); the file was not opened.",
            )
            return None

    tables: list[_Table] = []
    total_rows = 0
    reading: tuple[_Table, int] | None = None  # the sheet being read and its last row read
    try:
        with path.open("rb") as handle, warnings.catch_warnings():
            # openpyxl warns about styles and extensions it drops; none of that matters for reading.
            warnings.simplefilter("ignore")
            # A handle, not the path: openpyxl refuses paths whose extension is not .xlsx.
            book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
            try:
                for sheet in book.worksheets:
                    table = _Table(path, rel, [], sheet.title)
                    reading = (table, 0)
                    sheet.reset_dimensions()  # declared dimensions are often wrong and would cut rows off
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                        reading = (table, number)
                        cells = _trim([_cell_text(v) for v in values])
                        if not cells:
                            continue
                        total_rows += 1
                        if total_rows > MAX_ROWS:
                            problems.error(table.loc(number), _too_many_rows())
                            return None
                        if len(cells) > MAX_COLUMNS:
                            problems.error(table.loc(number), _too_many_columns(len(cells)))
                            return None
                        table.rows.append(_row(number, cells))
                    tables.append(table)
            finally:
                book.close()
    except ValueError as exc:
        if reading is None or "digits" not in str(exc):
            problems.error(where, f"{damaged} (details: {_first_line(exc)}).")
            return None
        # openpyxl turns a number cell into an int, which Python refuses past 4,300 digits: the row after
        # the last one read holds it.
        table, number = reading
        problems.error(
            table.loc(number + 1),
            "A number in this row has thousands of digits, far more than any count of votes; check the file.",
        )
        return None
    except Exception as exc:  # openpyxl raises many kinds of errors on damaged workbooks; all mean "damaged"
        problems.error(where, f"{damaged} (details: {_first_line(exc)}).")
        return None

    detected = [_detect(table.rows) for table in tables]
    layout = next((found[0] for found in detected if found is not None), None)
    if layout is None:
        sheet = tables[0].sheet if tables else None
        problems.error(
            Location(str(path), sheet=sheet, cell="A1") if sheet else where,
            f"This workbook is not a poll export the tool recognises. {SUPPORTED_LAYOUTS}",
        )
        return None
    chosen: list[tuple[_Table, int]] = []
    for table, found in zip(tables, detected, strict=True):
        if found is not None and found[0] == layout:
            chosen.append((table, found[1]))
        elif table.rows:
            what = "has no poll header row" if found is None else f"holds a {LAYOUT_NAMES[found[0]]}"
            problems.warn(
                table.loc(table.rows[0].number),
                f"Sheet '{table.sheet}' was not read: it {what}, "
                f"while this workbook is a {LAYOUT_NAMES[layout]}.",
            )
    return layout, chosen


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        # Excel writes control characters as _x0001_; they come back, and are then removed with a warning.
        return unescape(value)
    return str(value)


# --- layouts ----------------------------------------------------------------------------------------------


@dataclass
class _Answers:
    """One question's raw answers, in file order, and where the question was found."""

    question: str
    sources: list[Source]
    answers: list[str] = field(default_factory=list)
    column: int = 0
    """The question's column, when the header row holds the questions."""


def _parse_zoom(table: _Table, header: int, problems: Problems, scrub: Scrubber) -> list[_Answers]:
    """Collect answers by question text from a Zoom report (question in the rows or in the header)."""
    collected: dict[str, _Answers] = {}
    columns: list[str] | None = None  # the questions of the current block, when its header names them

    for row in table.rows[header:]:
        if _is_zoom_header([_fold(c) for c in row.cells]):
            columns = [_clean(c) for c in row.cells[4:]]
            if not any(columns):
                columns = None
            for question in columns or []:
                if question:
                    entry = collected.setdefault(question, _Answers(question, []))
                    source = table.source(row.number)
                    if source not in entry.sources:
                        entry.sources.append(source)
            continue
        cells = row.cells
        if len(cells) < 4 or not _ZOOM_ROW_NUMBER.fullmatch(cells[0].strip()):
            problems.warn(
                table.loc(row.number),
                "This row was skipped: it is not a respondent's row (those start with a number, a name, "
                "an e-mail address and a date).",
            )
            continue
        scrub.add_name(cells[1])
        answers = cells[4:]
        if columns is not None:
            for offset, question in enumerate(columns):
                answer = answers[offset] if offset < len(answers) else ""
                if question:
                    collected[question].answers.append(answer)
                elif answer.strip():
                    _warn_no_question(table, problems, row.number, 4 + offset)
            if any(cell.strip() for cell in answers[len(columns) :]):
                problems.warn(
                    table.loc(row.number, 4 + len(columns)),
                    "This row has more answers than the header has questions; the extra cells were skipped.",
                )
            continue
        for offset in range(0, len(answers), 2):
            question = _clean(answers[offset])
            answer = answers[offset + 1] if offset + 1 < len(answers) else ""
            if not question:
                if answer.strip():
                    _warn_no_question(table, problems, row.number, 4 + offset + 1)
                continue
            entry = collected.setdefault(question, _Answers(question, [table.source(row.number)]))
            entry.answers.append(answer)
    return list(collected.values())


def _warn_no_question(table: _Table, problems: Problems, row: int, col: int) -> None:
    problems.warn(
        table.loc(row, col),
        f"The answer in column {table.column(col)} has no question next to it; it was skipped.",
    )


def _google_meta(header: list[str]) -> set[int]:
    """The columns of a Google Forms export that are not questions: timestamp, e-mail, quiz score."""
    folded = [_fold(c) for c in header]
    meta = {0}
    for col in (1, 2):
        if col < len(folded) and (personal_kinds(folded[col]) == {"email"} or folded[col] in _SCORE_HEADERS):
            meta.add(col)
    return meta


def _microsoft_meta(header: list[str]) -> tuple[set[int], set[int]]:
    """The non-question columns of a Microsoft Forms export, and which of them hold names."""
    folded = [_fold(c) for c in header]
    meta = {0, 1, 2, 3, 4}
    if len(folded) > 5 and _has_word(folded[5], _MODIFIED_WORDS):
        meta.add(5)
    for col, title in enumerate(folded):
        if title in _MS_QUIZ_HEADERS or title.startswith(_MS_QUIZ_PREFIXES):
            meta.add(col)
    return meta, {4}


def _parse_columns(
    table: _Table,
    header: int,
    meta: set[int],
    problems: Problems,
    scrub: Scrubber,
    name_columns: frozenset[int] | set[int] = frozenset(),
) -> list[_Answers]:
    """Collect answers from a one-row-per-response export (Google Forms, Microsoft Forms)."""
    head = table.rows[header]
    questions: dict[int, _Answers] = {}
    for col, title in enumerate(head.cells):
        text = _clean(title)
        if col in meta or not text:
            continue
        questions[col] = _Answers(text, [table.source(head.number)], column=col)

    unlabelled: set[int] = set()
    for row in table.rows[header + 1 :]:
        for col, value in enumerate(row.cells):
            if col in questions:
                questions[col].answers.append(value)
            elif not value.strip():
                continue
            elif col in name_columns:
                scrub.add_name(value)
            elif col not in meta and col not in unlabelled:
                unlabelled.add(col)
                problems.warn(
                    table.loc(row.number, col),
                    f"Column {table.column(col)} has answers but no question in the header row; "
                    "they were skipped.",
                )
    return list(questions.values())


@dataclass
class _Counted:
    question: str
    source: Source
    votes: Counter[str] = field(default_factory=Counter)
    personal: frozenset[str] = frozenset()


def _parse_counted(table: _Table, header: int, problems: Problems, scrub: Scrubber) -> list[_Counted]:
    """Read a Question / Option / Votes table; a blank Question cell continues the question above."""
    q_col, o_col, v_col = _counted_columns([_fold(c) for c in table.rows[header].cells]) or (0, 1, 2)
    found: dict[str, _Counted] = {}
    current: _Counted | None = None

    def cell(row: _Row, col: int) -> str:
        return row.cells[col] if col < len(row.cells) else ""

    for row in table.rows[header + 1 :]:
        question, option = _clean(cell(row, q_col)), _clean(cell(row, o_col))
        votes_text = cell(row, v_col).strip()
        if not (question or option or votes_text):
            continue
        if question:
            current = found.get(question)
            if current is None:
                current = found[question] = _Counted(question, table.source(row.number))
                current.personal = personal_kinds(question)
        if not option:
            if votes_text:
                problems.warn(table.loc(row.number, o_col), "This row has votes but no option; skipped.")
            continue
        if current is None:
            problems.warn(table.loc(row.number, q_col), "This option has no question above it; skipped.")
            continue
        if current.personal:
            if "name" in current.personal:
                scrub.add_name(option)
            continue
        votes = _votes(votes_text)
        if isinstance(votes, str):
            problems.error(table.loc(row.number, v_col), votes)
            continue
        if option in current.votes:
            problems.warn(
                table.loc(row.number, o_col),
                f"The option '{_shown(option)}' appears twice for this question; its votes were added up.",
            )
        current.votes[option] += votes

    kept = []
    for entry in found.values():
        if entry.personal:
            problems.warn(
                _where(table, entry.source),
                f"The question '{entry.question}' asks for {_details(entry.personal)}; it is left out of "
                "the documents.",
            )
        elif not entry.votes:
            problems.warn(_where(table, entry.source), "This question has no options; it was left out.")
        else:
            kept.append(entry)
    return kept


def _counted_question(entry: _Counted, scrub: Scrubber, table: _Table, problems: Problems) -> PollQuestion:
    """A counted question, the most voted options first, the rest summed up in one row; scrubbed."""
    ranked = _ranked(entry.votes)
    shown, rest = ranked[:MAX_OPTIONS_SHOWN], ranked[MAX_OPTIONS_SHOWN:]
    options = [PollOption(label=scrub(label), votes=n) for label, n in shown]
    if rest:
        problems.warn(
            _where(table, entry.source),
            f"This question has {len(ranked):,} options; the {MAX_OPTIONS_SHOWN} with the most votes are "
            f"shown and the other {len(rest):,} are summed up in one row.",
        )
        votes = sum(n for _, n in rest)
        options.append(PollOption(label=f"{len(rest):,} more options", votes=votes, others=len(rest)))
    return PollQuestion(
        question=scrub(entry.question),
        kind="choice",
        options=options,
        respondents=sum(entry.votes.values()),
        sources=[entry.source],
    )


def _where(table: _Table, source: Source) -> Location:
    return table.loc(source.line or source.row or 1)


def _shown(text: str) -> str:
    """A cell's text as a message quotes it: short."""
    return text if len(text) <= 40 else text[:40] + "…"


def _votes(text: str) -> int | str:
    """The number in a votes cell, or why it is not one (a message for a located error)."""
    if not text:
        return 0
    if _VOTES.fullmatch(text):
        digits = text.split(".")[0].lstrip("0") or "0"
        # Compared as text first: int() refuses numbers of more than 4,300 digits.
        if len(digits) > len(str(MAX_VOTES)) or int(digits) > MAX_VOTES:
            return (
                f"The votes cell holds '{_shown(text)}', more than the {MAX_VOTES:,} votes an option can "
                "have; check the number."
            )
        return int(digits)
    return _bad_votes(text)


def _bad_votes(text: str) -> str:
    shown = _shown(text)
    if text.startswith("="):
        return (
            f"The votes cell holds the formula '{shown}'; formulas are not calculated. "
            "Type the number of votes."
        )
    if text.endswith("%"):
        return f"The votes cell holds a percentage ('{shown}'); the Votes column needs the number of votes."
    if _NEGATIVE.fullmatch(text):
        return f"The votes cell holds '{shown}', a negative number; votes are counted from 0."
    if _DECIMAL.fullmatch(text):
        return f"The votes cell holds '{shown}', which is not a whole number of votes."
    try:
        large = abs(float(text)) > MAX_VOTES
    except (ValueError, OverflowError):
        large = False
    if large:
        return (
            f"The votes cell holds '{shown}', more than the {MAX_VOTES:,} votes an option can have; "
            "check the number."
        )
    return f"The votes cell holds '{shown}', which is not a whole number of votes."


# --- choice or text ---------------------------------------------------------------------------------------


def _split_semicolons(answers: list[str]) -> list[list[str]]:
    """Split Zoom and Microsoft Forms answers, whose choices are joined by ';'."""
    return [[_clean(part) for part in answer.split(";") if part.strip()] for answer in answers]


def _split_google(answers: list[str]) -> list[list[str]]:
    """Split Google Forms checkbox answers on ', ' without breaking options that contain ', '.

    A part is an option of its own when it is also a whole answer somewhere, appears in two different
    answers, or starts with a capital letter or digit (as option labels do). Any other part, such as
    "with safeguards" in "Yes, with safeguards", stays joined to the part before it.
    """
    cleaned = [_clean(answer) for answer in answers]
    parts_of = [[part.strip() for part in answer.split(", ")] for answer in cleaned]
    standalone = {answer for answer in cleaned if ", " not in answer}
    seen_in: dict[str, set[str]] = {}
    for answer, parts in zip(cleaned, parts_of, strict=True):
        for part in parts:
            seen_in.setdefault(part, set()).add(answer)

    def own_option(part: str) -> bool:
        return part in standalone or len(seen_in[part]) > 1 or part[:1].isupper() or part[:1].isdigit()

    result = []
    for parts in parts_of:
        merged: list[str] = []
        for part in parts:
            if merged and not own_option(part):
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        result.append([m for m in merged if m])
    return result


def _choice_counts(picks: list[list[str]]) -> list[tuple[str, int]] | None:
    """Count the options when the picks look like choices from a list; None when they look typed."""
    counts = Counter(option for options in picks for option in options)
    total = sum(counts.values())
    repeated = sum(n for n in counts.values() if n > 1)
    if not counts or len(counts) > MAX_CHOICE_OPTIONS or repeated == 0 or 2 * repeated < total:
        return None
    if any(len(label) > MAX_OPTION_CHARS for label in counts):
        return None
    return _ranked(counts)


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    """Options by votes, most first; ties keep the order of first appearance (Counter keeps it)."""
    return sorted(counts.items(), key=lambda item: -item[1])


def _build_question(
    entry: _Answers,
    split: Callable[[list[str]], list[list[str]]],
    scrub: Scrubber,
    table: _Table,
    problems: Problems,
) -> PollQuestion | None:
    """Make a choice or open-text question of one question's answers, scrubbed of names and e-mails."""
    source = entry.sources[0]
    where = _where(table, source)
    raw = [answer.replace("\r\n", "\n").strip() for answer in entry.answers]
    raw = [answer for answer in raw if answer]
    question = scrub(entry.question)
    if not raw:
        problems.warn(where, f"The question '{question}' has no answers; it was left out.")
        return None
    if sum(1 for answer in raw if EMAIL.fullmatch(answer.removeprefix("mailto:"))) * 2 >= len(raw):
        problems.warn(
            where, f"Most answers to '{question}' are e-mail addresses; it is left out of the documents."
        )
        return None

    picks = split(raw)
    counted = _choice_counts(picks)
    if counted is not None:
        # Labels are scrubbed after counting; two that become one ("[name removed]") add up.
        votes: Counter[str] = Counter()
        for label, n in counted:
            votes[scrub(label)] += n
        return PollQuestion(
            question=question,
            kind="choice",
            options=[PollOption(label=label, votes=n) for label, n in _ranked(votes)],
            respondents=sum(1 for options in picks if options),
            sources=entry.sources,
        )
    if len(raw) > MAX_QUOTES:
        problems.warn(
            where,
            f"This question has {len(raw):,} answers; the first {MAX_QUOTES} are quoted and the other "
            f"{len(raw) - MAX_QUOTES:,} are left out.",
        )
    quotes = [scrub(answer) for answer in raw[:MAX_QUOTES]]  # only what is shown is scrubbed
    return PollQuestion(
        question=question, kind="text", quotes=quotes, respondents=len(raw), sources=entry.sources
    )
