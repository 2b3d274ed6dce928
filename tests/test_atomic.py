"""Nothing lost: a failed or killed build leaves the last good outputs; builds of one session take turns.

Outputs are staged as hidden ``.*.part`` files in a sibling of the output folder and renamed into
place together (build.json last) once every document has rendered; the next build removes any staged
file a killed build left. A lock on each output folder makes a second build of the same session wait
for the first. The output folder itself never holds anything but the outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from outcomes import build as lib
from outcomes.errors import RenderError
from outcomes.outputs import SessionLocked, session_lock, staging_folder

BASE = Path(__file__).parent / "hostile" / "base"
FORMATS = ("pdf", "docx", "html")
NEW_TEXT = "A sentence that only the second build knows."


def session(tmp_path: Path) -> Path:
    folder = tmp_path / "drill"
    shutil.copytree(BASE, folder)
    return folder


def options(out: Path, force: bool = False) -> lib.BuildOptions:
    return lib.BuildOptions(out=out, formats=FORMATS, force=force)


def change_inputs(folder: Path) -> None:
    note = folder / "notes" / "00-base.md"
    note.write_text(note.read_text("utf-8") + f"\n## A later theme\n\n{NEW_TEXT}\n", "utf-8")


def snapshot(out_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out_dir.iterdir()) if not p.name.startswith(".")}


def parts(out_dir: Path) -> list[str]:
    """Staged files left behind; none may ever be in the output folder itself."""
    assert only_outputs(out_dir)
    staging = staging_folder(out_dir)
    return sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []


OUTPUT_NAMES = {"report.json", "build.json"} | {f"session_report.{f}" for f in FORMATS}


def only_outputs(out_dir: Path) -> bool:
    """The output folder holds the documents, report.json and build.json, and nothing else."""
    return not out_dir.exists() or {p.name for p in out_dir.iterdir()} <= OUTPUT_NAMES


def assert_whole(out_dir: Path) -> None:
    """Every output reads back: the PDF parses, the DOCX is a sound zip, the JSON loads."""
    assert PdfReader(out_dir / "session_report.pdf").pages
    with zipfile.ZipFile(out_dir / "session_report.docx") as docx:
        assert docx.testzip() is None
    assert (out_dir / "session_report.html").read_text("utf-8").rstrip().endswith("</html>")
    json.loads((out_dir / "report.json").read_text("utf-8"))
    json.loads((out_dir / "build.json").read_text("utf-8"))


@pytest.fixture
def built(tmp_path):
    """A session built once: its folder, the output folder and the outputs' bytes."""
    folder = session(tmp_path)
    result = lib.build_session(folder, options(tmp_path / "out"))
    assert result.status == "built", result.errors
    out_dir = Path(result.out_dir)
    assert_whole(out_dir)
    return folder, out_dir, snapshot(out_dir)


