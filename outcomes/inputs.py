"""Find and read everything in a session folder, collecting every problem in one pass.

The folder is walked once (:func:`scan`), without recursion and at most :data:`MAX_FOLDER_DEPTH`
levels deep. Each file's size is looked at first: what is over its limit is refused (or, in
``assets/``, ignored) with a located problem and never read or hashed. No link that leads out of
the session folder is followed, and nothing about what it points to (name, size, content) is
recorded or printed.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from outcomes.errors import Location, Problems
from outcomes.ingest.notes import NOTE_SUFFIXES, read_note
from outcomes.limits import (
    MAX_ASSET_BYTES,
    MAX_ASSET_FILES,
    MAX_FOLDER_DEPTH,
    MAX_NOTE_BYTES,
    MAX_POLL_BYTES,
    MAX_TEXT_NOTE_BYTES,
    MAX_WORKSHEET_BYTES,
)
from outcomes.model import Note, Poll, SessionMeta, Worksheet
from outcomes.session import MAX_SESSION_BYTES, SESSION_FILE, read_session

NOTES_DIR = "notes"
POLLS_DIR = "polls"
ASSETS_DIR = "assets"
WORKSHEET_FILE = "worksheet.xlsx"
POLL_SUFFIXES = (".csv", ".xlsx")
KNOWN_ENTRIES = {SESSION_FILE, NOTES_DIR, POLLS_DIR, ASSETS_DIR, WORKSHEET_FILE}
TEXT_NOTE_SUFFIXES = (".md", ".markdown", ".txt")
LINK_OUT = "is a link to a file outside the session folder; refused (copy the file into the folder instead)"
FOLDER_LINK_OUT = (
    "is a link out of the session folder; not followed (copy what it holds into the folder instead)"
)
IGNORED = "ignored"  # the hash of a file that is listed but not read: its name counts, not its content


@dataclass
class SessionInputs:
    """Everything read from one session folder."""

    folder: Path
    session: SessionMeta | None
    notes: list[Note] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    worksheet: Worksheet | None = None
    problems: Problems = field(default_factory=Problems)
    hashes: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class Scan:
    """The files of a session folder that will be read, each within its size limit, and their hashes."""

    session_refused: bool = False
    notes: list[Path] = field(default_factory=list)
    polls: list[Path] = field(default_factory=list)
    worksheet: Path | None = None
    hashes: dict[str, str] = field(default_factory=dict)


def note_limit(path: Path) -> int:
    return MAX_TEXT_NOTE_BYTES if path.suffix.lower() in TEXT_NOTE_SUFFIXES else MAX_NOTE_BYTES


def _leads_out(path: Path, root: Path) -> bool:
    """Whether ``path`` (or a link on the way to it) points outside the session folder ``root``."""
    try:
        return not path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links, or a path too long: it leads nowhere usable
        return True


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _too_large(size: int, limit: int, what: str = "a file here") -> str:
    """Why a file over its limit is refused, worded as its reader words it."""
    if what == "a note":
        return f"note is {size // 1024} KB; the limit is {limit // 1024} KB"
    return f"is {size / (1024 * 1024):.1f} MB, more than the {limit // (1024 * 1024)} MB {what} can be"


def _digest(path: Path, limit: int) -> str:
    """SHA-256 of at most ``limit`` bytes of a regular file; an unreadable file hashes by its error."""
    try:
        # O_NONBLOCK: a FIFO swapped in after the stat must not block the open.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return IGNORED
        digest = hashlib.sha256()
        left = limit + 1
        try:
            while left > 0 and (chunk := handle.read(min(1024 * 1024, left))):
                digest.update(chunk)
                left -= len(chunk)
        except OSError as exc:
            return f"unreadable: {exc.strerror or exc}"
        return digest.hexdigest()


def _file(path: Path, root: Path, limit: int, what: str, problems: Problems) -> os.stat_result | None:
    """The stat of an input file that will be read, or None (refused with a located error, or absent)."""
    if _leads_out(path, root):
        problems.error(Location(str(path)), LINK_OUT)
        return None
    found = _stat(path)
    if found is None:
        return None
    if not stat.S_ISREG(found.st_mode):
        problems.error(Location(str(path)), "is not a regular file")
        return None
    if found.st_size > limit:
        problems.error(Location(str(path)), _too_large(found.st_size, limit, what))
        return None
    return found


def _folder(path: Path, root: Path, problems: Problems) -> bool:
    """Whether a sub-folder of the session may be listed (it exists, and does not lead out)."""
    if not (path.is_dir() or path.is_symlink()):
        return False
    if _leads_out(path, root):
        problems.warn(Location(str(path)), FOLDER_LINK_OUT)
        return False
    return path.is_dir()


def _listing(
    folder: Path, root: Path, suffixes: tuple[str, ...], limit, what: str, scan: Scan, problems: Problems
) -> list[Path]:
    """Files of notes/ or polls/ in name order, each within its limit; others are warned about."""
    if not _folder(folder, root, problems):
        return []
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")):
            continue
        rel = path.relative_to(folder.parent).as_posix()  # as given; root is resolved
        if path.suffix.lower() not in suffixes or (path.is_dir() and not _leads_out(path, root)):
            problems.warn(Location(str(path)), f"ignored: not one of {', '.join(suffixes)}")
            scan.hashes[rel] = IGNORED
            continue
        size_limit = limit(path)
        if _file(path, root, size_limit, what, problems) is None:
            continue
        scan.hashes[rel] = _digest(path, size_limit)
        files.append(path)
    return files


def _walk_assets(folder: Path, root: Path, scan: Scan, problems: Problems) -> None:
    """Hash every image under assets/ the PDF may use: iteratively, never through a link that leads out."""
    if not _folder(folder, root, problems):
        return
    stack: list[tuple[Path, int]] = [(folder, 1)]
    counted = 0
    while stack:
        current, depth = stack.pop()
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            problems.warn(Location(str(current)), f"ignored: cannot be listed ({exc.strerror or exc})")
            continue
        for entry in reversed(entries):
            path = Path(entry.path)
            rel = path.relative_to(folder.parent).as_posix()  # as given; root is resolved
            if entry.is_symlink() and _leads_out(path, root):
                problems.warn(Location(str(path)), FOLDER_LINK_OUT)
                continue
            if entry.is_dir(follow_symlinks=False):
                if depth >= MAX_FOLDER_DEPTH:
                    problems.warn(
                        Location(str(path)),
                        f"ignored: folders under {ASSETS_DIR}/ are read {MAX_FOLDER_DEPTH} levels deep",
                    )
                else:
                    stack.append((path, depth + 1))
                continue
            found = _stat(path)
            if found is None or not stat.S_ISREG(found.st_mode):
                continue  # a folder reached through a link inside, a FIFO, a device: the PDF uses none
            counted += 1
            if counted > MAX_ASSET_FILES:
                problems.warn(
                    Location(str(folder)),
                    f"ignored: more than {MAX_ASSET_FILES:,} files; the rest unused",
                )
                return
            if found.st_size > MAX_ASSET_BYTES:
                problems.warn(
                    Location(str(path)), f"ignored: {_too_large(found.st_size, MAX_ASSET_BYTES, 'an image')}"
                )
                continue
            scan.hashes[rel] = _digest(path, MAX_ASSET_BYTES)


def scan(folder: Path, problems: Problems) -> Scan:
    """Find what a build of ``folder`` reads, refusing what is too large or outside before hashing it."""
    root = folder.resolve()
    found = Scan()
    session = folder / SESSION_FILE
    if session.is_file() or session.is_symlink():
        # read_session reports a session.yaml over its limit; it is then not hashed either.
        if _leads_out(session, root):
            problems.error(Location(str(session)), LINK_OUT)
            found.session_refused = True
        else:
            size = _stat(session)
            if size is not None and size.st_size <= MAX_SESSION_BYTES:
                found.hashes[SESSION_FILE] = _digest(session, MAX_SESSION_BYTES)
    found.notes = _listing(folder / NOTES_DIR, root, NOTE_SUFFIXES, note_limit, "a note", found, problems)
    found.polls = _listing(
        folder / POLLS_DIR, root, POLL_SUFFIXES, lambda _: MAX_POLL_BYTES, "a poll export", found, problems
    )
    worksheet = folder / WORKSHEET_FILE
    if (worksheet.exists() or worksheet.is_symlink()) and _file(
        worksheet, root, MAX_WORKSHEET_BYTES, "a worksheet", problems
    ):
        found.worksheet = worksheet
        found.hashes[WORKSHEET_FILE] = _digest(worksheet, MAX_WORKSHEET_BYTES)
    _walk_assets(folder / ASSETS_DIR, root, found, problems)
    return found


def hash_inputs(folder: Path) -> dict[str, str]:
    """The hash of every file a build of ``folder`` reads (its problems are reported by the read)."""
    return scan(folder, Problems()).hashes


def assets_root(folder: Path) -> Path | None:
    """The session's assets/ folder for the PDF's URL gate, unless it is missing or leads out."""
    assets = folder / ASSETS_DIR
    if not assets.is_dir() or _leads_out(assets, folder.resolve()):
        return None
    return assets


def read_inputs(folder: Path) -> SessionInputs:
    """Read session.yaml, the notes, the polls and the worksheet of one session."""
    # Imported here: renderer processes import this module (for SessionInputs) but never read inputs.
    from outcomes.ingest.polls import read_polls
    from outcomes.ingest.worksheet import read_worksheet

    problems = Problems()
    if not folder.is_dir():
        problems.error(Location(str(folder)), "is not a session folder")
        return SessionInputs(folder, None, problems=problems)
    found = scan(folder, problems)
    session = None if found.session_refused else read_session(folder, problems)
    inputs = SessionInputs(folder, session, problems=problems, hashes=found.hashes)
    for entry in sorted(folder.iterdir()):
        if entry.name not in KNOWN_ENTRIES and not entry.name.startswith("."):
            problems.warn(
                Location(str(entry)),
                "ignored: a session folder holds session.yaml, notes/, polls/, worksheet.xlsx and assets/",
            )
    for path in found.notes:
        note = read_note(path, path.relative_to(folder).as_posix(), problems)
        if note is not None:
            inputs.notes.append(note)
    # Read together: a respondent named in one export is scrubbed from the answers of every other.
    inputs.polls.extend(
        read_polls([(path, path.relative_to(folder).as_posix()) for path in found.polls], problems)
    )
    if found.worksheet is not None:
        inputs.worksheet = read_worksheet(found.worksheet, WORKSHEET_FILE, problems)
    if session is not None and not inputs.notes and inputs.worksheet is None and not problems.errors:
        problems.error(
            Location(str(folder / NOTES_DIR)),
            "the session has no notes and no worksheet: there is nothing to report",
        )
    return inputs
