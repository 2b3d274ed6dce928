"""The long-lived note readers: the same trees as one-shot pandoc, and every per-note limit kept."""

import json
import os
import signal
import threading
import time
from pathlib import Path

import psutil
import pytest

from outcomes.errors import Problems
from outcomes.ingest import notes as notes_module
from outcomes.ingest import pandoc_reader
from outcomes.ingest.notes import READERS, plain_text_to_markdown, read_note

FIXTURES = Path(__file__).parent / "fixtures" / "notes"
HOSTILE = Path(__file__).parent / "hostile" / "files" / "notes"
EXAMPLES = Path(__file__).parent.parent / "inputs"


def _cli_tree(path: Path) -> dict:
    """The note's tree from one pandoc process per note, as before the readers."""
    suffix = path.suffix.lower()
    if suffix in (".md", ".txt"):
        text = notes_module._decode(path.read_bytes())
        if suffix == ".txt":
            text = plain_text_to_markdown(text)
        out = notes_module._run_pandoc(["--from", READERS[suffix], "--to", "json"], text.encode(), suffix)
    else:
        out = notes_module._run_pandoc(["--from", READERS[suffix], "--to", "json", str(path)], b"", suffix)
    return json.loads(out)


def _note_files() -> list[Path]:
    files = sorted(EXAMPLES.glob("*/notes/*")) + sorted(FIXTURES.glob("*"))
    return [p for p in files if p.suffix.lower() in READERS]


@pytest.fixture
def pool():
    readers = pandoc_reader.ReaderPool(1, notes_module.PANDOC_MAX_HEAP)
    yield readers
    readers.close()


def test_every_example_and_fixture_note_gives_the_tree_one_shot_pandoc_gives():
    files = _note_files()
    assert {p.suffix for p in files} >= {".md", ".txt", ".docx"}
    for path in files:
        reader_tree = notes_module._pandoc_ast(path, path.suffix.lower())
        assert reader_tree == _cli_tree(path), path


def test_one_reader_reads_note_after_note(pool):
    markdown = "# Summary\n\nOne.\n\n## Theme\n\n- a\n- b\n"
    pids = set()
    for _ in range(3):
        tree = json.loads(
            pool.read({"format": "commonmark_x+sourcepos", "text": markdown, "max_bytes": 10**6}, 30)
        )
        assert tree["blocks"][0]["t"] == "Header"
        pids.add(pool._idle[0][1].proc.pid)
    assert len(pids) == 1


def test_a_reader_above_the_memory_threshold_is_not_kept(pool, monkeypatch):
    monkeypatch.setattr(pandoc_reader, "RECYCLE_RSS_BYTES", 0)
    pool.read({"format": "commonmark_x", "text": "# A\n", "max_bytes": 10**6}, 30)
    assert pool._idle == []