def run_python(code: str, *args: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"the build ended first: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("the build never got there")
        time.sleep(0.05)


def test_a_renderer_failure_leaves_the_last_good_outputs(built, monkeypatch):
    folder, out_dir, before = built
    change_inputs(folder)

    def failing_docx(html, target, *args, **kwargs):
        Path(target).write_bytes(b"PK\x03\x04 half a document")
        raise RenderError("pandoc crashed")

    monkeypatch.setattr("outcomes.render.docx.write_docx", failing_docx)
    with pytest.raises(RenderError):
        lib.build_session(folder, options(out_dir.parent))
    assert snapshot(out_dir) == before
    assert parts(out_dir) == []

    monkeypatch.undo()
    result = lib.build_session(folder, options(out_dir.parent))
    assert result.status == "built"
    assert NEW_TEXT in (out_dir / "report.json").read_text("utf-8")
    assert parts(out_dir) == []
    assert_whole(out_dir)


def test_input_errors_leave_the_last_good_outputs(built):
    folder, out_dir, before = built
    (folder / "session.yaml").write_text("documents: [session_report\nlanguage: en\n", "utf-8")
    result = lib.build_session(folder, options(out_dir.parent, force=True))
    assert result.status == "failed"
    assert result.errors[0].startswith(f"{folder}/session.yaml:2: invalid YAML")
    assert snapshot(out_dir) == before


KILLED_WHILE_RENDERING = """
    import sys, time
    from pathlib import Path
    import outcomes.render.pdf
    from outcomes import build as lib

    def slow_pdf(html, base_dir, roots, target, **kwargs):
        Path(target).write_bytes(b"%PDF-1.7 half a page")
        Path(sys.argv[3]).touch()
        time.sleep(300)

    outcomes.render.pdf.write_pdf = slow_pdf
    lib.build_session(Path(sys.argv[1]), lib.BuildOptions(out=Path(sys.argv[2]), formats=("pdf", "docx", "html")))
"""


def test_a_build_killed_while_rendering_leaves_the_last_good_outputs(built, tmp_path):
    folder, out_dir, before = built
    change_inputs(folder)
    ready = tmp_path / "rendering"
    proc = run_python(KILLED_WHILE_RENDERING, folder, out_dir.parent, ready)
    wait_for(ready, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()

    assert snapshot(out_dir) == before
    assert parts(out_dir), "the killed build had a staged file"  # proves the kill came mid-write

    result = lib.build_session(folder, options(out_dir.parent))
    assert result.status == "built"
    assert parts(out_dir) == []
    assert NEW_TEXT in (out_dir / "report.json").read_text("utf-8")
    assert_whole(out_dir)


KILLED_WHILE_COMMITTING = """
    import os, signal, sys
    from pathlib import Path
    from outcomes import build as lib

    real_replace = os.replace
    done = []

    def replace_then_die(source, target):
        real_replace(source, target)
        done.append(target)
        if len(done) == 2:  # two outputs renamed into place, the others not yet
            os.kill(os.getpid(), signal.SIGKILL)

    os.replace = replace_then_die
    lib.build_session(Path(sys.argv[1]), lib.BuildOptions(out=Path(sys.argv[2]), formats=("pdf", "docx", "html")))
"""


def test_a_build_killed_while_committing_leaves_whole_files_and_the_next_build_repairs(built):
    folder, out_dir, before = built
    change_inputs(folder)
    proc = run_python(KILLED_WHILE_COMMITTING, folder, out_dir.parent)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == -signal.SIGKILL, stderr

    after = snapshot(out_dir)
    assert sorted(after) == sorted(before)
    changed = [name for name in after if after[name] != before[name]]
    assert 1 <= len(changed) <= 2 and "build.json" not in changed
    assert_whole(out_dir)  # every file is the old one or the new one, never a part of one

    # build.json still records the previous inputs, so the next build does not take them as built.
    result = lib.build_session(folder, options(out_dir.parent))
    assert result.status == "built"
    assert parts(out_dir) == []
    assert NEW_TEXT in (out_dir / "report.json").read_text("utf-8")
    assert_whole(out_dir)


BUILD = """
    import json, sys, time
    from pathlib import Path
    from outcomes import build as lib

    started = time.time()
    result = lib.build_session(Path(sys.argv[1]), lib.BuildOptions(out=Path(sys.argv[2]), formats=("pdf", "docx", "html"), force=True))
    print(json.dumps({"status": result.status, "errors": result.errors, "started": started, "ended": time.time()}))
"""


def test_two_builds_of_one_session_at_once_both_succeed(tmp_path):
    folder = session(tmp_path)
    out = tmp_path / "out"
    procs = [run_python(BUILD, folder, out) for _ in range(2)]
    results = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=180)
        assert proc.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    assert [r["status"] for r in results] == ["built", "built"], results
    out_dir = out / "drill"
    assert parts(out_dir) == []
    assert_whole(out_dir)
    record = json.loads((out_dir / "build.json").read_text("utf-8"))
    assert record["session"] == "drill"


def test_a_second_build_waits_for_the_lock(tmp_path):
    folder = session(tmp_path)
    out_dir = tmp_path / "out" / "drill"
    with session_lock(out_dir):
        with pytest.raises(SessionLocked):
            with session_lock(out_dir, wait=False):
                pass
        proc = run_python(BUILD, folder, out_dir.parent)
        time.sleep(3)  # long enough to render, were it not waiting
        assert proc.poll() is None, proc.stderr.read()
        assert snapshot(out_dir) == {}
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert json.loads(stdout.strip().splitlines()[-1])["status"] == "built"
    assert_whole(out_dir)


def test_one_bad_session_in_a_batch_does_not_stop_the_others(tmp_path):
    good = session(tmp_path)
    bad = tmp_path / "bad"
    shutil.copytree(BASE, bad)
    (bad / "notes" / "broken.docx").write_bytes(b"not a zip")
    out = tmp_path / "out"
    results = [lib.build_session(folder, options(out)) for folder in (bad, good)]
    assert [r.status for r in results] == ["failed", "built"]
    assert results[0].errors == [
        f"{bad}/notes/broken.docx: is not a .docx document (the file is not a zip package)"
    ]
    assert not (out / "bad").exists()
    assert_whole(out / "drill")


def test_a_failed_docx_write_leaves_nothing_behind(built, monkeypatch):
    """pandoc's DOCX is rewritten through a temporary file; a full disk there leaves no `.part.tmp`."""
    import zipfile as zipfile_module

    folder, out_dir, before = built
    change_inputs(folder)
    real_writestr = zipfile_module.ZipFile.writestr

    def disk_full(self, *args, **kwargs):
        if str(self.filename).endswith(".part.tmp"):
            real_writestr(self, *args, **kwargs)
            raise OSError(28, "No space left on device")
        return real_writestr(self, *args, **kwargs)

    monkeypatch.setattr(zipfile_module.ZipFile, "writestr", disk_full)
    with pytest.raises(OSError):
        lib.build_session(folder, options(out_dir.parent))
    assert snapshot(out_dir) == before
    assert parts(out_dir) == [] and not staging_folder(out_dir).exists()


def test_the_output_folder_holds_no_lock_and_no_staging_folder_is_left(tmp_path):
    folder = session(tmp_path)
    out_dir = tmp_path / "out" / "drill"
    with session_lock(out_dir):
        assert list(out_dir.iterdir()) == []
    result = lib.build_session(folder, options(tmp_path / "out"))
    assert result.status == "built"
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_NAMES
    assert sorted(p.name for p in out_dir.parent.iterdir()) == ["drill"]


def test_the_next_build_removes_what_older_builds_left(built):
    folder, out_dir, _ = built
    for name in (".lock", ".session_report.pdf.x1.part", ".session_report.docx.x2.part.tmp"):
        (out_dir / name).write_bytes(b"left behind")
    staging_folder(out_dir).mkdir()
    (staging_folder(out_dir) / ".report.json.x3.part").write_bytes(b"killed")
    change_inputs(folder)
    assert lib.build_session(folder, options(out_dir.parent)).status == "built"
    assert {p.name for p in out_dir.iterdir()} == OUTPUT_NAMES
    assert not staging_folder(out_dir).exists()
