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


# ---------------------------------------------------------------- rendering ahead


@pytest.fixture
def pooled():
    """The build's renderer: this process's shared pool with one renderer, shut down after the test."""
    from outcomes.pool import RENDER_TIMEOUT_S, PooledRenderer, RenderPool

    yield PooledRenderer(workers=1, timeout=RENDER_TIMEOUT_S)
    RenderPool.shutdown_shared()


@pytest.fixture
def submitted(monkeypatch) -> list[str]:
    """Every document handed to a render pool, as ``session: document.format``."""
    from outcomes.pool import RenderPool

    seen: list[str] = []
    original = RenderPool.submit

    def counting(self, p, doc_type, fmt, *args, **kwargs):
        seen.append(f"{p.report.session.id}: {doc_type}.{fmt}")
        return original(self, p, doc_type, fmt, *args, **kwargs)

    monkeypatch.setattr(RenderPool, "submit", counting)
    return seen


def _wait_rendering(ahead: readahead.ReadAhead, n: int) -> None:
    for _ in range(1200):
        if ahead.rendering >= n:
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{ahead.rendering} sessions rendering ahead, expected {n}")


def parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".*.part"))


def test_documents_rendered_ahead_are_committed_by_the_build_without_rendering_again(
    sessions, options, pooled, submitted, tmp_path
):
    with readahead.reading_ahead(sessions[:1], options, pooled) as ahead:
        _wait_rendering(ahead, 1)
        out_dir = options.out / "igf2023-ws285"
        assert not (out_dir / "session_report.html").exists()  # staged, not in place, until the build
        result = lib.build_session(sessions[0], options, pooled)
    assert result.status == "built"
    assert submitted == [f"igf2023-ws285: {d}.html" for d in result.documents]  # each rendered once
    assert parts(out_dir) == []
    record = json.loads((out_dir / "build.json").read_text("utf-8"))
    assert sorted(record["timings"]) == sorted(["read", "merge", *(f"{d}.html" for d in result.documents)])
    elsewhere = lib.BuildOptions(
        out=tmp_path / "direct", formats=options.formats, templates=options.templates
    )
    assert lib.build_session(sessions[0], elsewhere).status == "built"
    for name in (*(f"{d}.html" for d in result.documents), "report.json"):
        assert (out_dir / name).read_bytes() == (tmp_path / "direct" / "igf2023-ws285" / name).read_bytes()


def test_a_session_is_queued_ahead_only_when_no_document_waits_and_none_after_stop(
    sessions, options, pooled, monkeypatch
):
    from outcomes.pool import RenderPool

    waiting_before: dict[str, int] = {}  # per session: documents waiting when its first was queued
    original = RenderPool.submit

    def recording(self, p, *args, **kwargs):
        waiting_before.setdefault(p.report.session.id, self.queued())
        return original(self, p, *args, **kwargs)

    monkeypatch.setattr(RenderPool, "submit", recording)
    with readahead.reading_ahead(sessions, options, pooled) as ahead:
        _wait_rendering(ahead, 1)
        ahead.stop()
        ahead.wait(timeout=60)
        assert not ahead._thread.is_alive()  # stop() ends the feeding too
        queued_ahead = dict(waiting_before)
        results = [lib.build_session(folder, options, pooled) for folder in sessions]
    assert [r.status for r in results] == ["built", "built"]
    assert queued_ahead and set(queued_ahead.values()) == {0}
    for folder in sessions:
        assert parts(options.out / folder.name) == []


def test_a_changed_input_discards_what_was_rendered_ahead(sessions, options, pooled, submitted):
    with readahead.reading_ahead(sessions[:1], options, pooled) as ahead:
        _wait_rendering(ahead, 1)
        note = sorted((sessions[0] / "notes").iterdir())[0]
        note.write_text(note.read_text("utf-8") + "\n\nAdded after the read-ahead.\n", "utf-8")
        result = lib.build_session(sessions[0], options, pooled)
    assert result.status == "built"
    out_dir = options.out / "igf2023-ws285"
    assert len(submitted) == 2 * len(result.documents)  # rendered ahead, then again from the new inputs
    assert "Added after the read-ahead" in (out_dir / "session_report.html").read_text("utf-8")
    record = json.loads((out_dir / "build.json").read_text("utf-8"))
    assert record["inputs"] == inputs_module.hash_inputs(sessions[0])
    assert parts(out_dir) == []


def test_a_failure_ahead_is_met_again_by_the_build_itself(sessions, options, pooled, submitted):
    from outcomes.pool import PooledRenderer

    hasty = PooledRenderer(workers=1, timeout=1e-6)  # every document ahead passes its time limit
    with readahead.reading_ahead(sessions[:1], options, hasty) as ahead:
        _wait_rendering(ahead, 1)
        result = lib.build_session(sessions[0], options, pooled)
    assert result.status == "built", result.errors
    assert len(submitted) == 2 * len(result.documents)
    out_dir = options.out / "igf2023-ws285"
    assert (out_dir / "session_report.html").is_file() and parts(out_dir) == []


def test_what_is_not_taken_is_removed_and_the_folder_unlocked(sessions, options, pooled):
    from outcomes.outputs import session_lock

    out_dir = options.out / "igf2023-ws285"
    with readahead.reading_ahead(sessions[:1], options, pooled) as ahead:
        _wait_rendering(ahead, 1)
    for _ in range(600):  # documents still rendering are removed as they finish
        try:
            with session_lock(out_dir, wait=False):
                break
        except Exception:  # noqa: BLE001 - still locked
            threading.Event().wait(0.05)
    else:
        raise AssertionError("the output folder stayed locked")
    assert parts(out_dir) == [] and sorted(p.name for p in out_dir.iterdir()) == []


def test_a_folder_another_build_holds_is_not_rendered_ahead(sessions, options, pooled, submitted):
    from outcomes.outputs import session_lock

    out_dir = options.out / "igf2023-ws285"
    with session_lock(out_dir), readahead.reading_ahead(sessions[:1], options, pooled) as ahead:
        for _ in range(100):
            if ahead.read or submitted:  # read: the thread has tried to queue it right after
                break
            threading.Event().wait(0.05)
        threading.Event().wait(0.3)
        assert submitted == [] and ahead.rendering == 0
        ahead.stop()
    assert lib.build_session(sessions[0], options, pooled).status == "built"
