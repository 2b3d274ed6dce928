"""Rapporteur notes: Markdown, pasted plain text, Word and OpenDocument, all through pandoc.

Every format is read by a pandoc reader into its JSON AST, so a Word heading and a Markdown heading
mean the same thing. Markdown and plain text keep their line numbers (commonmark ``sourcepos``); for
Word and ODT notes the "line" is the paragraph number. Plain text is first rewritten, line for line,
into Markdown: bullets such as "•" become "-", and titles standing on a line of their own become
headings.
"""

from __future__ import annotations

import graphlib
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import zipfile
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import pairwise
from pathlib import Path

import yaml

from outcomes import catalog, limits
from outcomes.errors import ZIP_DAMAGE, Location, Problems
from outcomes.ingest import pandoc_reader
from outcomes.model import (
    Action,
    Channel,
    Note,
    NoteLine,
    NoteMeta,
    Paragraph,
    Source,
    Takeaway,
    Theme,
)
from outcomes.pandoc import pandoc_command
from outcomes.session import YAMLTooLarge, load_yaml
from outcomes.text import clean_text

# Largest note accepted; a rapporteur's notes are a few pages, not megabytes.
MAX_NOTE_BYTES = limits.MAX_NOTE_BYTES
"""Largest Word or ODT note (images included)."""
MAX_TEXT_NOTE_BYTES = limits.MAX_TEXT_NOTE_BYTES
"""Largest Markdown or plain-text note: pandoc needs seconds and hundreds of MB per MB of Markdown."""
PANDOC_TIMEOUT_S = 30
"""Longest pandoc may take to read one Word or ODT note."""
PANDOC_TEXT_TIMEOUT_S = 10
"""Longest pandoc may take to read one Markdown or text note (the largest, 512 KB, takes about 1 s);
pathological Markdown is stopped, not waited for. Footnotes that cite themselves, which pandoc 3.9
expands without end, are found before the note is read (:func:`_read_text_tree`); a shape that search
misses grows outside GHC's heap cap in the reader's Lua bridge and ends here."""
PANDOC_MAX_HEAP = "1024m"
"""Most memory pandoc may use to read one note (GHC's -M)."""
MAX_AST_BYTES = 64 * 1024 * 1024
"""Largest document tree (pandoc's JSON) accepted for one note; normal text gives ~50 bytes a character."""
MAX_FRONT_MATTER_CHARS = 64 * 1024
"""Longest YAML front matter (rapporteur, group, channel: a few lines)."""
_TEXT_SUFFIXES = (".md", ".markdown", ".txt")

READERS = {
    ".md": "commonmark_x+sourcepos",
    ".markdown": "commonmark_x+sourcepos",
    ".txt": "commonmark_x+sourcepos",
    ".docx": "docx",
    ".odt": "odt",
}
NOTE_SUFFIXES = tuple(READERS)

# --------------------------------------------------------------------------------------------------
# Fixed-meaning headings


@cache
def _heading_names() -> dict[str, dict[str, str]]:
    """Map each kind to {normalized name: language}."""
    raw = catalog.load_data("headings.yaml")
    return {
        kind: {catalog.normalize(name): lang for lang, names in by_lang.items() for name in names}
        for kind, by_lang in raw.items()
    }


@cache
def _fuzzy_names() -> tuple[list[str], list[str]]:
    """Known names (and their kinds) long enough to be matched as paraphrases or parts of a heading."""
    names, kinds = [], []
    for kind, by_name in _heading_names().items():
        if kind == "wsis_label":
            continue
        for name in by_name:
            names.append(name)
            kinds.append(kind)
    return names, kinds


_LONGEST_PART = 12


@cache
def _name_parts() -> dict[str, str]:
    """Known names a heading may contain: two words or more, or one word of four CJK characters."""
    names, kinds = _fuzzy_names()
    return {
        name: kind
        for name, kind in zip(names, kinds, strict=True)
        if (" " in name and len(name.split()) <= _LONGEST_PART) or (len(name) >= 4 and not name.isascii())
    }


_NUMBERING = re.compile(
    r"^\s*(?:\(?(?:\d+(?:\.\d+)*|[IVXLC]+|[ivxlc]+|[A-Za-z])[.)]|\((?:\d+|[A-Za-z]|[ivxlc]+)\))\s+"
)


def strip_numbering(text: str) -> str:
    """Drop leading numbering ("1.", "2.3", "IV.", "a)", "(b)") and a trailing colon."""
    return _NUMBERING.sub("", text).strip().rstrip(":：").strip()


# Form boilerplate around a label: "(* deadline 2 hours after session)", "[max 300 words]",
# "- click on the ? symbol for instructions", "Please describe any ...".
# (No pattern here lets a dash scan the rest of a line: a line of them would cost its length squared.)
_FORM_DASH = re.compile(r"\s[-–—]\s")
_FORM_WORD = re.compile(
    r"\b(click|deadline|instructions?|symbol|optional|required|words|characters|cliquez|"
    r"date limite|haga clic|plazo|нажмите|срок)\b",
    re.IGNORECASE,
)
_FORM_HEAD = re.compile(
    r"^(please\s+(describe|list|provide|summari[sz]e|share|indicate)(\s+(here|the|any|all))*|"
    r"veuillez\s+(décrire|indiquer)(\s+(les|la|le|toute?s?))*|"
    r"por favor,?\s+(describa|indique)(\s+(las|los|la|el|cualquier))*)\s+",
    re.IGNORECASE,
)
_FILLER = frozenset(
    "the a an of and or for from in on at to our this session sessions workshop group main key "
    "du de la le les des et ou pour el los las del y en sesión séance atelier".split()
)
_MAX_HEADING_WORDS = 14


def strip_boilerplate(text: str) -> str:
    """A label without its form boilerplate: bracketed notes, "- click ..." tails, "Please describe"."""
    text = _without_form_tail(catalog.BRACKETED.sub(" ", text))
    text = _FORM_HEAD.sub("", text.strip())
    return " ".join(text.split()).strip(" -–—*:：")


def _without_form_tail(text: str) -> str:
    """The text without its last line's first " - " and all after it, if a form word ("click") follows.

    The form word looked for is the line's last: a dash before it is before any. (A dash may be the
    line break before the line's first "- ", or " -" and the line break.)
    """
    end = len(text) - text.endswith("\n")
    start = text.rfind("\n", 0, end) + 1
    words = deque(_FORM_WORD.finditer(text, start, end), maxlen=1)  # the last one
    dash = _FORM_DASH.search(text, max(start - 3, 0), words[0].start()) if words else None
    return text[: dash.start()] + text[end:] if dash else text


def heading_kind(text: str) -> str | None:
    """The fixed meaning of a heading ("summary", "takeaways", ...), or None for a theme."""
    return heading_match(text)[0]


@lru_cache(maxsize=8192)
def heading_match(text: str) -> tuple[str | None, str]:
    """The fixed meaning of a heading and how it was recognised: "exact", or a tolerant match's reason."""
    if wsis_line(text) is not None:
        return None, ""
    key = catalog.normalize(strip_numbering(text))
    if not key:
        return None, ""
    kind = _exact_kind(key)
    if kind:
        return kind, "exact"
    if len(key) > 400:
        return None, ""  # a paragraph, not a heading
    bare = catalog.normalize(strip_numbering(strip_boilerplate(text)))
    if bare and bare != key:
        kind = _exact_kind(bare)
        if kind:
            return kind, "once its form boilerplate is left aside"
    bare = bare or key
    words = bare.split()
    if len(words) > _MAX_HEADING_WORDS:
        return None, ""
    if (
        len(words) <= 8
        and ({"wsis", "cmsi", "smsi"} & set(words) or "action line" in bare)
        and ({"summary", "table", "alignment", "resumen", "tabla"} & set(words))
    ):
        return "action_line_table", "exact"
    # Parts of a heading: names of two words or more (or four CJK characters), so that a theme
    # titled "Summary of the debate on DNS abuse" stays a theme; the longest name found wins.
    parts = _name_parts()
    best: tuple[int, str, str] | None = None
    for size in range(min(len(words), _LONGEST_PART), 1, -1):
        for start in range(len(words) - size + 1):
            name = " ".join(words[start : start + size])
            if name in parts and (best is None or len(name) > best[0]):
                rest = [w for w in words[:start] + words[start + size :] if w not in _FILLER]
                if len(rest) <= 2:
                    best = (len(name), parts[name], name)
    if best is None and len(words) == 1 and words[0] in parts:
        best = (len(words[0]), parts[words[0]], words[0])
    if best:
        return best[1], f"it contains the name '{best[2]}'"
    names, kinds = _fuzzy_names()
    if len(bare) >= 6:
        from rapidfuzz import fuzz, process

        found = process.extractOne(bare, names, scorer=fuzz.ratio, score_cutoff=88)
        if found:
            return kinds[found[2]], f"it reads like '{found[0]}'"
    return None, ""


def _exact_kind(key: str) -> str | None:
    for kind, names in _heading_names().items():
        if kind != "wsis_label" and key in names:
            return kind
    return None


def wsis_line(text: str) -> str | None:
    """The action-line part of a "WSIS alignment: C2 (...), C6 (...)" line, or None."""
    label, sep, rest = text.partition(":")
    if not sep:
        label, sep, rest = text.partition("：")
    if sep and catalog.normalize(label) in _heading_names()["wsis_label"] and rest.strip():
        return rest.strip()
    return None


# --------------------------------------------------------------------------------------------------
# Plain text → Markdown, line for line

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# Symbol bullets may touch their text ("•Item"); dashes and "*" need a space ("-5 %" is not a bullet).
_BULLET = re.compile(r"^(?:[•●○▪◦■‣∙·➢➤►▶→⁃]\s*|[*+\-–—]\s+)(?=\S)")
_NUMBERED_TITLE = re.compile(r"^\d+(?:\.\d+)*[.)]\s+\S")
_META_LINE = re.compile(r"^(rapporteur|group|channel|language)\s*:", re.IGNORECASE)


