"""Rapporteur notes: Markdown, pasted plain text, Word and OpenDocument, all through pandoc.

Every format is read by a pandoc reader into its JSON AST, so a Word heading and a Markdown heading
mean the same thing. Markdown and plain text keep their line numbers (commonmark ``sourcepos``); for
Word and ODT notes the "line" is the paragraph number. Plain text is first rewritten, line for line,
into Markdown: bullets such as "•" become "-", and titles standing on a line of their own become
headings.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from outcomes import catalog
from outcomes.errors import Location, Problems
from outcomes.ingest import pandoc_reader
from outcomes.model import (
    Action,
    Channel,
    Note,
    NoteMeta,
    Paragraph,
    Source,
    Takeaway,
    Theme,
)
from outcomes.pandoc import pandoc_command
from outcomes.session import YAMLTooLarge, load_yaml

# Largest note accepted; a rapporteur's notes are a few pages, not megabytes.
MAX_NOTE_BYTES = 5 * 1024 * 1024
"""Largest Word or ODT note (images included)."""
MAX_TEXT_NOTE_BYTES = 512 * 1024
"""Largest Markdown or plain-text note: pandoc needs seconds and hundreds of MB per MB of Markdown."""
PANDOC_TIMEOUT_S = 30
"""Longest pandoc may take to read one note; pathological Markdown is stopped, not waited for."""
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
    raw = yaml.safe_load(resources.files("outcomes.data").joinpath("headings.yaml").read_text("utf-8"))
    return {
        kind: {catalog.normalize(name): lang for lang, names in by_lang.items() for name in names}
        for kind, by_lang in raw.items()
    }


_NUMBERING = re.compile(r"^\s*(?:\d+(?:\.\d+)*|[IVXLC]+|[A-Za-z])[.)]\s+")


def strip_numbering(text: str) -> str:
    """Drop leading numbering ("1.", "2.3", "IV.", "a)") and a trailing colon."""
    return _NUMBERING.sub("", text).strip().rstrip(":：").strip()


def heading_kind(text: str) -> str | None:
    """The fixed meaning of a heading ("summary", "takeaways", ...), or None for a theme."""
    key = catalog.normalize(strip_numbering(text))
    if not key or wsis_line(text) is not None:
        return None
    for kind, names in _heading_names().items():
        if kind != "wsis_label" and key in names:
            return kind
    words = set(key.split())
    if (
        len(words) <= 8
        and ({"wsis", "cmsi", "smsi"} & words or "action line" in key)
        and ({"summary", "table", "alignment", "resumen", "tabla"} & words)
    ):
        return "action_line_table"
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
_BULLET = re.compile(r"^([•●▪◦■‣∙·*+-])\s+")
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
    Markdown code block), other bullets become "-", and a line standing alone that reads like a title
    becomes a heading. Inside a trailing action-line summary table nothing becomes a heading.
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
        bullet = _BULLET.match(line)
        if bullet:
            out.append("- " + _escape_markdown(line[bullet.end() :]))
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

    def text(self, inlines: list) -> str:
        return " ".join(self.lines(inlines))

    def lines(self, inlines: list) -> list[str]:
        """The text of each source line (split at soft and hard line breaks)."""
        parts: list[str] = []
        for node in inlines:
            self._one(node, parts)
        return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]

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
            pass  # footnotes are not part of the running text
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
            lines = inl.lines(c)
            if lines:
                yield Block("para", here, " ".join(lines), bold=_is_bold(c), lines=lines)
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
    try:
        ast = _pandoc_ast(path, suffix)
    except _NoteUnreadable as exc:
        problems.error(Location(str(path), exc.line), str(exc))
        return None
    try:
        return interpret(ast, path, rel, problems, line_numbers=suffix in _TEXT_SUFFIXES)
    except RecursionError:
        problems.error(where, "this note nests lists or quotes too deeply to be read")
        return None


class _NoteUnreadable(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def _pandoc_ast(path: Path, suffix: str) -> dict:
    fmt = READERS[suffix]
    if suffix in _TEXT_SUFFIXES:
        try:
            text = _decode(path.read_bytes())
        except OSError as exc:
            raise _NoteUnreadable(f"cannot be read ({exc.strerror or exc})") from exc
        _check_text(text)
        if suffix == ".txt":
            text = plain_text_to_markdown(text)
        out = _read_tree(fmt, suffix, text=text)
    else:
        _check_zip(path)
        out = _read_tree(fmt, suffix, path=os.path.abspath(path))
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
        return readers.read({**request, "max_bytes": MAX_AST_BYTES}, PANDOC_TIMEOUT_S)
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
        f"pandoc took longer than {PANDOC_TIMEOUT_S} s to read this {suffix} note and was stopped; "
        "simplify the note (deeply nested or unbalanced markup?)"
    )


def _too_intricate(suffix: str) -> _NoteUnreadable:
    return _NoteUnreadable(
        f"this {suffix} note is too intricate to read (its structure exceeds "
        f"{MAX_AST_BYTES // (1024 * 1024)} MB); simplify or split it"
    )


def _too_big_for_memory(suffix: str) -> _NoteUnreadable:
    return _NoteUnreadable(
        f"reading this {suffix} note needs more than {PANDOC_MAX_HEAP.rstrip('m')} MB of memory; "
        "refused (simplify or split the note)"
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
    deadline = time.monotonic() + PANDOC_TIMEOUT_S
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
    import zipfile

    kind = path.suffix.lower()
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
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
    except OSError as exc:
        raise _NoteUnreadable(f"cannot be read ({exc.strerror or exc})") from exc
    # zipfile reports damage in several ways: RuntimeError for encrypted parts or unknown methods.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, EOFError, ValueError, zlib.error) as exc:
        raise _NoteUnreadable(f"is a damaged or truncated {kind} document ({str(exc)[:200]})") from exc


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


_META_KEYS = {"rapporteur", "group", "channel", "language"}


def interpret(ast: dict, path: Path, rel: str, problems: Problems, line_numbers: bool = True) -> Note:
    """Turn a pandoc AST into a :class:`Note`, following the heading conventions of the contract."""
    inl = _Inlines()
    counter = [-1] if line_numbers else [0]
    blocks = list(_flatten(ast.get("blocks", []), inl, counter))
    note = Note(path=rel)
    _read_front_matter(ast.get("meta", {}), note, path, problems, inl)
    _Interpreter(note, path, rel, problems).run(blocks)
    for what in sorted(set(inl.dropped)):
        problems.warn(Location(str(path)), f"{what} in this note was left out of the report")
    return note


def _read_front_matter(meta: dict, note: Note, path: Path, problems: Problems, inl: _Inlines) -> None:
    for key, value in meta.items():
        text = _meta_text(value, inl)
        if key.lower() in _META_KEYS:
            _set_meta(note.meta, key.lower(), text, Location(str(path), 1), problems)
        elif key.lower() not in ("title", "author", "date", "subtitle"):
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
    value = value.strip()
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
    """Walk the blocks once, tracking which section and theme the text belongs to."""

    def __init__(self, note: Note, path: Path, rel: str, problems: Problems):
        self.note, self.path, self.rel, self.problems = note, path, rel, problems
        self.section: str | None = None
        self.theme: Theme | None = None
        self.theme_level = 0
        self.pending: str | None = None  # a label ("Key takeaways:") waiting for its list
        self.seen_heading = False
        self.table_text: list[tuple[str, int | None]] = []

    def src(self, line: int | None) -> Source:
        return Source(path=self.rel, line=line)

    def where(self, line: int | None) -> Location:
        return Location(str(self.path), line)

    def run(self, blocks: list[Block]) -> None:
        for block in blocks:
            if not self.seen_heading and block.kind == "para":
                block = self._meta_lines(block)
                if block is None:
                    continue
            getattr(self, "on_" + block.kind)(block)
        self._check_table()
        if not (self.note.summary or self.note.themes or self.note.takeaways or self.note.actions):
            self.problems.error(
                self.where(1),
                "no executive summary, theme, takeaway or recommended action was recognised; "
                "give the note headings such as 'Executive summary', a theme title, 'Key takeaways'",
            )

    def _meta_lines(self, block: Block) -> Block | None:
        """Take leading "Rapporteur: / Group: / Channel:" lines; return what remains of the block."""
        lines = block.lines or [block.text]
        taken = 0
        for i, text in enumerate(lines):
            key, sep, value = text.partition(":")
            if not (sep and key.strip().casefold() in _META_KEYS):
                break
            line = block.line + i if block.line else None
            _set_meta(self.note.meta, key.strip().casefold(), value, self.where(line), self.problems)
            taken += 1
        if taken == 0:
            return block
        rest = lines[taken:]
        if not rest:
            return None
        line = block.line + taken if block.line else None
        return Block("para", line, " ".join(rest), lines=rest)

    # -- headings
    def on_heading(self, block: Block) -> None:
        self.seen_heading = True
        self.pending = None
        kind = heading_kind(block.text)
        if kind == "takeaways" and self.theme is not None and block.level >= self.theme_level:
            self.section = "theme_takeaways"
            return
        if kind is None:
            if self.section == "action_line_table":
                self.table_text.append((block.text, block.line))
                return
            self.theme = Theme(title=strip_numbering(block.text), sources=[self.src(block.line)])
            self.theme_level = block.level
            self.note.themes.append(self.theme)
            self.section = "theme"
            return
        self.theme = None
        self.section = kind

    # -- paragraphs
    def on_para(self, block: Block) -> None:
        text, line = block.text, block.line
        codes = wsis_line(text)
        if codes is not None:
            self._action_lines(codes, line)
            return
        label = heading_kind(text) if (block.bold or text.rstrip().endswith((":", "："))) else None
        if label in ("takeaways", "actions") and len(text) < 60:
            self.pending = label
            return
        if self.section == "action_line_table":
            self.table_text.append((text, line))
            return
        self.pending = None
        para = Paragraph(text=text, sources=[self.src(line)])
        if self.section == "summary":
            self.note.summary.append(para)
        elif self.section == "conclusion":
            self.note.conclusion.append(para)
        elif self.section == "actions":
            self.note.actions.append(Action(text=text, sources=[self.src(line)]))
        elif self.section == "takeaways":
            self.note.takeaways.append(Takeaway(text=text, sources=[self.src(line)]))
        elif self.section == "theme_takeaways" and self.theme is not None:
            self.theme.takeaways.append(Takeaway(text=text, sources=[self.src(line)]))
        elif self.theme is not None:
            self.theme.narrative.append(para)
        else:
            where = "before the first heading" if self.section is None else "under a themes heading"
            self.problems.warn(
                self.where(line), f"text {where} belongs to no section and was left out: '{_clip(text)}'"
            )

    def _action_lines(self, text: str, line: int | None) -> None:
        codes, unknown = catalog.parse_action_lines(text)
        for fragment in unknown:
            self.problems.warn(self.where(line), f"'{fragment}' is not a WSIS action line (C1-C11)")
        if self.theme is None:
            self.problems.warn(self.where(line), "WSIS action lines outside a theme were left out")
            return
        self.theme.action_lines = list(dict.fromkeys(self.theme.action_lines + codes))

    # -- lists
    def on_list(self, block: Block) -> None:
        target = self.pending or self.section
        self.pending = None
        for text, line in block.items:
            line = line or block.line
            if target == "takeaways" and self.theme is not None and self.section == "theme":
                self.theme.takeaways.append(Takeaway(text=text, sources=[self.src(line)]))
            elif target == "theme_takeaways" and self.theme is not None:
                self.theme.takeaways.append(Takeaway(text=text, sources=[self.src(line)]))
            elif target == "takeaways":
                self.note.takeaways.append(Takeaway(text=text, sources=[self.src(line)]))
            elif target == "actions":
                self.note.actions.append(Action(text=text, sources=[self.src(line)]))
            elif target == "action_line_table":
                self.table_text.append((text, line))
            else:
                self.on_para(Block("para", line, text))

    def on_table(self, block: Block) -> None:
        if self.section == "action_line_table":
            self.table_text.extend((" ".join(row), block.line) for row in block.rows)
            return
        for row in block.rows:
            text = " | ".join(cell for cell in row if cell)
            if text:
                self.on_para(Block("para", block.line, text))

    def on_raw(self, block: Block) -> None:
        self.problems.warn(self.where(block.line), "raw HTML in this note was left out of the report")

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
