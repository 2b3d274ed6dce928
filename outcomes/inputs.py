"""Find and read everything in a session folder, collecting every problem in one pass."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from outcomes.errors import Location, Problems
from outcomes.ingest.notes import NOTE_SUFFIXES, read_note
from outcomes.model import Note, Poll, SessionMeta, Worksheet
from outcomes.session import SESSION_FILE, read_session

NOTES_DIR = "notes"
POLLS_DIR = "polls"
ASSETS_DIR = "assets"
WORKSHEET_FILE = "worksheet.xlsx"
POLL_SUFFIXES = (".csv", ".xlsx")
KNOWN_ENTRIES = {SESSION_FILE, NOTES_DIR, POLLS_DIR, ASSETS_DIR, WORKSHEET_FILE}


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


def _listing(folder: Path, suffixes: tuple[str, ...], problems: Problems) -> list[Path]:
    """Files of a sub-folder in name order; others are warned about, hidden files skipped."""
    if not folder.is_dir():
        return []
    files = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "~$")):
            continue
        if path.is_file() and path.suffix.lower() in suffixes:
            if _outside(path, folder.parent, problems):
                continue
            files.append(path)
        else:
            problems.warn(Location(str(path)), f"ignored: not one of {', '.join(suffixes)}")
    return files


def _outside(path: Path, session: Path, problems: Problems) -> bool:
    """Refuse a file that is a link to somewhere outside the session folder (it could be any file)."""
    if path.resolve().is_relative_to(session.resolve()):
        return False
    problems.error(
        Location(str(path)),
        "is a link to a file outside the session folder; refused (copy the file into the folder instead)",
    )
    return True


def input_files(folder: Path) -> list[Path]:
    """Every file that can affect the build, sorted (for hashing)."""
    files = [folder / SESSION_FILE, folder / WORKSHEET_FILE]
    for sub in (NOTES_DIR, POLLS_DIR, ASSETS_DIR):
        if (folder / sub).is_dir():
            files += sorted(p for p in (folder / sub).rglob("*") if p.is_file())
    return [f for f in files if f.is_file()]


def _digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks (an input may be large); an unreadable file hashes by its error."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        return f"unreadable: {exc.strerror or exc}"


def hash_inputs(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): _digest(p) for p in input_files(folder)}


def import_readers() -> None:
    """Import the poll and worksheet readers now, before they are needed (clevercsv: when a poll needs it)."""
    import outcomes.ingest.polls  # noqa: F401
    import outcomes.ingest.worksheet  # noqa: F401


def read_inputs(folder: Path) -> SessionInputs:
    """Read session.yaml, the notes, the polls and the worksheet of one session."""
    # Imported here: renderer processes import this module (for SessionInputs) but never read inputs.
    from outcomes.ingest.polls import read_polls
    from outcomes.ingest.worksheet import read_worksheet

    problems = Problems()
    if not folder.is_dir():
        problems.error(Location(str(folder)), "is not a session folder")
        return SessionInputs(folder, None, problems=problems)
    session = (
        read_session(folder, problems) if not _outside(folder / SESSION_FILE, folder, problems) else None
    )
    inputs = SessionInputs(folder, session, problems=problems, hashes=hash_inputs(folder))
    for entry in sorted(folder.iterdir()):
        if entry.name not in KNOWN_ENTRIES and not entry.name.startswith("."):
            problems.warn(
                Location(str(entry)),
                "ignored: a session folder holds session.yaml, notes/, polls/, worksheet.xlsx and assets/",
            )
    for path in _listing(folder / NOTES_DIR, NOTE_SUFFIXES, problems):
        note = read_note(path, path.relative_to(folder).as_posix(), problems)
        if note is not None:
            inputs.notes.append(note)
    # Read together: a respondent named in one export is scrubbed from the answers of every other.
    polls = _listing(folder / POLLS_DIR, POLL_SUFFIXES, problems)
    inputs.polls.extend(read_polls([(path, path.relative_to(folder).as_posix()) for path in polls], problems))
    worksheet = folder / WORKSHEET_FILE
    if worksheet.is_file() and not _outside(worksheet, folder, problems):
        inputs.worksheet = read_worksheet(worksheet, WORKSHEET_FILE, problems)
    from outcomes.scaffold import warn_leftovers

    warn_leftovers(inputs)  # what `outcomes init` wrote is an example, not a report
    if session is not None and not inputs.notes and inputs.worksheet is None and not problems.errors:
        problems.error(
            Location(str(folder / NOTES_DIR)),
            "the session has no notes and no worksheet: there is nothing to report",
        )
    return inputs