def test_a_parse_error_keeps_the_reader_and_the_note_gets_pandocs_own_message_and_line(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\n\n# Summary\n\nText.\n", encoding="utf-8")
    problems = Problems()
    assert read_note(bad, "notes/bad.md", problems) is None
    (error,) = problems.errors
    assert error.location.path.endswith("bad.md") and error.location.line is not None
    assert "pandoc could not read this .md note" in error.message


def test_time_limit_stops_the_reader_and_the_next_note_still_reads(pool):
    brackets = (HOSTILE / "brackets.md").read_text(encoding="utf-8")
    with pytest.raises(pandoc_reader.ReadTimeout):
        pool.read({"format": "commonmark_x+sourcepos", "text": brackets, "max_bytes": 10**9}, 0.5)
    assert pool._idle == []
    tree = json.loads(pool.read({"format": "commonmark_x", "text": "# A\n", "max_bytes": 10**6}, 30))
    assert tree["blocks"]


def test_a_new_reader_that_ends_during_a_note_reports_how(pool):
    brackets = (HOSTILE / "brackets.md").read_text(encoding="utf-8")

    def kill_readers():
        for child in psutil.Process().children():
            if "lua" in child.cmdline():
                child.kill()

    threading.Timer(0.5, kill_readers).start()
    with pytest.raises(pandoc_reader.ReaderStopped) as stopped:
        pool.read({"format": "commonmark_x+sourcepos", "text": brackets, "max_bytes": 10**9}, 30)
    assert stopped.value.returncode == -signal.SIGKILL
    assert pool._idle == []


def test_a_kept_reader_that_ended_between_notes_is_replaced_without_blaming_the_next_note(pool):
    pool.read({"format": "commonmark_x", "text": "# A\n", "max_bytes": 10**6}, 30)
    pool._idle[0][1].proc.kill()
    pool._idle[0][1].proc.wait()
    tree = json.loads(pool.read({"format": "commonmark_x", "text": "# B\n", "max_bytes": 10**6}, 30))
    assert tree["blocks"]


def test_a_reader_that_runs_out_of_heap_names_the_note(tmp_path, monkeypatch):
    # Reaching the heap cap takes pandoc tens of seconds of collecting first; the exit is simulated.
    def out_of_heap(self, request, timeout):
        raise pandoc_reader.ReaderStopped(251, "pandoc: Heap exhausted;")

    monkeypatch.setattr(pandoc_reader.ReaderPool, "read", out_of_heap)
    note = tmp_path / "big.md"
    note.write_text("# Summary\n\nText.\n")
    problems = Problems()
    assert read_note(note, "notes/big.md", problems) is None
    (error,) = problems.errors
    assert "needs more than 1024 MB of memory" in error.message
    assert error.location.path.endswith("big.md")


def test_a_tree_over_the_size_limit_is_refused(pool):
    with pytest.raises(pandoc_reader.TreeTooLarge):
        pool.read({"format": "commonmark_x", "text": "word " * 2000, "max_bytes": 1000}, 30)
    assert len(pool._idle) == 1  # the reader answered, so it is kept


def test_the_reader_reads_no_file_but_its_input(tmp_path, pool, monkeypatch):
    (tmp_path / "secret.tex").write_text("SECRET CONTENT")
    # LaTeX's \input is a reader that reads files: the sandbox must leave it nothing to read. The
    # path is relative to the reader's working folder (LaTeX reads "_" in a path as a subscript).
    monkeypatch.chdir(tmp_path)
    tree = pool.read({"format": "latex", "text": "\\input{secret}\n", "max_bytes": 10**6}, 30)
    assert b"SECRET" not in tree  # pandoc splits words: the tree holds "SECRET", never "SECRET CONTENT"


def test_a_forked_child_does_not_use_its_parents_readers(pool):
    pool.read({"format": "commonmark_x", "text": "# A\n", "max_bytes": 10**6}, 30)
    parent_reader = pool._idle[0][1]
    pid = os.fork()
    if pid == 0:  # the child: closing must leave the parent's reader alone
        pool.close()
        os._exit(0)
    os.waitpid(pid, 0)
    assert parent_reader.proc.poll() is None


def test_a_reader_left_idle_is_stopped_and_the_next_note_starts_another(pool, monkeypatch):
    monkeypatch.setattr(pandoc_reader, "IDLE_STOP_S", 0.4)
    request = {"format": "commonmark_x", "text": "# A\n\nSome text.\n", "max_bytes": 10**6}
    first_tree = pool.read(request, 30)
    reader = pool._idle[0][1]
    pool.read(request, 30)  # reads within the idle time keep the same reader
    assert pool._idle[0][1] is reader
    for _ in range(100):
        if reader.proc.poll() is not None:
            break
        time.sleep(0.05)
    assert reader.proc.poll() is not None and pool._idle == []
    assert pool.read(request, 30) == first_tree
    assert pool._idle[0][1] is not reader


def test_readers_stopped_at_a_limit_or_when_idle_leave_no_file_behind(tmp_path, monkeypatch):
    # `pandoc lua` keeps a file in TMPDIR that it removes only when it ends by itself.
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    readers = pandoc_reader.ReaderPool(1, notes_module.PANDOC_MAX_HEAP)
    brackets = (HOSTILE / "brackets.md").read_text(encoding="utf-8")
    with pytest.raises(pandoc_reader.ReadTimeout):  # killed in the middle of a note
        readers.read({"format": "commonmark_x+sourcepos", "text": brackets, "max_bytes": 10**9}, 0.5)
    assert readers.read({"format": "commonmark_x", "text": "# A\n", "max_bytes": 10**6}, 30)
    assert list(tmp_path.iterdir())  # the kept reader's folder
    readers.close()  # the idle reader is killed
    assert list(tmp_path.iterdir()) == []
