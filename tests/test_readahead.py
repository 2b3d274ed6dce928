"""Sessions read ahead while a build waits for Prefect's server: taken only while they still hold."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import pytest
from conftest import INPUTS

from outcomes import build as lib
from outcomes import inputs as inputs_module
from outcomes import readahead
from outcomes.render.templates import TemplateSet


@pytest.fixture
def sessions(tmp_path: Path) -> list[Path]:
    folders = []
    for name in ("igf2023-ws285", "igf2025-ws106"):
        shutil.copytree(INPUTS / name, tmp_path / "inputs" / name)
        folders.append(tmp_path / "inputs" / name)
    return folders


@pytest.fixture
def options(tmp_path: Path) -> lib.BuildOptions:
    return lib.BuildOptions(out=tmp_path / "out", formats=("html",), templates=TemplateSet())


@pytest.fixture
def reads(monkeypatch) -> list[Path]:
    """Every session folder whose inputs are read, in order, whichever thread reads it."""
    seen: list[Path] = []
    original = inputs_module.read_inputs

    def counting(folder: Path):
        seen.append(Path(folder))
        return original(folder)

    monkeypatch.setattr(lib, "read_inputs", counting)
    return seen


def test_a_session_read_ahead_is_taken_without_reading_it_again(sessions, options, reads):
    with readahead.reading_ahead(sessions, options) as ahead:
        ahead.wait(timeout=120)
        assert reads == sessions and ahead.read == 2
        p = lib.plan(sessions[1], options)
        assert ahead.read == 1  # taken, not copied
    assert reads == sessions  # nothing read twice
    assert p.report.session.id == "igf2025-ws106"
    fresh = lib.plan_from(lib.read(sessions[1]), options)
    assert p.report == fresh.report and p.key == fresh.key


def test_a_changed_input_is_read_again(sessions, options, reads):
    with readahead.reading_ahead(sessions[:1], options) as ahead:
        ahead.wait(timeout=120)
        note = sorted((sessions[0] / "notes").iterdir())[0]
        note.write_text(note.read_text("utf-8") + "\n\nAdded after the read-ahead.\n", "utf-8")
        p = lib.plan(sessions[0], options)
    assert reads == [sessions[0], sessions[0]]
    assert p.inputs.hashes == inputs_module.hash_inputs(sessions[0])


def test_other_options_or_templates_read_again(sessions, options, reads, tmp_path):
    other = lib.BuildOptions(out=options.out, formats=("pdf",), templates=options.templates)
    with readahead.reading_ahead(sessions[:1], options) as ahead:
        ahead.wait(timeout=120)
        lib.plan(sessions[0], other)
    assert len(reads) == 2

    editor = tmp_path / "templates"
    (editor / "_shared").mkdir(parents=True)
    mine = lib.BuildOptions(out=options.out, formats=("html",), templates=TemplateSet(editor))
    with readahead.reading_ahead(sessions[:1], mine) as ahead:
        ahead.wait(timeout=120)
        (editor / "_shared" / "print.css").write_text("body { color: black; }\n", "utf-8")
        p = lib.plan(sessions[0], mine)
    assert len(reads) == 4  # the digest moved: read again
    assert p.templates_digest == mine.templates.digest()


def test_an_input_error_read_ahead_is_raised_where_the_task_reads(sessions, options):
    bad = sessions[0]
    (bad / "session.yaml").write_text("title: A session\ndate: 24 June 2025\npeople: nobody\n", "utf-8")
    with readahead.reading_ahead([bad], options) as ahead:
        ahead.wait(timeout=120)
        assert ahead.read == 1
        result = lib.build_session(bad, options)
    assert result.status == "failed"
    direct = lib.build_session(bad, options)
    assert result.errors == direct.errors and any("session.yaml" in e for e in result.errors)


def test_an_up_to_date_session_is_not_read_ahead(sessions, options, reads):
    for folder in sessions:
        assert lib.build_session(folder, options).status == "built"
    reads.clear()
    with readahead.reading_ahead(sessions, options) as ahead:
        ahead.wait(timeout=120)
        assert ahead.read == 0
        assert [lib.build_session(f, options).status for f in sessions] == ["unchanged", "unchanged"]
    assert reads == []


def test_stop_starts_no_other_session_and_the_one_being_read_is_waited_for(sessions, options, monkeypatch):
    started, release = threading.Event(), threading.Event()
    original = inputs_module.read_inputs
    seen: list[Path] = []

    def slow(folder: Path):
        seen.append(Path(folder))
        started.set()
        release.wait(timeout=60)
        return original(folder)

    monkeypatch.setattr(lib, "read_inputs", slow)
    with readahead.reading_ahead(sessions, options) as ahead:
        assert started.wait(timeout=60)
        ahead.stop()
        threading.Timer(0.3, release.set).start()
        p = lib.plan(sessions[0], options)  # waits for the read in progress, then takes it
        assert seen == [sessions[0]]
        release.set()
        ahead.wait(timeout=60)
        assert ahead.read == 0
    assert p.report.session.id == "igf2023-ws285"
    assert seen == [sessions[0]]


def test_nothing_is_taken_once_the_block_ends(sessions, options, reads):
    with readahead.reading_ahead(sessions[:1], options) as ahead:
        ahead.wait(timeout=120)
    lib.plan(sessions[0], options)
    assert reads == [sessions[0], sessions[0]]


def test_outcomes_build_reads_each_session_once_through_the_flow(sessions, tmp_path, reads, monkeypatch):
    from outcomes import cli

    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # the embedded default: a server to wait for
    taken: list[Path] = []
    original = readahead.ReadAhead.take

    def counting_take(self, folder, options):
        p = original(self, folder, options)
        if p is not None:
            taken.append(Path(folder))
        return p

    monkeypatch.setattr(readahead.ReadAhead, "take", counting_take)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["build", *map(str, sessions), "--out", str(out), "--format", "html", "--force"])
    assert exit_.value.code == 0
    assert sorted(reads) == sorted(sessions)  # read once each, by the read-ahead or by the task
    assert taken  # the server took long enough to start for at least one
    for folder in sessions:
        built = json.loads((out / folder.name / "build.json").read_text("utf-8"))
        assert (out / folder.name / "session_report.html").is_file() and built["session"] == folder.name
