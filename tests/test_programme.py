"""Programme logic: session discovery, deadlines, days left, missing inputs, the sweep's selection."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from outcomes import artifacts
from outcomes.build import BuildResult
from outcomes.errors import OutcomesError
from outcomes.programme import days_left, discover, find_session, plan_sweep, sweep_markdown

TODAY = dt.date(2025, 7, 1)


def session(
    root: Path,
    name: str,
    deadline: str | None,
    *,
    notes: bool = True,
    worksheet: bool = False,
    yaml_extra: str = "",
) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    lines = [f"id: {name}", 'code: "WS #1"', "title: A workshop"]
    if deadline:
        lines.append(f"deadline: {deadline}")
    (folder / "session.yaml").write_text("\n".join(lines) + "\n" + yaml_extra, "utf-8")
    if notes:
        (folder / "notes").mkdir()
        (folder / "notes" / "group1.md").write_text("# Key takeaways\n\n- one\n", "utf-8")
    if worksheet:
        (folder / "worksheet.xlsx").write_bytes(b"")
    return folder


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    root = tmp_path / "inputs"
    session(root, "a-due-today", "2025-07-01")
    session(root, "b-due-in-7", "2025-07-08")
    session(root, "c-due-in-8", "2025-07-09")
    session(root, "d-overdue", "2025-06-20")
    session(root, "e-overdue-built", "2025-06-15")
    session(root, "f-due-no-notes", "2025-07-03", notes=False)
    session(root, "g-due-worksheet-only", "2025-07-02", notes=False, worksheet=True)
    session(root, "h-no-deadline", None)
    session(root, "i-bad-yaml", "2025-07-02", yaml_extra="people: [\n")
    (root / "j-no-session-yaml" / "notes").mkdir(parents=True)
    (root / ".hidden").mkdir()
    session(root, "k-built-late", "2025-06-10")
    out = tmp_path / "out"
    built(out, "e-overdue-built", dt.date(2025, 6, 14))
    built(out, "k-built-late", dt.date(2025, 6, 13))
    return root


def built(out: Path, sid: str, on: dt.date) -> None:
    """Outputs of a session as if built on that day (the date of its build.json)."""
    (out / sid).mkdir(parents=True)
    record = out / sid / "build.json"
    record.write_text("{}", "utf-8")
    when = dt.datetime.combine(on, dt.time(12)).timestamp()
    os.utime(record, (when, when))


def names(items) -> list[str]:
    return [s.session for s in items]


def test_days_left():
    assert days_left(dt.date(2025, 7, 8), TODAY) == 7
    assert days_left(dt.date(2025, 6, 30), TODAY) == -1
    assert days_left(TODAY, TODAY) == 0
    assert days_left(None, TODAY) is None


def test_discover_skips_hidden_and_optionally_folders_without_session_yaml(programme):
    assert "j-no-session-yaml" not in [p.name for p in discover(programme)]
    every = [p.name for p in discover(programme, with_session_file=False)]
    assert "j-no-session-yaml" in every and ".hidden" not in every
    assert every == sorted(every)
    assert discover(programme / "nowhere") == []


def test_sweep_selects_due_within_the_window_and_overdue_without_outputs(programme, tmp_path):
    sweep = plan_sweep(programme, tmp_path / "out", TODAY, within_days=7)
    assert sorted(names(sweep.to_build)) == ["a-due-today", "b-due-in-7", "d-overdue", "g-due-worksheet-only"]
    assert names(sweep.overdue) == ["d-overdue"]
    assert sorted(names(sweep.missing_inputs)) == ["f-due-no-notes", "i-bad-yaml", "j-no-session-yaml"]
    assert names(sweep.without_deadline) == ["h-no-deadline"]
    status = {s.session: s.status for s in sweep.sessions}
    assert status["c-due-in-8"] == "later"
    assert status["e-overdue-built"] == "done"
    assert status["k-built-late"] == "late"  # built three days after its deadline, it stays late
    assert status["i-bad-yaml"] == "invalid"
    assert names(sweep.late) == ["k-built-late"]
    assert sorted(names(sweep.needs_attention)) == ["f-due-no-notes", "i-bad-yaml", "j-no-session-yaml"]


def test_an_invalid_session_yaml_still_shows_the_deadline_it_declares(programme, tmp_path):
    sweep = plan_sweep(programme, tmp_path / "out", TODAY, within_days=7)
    bad = next(s for s in sweep.sessions if s.session == "i-bad-yaml")
    assert bad.deadline is None  # "people: [" is not YAML at all: nothing can be read
    folder = programme / "l-bad-field"
    folder.mkdir()
    (folder / "session.yaml").write_text("id: l-bad-field\ndeadline: 2025-06-25\nsdgs: [42]\n", "utf-8")
    sweep = plan_sweep(programme, tmp_path / "out", TODAY, within_days=7)
    bad = next(s for s in sweep.sessions if s.session == "l-bad-field")
    assert (bad.status, bad.deadline, bad.days_late) == ("invalid", dt.date(2025, 6, 25), 6)
    assert bad.missing[0].startswith(str(folder / "session.yaml") + ":3:")
    assert bad.needs_attention


def test_programme_table_has_every_session_with_deadline_lateness_status_and_outputs(programme, tmp_path):
    out = tmp_path / "out"
    rows = {r["session"]: r for r in artifacts.programme_rows(plan_sweep(programme, out, TODAY, 7))}
    assert len(rows) == 11
    late = rows["k-built-late"]
    assert (late["status"], late["deadline"], late["days late"], late["built on"]) == (
        "late",
        "2025-06-10",
        3,
        "2025-06-13",
    )
    assert late["outputs"] == str((out / "k-built-late").resolve())
    assert rows["d-overdue"]["days late"] == 11 and rows["d-overdue"]["outputs"] == ""
    assert rows["a-due-today"]["days left"] == 0
    assert "no rapporteur notes" in rows["f-due-no-notes"]["problems"]


def test_sweep_window_edges_and_overdue_switch(programme, tmp_path):
    out = tmp_path / "out"
    assert names(plan_sweep(programme, out, TODAY, within_days=0).to_build) == ["d-overdue", "a-due-today"]
    assert "d-overdue" not in names(plan_sweep(programme, out, TODAY, 7, include_overdue=False).to_build)
    wider = names(plan_sweep(programme, out, TODAY, within_days=8).to_build)
    assert "c-due-in-8" in wider
    # The day after a deadline, a session that was due is overdue.
    late = plan_sweep(programme, out, dt.date(2025, 7, 9), within_days=7)
    assert "b-due-in-7" in names(late.overdue)
    with pytest.raises(ValueError):
        plan_sweep(programme, out, TODAY, within_days=-1)


def test_missing_inputs_are_explained_with_their_location(programme, tmp_path):
    sweep = plan_sweep(programme, tmp_path / "out", TODAY, within_days=7)
    missing = {s.session: s.missing for s in sweep.missing_inputs}
    assert "no rapporteur notes and no worksheet.xlsx" in missing["f-due-no-notes"][0]
    assert missing["i-bad-yaml"][0].startswith(str(programme / "i-bad-yaml" / "session.yaml"))
    assert "missing (run 'outcomes init')" in missing["j-no-session-yaml"][0]


def test_sweep_markdown_lists_overdue_and_missing(programme, tmp_path):
    text = sweep_markdown(plan_sweep(programme, tmp_path / "out", TODAY, within_days=7))
    overdue = text.split("## Overdue")[1].split("##")[0]
    assert "d-overdue" in overdue and "11 day(s) overdue" in overdue
    missing = text.split("## Missing inputs")[1].split("##")[0]
    assert "f-due-no-notes" in missing and "j-no-session-yaml" in missing
    assert "h-no-deadline" in text.split("## No deadline")[1]


def test_find_session_by_folder_name_id_or_path(programme):
    assert find_session(programme, "b-due-in-7") == programme / "b-due-in-7"
    assert find_session(programme, str(programme / "a-due-today")) == programme / "a-due-today"
    (programme / "renamed").mkdir()
    (programme / "renamed" / "session.yaml").write_text("id: the-real-id\n", "utf-8")
    assert find_session(programme, "the-real-id") == programme / "renamed"
    with pytest.raises(OutcomesError, match="no session 'nope'"):
        find_session(programme, "nope")


def test_artifact_rows_and_summary():
    built = BuildResult(
        session="ws-1",
        folder="in/ws-1",
        out_dir="out/ws-1",
        status="built",
        documents=["session_report"],
        warnings=["w"],
        deadline=dt.date(2025, 7, 4),
        seconds=2.5,
    )
    failed = BuildResult(
        session="ws-2", folder="in/ws-2", status="failed", errors=["in/ws-2/session.yaml:2: bad"]
    )
    rows = artifacts.run_rows([built, failed], TODAY)
    assert rows[0]["session"] == "ws-2" and rows[0]["status"] == "failed"  # failures first
    assert rows[1] == {
        "session": "ws-1",
        "status": "built",
        "documents": "session_report",
        "warnings": 1,
        "deadline": "2025-07-04",
        "days left": 3,
        "outputs": str(Path("out/ws-1").resolve()),
        "errors": "",
    }
    assert artifacts.run_description([built, failed]) == "2 session(s): 1 built, 0 unchanged, 1 failed: ws-2"
    assert artifacts.run_message([built, failed]) == (
        "2 session(s): 1 built, 0 unchanged, 1 failed: ws-2. ws-2: in/ws-2/session.yaml:2: bad"
    )
    built.outputs = ["out/ws-1/session_report.pdf"]
    summary = artifacts.session_markdown(built, TODAY)
    pdf = Path("out/ws-1/session_report.pdf").resolve()
    assert f"- [{pdf}]({pdf.as_uri()})" in summary
    text = artifacts.session_markdown(failed, TODAY)
    assert "# ws-2: failed" in text and "session.yaml:2: bad" in text
    assert artifacts.artifact_key("session", "IGF 2025 / WS #106") == "session-igf-2025-ws-106"