def _looks_like_title(line: str) -> bool:
    if len(line) > 100 or line.endswith((".", "!", ";", ",", "…")):
        return False
    if line.endswith("?") and not _NUMBERED_TITLE.match(line):  # a numbered question is a title
        return False
    if _BULLET.match(line) or wsis_line(line) or _META_LINE.match(line):
        return False
    if re.search(r":\s+\S", line) and not _NUMBERED_TITLE.match(line):  # "Label: value" is not a title
        return False
    if heading_kind(line):
        return True
    words = strip_numbering(line).split()
    if not words or len(words) > 14:
        return False
    first = strip_numbering(line)[0]
    return first.isupper() or first.isdigit() or not first.isalpha()


def plain_text_to_markdown(text: str) -> str:
    """Rewrite pasted plain text as Markdown without moving any line.

    Lines are dedented (indentation in e-mail text is decoration, and four spaces would make a
    Markdown code block) and kept literal, bullets included (the interpreter reads each line, so a
    bullet line followed by a heading line with no blank between stays two elements); a line
    standing alone that reads like a title becomes a heading. Inside a trailing action-line summary
    table nothing becomes a heading.
    """
    # Only CR and LF end a line, as in pandoc: str.splitlines() also splits at form feeds and
    # other separators, which would shift every line number after them.
    lines = [raw.strip() for raw in _LINE_BREAK.split(text.removesuffix("\n").removesuffix("\r"))]
    out: list[str] = []
    in_table = False
    for i, line in enumerate(lines):
        before = lines[i - 1] if i > 0 else ""
        after = lines[i + 1] if i + 1 < len(lines) else ""
        alone = not before and not after
        if _BULLET.match(line):
            out.append(_escape_markdown(line))
            continue
        kind = heading_kind(line) if line else None
        # A fixed heading may be followed directly by its list ("Key takeaways:" then bullets).
        if line and not before and (kind or (alone and not in_table and _looks_like_title(line))):
            if kind:
                in_table = kind == "action_line_table"
            out.append("## " + _escape_markdown(line))
            continue
        out.append(_escape_markdown(line))
    return "\n".join(out) + "\n"


_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def _escape_markdown(line: str) -> str:
    """Keep pasted text literal: "#", "1.", "*", "_", "<b>" or "{{ }}" in e-mail text is not Markdown.

    CommonMark lets any ASCII punctuation be escaped with a backslash; escaping all of it leaves no
    emphasis, link, raw HTML or list marker in the text, only the characters as typed.
    """
    return _ASCII_PUNCTUATION.sub(r"\\\1", line)


# --------------------------------------------------------------------------------------------------
# Pandoc AST → a flat stream of blocks with line numbers


