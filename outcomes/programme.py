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
from outcomes.session import MAX_SESSION_BYTES, SESSION_FILE, load_yaml, read_session

Status = Literal["due", "overdue", "later", "done", "late", "no-deadline", "missing-inputs", "invalid"]
"""done: built by its deadline; late: built after it; invalid: session.yaml has errors."""


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
    built_on: dt.date | None = None
    days_late: int | None = None
    outputs: str = ""
    status: Status = "later"

    @property
    def can_build(self) -> bool:
        return not self.missing

    @property
    def needs_attention(self) -> bool:
        """An invalid session.yaml, or a session due or late that cannot be built."""
        return self.status == "invalid" or (
            bool(self.missing) and self.status in ("missing-inputs", "overdue")
        )


def _has_notes(folder: Path) -> bool:
    notes = folder / NOTES_DIR
    return notes.is_dir() and any(
        p.is_file() and p.suffix.lower() in NOTE_SUFFIXES and not p.name.startswith((".", "~$"))
        for p in notes.iterdir()
    )


def declared(folder: Path) -> tuple[str | None, dt.date | None]:
    """The id and deadline a session.yaml declares, read leniently (for one that is otherwise invalid)."""
    try:
        with (folder / SESSION_FILE).open("rb") as handle:
            data = load_yaml(handle.read(MAX_SESSION_BYTES).decode("utf-8-sig", "replace"))
    except Exception:  # noqa: BLE001 - an unreadable file declares nothing; its errors are reported
        return None, None
    if not isinstance(data, dict):
        return None, None
    sid = data.get("id") if isinstance(data.get("id"), str) else None
    deadline = data.get("deadline")
    if isinstance(deadline, str):
        try:
            deadline = dt.date.fromisoformat(deadline.strip())
        except ValueError:
            deadline = None
    if isinstance(deadline, dt.datetime):
        deadline = deadline.date()
    return sid, deadline if isinstance(deadline, dt.date) else None


def _built_on(record: Path) -> dt.date | None:
    """The day the session's outputs were last written (its build.json), or None if never built."""
    try:
        return dt.date.fromtimestamp(record.stat().st_mtime)
    except OSError:
        return None


def session_status(folder: Path, out: Path, today: dt.date, within_days: int) -> SessionStatus:
    """Read ``session.yaml`` and the folder listing of one session; classify it for a sweep."""
    problems = Problems()
    has_file = (folder / SESSION_FILE).is_file()
    meta = read_session(folder, problems) if has_file else None
    missing: list[str] = []
    if not has_file:
        missing.append(f"{folder / SESSION_FILE}: missing (run 'outcomes init')")
    elif meta is None:
        missing += [str(p) for p in problems.errors] or [f"{folder / SESSION_FILE}: cannot be read"]
    if not _has_notes(folder) and not (folder / WORKSHEET_FILE).is_file():
        missing.append(f"{folder / NOTES_DIR}: no rapporteur notes and no {WORKSHEET_FILE}")
    if meta is not None:
        sid, deadline = meta.id, meta.deadline
    else:
        declared_id, deadline = declared(folder) if has_file else (None, None)
        sid = declared_id or folder.name
    left = days_left(deadline, today)
    out_dir = out / sid
    built_on = _built_on(out_dir / "build.json")
    if built_on is not None:
        built_on = min(built_on, today)  # a sweep run for a past day takes later builds as built that day
    days_late: int | None
    status: Status
    if has_file and meta is None:
        status = "invalid"
    elif built_on is not None and deadline is not None and built_on > deadline:
        status = "late"  # built, but after its deadline: it stays visible as late
    elif left is None:
        status = "no-deadline"
    elif left < 0:
        status = "done" if built_on is not None else "overdue"
    elif left <= within_days:
        status = "due"
    else:
        status = "later"
    if missing and status in ("due", "no-deadline"):
        status = "missing-inputs"
    if deadline is None:
        days_late = None
    elif status == "late" and built_on is not None:
        days_late = (built_on - deadline).days
    else:
        days_late = max(0, (today - deadline).days) if built_on is None else 0
    return SessionStatus(
        session=sid,
        folder=str(folder),
        title=" ".join(x for x in (meta.code, meta.title) if x) if meta is not None else "",
        deadline=deadline,
        days_left=left,
        missing=missing,
        built=built_on is not None,
        built_on=built_on,
        days_late=days_late,
        outputs=str(out_dir.resolve()) if built_on is not None else "",
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
        return [s for s in self.sessions if s.missing and s.status not in ("done", "later", "late")]

    @property
    def late(self) -> list[SessionStatus]:
        """Sessions built after their deadline."""
        return [s for s in self.sessions if s.status == "late"]

    @property
    def needs_attention(self) -> list[SessionStatus]:
        return [s for s in self.sessions if s.needs_attention]

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
            when = f"built {s.days_late} day(s) late" if s.status == "late" else _day_count(s.days_left)
            lines.append(f"- **{s.session}** {s.title} (deadline {due}, {when})")
            if detail:
                lines.extend(f"  - {m}" for m in s.missing)
        lines.append("")

    section("Overdue", sweep.overdue, detail=True)
    section("Missing inputs", sweep.missing_inputs, detail=True)
    if sweep.late:
        section("Built after the deadline", sweep.late, detail=False)
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
