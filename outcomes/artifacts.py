"""Prefect artifacts of a build: a table of the run's sessions, a summary per session, a progress bar,
and for the deadline sweep a table of every session of the programme.

Every output is given by its absolute path, and as a file link.

The content (rows, markdown) is built by plain functions from :class:`BuildResult`, so that it is
tested without Prefect; the ``publish_*`` functions hand it to Prefect inside a flow or task run.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from uuid import UUID

from outcomes.build import BuildResult
from outcomes.programme import Sweep, days_left, sweep_markdown

RUN_TABLE_KEY = "build-sessions"
SWEEP_KEY = "deadline-sweep"
PROGRAMME_KEY = "programme"


def artifact_key(*parts: str) -> str:
    """A valid artifact key (lowercase letters, digits and dashes) from free text."""
    key = re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")
    return key[:100] or "session"


def run_rows(results: list[BuildResult], today: dt.date) -> list[dict[str, object]]:
    """One row per session: status, documents, warnings, deadline, days left, errors."""
    rows = []
    for r in sorted(results, key=lambda r: (r.status != "failed", r.deadline or dt.date.max, r.session)):
        rows.append(
            {
                "session": r.session,
                "status": r.status,
                "documents": ", ".join(r.documents),
                "warnings": len(r.warnings),
                "deadline": r.deadline.isoformat() if r.deadline else "",
                "days left": days_left(r.deadline, today) if r.deadline else "",
                "outputs": absolute(r.out_dir) if r.out_dir else "",
                "errors": " | ".join(r.errors)[:500],
            }
        )
    return rows


def absolute(path: str) -> str:
    return str(Path(path).resolve())


def file_link(path: str) -> str:
    """A markdown link to a file, shown as its absolute path."""
    full = Path(path).resolve()
    return f"[{full}]({full.as_uri()})"


def run_description(results: list[BuildResult]) -> str:
    built = sum(r.status == "built" for r in results)
    same = sum(r.status == "unchanged" for r in results)
    failed = [r.session for r in results if r.status == "failed"]
    text = f"{len(results)} session(s): {built} built, {same} unchanged, {len(failed)} failed"
    return text + (": " + ", ".join(failed) if failed else "")


def run_message(results: list[BuildResult], limit: int = 5) -> str:
    """The run's summary and, for each failed session (the first ``limit``), its first located problem."""
    failed = [r for r in results if r.status == "failed"]
    text = run_description(results)
    if not failed:
        return text
    lines = [f"{r.session}: {_first(r.errors)}" for r in failed[:limit]]
    more = f"; and {len(failed) - limit} more session(s)" if len(failed) > limit else ""
    return f"{text}. " + "; ".join(lines) + more


def _first(errors: list[str]) -> str:
    first = errors[0].splitlines()[0] if errors and errors[0] else "not built"
    return first + (f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else "")


def session_markdown(r: BuildResult, today: dt.date) -> str:
    """A session's summary: what was built where, its deadline, warnings and errors."""
    left = days_left(r.deadline, today)
    due = "no deadline" if r.deadline is None else f"{r.deadline.isoformat()} ({left} day(s) left)"
    lines = [
        f"# {r.session}: {r.status}",
        "",
        f"- Folder: `{absolute(r.folder)}`",
        f"- Outputs: {file_link(r.out_dir) if r.out_dir else '-'}",
        f"- Documents: {', '.join(r.documents) or '-'}",
        f"- Deadline: {due}",
        f"- Build time: {r.seconds:.1f} s",
    ]
    if r.draft_summary:
        lines.append("- The executive summary is a draft of sentences taken from the notes: revise it.")
    if r.outputs:
        lines += ["", "## Files", ""] + [f"- {file_link(o)}" for o in r.outputs]
    if r.errors:
        lines += ["", "## Errors", ""] + [f"- `{e}`" for e in r.errors]
    if r.warnings:
        lines += ["", "## Warnings", ""] + [f"- `{w}`" for w in r.warnings]
    return "\n".join(lines) + "\n"


def publish_run(results: list[BuildResult], today: dt.date, key: str = RUN_TABLE_KEY) -> UUID:
    """The run's table of sessions (inside a flow run)."""
    from prefect.artifacts import create_table_artifact

    return create_table_artifact(
        table=run_rows(results, today), key=key, description=run_description(results)
    )


def publish_session(r: BuildResult, today: dt.date) -> UUID:
    """A session's markdown summary (inside its task run)."""
    from prefect.artifacts import create_markdown_artifact

    return create_markdown_artifact(
        markdown=session_markdown(r, today),
        key=artifact_key("session", r.session),
        description=f"{r.session}: {r.status}",
    )


def programme_rows(sweep: Sweep) -> list[dict[str, object]]:
    """One row per session of the programme: deadline, days left and late, status, outputs, problems."""
    order = {"invalid": 0, "overdue": 1, "missing-inputs": 2, "late": 3, "due": 4}
    rows = []
    for s in sorted(
        sweep.sessions, key=lambda s: (order.get(s.status, 9), s.deadline or dt.date.max, s.session)
    ):
        rows.append(
            {
                "session": s.session,
                "title": s.title,
                "deadline": s.deadline.isoformat() if s.deadline else "",
                "days left": s.days_left if s.days_left is not None else "",
                "days late": s.days_late if s.days_late else "",
                "status": s.status,
                "built on": s.built_on.isoformat() if s.built_on else "",
                "outputs": s.outputs,
                "problems": " | ".join(s.missing)[:500],
            }
        )
    return rows


def publish_programme(sweep: Sweep) -> UUID:
    """The table of every session of the programme (inside the sweep's flow run)."""
    from prefect.artifacts import create_table_artifact

    late = len(sweep.overdue) + len(sweep.late)
    return create_table_artifact(
        table=programme_rows(sweep),
        key=PROGRAMME_KEY,
        description=f"{len(sweep.sessions)} session(s): {late} late, "
        f"{len(sweep.needs_attention)} need attention",
    )


def publish_sweep(sweep: Sweep) -> UUID:
    """The deadline sweep's report: overdue sessions and sessions missing inputs."""
    from prefect.artifacts import create_markdown_artifact

    return create_markdown_artifact(
        markdown=sweep_markdown(sweep),
        key=SWEEP_KEY,
        description=f"{len(sweep.to_build)} to build, {len(sweep.overdue)} overdue, "
        f"{len(sweep.missing_inputs)} missing inputs",
    )


class Progress:
    """A progress artifact for a batch, updated as sessions finish (at most once a second)."""

    def __init__(self, total: int, description: str = "sessions done", every_s: float = 1.0):
        from prefect.artifacts import create_progress_artifact

        self.total = max(1, total)
        self.done = 0
        self.description = description
        self.every_s = every_s
        self._last = time.monotonic()
        self.id = create_progress_artifact(progress=0.0, description=f"0/{total} {description}")

    def advance(self) -> None:
        from prefect.artifacts import update_progress_artifact

        self.done += 1
        now = time.monotonic()
        if self.done < self.total and now - self._last < self.every_s:
            return
        self._last = now
        update_progress_artifact(
            self.id,
            progress=100.0 * self.done / self.total,
            description=f"{self.done}/{self.total} {self.description}",
        )