@dataclass
class Block:
    kind: str  # heading, para, list, table, raw
    line: int | None
    text: str = ""
    level: int = 0
    items: list[tuple[str, int | None]] = field(default_factory=list)
    bold: bool = False
    rows: list[list[str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # of each line from the first (blank lines skipped)


def _pos_line(attr: list) -> int | None:
    for key, value in attr[2]:
        if key == "data-pos" and value:
            match = re.search(r"(?:@|^)(\d+):", value)
            if match:
                return int(match.group(1))
    return None


class _Inlines:
    """Stringify pandoc inlines; links keep their text only, raw HTML and images are dropped."""

    def __init__(self) -> None:
        self.dropped: list[str] = []
        self.footnotes = 0

    def text(self, inlines: list) -> str:
        return " ".join(self.lines(inlines))

    def lines(self, inlines: list) -> list[str]:
        """The text of each source line (split at soft and hard line breaks)."""
        return [text for _, text in self.numbered_lines(inlines)]

    def numbered_lines(self, inlines: list) -> list[tuple[int, str]]:
        """Each non-blank source line with its offset from the paragraph's first line."""
        parts: list[str] = []
        for node in inlines:
            self._one(node, parts)
        lines = "".join(parts).split("\n")
        return [(i, " ".join(line.split())) for i, line in enumerate(lines) if line.strip()]

    def _one(self, node: dict, parts: list[str]) -> None:
        t, c = node["t"], node.get("c")
        if t == "Str":
            parts.append(c)
        elif t == "Space":
            parts.append(" ")
        elif t in ("SoftBreak", "LineBreak"):
            parts.append("\n")
        elif t in ("Emph", "Strong", "Underline", "Strikeout", "SmallCaps", "Superscript", "Subscript"):
            for n in c:
                self._one(n, parts)
        elif t == "Span":
            for n in c[1]:
                self._one(n, parts)
        elif t == "Link":
            for n in c[1]:
                self._one(n, parts)
        elif t == "Quoted":
            mark = "“" if c[0]["t"] == "DoubleQuote" else "‘"
            close = "”" if mark == "“" else "’"
            parts.append(mark)
            for n in c[1]:
                self._one(n, parts)
            parts.append(close)
        elif t == "Cite":
            for n in c[1]:
                self._one(n, parts)
        elif t == "Code":
            parts.append(c[1])
        elif t == "Math":
            parts.append(c[1])
        elif t == "Note":
            # A footnote stays with its paragraph, as a bracketed note after the text it marks.
            text = " ".join(b.text for b in _flatten(c, self, [-1]))
            if text:
                parts.append(f" [{text}]")
                self.footnotes += 1
        elif t == "RawInline":
            self.dropped.append("raw HTML")
        elif t == "Image":
            self.dropped.append("an image")


def _is_bold(inlines: list) -> bool:
    """A paragraph that is only bold text (a label such as **Key takeaways:**)."""
    content = [n for n in _unwrap(inlines) if n["t"] not in ("Space", "SoftBreak")]
    strong = [n for n in content if n["t"] == "Strong"]
    rest = [n for n in content if n["t"] != "Strong" and not (n["t"] == "Str" and n["c"] in (":", "："))]
    return bool(strong) and not rest


def _unwrap(inlines: list) -> list:
    out = []
    for n in inlines:
        if n["t"] == "Span" and not n["c"][0][0] and not n["c"][0][1]:
            out.extend(_unwrap(n["c"][1]))
        else:
            out.append(n)
    return out


def _flatten(blocks: list, inl: _Inlines, counter: list[int], line: int | None = None) -> Iterator[Block]:
    """Yield the note's blocks in order, descending into wrappers and quotes."""
    for node in blocks:
        t, c = node["t"], node.get("c")
        if counter[0] >= 0:
            counter[0] += 1
            here = line or counter[0]
        else:
            here = line
        if t == "Div":
            yield from _flatten(c[1], inl, counter, _pos_line(c[0]) or line)
        elif t == "Header":
            yield Block("heading", _pos_line(c[1]) or here, inl.text(c[2]), level=c[0])
        elif t in ("Para", "Plain"):
            numbered = inl.numbered_lines(c)
            if numbered:
                lines = [text for _, text in numbered]
                offsets = [offset for offset, _ in numbered]
                yield Block("para", here, " ".join(lines), bold=_is_bold(c), lines=lines, offsets=offsets)
        elif t == "LineBlock":
            for line_inlines in c:
                text = inl.text(line_inlines)
                if text:
                    yield Block("para", here, text)
        elif t in ("BulletList", "OrderedList"):
            items = c if t == "BulletList" else c[1]
            block = Block("list", here)
            for item in items:
                for sub in _flatten(item, inl, counter, None if counter[0] >= 0 else here):
                    if sub.kind == "para":
                        block.items.append((sub.text, sub.line))
                    elif sub.kind == "list":
                        block.items.extend(sub.items)
            if block.items:
                yield block
        elif t == "BlockQuote":
            yield from _flatten(c, inl, counter, here)
        elif t == "CodeBlock":
            for i, text in enumerate(c[1].splitlines()):
                if text.strip():
                    yield Block("para", (here + i) if here else None, text.strip())
        elif t == "Table":
            yield Block("table", here, rows=_table_rows(c, inl))
        elif t == "RawBlock":
            yield Block("raw", here, c[1][:80])
        elif t == "DefinitionList":
            for term, definitions in c:
                yield Block("para", here, inl.text(term))
                for definition in definitions:
                    yield from _flatten(definition, inl, counter, here)
        elif t == "Figure":
            inl.dropped.append("an image")


def _table_rows(c: list, inl: _Inlines) -> list[list[str]]:
    def cells(row: list) -> list[str]:
        return [" ".join(b.text for b in _flatten(cell[4], inl, [-1])) for cell in row[1]]

    head, bodies = c[3], c[4]
    rows = [cells(r) for r in head[1]]
    for body in bodies:
        rows += [cells(r) for r in body[2] + body[3]]
    return rows


# --------------------------------------------------------------------------------------------------
# Reading a note


def read_note(path: Path, rel: str, problems: Problems) -> Note | None:
    """Read one rapporteur note into a :class:`Note`; problems are collected, not raised."""
    where = Location(str(path))
    suffix = path.suffix.lower()
    if suffix not in READERS:
        problems.error(where, f"not a note format this tool reads (use {', '.join(NOTE_SUFFIXES)})")
        return None
    limit = MAX_TEXT_NOTE_BYTES if suffix in _TEXT_SUFFIXES else MAX_NOTE_BYTES
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.error(where, f"cannot be read ({exc.strerror or exc})")
        return None
    if size > limit:
        problems.error(where, f"note is {size // 1024} KB; the limit is {limit // 1024} KB")
        return None
    set_aside: list[tuple[str, str]] = []
    notices: list[str] = []
    try:
        ast = _pandoc_ast(path, suffix, set_aside, notices)
    except _NoteUnreadable as exc:
        problems.error(Location(str(path), exc.line), str(exc))
        return None
    for notice in notices:
        problems.warn(where, notice)
    try:
        note = interpret(ast, path, rel, problems, line_numbers=suffix in _TEXT_SUFFIXES)
    except RecursionError:
        problems.error(where, "this note nests lists or quotes too deeply to be read")
        return None
    for why, text in set_aside:
        problems.warn(where, f"{why} in this note was left out of the report: '{_clip(text)}'")
        note.left_out.append(NoteLine(text=text, why=why, sources=[Source(path=rel)]))
    return note


class _NoteUnreadable(Exception):
    def __init__(self, message: str, line: int | None = None, *, exhausted: bool = False):
        super().__init__(message)
        self.line = line
        self.exhausted = exhausted  # pandoc passed its time or memory limit


def _pandoc_ast(
    path: Path,
    suffix: str,
    set_aside: list[tuple[str, str]] | None = None,
    notices: list[str] | None = None,
) -> dict:
    """The note's pandoc tree; what the package hides from readers (hidden text) goes to ``set_aside``,
    warnings about how it was read to ``notices``."""
    fmt = READERS[suffix]
    if suffix in _TEXT_SUFFIXES:
        try:
            text = _decode(path.read_bytes())
        except OSError as exc:
            raise _NoteUnreadable(f"cannot be read ({exc.strerror or exc})") from exc
        _check_text(text)
        if suffix == ".txt":
            text = plain_text_to_markdown(text)
        out = _read_text_tree(fmt, suffix, text, [] if notices is None else notices)
    else:
        _check_zip(path)
        with _visible_package(path, suffix, set_aside if set_aside is not None else []) as visible:
            out = _read_tree(fmt, suffix, path=os.path.abspath(visible))
    try:
        ast = json.loads(out)
    except RecursionError:
        raise _NoteUnreadable(f"this {suffix} note nests lists or quotes too deeply to be read") from None
    except ValueError as exc:
        raise _NoteUnreadable(f"pandoc gave no readable result for this {suffix} note ({exc})") from exc
    if not isinstance(ast, dict):
        raise _NoteUnreadable(f"pandoc gave no readable result for this {suffix} note")
    return ast


_YAML_ERROR = re.compile(r"YAML metadata at \(line (\d+).*?YAML parse exception at line (\d+)", re.DOTALL)
_ERROR_LINE = re.compile(r"\(line (\d+), column \d+\)")


# Note readers share the cores with the renderers (each of which runs its own pandoc for the DOCX):
# one reader per two cores keeps the cores busy without more pandoc processes than cores in memory.
_READERS = max(1, len(os.sched_getaffinity(0)) // 2)
_PANDOC_SLOTS = threading.BoundedSemaphore(_READERS)


def _read_text_tree(fmt: str, suffix: str, text: str, notices: list[str]) -> bytes:
    """A text note's document tree, its footnote marks kept as plain text when pandoc cannot resolve them.

    pandoc 3.9 expands footnotes that cite themselves, or each other, without end: seconds of CPU and
    a gigabyte of memory for a note of a few lines. Such footnotes are found before pandoc reads the
    note; a case the search misses passes the note's limits and is read again the same way.
    """
    if "[^" not in text:
        return _read_tree(fmt, suffix, text=text)
    if not _footnotes_cite_themselves(text):
        try:
            return _read_tree(fmt, suffix, text=text)
        except _NoteUnreadable as exc:
            if not exc.exhausted:
                raise
            try:
                tree = _read_tree(f"{fmt}-footnotes", suffix, text=text)
            except _NoteUnreadable:
                raise exc from None
    else:
        tree = _read_tree(f"{fmt}-footnotes", suffix, text=text)  # footnote marks as plain text
    notices.append(
        "its footnotes could not be resolved (does a footnote refer to itself, or two footnotes to "
        "each other?); the note was read with its footnote marks ([^1]) kept as plain text"
    )
    return tree


# A footnote definition, also inside a quote or a list item, and a footnote mark (not a definition).
# A label holds no bracket and at most 999 characters, as in CommonMark; that also keeps the search
# linear on a line of unclosed marks.
_FOOTNOTE_LABEL = r"\[\^([^\[\]\n]{1,999})\]"
_FOOTNOTE_DEFINITION = re.compile(
    rf"^[ \t>]*(?:(?:[-*+]|\d{{1,9}}[.)])[ \t]+)?{_FOOTNOTE_LABEL}:", re.MULTILINE
)
_FOOTNOTE_MARK = re.compile(rf"{_FOOTNOTE_LABEL}(?!:)")
_CODE_SPAN = re.compile(r"`[^`\n]*`")
# Where a footnote ends: a blank line and a line not indented, or a line that starts a block of its own.
_FOOTNOTE_END = re.compile(
    r"\n[ \t]*\n(?![ \t]*\n)(?!    |\t)|\n {0,3}(?:[-*+][ \t]|\d{1,9}[.)][ \t]|#{1,6}[ \t]|>|```|~~~)"
)


def _footnotes_cite_themselves(text: str) -> bool:
    """Whether a footnote of this Markdown cites itself, directly or through other footnotes.

    A footnote is its definition's paragraph (lazy continuation lines included) and the indented
    blocks after it, as CommonMark reads it; labels match without regard to case or spacing. Marks in
    code spans are not marks. What this misses is still stopped by the note's limits.
    """
    definitions = list(_FOOTNOTE_DEFINITION.finditer(text))
    cites: dict[str, set[str]] = {}
    for here, after in pairwise([*definitions, None]):
        body = text[here.end() : after.start() if after else len(text)]
        end = _FOOTNOTE_END.search(body)
        body = _CODE_SPAN.sub("", body[: end.start()] if end else body)
        marks = cites.setdefault(_footnote_label(here.group(1)), set())
        marks.update(_footnote_label(mark) for mark in _FOOTNOTE_MARK.findall(body))
    try:
        graphlib.TopologicalSorter(cites).prepare()
    except graphlib.CycleError:
        return True
    return False


def _footnote_label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _time_limit(suffix: str) -> float:
    """How long pandoc may take to read a note of this kind."""
    return PANDOC_TEXT_TIMEOUT_S if suffix in _TEXT_SUFFIXES else PANDOC_TIMEOUT_S


def _read_tree(fmt: str, suffix: str, *, text: str | None = None, path: str | None = None) -> bytes:
    """The note's document tree (from ``text``, or the file at ``path``), within the note's limits.

    A long-lived reader reads it. When pandoc cannot, the one-shot command line reads it again: its
    message, with the line, is the one users see (and a note the Lua bridge cannot pass back is
    still read).
    """
    if text is not None:
        # pandoc's command line ends its input with a newline; the reader gets the same text.
        request = {"format": fmt, "text": text + "\n"}
        args, stdin = ["--from", fmt, "--to", "json"], text.encode("utf-8")
    else:
        request = {"format": fmt, "path": path}
        args, stdin = ["--from", fmt, "--to", "json", str(path)], b""
    readers = pandoc_reader.shared(_READERS, PANDOC_MAX_HEAP)
    try:
        return readers.read({**request, "max_bytes": MAX_AST_BYTES}, _time_limit(suffix))
    except pandoc_reader.ReadTimeout:
        raise _too_slow(suffix) from None
    except pandoc_reader.TreeTooLarge:
        raise _too_intricate(suffix) from None
    except pandoc_reader.ReaderStopped as exc:
        if exc.returncode == 251 or "Heap exhausted" in exc.stderr:
            raise _too_big_for_memory(suffix) from None
    except pandoc_reader.ReadFailed:
        pass
    except OSError:
        pass  # the reader could not start; the command line says why if it cannot either
    return _run_pandoc(args, stdin, suffix)


def _too_slow(suffix: str) -> _NoteUnreadable:
    return _NoteUnreadable(
        f"pandoc took longer than {_time_limit(suffix):g} s to read this {suffix} note and was stopped; "
        "simplify the note (deeply nested or unbalanced markup?)",
        exhausted=True,
    )


def _too_intricate(suffix: str) -> _NoteUnreadable:
    return _NoteUnreadable(
        f"this {suffix} note is too intricate to read (its structure exceeds "
        f"{MAX_AST_BYTES // (1024 * 1024)} MB); simplify or split it"
    )


def _too_big_for_memory(suffix: str) -> _NoteUnreadable:
    return _NoteUnreadable(
        f"reading this {suffix} note needs more than {PANDOC_MAX_HEAP.rstrip('m')} MB of memory; "
        "refused (simplify or split the note)",
        exhausted=True,
    )


def _run_pandoc(args: list[str], stdin: bytes, suffix: str) -> bytes:
    """Run pandoc sandboxed (it reads only its input), bounded in time, memory and output."""
    command = pandoc_command(args, rts=(f"-M{PANDOC_MAX_HEAP}",))
    # Output goes to a file watched for size: a pipe would have to be read whole into memory.
    with _PANDOC_SLOTS, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=out, stderr=err)
        except OSError as exc:
            raise _NoteUnreadable(f"pandoc could not be started ({exc.strerror or exc})") from exc
        try:
            returncode = _wait(proc, stdin, out, suffix)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        out.seek(0)
        output = out.read()
        err.seek(0)
        message = err.read(64 * 1024).decode("utf-8", "replace")
    if returncode == 0:
        return output
    if returncode == 251 or "Heap exhausted" in message:
        raise _too_big_for_memory(suffix)
    line = None
    if match := _YAML_ERROR.search(message):
        line = int(match.group(1)) + int(match.group(2))
    elif match := _ERROR_LINE.search(message):
        line = int(match.group(1))
    lines = [text.strip() for text in message.strip().splitlines() if text.strip()]
    detail = " ".join(lines)[:300] if lines else f"exit status {returncode}"
    raise _NoteUnreadable(f"pandoc could not read this {suffix} note ({detail})", line)


def _wait(proc: subprocess.Popen, stdin: bytes, out, suffix: str) -> int:
    """Feed pandoc its input and wait, stopping it past the time or output limit."""
    deadline = time.monotonic() + _time_limit(suffix)
    try:
        assert proc.stdin is not None
        proc.stdin.write(stdin)
        proc.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # pandoc stopped early; its exit status says why
    while True:
        try:
            return proc.wait(timeout=0.05)
        except subprocess.TimeoutExpired:
            pass
        if os.fstat(out.fileno()).st_size > MAX_AST_BYTES:
            raise _too_intricate(suffix)
        if time.monotonic() > deadline:
            raise _too_slow(suffix)


def _check_text(text: str) -> None:
    """Refuse binary data under a text name, and YAML front matter whose aliases would explode in pandoc."""
    nul = text.find("\x00")
    if nul >= 0:
        raise _NoteUnreadable(
            "holds binary data from this line on; it is not a text note (is the file name right?)",
            text.count("\n", 0, nul) + 1,
        )
    front = _front_matter(text)
    if front is None:
        return
    if len(front) > MAX_FRONT_MATTER_CHARS:
        raise _NoteUnreadable(
            f"front matter is longer than {MAX_FRONT_MATTER_CHARS // 1024} KB; keep it to a few lines", 1
        )
    try:
        load_yaml(front)
    except yaml.MarkedYAMLError as exc:
        if isinstance(exc, YAMLTooLarge):
            mark = exc.problem_mark
            raise _NoteUnreadable(
                f"front matter refused: {exc.problem}", (mark.line + 2) if mark else 1
            ) from None
    except yaml.YAMLError:
        pass  # pandoc reports its own YAML errors, with the line


def _front_matter(text: str) -> str | None:
    """The YAML block at the top of a Markdown note ("---" ... "---" or "..."), if any."""
    lines = text.split("\n", 2)
    if not lines or lines[0].rstrip() != "---" or len(lines) < 2 or not lines[1].strip():
        return None
    body = []
    for line in text.splitlines()[1:]:
        if line.rstrip() in ("---", "..."):
            return "\n".join(body)
        body.append(line)
    return None


def _decode(data: bytes) -> str:
    """Decode text notes: UTF-8 (with or without BOM), UTF-16 with BOM, else the detected charset."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise _NoteUnreadable("is not text in any encoding this tool recognises") from None
        return str(best)


# Word and ODT notes are zip files; refuse what is not, and decompression bombs, before pandoc.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 200


_DOCTYPE = tuple(
    marker.encode(codec)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for codec in ("ascii", "utf-16-le", "utf-16-be")
)


def _check_zip(path: Path) -> None:
    """Refuse what is not a zip package, decompression bombs, and XML that declares entities."""
    kind = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError as exc:
        raise _NoteUnreadable(f"cannot be read ({exc.strerror or exc})") from exc
    try:
        if not zipfile.is_zipfile(path):
            if head.startswith(b"PK"):
                raise _NoteUnreadable(
                    f"is a damaged or truncated {kind} document (its zip directory is missing)"
                )
            raise _NoteUnreadable(f"is not a {kind} document (the file is not a zip package)")
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
            total = sum(info.file_size for info in members)
            compressed = max(path.stat().st_size, 1)
            if total > MAX_UNZIPPED_BYTES or total / compressed > MAX_ZIP_RATIO:
                raise _NoteUnreadable(
                    f"unpacks to {total // (1024 * 1024)} MB (ratio {total // compressed}:1); refused as a "
                    f"possible decompression bomb (limits: {MAX_UNZIPPED_BYTES // (1024 * 1024)} MB, "
                    f"{MAX_ZIP_RATIO}:1)"
                )
            for info in members:
                if info.filename.endswith((".xml", ".rels")) and _declares_entities(zf, info):
                    raise _NoteUnreadable(
                        f"is refused: its part {info.filename} declares XML entities (DOCTYPE), "
                        "which word processors never write"
                    )
    except ZIP_DAMAGE as exc:
        raise _damaged(kind, exc) from exc


def _damaged(kind: str, exc: BaseException) -> _NoteUnreadable:
    return _NoteUnreadable(f"is a damaged or truncated {kind} document ({str(exc)[:200]})")


def _declares_entities(zf, info) -> bool:
    overlap = max(len(p) for p in _DOCTYPE) - 1
    tail = b""
    with zf.open(info) as stream:
        while chunk := stream.read(1 << 20):
            window = (tail + chunk).upper()
            if any(pattern in window for pattern in _DOCTYPE):
                return True
            tail = window[-overlap:]
    return False


# What pandoc's Word and ODT readers do not handle as their author meant: hidden text (Word's Hidden
# font, ODT's display:none and hidden paragraphs) they show; Word's simple fields (w:fldSimple: dates,
# document properties) they drop with their result; embedded documents (w:altChunk) they skip; a
# footnote or endnote mark inside a note (Word writes none) pandoc 3.9 expands without end.
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_STYLE_NS = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_FO_NS = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_PACKAGE_MARKERS = {
    ".docx": ("word/document.xml", (b"vanish", b"fldSimple", b"altChunk", b"<w:sz ")),
    ".odt": ("content.xml", (b'display="none"', b"hidden-paragraph", b"hidden-text", b"font-size")),
}
_DOCX_NOTE_PARTS = ("word/footnotes.xml", "word/endnotes.xml")


def _read_member(zf, name: str) -> bytes:
    try:
        return zf.read(name)
    except KeyError:
        return b""


@contextmanager
def _visible_package(path: Path, suffix: str, set_aside: list[tuple[str, str]]) -> Iterator[Path]:
    """The note itself, or a copy without its hidden text and with its field results as text."""
    with ExitStack() as stack:
        try:
            zf = stack.enter_context(zipfile.ZipFile(path))
            rewritten = _rewritten_parts(zf, suffix, set_aside)
            if rewritten:
                tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="outcomes-note-"))
                copy = Path(tmp) / f"note{suffix}"
                with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
                    for info in zf.infolist():
                        data = rewritten[info.filename] if info.filename in rewritten else zf.read(info)
                        out.writestr(info, data)
        # A part whose data is damaged is found only when it is read (the zip directory was sound).
        except ZIP_DAMAGE as exc:
            raise _damaged(suffix, exc) from exc
        yield copy if rewritten else path


def _rewritten_parts(zf: zipfile.ZipFile, suffix: str, set_aside: list[tuple[str, str]]) -> dict[str, bytes]:
    """The package's parts rewritten for pandoc, by name; empty if none needs it."""
    part, markers = _PACKAGE_MARKERS[suffix]
    rewritten: dict[str, bytes] = {}
    xml = _read_member(zf, part)
    # An ODT's named styles and default size live in styles.xml.
    styles = _read_member(zf, "styles.xml") if suffix == ".odt" else b""
    if any(marker in xml or marker in styles for marker in markers):
        if suffix == ".docx":
            body = _visible_docx(xml, set_aside)
        else:
            body = _visible_odt(xml, set_aside, styles)
        if body is not None:  # None: nothing hidden, no field, no enlarged line after all
            rewritten[part] = body
    if suffix == ".docx":
        for name in _DOCX_NOTE_PARTS:
            notes = _read_member(zf, name)
            if b"noteReference" in notes and (fixed := _docx_notes_unmarked(notes, set_aside)):
                rewritten[name] = fixed
    return rewritten


def _docx_notes_unmarked(xml: bytes, set_aside: list[tuple[str, str]]) -> bytes | None:
    """footnotes.xml or endnotes.xml without the note marks inside notes; None if it has none."""
    from lxml import etree

    root = _parse_part(xml)
    w = f"{{{_W}}}"
    marks = [*root.iter(w + "footnoteReference"), *root.iter(w + "endnoteReference")]
    for mark in marks:
        set_aside.append(("a note mark inside a footnote or endnote", f"note mark {mark.get(w + 'id', '?')}"))
        mark.getparent().remove(mark)
    if not marks:
        return None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _parse_part(xml: bytes):
    from lxml import etree

    # _check_zip refused any part that declares entities; resolve none and fetch nothing anyway.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    return etree.fromstring(xml, parser)


def _element_text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _visible_docx(xml: bytes, set_aside: list[tuple[str, str]]) -> bytes | None:
    """document.xml without hidden runs, with field results as runs; None if nothing changed."""
    from lxml import etree

    root = _parse_part(xml)
    w = f"{{{_W}}}"
    vanished = 0
    simple_fields = list(root.iter(w + "fldSimple"))
    chunks = list(root.iter(w + "altChunk"))
    for vanish in list(root.iter(w + "vanish")):
        if vanish.get(w + "val", "true").lower() in ("0", "false", "off"):
            continue
        props = vanish.getparent()
        run = props.getparent() if props is not None else None
        if run is None or run.tag != w + "r":
            continue  # a hidden paragraph mark, not hidden text
        text = _element_text(run)
        if text:
            set_aside.append(("hidden text", text))
        run.getparent().remove(run)
        vanished += 1
    for simple in simple_fields:
        parent = simple.getparent()
        index = parent.index(simple)
        for child in reversed(list(simple)):
            parent.insert(index, child)  # the field's last result, as plain runs
        parent.remove(simple)
    for chunk in chunks:
        set_aside.append(("an embedded document (w:altChunk)", "embedded content"))
        chunk.getparent().remove(chunk)
    changed = _embolden_larger_text(root) or bool(vanished or simple_fields or chunks)
    if not changed:
        return None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _embolden_larger_text(root) -> bool:
    """Make short paragraphs set larger than the body text bold, so they read as headings by look.

    pandoc's Word reader drops font sizes; Google Docs users (and many Word users) make a heading by
    enlarging a line of normal text. The body size is the size most of the text is set in.
    """
    from collections import Counter

    from lxml import etree

    w = f"{{{_W}}}"
    sizes: Counter = Counter()
    paragraphs = []
    for paragraph in root.iter(w + "p"):
        runs = [r for r in paragraph.iter(w + "r") if _element_text(r)]
        if not runs:
            continue
        run_sizes = [_run_size(run, w) for run in runs]
        for run, size in zip(runs, run_sizes, strict=True):
            sizes[size] += len(_element_text(run))
        paragraphs.append((paragraph, runs, run_sizes))
    if not sizes:
        return False
    # Body text without a size of its own has its style's: take 12 pt, the largest usual default.
    body = sizes.most_common(1)[0][0] or 24
    changed = False
    for paragraph, runs, run_sizes in paragraphs:
        if None in run_sizes or min(run_sizes) < body + 2:  # at least a point larger (half-points)
            continue
        style = paragraph.find(f"{w}pPr/{w}pStyle")
        if style is not None and style.get(w + "val", "").casefold() != "normal":
            continue  # a styled paragraph (heading, title, list) keeps its style's meaning
        if not _short(" ".join(_element_text(r) for r in runs)):
            continue
        for run in runs:
            props = run.find(w + "rPr")
            if props is None:
                props = etree.SubElement(run, w + "rPr")
                run.insert(0, props)
            if props.find(w + "b") is None:
                # After the run style, as the schema orders run properties.
                first = len(props) and props[0].tag == w + "rStyle"
                props.insert(1 if first else 0, etree.Element(w + "b"))
                changed = True
    return changed


def _run_size(run, w: str) -> int | None:
    size = run.find(f"{w}rPr/{w}sz")
    try:
        return int(size.get(w + "val")) if size is not None else None
    except (TypeError, ValueError):
        return None


def _visible_odt(xml: bytes, set_aside: list[tuple[str, str]], styles: bytes = b"") -> bytes | None:
    """content.xml without hidden text, larger short paragraphs bold; None if nothing changed."""
    from lxml import etree

    root = _parse_part(xml)
    hidden = set()
    for style in root.iter(f"{{{_STYLE_NS}}}style"):
        for props in style.iter(f"{{{_STYLE_NS}}}text-properties"):
            if props.get(f"{{{_TEXT_NS}}}display") == "none" or props.get(f"{{{_FO_NS}}}display") == "none":
                hidden.add(style.get(f"{{{_STYLE_NS}}}name"))
    doomed = [
        element
        for element in root.iter(f"{{{_TEXT_NS}}}span", f"{{{_TEXT_NS}}}p", f"{{{_TEXT_NS}}}h")
        if element.get(f"{{{_TEXT_NS}}}style-name") in hidden
    ]
    doomed += list(root.iter(f"{{{_TEXT_NS}}}hidden-text", f"{{{_TEXT_NS}}}hidden-paragraph"))
    for element in doomed:
        parent = element.getparent()
        if parent is None:
            continue
        text = _element_text(element) or element.get(f"{{{_TEXT_NS}}}string-value", "")
        if text:
            set_aside.append(("hidden text", text))
        # Keep the text that follows the element (lxml stores it on the element as its tail).
        if element.tail:
            previous = element.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + element.tail
            else:
                parent.text = (parent.text or "") + element.tail
        parent.remove(element)
    enlarged = _embolden_larger_odt(root, _parse_part(styles) if styles else None)
    if not (doomed or enlarged):
        return None
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _embolden_larger_odt(root, styles_root) -> bool:
    """Make short paragraphs set larger than the body text bold, as _embolden_larger_text does for Word.

    pandoc's ODT reader drops font sizes too; LibreOffice writes a line enlarged by hand as an
    automatic paragraph or text style with its own fo:font-size.
    """
    from collections import Counter

    from lxml import etree

    text, style = f"{{{_TEXT_NS}}}", f"{{{_STYLE_NS}}}"
    found: dict[tuple[str, str], tuple[str | None, str | None]] = {}  # (family, name) -> parent, size
    default: dict[str, float] = {}
    for tree in (styles_root, root):
        if tree is None:
            continue
        for element in tree.iter(style + "style", style + "default-style"):
            family = element.get(style + "family", "")
            props = element.find(style + "text-properties")
            size = props.get(f"{{{_FO_NS}}}font-size") if props is not None else None
            if element.tag == style + "default-style":
                if (points := _points(size, None)) is not None:
                    default[family] = points
                continue
            found[(family, element.get(style + "name", ""))] = (
                element.get(style + "parent-style-name"),
                size,
            )

    def resolve(family: str, name: str | None, inherited: float, depth: int = 0) -> float:
        if name is None or (family, name) not in found or depth > 20:
            return inherited
        parent, size = found[(family, name)]
        base = resolve(family, parent, inherited, depth + 1)
        points = _points(size, base)
        return base if points is None else points

    def lineage(name: str | None) -> list[str]:
        names: list[str] = []
        while name is not None and ("paragraph", name) in found and name not in names:
            names.append(name)
            name = found[("paragraph", name)][0]
        return names

    def segments(element, size: float):
        """(text, size) for each stretch of the element's text, as its spans set it."""
        yield element.text or "", size
        for child in element:
            if child.tag == text + "span":
                yield from segments(child, resolve("text", child.get(text + "style-name"), size))
            elif child.tag not in (text + "note", f"{{{_OFFICE_NS}}}annotation"):
                yield "".join(child.itertext()), size
            yield child.tail or "", size

    body_default = default.get("paragraph", 12.0)
    sizes: Counter = Counter()
    paragraphs = []
    for paragraph in root.iter(text + "p"):
        if any(
            a.tag in (text + "list", text + "note", f"{{{_OFFICE_NS}}}annotation")
            for a in paragraph.iterancestors()
        ):
            continue  # list items and notes keep their own meaning
        named = [n.replace("_20_", " ").casefold() for n in lineage(paragraph.get(text + "style-name"))]
        if any(n.startswith(("title", "subtitle", "heading")) for n in named):
            continue  # a styled paragraph (title, heading) keeps its style's meaning
        own = resolve("paragraph", paragraph.get(text + "style-name"), body_default)
        parts = [(t, size) for t, size in segments(paragraph, own) if t.strip()]
        for t, size in parts:
            sizes[size] += len(t.strip())
        if parts:
            paragraphs.append((paragraph, parts))
    if not sizes:
        return False
    body = sizes.most_common(1)[0][0]
    bold = "OutcomesLargerBold"
    changed = False
    for paragraph, parts in paragraphs:
        if min(size for _, size in parts) < body + 1:  # at least a point larger
            continue
        if not _short(" ".join("".join(t for t, _ in parts).split())):
            continue
        # One bold span around the whole paragraph: pandoc reads a bold text style as strong.
        span = etree.Element(text + "span", {text + "style-name": bold})
        span.text, paragraph.text = paragraph.text, None
        for child in list(paragraph):
            span.append(child)
        paragraph.append(span)
        changed = True
    if changed:
        automatic = root.find(f"{{{_OFFICE_NS}}}automatic-styles")
        if automatic is None:
            automatic = etree.Element(f"{{{_OFFICE_NS}}}automatic-styles")
            body_element = root.find(f"{{{_OFFICE_NS}}}body")
            root.insert(root.index(body_element) if body_element is not None else len(root), automatic)
        added = etree.SubElement(automatic, style + "style", {style + "name": bold, style + "family": "text"})
        etree.SubElement(added, style + "text-properties", {f"{{{_FO_NS}}}font-weight": "bold"})
    return changed


_LENGTH_POINTS = {"pt": 1.0, "pc": 12.0, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4, "px": 0.75}


def _points(size: str | None, base: float | None) -> float | None:
    """An ODF font size in points; a percentage is of the inherited size."""
    if not size:
        return None
    size = size.strip()
    try:
        if size.endswith("%"):
            return None if base is None else base * float(size[:-1]) / 100
        unit = size[-2:]
        return float(size[:-2]) * _LENGTH_POINTS[unit] if unit in _LENGTH_POINTS else None
    except ValueError:
        return None


_META_KEYS = {"rapporteur", "group", "channel", "language"}
# The same labels as rapporteurs write them, in the six UN languages.
_META_ALIASES = {
    **{key: key for key in _META_KEYS},
    **dict.fromkeys(
        [
            "rapporteurs",
            "rapporteur(s)",
            "rapporteuse",
            "reported by",
            "report by",
            "written by",
            "note taker",
            "relator",
            "relatora",
            "relatores",
            "докладчик",
            "докладчики",
            "المقرر",
            "المقررة",
            "报告员",
            "记录员",
        ],
        "rapporteur",
    ),
    **dict.fromkeys(["groupe", "grupo", "группа", "المجموعة", "小组", "breakout group"], "group"),
    **dict.fromkeys(["canal", "канал", "القناة", "渠道"], "channel"),
}
# Labelled lines at the top of a note that describe the session, not its content.
_INFO_KEYS = frozenset(
    "moderator moderators moderated by speakers speaker panelists panellists panel organizer organizers "
    "organiser organisers organized by organised by date time venue room location format session type "
    "duration event session code session title title theme subtheme sub-theme track participants "
    "modérateur modératrice intervenants organisateurs lieu salle heure titre "
    "moderador moderadora ponentes panelistas organizadores lugar sala fecha hora título "
    "модератор спикеры выступающие организаторы дата время место зал название "
    "المنسق الميسر المتحدثون المنظمون التاريخ الوقت المكان القاعة العنوان "
    "主持人 发言人 发言嘉宾 组织者 日期 时间 地点 会场 标题".split(" ")
) | {
    "moderated by",
    "organized by",
    "organised by",
    "session type",
    "session code",
    "session title",
}
_INFO_KINDS = {
    **dict.fromkeys(["session title", "title", "titre", "título", "название", "العنوان", "标题"], "title"),
    **dict.fromkeys(
        ["date", "time", "fecha", "hora", "heure", "дата", "время", "التاريخ", "الوقت", "日期", "时间"],
        "date",
    ),
    **dict.fromkeys(
        [
            "venue",
            "room",
            "location",
            "lieu",
            "salle",
            "lugar",
            "sala",
            "место",
            "зал",
            "المكان",
            "القاعة",
            "地点",
            "会场",
        ],
        "venue",
    ),
}
_TERMINAL = (".", "!", ";", ",", "…", "。", "！", "؛", "،")
_SENTENCE_END = (".", "!", "?", "…", "。", "！", "？", "؟")
_HAND_NUMBER = re.compile(
    r"^(?:\d{1,3}[.)]|\(\d{1,3}\)|[A-Za-z][.)]|\([A-Za-z]\)|[ivxlcIVXLC]{1,6}[.)]|\([ivxlc]{1,6}\))\s+(?=\S)"
)
_LINK = re.compile(r"^<?(?:https?://|www\.)\S+>?$", re.IGNORECASE)
_PUBLISHED = re.compile(
    r"^(published|posted|updated|last updated|publié|mis à jour|publicado|actualizado|опубликовано|"
    r"обновлено|发布|更新于|نشر|تم النشر)(\s|:|：|$)",
    re.IGNORECASE,
)
_EVENT_REPORT = frozenset(
    catalog.normalize(t)
    for t in (
        "Event report",
        "Session report page",
        "Rapport d'événement",
        "Informe del evento",
        "Отчёт о мероприятии",
        "Отчет о мероприятии",
        "تقرير الحدث",
        "活动报告",
        "Full session report",
    )
)
_BYLINE = re.compile(r"^(by|par|por|автор|作者|بقلم)(?:\s*+[:：])?\s++(\S.{1,60})$", re.IGNORECASE)
_SESSION_CODE = re.compile(
    r"(\b(WS|Workshop|OF|Open Forum|DC|Dynamic Coalition|Day 0 Event|Lightning Talk|LT|Town Hall|"
    r"Networking Session|NS|Launch & Award|Main Session|Parliamentary Track|NRI|Event)\s*#\s*\d+)"
    r"|^IGF\s*20\d\d\b",
    re.IGNORECASE,
)
_VENUE = re.compile(
    r"^(workshop room|conference room|plenary hall|room|hall|salle|sala|зал|القاعة|会议室)\s+\S+",
    re.IGNORECASE,
)
_MONTHS = (
    "jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t|tember)?|oct(ober)?|"
    "nov(ember)?|dec(ember)?|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|"
    "octobre|novembre|décembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
    "setiembre|octubre|noviembre|diciembre|январ[ья]|феврал[ья]|марта?|апрел[ья]|ма[йя]|июн[ья]|"
    "июл[ья]|августа?|сентябр[ья]|октябр[ья]|ноябр[ья]|декабр[ья]|يناير|فبراير|مارس|أبريل|ابريل|"
    "مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر"
)
_WEEKDAYS = (
    "mon(day)?|tue(s|sday)?|wed(nesday)?|thu(rs|rsday)?|fri(day)?|sat(urday)?|sun(day)?|lundi|mardi|"
    "mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|miercoles|jueves|viernes|sábado|"
    "domingo|понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|الاثنين|الثلاثاء|الأربعاء|"
    "الخميس|الجمعة|السبت|الأحد"
)
_DATE_WORD = re.compile(
    rf"\b({_MONTHS}|{_WEEKDAYS}|utc|gmt|cet|cest|eat|ast|local time|heure locale|hora local|"
    r"date|time|fecha|hora|heure|дата|время|التاريخ|الوقت|to|from|de|del|au|du|а|г|года|am|pm|h)\b"
    r"|(?<=\d)h\b|上午|下午|\d+|[年月日时点分号:：/.,|()\-–—+]|星期.|周.",
    re.IGNORECASE,
)


# The salutation and sign-off of notes sent by e-mail.
_GREETING = re.compile(
    r"^(hi|hello|dear|good (morning|afternoon)|bonjour|chers?|chère|hola|estimad[oa]s?|querid[oa]s?|"
    r"здравствуйте|добрый день|уважаем\w*|مرحبا|السلام عليكم|您好|各位)\b[^.!?]{0,40}[,!:]?$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^(best|best regards|kind regards|regards|warm regards|many thanks|thanks|thank you|cheers|"
    r"cordialement|bien à vous|salutations|saludos|un saludo|atentamente|с уважением|спасибо|"
    r"مع التحية|تحياتي|此致|谢谢)[,!.]?$",
    re.IGNORECASE,
)


def _is_date_line(text: str) -> bool:
    """A line that is only a date and time ("Tuesday, 24 June 2025 | 09:00-10:30 UTC")."""
    if len(text) > 90 or not re.search(r"\d", text):
        return False
    if _DATE_WORD.sub(" ", text).split():
        return False
    return len(re.findall(r"\d+", text)) >= 2 or bool(re.search(_MONTHS, text, re.IGNORECASE))


def metadata_kind(text: str, at_top: bool) -> str | None:
    """What kind of non-content line this is (title, date, byline, ...), or None for content."""
    if _LINK.match(text):
        return "link"
    if _PUBLISHED.match(text) and len(text) < 80:
        return "published"
    key = catalog.normalize(text)
    if key in _EVENT_REPORT:
        return "event report"
    if _is_date_line(text):
        return "date"
    if len(text) < 200 and _SESSION_CODE.search(text) and (at_top or "#" in text):
        return "title"
    if _SIGN_OFF.match(text):
        return "e-mail sign-off"
    if at_top and _GREETING.match(text):
        return "e-mail greeting"
    if at_top:
        byline = _BYLINE.match(text)
        if byline and len(byline.group(2).split()) <= 6 and not byline.group(2).endswith(_TERMINAL):
            return "byline"
        if _VENUE.match(text) and len(text.split()) <= 8:
            return "venue"
        label, sep, value = (
            re.split(r"([:：])", text, maxsplit=1) if re.search("[:：]", text) else (text, "", "")
        )
        key = label.strip().casefold()
        if sep and value.strip() and key in _INFO_KEYS:
            return _INFO_KINDS.get(key, key)
    return None


def _short(text: str) -> bool:
    return len(text) <= 120 and len(text.split()) <= _MAX_HEADING_WORDS and not text.endswith(_TERMINAL)


def _is_caps(text: str) -> bool:
    if not _short(text):
        return False
    cased = [c for c in text if c.isalpha() and (c.isupper() or c.islower())]
    return len(cased) >= 4 and all(c.isupper() for c in cased) and _short(text)


def _title_like(text: str) -> bool:
    """A line that reads like a title: short, unpunctuated, starting with a capital or a digit."""
    if not _short(text) or text.endswith("?") or len(text) < 3:
        return False
    if text.endswith((":", "：")):
        return False
    label, sep, value = text.partition(":")
    if sep and (label.strip().casefold() in _INFO_KEYS or label.strip().casefold() in _META_ALIASES):
        return False
    if sep and len(label.split()) < 2 and len(value.split()) < 3:  # "Moderator: Jane Doe"
        return False
    first = text[0]
    return (
        first.isupper()
        or first.isdigit()
        or (first.isalpha() and not first.islower() and not first.isupper())
    )


def _significant(line: str) -> bool:
    """A line of a paragraph that is an element of its own (a bullet, label, title, metadata)."""
    return bool(
        _BULLET.match(line)
        or _HAND_NUMBER.match(line)
        or line.endswith((":", "："))
        or wsis_line(line) is not None
        or heading_kind(line)
        or metadata_kind(line, True)
        or _is_caps(line)
        or (len(line) < 50 and _title_like(line))
    )


def _pieces(block: Block, line_numbers: bool) -> list[Block]:
    """Split a paragraph whose lines are elements of their own (pasted one per line); keep a wrapped one."""
    lines = block.lines
    if len(lines) <= 1:
        return [block]
    if not (any(_significant(line) for line in lines) or max(map(len, lines)) > 100):
        return [block]  # a paragraph wrapped at the line width
    groups: list[tuple[int, list[str]]] = []
    for i, line in enumerate(lines):
        if groups and _continues(groups[-1][1][-1], line):
            groups[-1][1].append(line)
        else:
            groups.append((i, [line]))
    if len(groups) == 1:
        return [block]
    pieces = []
    for start, group in groups:
        line = block.line + _offset(block, start) if (line_numbers and block.line) else block.line
        offsets = [_offset(block, start + k) - _offset(block, start) for k in range(len(group))]
        pieces.append(Block("para", line, " ".join(group), lines=group, offsets=offsets))
    return pieces


def _offset(block: Block, i: int) -> int:
    """How many source lines after the block's first its ``i``-th line is."""
    return block.offsets[i] if i < len(block.offsets) else i


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` carries on ``previous`` (a wrapped line), rather than starting an element."""
    sentence_end = previous.endswith(_SENTENCE_END)
    bullet = _BULLET.match(line)
    if bullet:
        # "- under policies ..." inside a wrapped sentence is a dash, not a bullet.
        rest = line[bullet.end() :]
        return line[0] in "-–—" and rest[:1].islower() and not sentence_end and not previous.endswith(":")
    if _HAND_NUMBER.match(line) or wsis_line(line) is not None:
        return False
    if metadata_kind(line, True) or _BYLINE.match(line) or (len(line) <= 200 and heading_kind(line)):
        return False  # a date, a link, a section name: an element of its own
    if line[:1].islower():
        return True
    if previous.endswith((":", "：")) or heading_kind(previous) or _is_caps(previous):
        return False
    return len(previous) >= 60 and not sentence_end


def _look(block: Block) -> str | None:
    """How a paragraph looks: a bullet, a label, a heading by its look, or plain text."""
    text = block.text
    if wsis_line(text) is not None:
        return None
    if _BULLET.match(text):
        return "bullet"
    if text.endswith((":", "：")) and len(text) <= 100:
        return "label"
    if block.bold and _short(text):
        return "bold"
    if _is_caps(text):
        return "caps"
    if _HAND_NUMBER.match(text):
        return "numbered"
    if heading_kind(text) and len(text) <= 200 and not text.endswith(_TERMINAL):
        return "named"
    if _title_like(text):
        return "title"
    return None


_LOOK_REASON = {
    "bold": "a short paragraph that is all bold",
    "caps": "a line in capitals",
    "numbered": "a hand-numbered title",
    "named": "a line that is a section name",
    "title": "a short line that reads like a title, followed by text",
    "label": "a line ending with ':'",
}
_ACTION_WORDS = re.compile(
    r"recommend|call(ed|s)? (on|for|upon)|urge|suggest|propos|should|recomend|recommand|appel|llam|"
    r"exhort|sugier|рекоменд|призва|предлож|توص|دعا|دعوا|建议|呼吁|倡议",
    re.IGNORECASE,
)
_LIST_SECTIONS = ("takeaways", "theme_takeaways", "actions", "action_line_table")
MAX_NOTE_ITEMS = 2000
"""Most takeaways, actions and paragraphs one note may give; more is a pasted dump, not notes."""


def interpret(ast: dict, path: Path, rel: str, problems: Problems, line_numbers: bool = True) -> Note:
    """Turn a pandoc AST into a :class:`Note`, following the heading conventions of the contract."""
    inl = _Inlines()
    counter = [-1] if line_numbers else [0]
    blocks = list(_flatten(ast.get("blocks", []), inl, counter))
    note = Note(path=rel)
    _read_front_matter(ast.get("meta", {}), note, path, problems, inl)
    elements = [
        piece
        for block in blocks
        for piece in (_pieces(block, line_numbers) if block.kind == "para" else [block])
    ]
    _Interpreter(note, path, rel, problems).run(elements)
    for what in sorted(set(inl.dropped)):
        problems.warn(Location(str(path)), f"{what} in this note was left out of the report")
        note.left_out.append(NoteLine(text=what, why="not text", sources=[Source(path=rel)]))
    return note


def _read_front_matter(meta: dict, note: Note, path: Path, problems: Problems, inl: _Inlines) -> None:
    order = {"title": 0, "subtitle": 1, "author": 2, "date": 3}
    for key, value in sorted(meta.items(), key=lambda item: order.get(item[0].lower(), 4)):
        text = _meta_text(value, inl)
        if key.lower() in _META_KEYS:
            _set_meta(note.meta, key.lower(), text, Location(str(path), 1), problems)
        elif key.lower() in ("title", "subtitle", "author", "date"):
            # A Word or ODT Title/Subtitle paragraph (or the same keys in front matter) names the
            # session, its author or date: metadata, never a theme.
            text = clean_text(text)[0]
            if key.lower() == "title":
                note.title = text
            if key.lower() == "author" and not note.meta.rapporteur:
                note.meta.rapporteur = text or None
            note.metadata.append(NoteLine(text=text, why=key.lower(), sources=[Source(path=note.path)]))
        else:
            problems.warn(Location(str(path), 1), f"front matter key '{key}' is not used")


def _meta_text(value: dict, inl: _Inlines) -> str:
    t, c = value["t"], value.get("c")
    if t == "MetaInlines":
        return inl.text(c)
    if t == "MetaString":
        return c
    if t == "MetaBlocks":
        return " ".join(b.text for b in _flatten(c, inl, [-1]))
    if t == "MetaList":
        return ", ".join(_meta_text(v, inl) for v in c)
    return str(c)


def _set_meta(meta: NoteMeta, key: str, value: str, where: Location, problems: Problems) -> None:
    value = clean_text(value.strip())[0]
    if key == "channel":
        channel = value.casefold().replace("-", "").replace(" ", "")
        aliases = {"onsite": "onsite", "inperson": "onsite", "online": "online", "remote": "online"}
        if channel not in aliases:
            problems.error(where, f"channel '{value}' is not known; use onsite or online")
            return
        meta.channel = Channel(aliases[channel])
    else:
        setattr(meta, key, value or None)


class _Interpreter:
    """Walk the elements once, tracking which section and theme the text belongs to."""

    def __init__(self, note: Note, path: Path, rel: str, problems: Problems):
        self.note, self.path, self.rel, self.problems = note, path, rel, problems
        self.section: str | None = None
        self.theme: Theme | None = None
        self.theme_level = 0
        self.pending: str | None = None  # a label ("Key takeaways:") waiting for its list
        self.list_target: str | None = None  # where the items of the list being read go
        self.last_item: str | None = None  # "bullet" or "numbered" when the last element was an item
        self.signed_off = False  # an e-mail sign-off was read: what follows is its signature
        self.seen_heading = False
        self.content_seen = False
        self.table_text: list[tuple[str, int | None]] = []
        self.opening: list[Paragraph] = []
        self.items = 0
        self.capped = False
        self.cleaned: set[int | None] = set()
        self.open_section: tuple[str, int | None, str, int] | None = None
        self.elements: list[Block] = []
        self.index = 0

    def src(self, line: int | None) -> Source:
        return Source(path=self.rel, line=line)

    def where(self, line: int | None) -> Location:
        return Location(str(self.path), line)

    def clean(self, text: str, line: int | None) -> str:
        text, changed = clean_text(text)
        if changed and line not in self.cleaned:
            self.cleaned.add(line)
            self.problems.warn(
                self.where(line), "control characters that no document can hold were removed from this line"
            )
        return text

    def counted(self, line: int | None) -> bool:
        """Count one more item of the note; False once the note is over the limit."""
        self.items += 1
        if self.items <= MAX_NOTE_ITEMS:
            self.content_seen = True
            return True
        if not self.capped:
            self.capped = True
            self.problems.error(
                self.where(line),
                f"this note gives more than {MAX_NOTE_ITEMS} takeaways, actions and paragraphs; "
                "the rest was not read (split the note, or remove pasted transcripts)",
            )
        return False

    def paragraph(self, text: str, line: int | None) -> Paragraph:
        return Paragraph(text=self.clean(text, line), sources=[self.src(line)])

    def takeaway(self, text: str, line: int | None) -> Takeaway:
        return Takeaway(text=self.clean(text, line), sources=[self.src(line)])

    def action(self, text: str, line: int | None) -> Action:
        return Action(text=self.clean(text, line), sources=[self.src(line)])

    def set_aside(self, into: list[NoteLine], text: str, why: str, line: int | None) -> None:
        into.append(NoteLine(text=self.clean(text, line), why=why, sources=[self.src(line)]))

    @property
    def at_top(self) -> bool:
        return not self.content_seen and self.section is None and self.theme is None

    def upcoming(self, offset: int = 1) -> Block | None:
        i = self.index + offset
        return self.elements[i] if i < len(self.elements) else None

    def run(self, elements: list[Block]) -> None:
        self.elements = elements
        for self.index, block in enumerate(elements):
            if self.capped:
                break
            if block.kind == "para" and not self.seen_heading and not self.content_seen:
                block = self._meta_lines(block)
                if block is None:
                    continue
            if block.kind in ("para", "heading") and self._metadata(block):
                continue
            getattr(self, "on_" + block.kind)(block)
        self._close_section("end")
        self._check_table()
        self._finish()

    def _meta_lines(self, block: Block) -> Block | None:
        """Take leading "Rapporteur: / Group: / Channel:" lines; return what remains of the block."""
        lines = block.lines or [block.text]
        taken = 0
        for i, text in enumerate(lines):
            key, sep, value = text.partition(":")
            if not sep:
                key, sep, value = text.partition("：")
            name = _META_ALIASES.get(key.strip().casefold())
            if not (sep and name):
                break
            line = block.line + _offset(block, i) if block.line else None
            _set_meta(self.note.meta, name, value, self.where(line), self.problems)
            taken += 1
        if taken == 0:
            return block
        rest = lines[taken:]
        if not rest:
            return None
        line = block.line + _offset(block, taken) if block.line else None
        offsets = [o - _offset(block, taken) for o in block.offsets[taken:]]
        return Block("para", line, " ".join(rest), lines=rest, offsets=offsets)

    def _metadata(self, block: Block) -> bool:
        """Set aside a line that describes the session (title, date, byline, link); True if taken."""
        text = block.text
        if len(text) > 200:
            return False
        kind = metadata_kind(text, self.at_top)
        if kind is None and self.at_top and not heading_kind(text):
            kind = self._title_at_top(block)
        if kind is None and self.signed_off and len(text.split()) <= 6:
            kind = "e-mail signature"  # the name (and role) under "Best regards,"
        if kind == "e-mail sign-off":
            self.signed_off = True
        if kind is None:
            return False
        if kind == "byline" and not self.note.meta.rapporteur:
            self.note.meta.rapporteur = self.clean(_BYLINE.match(text).group(2).strip(), block.line)
            kind = "rapporteur"
        if kind == "title" and self.note.title is None:
            label, sep, value = (
                re.split("([:：])", text, maxsplit=1) if re.search("[:：]", text) else (text, "", "")
            )
            named = sep and label.strip().casefold() in _INFO_KEYS
            self.note.title = self.clean(value.strip() if named else text, block.line)
        self.set_aside(self.note.metadata, text, kind, block.line)
        return True

    def _title_at_top(self, block: Block) -> str | None:
        """The note's first line is the session's title when metadata or another heading follows it."""
        if block.kind == "para" and not (_title_like(block.text) or block.bold or _is_caps(block.text)):
            return None
        if block.kind == "para" and _look(block) == "bullet":
            return None
        following = self.upcoming()
        if following is None or following.kind not in ("para", "heading"):
            return None
        key = re.split("[:：]", following.text, maxsplit=1)[0].strip().casefold()
        if metadata_kind(following.text, True) or _BYLINE.match(following.text) or key in _META_ALIASES:
            return "title"
        if following.kind == "heading" or _look(following) in ("bold", "caps", "named"):
            return "title" if self.note.title is None else None
        return None

    # -- headings
    def on_heading(self, block: Block, how: str | None = None) -> None:
        kind, matched = heading_match(block.text)
        self._close_section(kind)
        self.seen_heading = True
        self.pending = None
        self.list_target = None
        self.last_item = None
        if how or (matched and matched != "exact"):
            reason = _LOOK_REASON.get(how or "", "")
            said = f"read as a heading ({reason})" if reason else "read as a heading"
            taken = f"{kind.replace('_', ' ')}" if kind else "a theme"
            why = f"{said}: {taken}" + (f", as {matched}" if matched and matched != "exact" else "")
            self.set_aside(self.note.decisions, block.text, why, block.line)
        if kind == "takeaways" and self.theme is not None and block.level >= self.theme_level:
            self.section = "theme_takeaways"
            self._open(block, "theme_takeaways")
            return
        if kind is None:
            if self.section == "action_line_table":
                self.table_text.append((block.text, block.line))
                return
            title = self.clean(strip_numbering(block.text), block.line)
            self.theme = Theme(title=title, sources=[self.src(block.line)])
            self.theme_level = block.level
            self.note.themes.append(self.theme)
            self.section = "theme"
            return
        self.theme = None
        self.section = kind
        self._open(block, kind)

    def _open(self, block: Block, kind: str) -> None:
        self.open_section = (block.text, block.line, kind, self.items)

    def _close_section(self, next_kind: str | None = None) -> None:
        """Warn about a section heading with nothing under it (a theme is checked at the end)."""
        if self.open_section is None:
            return
        text, line, kind, items = self.open_section
        self.open_section = None
        if items == self.items and kind not in ("container", "action_line_table") and not self.table_text:
            if next_kind == kind:
                return  # "Session at a glance" then "Summary": one section under two headings
            self.problems.warn(self.where(line), f"heading '{_clip(text)}' has nothing under it")
            self.set_aside(self.note.left_out, text, "a heading with nothing under it", line)

    def _as_heading(self, block: Block, how: str) -> None:
        level = max(self.theme_level, 1) if self.theme is not None else 2
        self.on_heading(Block("heading", block.line, block.text, level=level), how)

    # -- paragraphs
    def on_para(self, block: Block) -> None:
        text, line = block.text, block.line
        codes = wsis_line(text)
        if codes is not None:
            self._action_lines(codes, line)
            return
        if self.section == "action_line_table":
            self.table_text.append((text, line))
            return
        look = _look(block)
        if look == "bullet":
            self._item(text[_BULLET.match(text).end() :], line)
            self.last_item = "bullet"
            return
        if look == "label":
            if self._label(block):
                return
        elif look in ("bold", "caps", "named"):
            self._as_heading(block, look)
            return
        elif look == "numbered" and self._numbered_title(block):
            self._as_heading(block, look)
            return
        elif look == "numbered":
            self._item(text[_HAND_NUMBER.match(text).end() :], line)
            self.last_item = "numbered"
            return
        elif look == "title" and self._title_here(block):
            self._as_heading(block, look)
            return
        self.last_item = None
        self._text(text, line)

    def _label(self, block: Block) -> bool:
        """A line ending with ':' names the list (or text) that follows; True if it was taken so."""
        text = block.text
        kind, matched = heading_match(text)
        if kind is None and _ACTION_WORDS.search(text) and len(text.split()) <= 8:
            kind, matched = "actions", "its wording calls for action"
        if kind is None:
            return False  # "Speakers noted:": part of the narrative
        if kind in ("takeaways", "actions") and len(text) < 100:
            self.pending = kind
            if matched != "exact":
                why = f"read as a list label: {kind}, as {matched}"
                self.set_aside(self.note.decisions, text, why, block.line)
            return True
        self._as_heading(block, "label")
        return True

    def _numbered_title(self, block: Block) -> bool:
        """Whether a hand-numbered line is a title ("1. Evidence quality") rather than a list item."""
        rest = block.text[_HAND_NUMBER.match(block.text).end() :]
        if (
            self.pending
            or self.section in _LIST_SECTIONS
            or (self.list_target and self.last_item != "bullet")
        ):
            return False  # a numbered item of the list being read (bullets, then "2. Title": a title)
        if not (_short(rest) or (rest.endswith("?") and len(rest) <= 120)):
            return False
        following = self.upcoming()
        return following is None or not (following.kind == "para" and _HAND_NUMBER.match(following.text))

    def _title_here(self, block: Block) -> bool:
        """A title-like line is a heading when text follows it and no list is being read."""
        if self.pending or (self.section in _LIST_SECTIONS and not self.last_item):
            return False  # in a list section only a run of bullets can end with a title
        following = self.upcoming()
        if following is None:
            return False
        if following.kind == "list":
            return True
        if following.kind != "para":
            return False
        look = _look(following)
        if look == "bullet":
            return True
        return look is None and (following.text.endswith(_TERMINAL + ("?", ":")) or len(following.text) > 80)

    def _text(self, text: str, line: int | None) -> None:
        """A paragraph of the current section."""
        self.list_target = None
        if self.pending:
            # A label followed by text rather than a list: the text is that section's.
            kind, self.pending = self.pending, None
            if kind == "takeaways" and self.theme is not None:
                self.section = "theme_takeaways"
            else:
                self.section, self.theme = kind, None
        if not self.counted(line):
            return
        if self.section == "summary":
            self.note.summary.append(self.paragraph(text, line))
        elif self.section == "conclusion":
            self.note.conclusion.append(self.paragraph(text, line))
        elif self.section == "actions":
            self.note.actions.append(self.action(text, line))
        elif self.section == "takeaways":
            self.note.takeaways.append(self.takeaway(text, line))
        elif self.section == "theme_takeaways" and self.theme is not None:
            self.theme.takeaways.append(self.takeaway(text, line))
        elif self.theme is not None:
            self.theme.narrative.append(self.paragraph(text, line))
        elif self.section is None:
            self.opening.append(self.paragraph(text, line))
        else:  # under a discussion heading, before (or without) its themes
            self.note.narrative.append(self.paragraph(text, line))

    def _action_lines(self, text: str, line: int | None) -> None:
        codes, unknown = catalog.parse_action_lines(text)
        for fragment in unknown:
            self.problems.warn(self.where(line), f"'{fragment}' is not a WSIS action line (C1-C11)")
        if self.theme is None:
            self.problems.warn(self.where(line), "WSIS action lines outside a theme were left out")
            self.set_aside(self.note.left_out, text, "WSIS action lines outside a theme", line)
            return
        self.content_seen = True
        self.theme.action_lines = list(dict.fromkeys(self.theme.action_lines + codes))

    # -- lists
    def on_list(self, block: Block) -> None:
        target = self.pending or self.section
        self.pending = None
        for text, line in block.items:
            self._item(text, line or block.line, target)
        self.list_target = None
        self.last_item = "bullet"

    def _item(self, text: str, line: int | None, target: str | None = None) -> None:
        """One list item (of a list, or a bullet or numbered line), filed where its list belongs."""
        if target is None:
            target = self.pending or self.list_target or self.section
            self.pending, self.list_target = None, target
        if target == "action_line_table":
            self.table_text.append((text, line))
            return
        if target not in ("takeaways", "theme_takeaways", "actions"):
            self._text(text, line)
            self.list_target = target
            return
        if not self.counted(line):
            return
        if target == "takeaways" and self.theme is not None and self.section == "theme":
            self.theme.takeaways.append(self.takeaway(text, line))
        elif target == "theme_takeaways" and self.theme is not None:
            self.theme.takeaways.append(self.takeaway(text, line))
        elif target in ("takeaways", "theme_takeaways"):
            self.note.takeaways.append(self.takeaway(text, line))
        else:
            self.note.actions.append(self.action(text, line))

    def on_table(self, block: Block) -> None:
        if self.section == "action_line_table":
            self.table_text.extend((" ".join(row), block.line) for row in block.rows)
            return
        for row in block.rows:
            text = " | ".join(cell for cell in row if cell)
            if text:
                self._text(text, block.line)

    def on_raw(self, block: Block) -> None:
        self.problems.warn(self.where(block.line), "raw HTML in this note was left out of the report")
        self.set_aside(self.note.left_out, block.text, "raw HTML", block.line)

    def _finish(self) -> None:
        """Drop empty themes, place the opening text, and make sure the note says something."""
        note = self.note
        kept = []
        for theme in note.themes:
            if theme.narrative or theme.takeaways or theme.action_lines:
                kept.append(theme)
                continue
            line = theme.sources[0].line
            self.problems.warn(
                self.where(line), f"heading '{_clip(theme.title)}' has nothing under it; it is not a theme"
            )
            self.set_aside(note.left_out, theme.title, "a heading with nothing under it", line)
        note.themes = kept
        structured = note.themes or note.takeaways or note.actions or note.conclusion
        if self.opening:
            if note.summary:
                note.introduction = self.opening
            elif structured:
                note.summary, note.summary_from_opening = self.opening, True
            else:
                note.narrative = self.opening + note.narrative
        if structured or note.summary:
            return
        if note.narrative:
            self.problems.warn(
                self.where(note.narrative[0].sources[0].line),
                "no recognisable structure (no summary, theme, takeaway or action heading): its "
                f"{len(note.narrative)} paragraph(s) are the session's discussion narrative; give the "
                "note headings such as 'Executive summary', a theme title, 'Key takeaways'",
            )
        elif not self.capped:
            self.problems.error(self.where(1), "nothing was recognised: the note has no text to report")

    def _check_table(self) -> None:
        """Compare the note's own action-line summary table with its themes; it is not a theme."""
        if not self.table_text:
            return
        listed: set[str] = set()
        for text, _line in self.table_text:
            listed.update(catalog.parse_action_lines(text)[0] if _CODEISH.search(text) else [])
        in_themes = {code for theme in self.note.themes for code in theme.action_lines}
        line = self.table_text[0][1]
        for code in sorted(listed - in_themes, key=catalog.sort_key):
            self.problems.warn(
                self.where(line), f"the note's action-line table lists {code}, which no theme gives"
            )


_CODEISH = re.compile(r"[CcСс]\s?\d")


def _clip(text: str, n: int = 60) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# --------------------------------------------------------------------------------------------------
# What was understood: the outline `outcomes check` prints and the corpus test compares


@dataclass
class Outline:
    """The outline a reader recognised in one note, so that a misread note shows at a glance."""

    path: str
    summary: str  # "own", "opening" (the text before the first heading) or "none"
    themes: list[tuple[str, int]]  # (title, number of takeaways)
    takeaways: int
    actions: int
    conclusion: bool
    introduction: int
    narrative: int
    rapporteur: str | None
    metadata: list[NoteLine]
    left_out: list[NoteLine]
    decisions: list[NoteLine]

    def as_dict(self) -> dict:
        """The comparable part, as the corpus' ``*.outline.yaml`` files hold it."""
        return {
            "summary": self.summary,
            "themes": [{"title": title, "takeaways": n} for title, n in self.themes],
            "takeaways": self.takeaways,
            "actions": self.actions,
            "conclusion": self.conclusion,
            "introduction": self.introduction,
            "narrative": self.narrative,
            "rapporteur": self.rapporteur,
            "metadata": [line.why for line in self.metadata],
            "left_out": [line.why for line in self.left_out],
        }

    def lines(self, prefix: str = "") -> list[str]:
        """The outline as ``outcomes check`` prints it, one fact a line."""
        summary = {
            "own": "its own",
            "opening": "the text before the first heading",
            "none": "none given (the report's summary will be a draft)",
        }[self.summary]
        out = [f"{prefix}{self.path}: outline recognised", f"  summary: {summary}"]
        if self.introduction:
            out.append(f"  introduction to the discussion: {self.introduction} paragraph(s)")
        if self.narrative:
            out.append(f"  discussion narrative (no theme): {self.narrative} paragraph(s)")
        out.append(f"  themes: {len(self.themes)}")
        out += [f"    - {title}: {n} takeaway(s)" for title, n in self.themes]
        if self.takeaways:
            out.append(f"  takeaways of the session: {self.takeaways}")
        out.append(f"  recommended actions: {self.actions}")
        out.append(f"  conclusion: {'yes' if self.conclusion else 'none'}")
        if self.rapporteur:
            out.append(f"  rapporteur: {self.rapporteur}")
        for title, lines in (
            ("taken as metadata", self.metadata),
            ("headings read", self.decisions),
            ("left out", self.left_out),
        ):
            if lines:
                out.append(f"  {title}:")
                out += [f"    - {_where(line)}'{_clip(line.text)}': {line.why}" for line in lines]
        return out


def _where(line: NoteLine) -> str:
    source = line.sources[0] if line.sources else None
    return f"line {source.line}: " if source and source.line else ""


def outline(note: Note) -> Outline:
    """The outline of what was understood in ``note``."""
    return Outline(
        path=note.path,
        summary="none" if not note.summary else ("opening" if note.summary_from_opening else "own"),
        themes=[(theme.title, len(theme.takeaways)) for theme in note.themes],
        takeaways=len(note.takeaways),
        actions=len(note.actions),
        conclusion=bool(note.conclusion),
        introduction=len(note.introduction),
        narrative=len(note.narrative),
        rapporteur=note.meta.rapporteur,
        metadata=list(note.metadata),
        left_out=list(note.left_out),
        decisions=list(note.decisions),
    )
