"""The benchmark's synthetic programme: valid, realistic and reproducible sessions (no timings here)."""

from __future__ import annotations

import sys
from pathlib import Path

from outcomes.build import BuildOptions, check, plan

# bench/ is not an installed package (make bench runs it from the repository root).
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import synth  # noqa: E402


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_sessions_pass_check_without_warnings(tmp_path):
    folders = synth.generate(tmp_path / "sessions", 2)

    assert [f.name for f in folders] == ["igf2026-ws100", "igf2026-ws101"]
    for folder in folders:
        problems = check(folder)
        assert problems.errors == [], [str(p) for p in problems.errors]
        assert problems.warnings == [], [str(p) for p in problems.warnings]


def test_generated_session_has_every_input_kind_and_merges_into_a_full_report(tmp_path):
    folder = synth.generate(tmp_path / "sessions", 1)[0]

    notes = sorted(p.suffix for p in (folder / "notes").iterdir())
    assert notes == [".docx", ".md", ".txt"]  # three rapporteurs: Word, Markdown, pasted text
    polls = sorted(p.name for p in (folder / "polls").iterdir())
    assert (
        len(polls) == 3
        and any(n.startswith("zoom") for n in polls)
        and any("Form Responses" in n for n in polls)
    )
    assert (folder / "worksheet.xlsx").is_file()
    report = plan(folder, BuildOptions(out=tmp_path / "out")).report
    assert len(report.themes) >= 5
    assert len(report.polls) >= 3
    assert all(theme.action_lines for theme in report.themes)
    assert report.actions and report.polls
    assert not report.executive_summary.draft


def test_programme_mixes_note_and_poll_formats(tmp_path):
    folders = synth.generate(tmp_path / "sessions", 6)

    suffixes = {p.suffix for f in folders for p in (f / "notes").iterdir()}
    polls = {p.name.split("_")[0] for f in folders for p in (f / "polls").iterdir()}
    assert suffixes == {".md", ".txt", ".docx"}
    assert "zoom" in polls and any("Form Responses" in name for name in polls)
    titles = {(f / "session.yaml").read_text("utf-8").split("\ntitle: ")[1].split("\n")[0] for f in folders}
    assert len(titles) == len(folders)


def test_the_two_workloads_ask_for_the_session_report_or_all_four_documents(tmp_path):
    only = synth.generate(tmp_path / "one", 2, documents=synth.WORKLOADS["session_report"])
    every = synth.generate(tmp_path / "all", 2, documents=synth.WORKLOADS["all_documents"])
    assert {tuple(plan(f, BuildOptions(out=tmp_path / "o")).documents) for f in only} == {("session_report",)}
    assert {len(plan(f, BuildOptions(out=tmp_path / "o")).documents) for f in every} == {4}


def test_same_seed_gives_the_same_bytes_and_regenerating_rewrites_nothing(tmp_path):
    first = synth.generate(tmp_path / "a", 3)[0].parent
    second = synth.generate(tmp_path / "b", 3)[0].parent
    assert _files(first) == _files(second)

    mtimes = {p: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()}
    synth.generate(first, 3)
    assert {p: p.stat().st_mtime_ns for p in first.rglob("*") if p.is_file()} == mtimes


def test_fewer_sessions_removes_the_others(tmp_path):
    root = tmp_path / "sessions"
    synth.generate(root, 3)
    synth.generate(root, 2)

    assert sorted(p.name for p in root.iterdir()) == ["igf2026-ws100", "igf2026-ws101"]
