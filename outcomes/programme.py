"""The programme: every session folder under an inputs root, its deadline, and what it still lacks.

Programme staff build all sessions before their report deadlines. This module finds the session
folders, reads just enough of each (``session.yaml`` and the file listing, no notes parsed) to say
when it is due and whether it can be built, and picks what a deadline sweep builds: every session due
within N days, plus the overdue ones that have inputs and no outputs yet.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from outcomes.errors import Problems
from outcomes.ingest.notes import NOTE_SUFFIXES
from outcomes.inputs import NOTES_DIR, WORKSHEET_FILE
from outcomes.session import SESSION_FILE, read_session

Status = Literal["due", "overdue", "later", "done", "no-deadline", "missing-inputs"]


def discover(inputs: Path, *, with_session_file: bool = True) -> list[Path]:
    """Session folders directly under ``inputs``, sorted; hidden folders are skipped.

    With ``with_session_file=False`` every sub-folder counts, so that a folder whose organisers
    have not yet written ``session.yaml`` is reported as missing inputs instead of ignored.
    """
    if not inputs.is_dir():
        return []
    return sorted(
        p
        for p in inputs.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and (not with_session_file or (p / SESSION_FILE).is_file())
    )


def days_left(deadline: dt.date | None, today: dt.date) -> int | None:
    """Whole days from ``today`` to ``deadline`` (negative when overdue, None without a deadline)."""
    return None if deadline is None else (deadline - today).days


class SessionStatus(BaseModel):
    """Where one session stands against its deadline."""

    session: str
    folder: str
    title: str = ""
    deadline: dt.date | None = None
    days_left: int | None = None
    missing: list[str] = Field(default_factory=list)
    built: bool = False
    status: Status = "later"

    @property
    def can_build(self) -> bool:
        return not self.missing


def _has_notes(folder: Path) -> bool:
    notes = folder / NOTES_DIR
    return notes.is_dir() and any(
        p.is_file() and p.suffix.lower() in NOTE_SUFFIXES and not p.name.startswith((".", "~$"))
        for p in notes.iterdir()
    )


def session_status(folder: Path, out: Path, today: dt.date, within_days: int) -> SessionStatus:
    """Read ``session.yaml`` and the folder listing of one session; classify it for a sweep."""
    problems = Problems()
    meta = read_session(folder, problems) if (folder / SESSION_FILE).is_file() else None
    missing: list[str] = []
    if not (folder / SESSION_FILE).is_file():
        missing.append(f"{folder / SESSION_FILE}: missing (run 'outcomes init')")
    elif meta is None:
        missing += [str(p) for p in problems.errors] or [f"{folder / SESSION_FILE}: cannot be read"]
    if not _has_notes(folder) and not (folder / WORKSHEET_FILE).is_file():
        missing.append(f"{folder / NOTES_DIR}: no rapporteur notes and no {WORKSHEET_FILE}")
    sid = meta.id if meta is not None else folder.name
    deadline = meta.deadline if meta is not None else None
    left = days_left(deadline, today)
    built = (out / sid / "build.json").is_file()
    status: Status
    if left is None:
        status = "no-deadline"
    elif left < 0:
        status = "done" if built else "overdue"
    elif left <= within_days:
        status = "due"
    else:
        status = "later"
    if missing and status not in ("done", "later"):
        status = "missing-inputs" if status != "overdue" else status
    return SessionStatus(
        session=sid,
        folder=str(folder),
        title=" ".join(x for x in (meta.code, meta.title) if x) if meta is not None else "",
        deadline=deadline,
        days_left=left,
        missing=missing,
        built=built,
        status=status,
    )


class Sweep(BaseModel):
    """What a deadline sweep builds and what it reports."""

    today: dt.date
    within_days: int
    sessions: list[SessionStatus]
    include_overdue: bool = True

    @property
    def to_build(self) -> list[SessionStatus]:
        """Due within the window, or overdue without outputs; only sessions that have their inputs."""
        wanted = {"due", "overdue"} if self.include_overdue else {"due"}
        return [s for s in self.sessions if s.status in wanted and s.can_build]

    @property
    def overdue(self) -> list[SessionStatus]:
        return [s for s in self.sessions if s.status == "overdue"]

    @property
    def missing_inputs(self) -> list[SessionStatus]:
        """Sessions that cannot be built: no session.yaml, an invalid one, or nothing to report from."""
        return [s for s in self.sessions if s.missing and s.status not in ("done", "later")]

    @property
    def without_deadline(self) -> list[SessionStatus]:
        return [s for s in self.sessions if s.status == "no-deadline"]


def plan_sweep(
    inputs: Path, out: Path, today: dt.date, within_days: int, include_overdue: bool = True
) -> Sweep:
    """Classify every session folder under ``inputs`` for a sweep on ``today``."""
    if within_days < 0:
        raise ValueError("within_days must be 0 or more")
    statuses = [session_status(f, out, today, within_days) for f in discover(inputs, with_session_file=False)]
    statuses.sort(key=lambda s: (s.deadline or dt.date.max, s.session))
    return Sweep(today=today, within_days=within_days, sessions=statuses, include_overdue=include_overdue)


def _day_count(left: int | None) -> str:
    if left is None:
        return "no deadline"
    if left < 0:
        return f"{-left} day(s) overdue"
    return "due today" if left == 0 else f"{left} day(s) left"


def sweep_markdown(sweep: Sweep) -> str:
    """The sweep's report for programme staff: what it builds, what is late, what is missing."""
    lines = [
        f"# Deadline sweep, {sweep.today.isoformat()}",
        "",
        f"Sessions due within {sweep.within_days} day(s): **{len(sweep.to_build)}** to build; "
        f"**{len(sweep.overdue)}** overdue; **{len(sweep.missing_inputs)}** missing inputs; "
        f"{len(sweep.sessions)} session folder(s) in all.",
        "",
    ]

    def section(title: str, items: list[SessionStatus], detail: bool) -> None:
        lines.extend([f"## {title}", ""])
        if not items:
            lines.extend(["None.", ""])
            return
        for s in items:
            due = s.deadline.isoformat() if s.deadline else "-"
            lines.append(f"- **{s.session}** {s.title} (deadline {due}, {_day_count(s.days_left)})")
            if detail:
                lines.extend(f"  - {m}" for m in s.missing)
        lines.append("")

    section("Overdue", sweep.overdue, detail=True)
    section("Missing inputs", sweep.missing_inputs, detail=True)
    section("Built by this sweep", sweep.to_build, detail=False)
    if sweep.without_deadline:
        section("No deadline in session.yaml", sweep.without_deadline, detail=False)
    return "\n".join(lines)


def find_session(inputs: Path, session: str) -> Path:
    """The folder of a session given by path, by folder name under ``inputs``, or by its id."""
    from outcomes.errors import OutcomesError

    direct = Path(session)
    if direct.is_dir() and (direct / SESSION_FILE).is_file():
        return direct
    named = inputs / session
    if named.is_dir():
        return named
    for folder in discover(inputs):
        problems = Problems()
        meta = read_session(folder, problems)
        if meta is not None and meta.id == session:
            return folder
    raise OutcomesError(f"no session '{session}' under {inputs} (give its folder name, id or path)")
