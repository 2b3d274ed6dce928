"""The session folder walk: sizes looked at before anything is hashed, no link out followed, no recursion."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from outcomes import build as lib
from outcomes import inputs, limits
from outcomes.ingest import notes, polls
from outcomes.render import pdf

BASE = Path(__file__).parent / "hostile" / "base"
SECRET = "the-secret-target-name"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    session = tmp_path / "inputs" / "drill"
    shutil.copytree(BASE, session)
    return session


def test_the_limits_are_the_readers_limits():
    assert limits.MAX_NOTE_BYTES == notes.MAX_NOTE_BYTES
    assert limits.MAX_TEXT_NOTE_BYTES == notes.MAX_TEXT_NOTE_BYTES
    assert limits.MAX_POLL_BYTES == polls.MAX_CSV_BYTES == polls.MAX_XLSX_BYTES
    assert limits.MAX_ASSET_BYTES == pdf.MAX_RESOURCE_BYTES


@pytest.mark.parametrize("size", ["8G", "1T"])
def test_sparse_huge_files_cost_a_stat_not_a_read(folder, size):
    for name in ("notes/huge.md", "notes/huge.docx", "polls/huge.csv", "polls/huge.xlsx", "assets/huge.png"):
        (folder / name).parent.mkdir(exist_ok=True)
        with (folder / name).open("wb") as handle:
            handle.truncate({"8G": 8 << 30, "1T": 1 << 40}[size])
    started = time.perf_counter()
    problems = lib.check(folder)
    assert time.perf_counter() - started < 5
    errors = {str(e).split(": ", 1)[0].removeprefix(f"{folder}/") for e in problems.errors}
    assert errors == {"notes/huge.md", "notes/huge.docx", "polls/huge.csv", "polls/huge.xlsx"}
    assert any(
        "notes/huge.md: note is" in str(e) and "the limit is 512 KB" in str(e) for e in problems.errors
    )
    assert any(
        str(w).startswith(f"{folder}/assets/huge.png: warning: ignored:") and "20 MB an image" in str(w)
        for w in problems.warnings
    )
    started = time.perf_counter()
    hashes = inputs.hash_inputs(folder)
    assert time.perf_counter() - started < 1
    assert not any("huge" in name for name in hashes)


def remove_deep(top: Path) -> None:
    """Remove a tree of any depth by descriptor (shutil.rmtree, and so pytest, would recurse)."""
    if not top.exists():
        return
    levels = [(os.open(top.parent, os.O_RDONLY), "")]
    levels.append((os.open(top.name, os.O_RDONLY, dir_fd=levels[0][0]), top.name))
    while len(levels) > 1:
        fd, name = levels[-1]
        folders = []
        for entry in os.scandir(fd):
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.name)
            else:
                os.unlink(entry.name, dir_fd=fd)
        if folders:
            levels.append((os.open(folders[0], os.O_RDONLY, dir_fd=fd), folders[0]))
            continue
        levels.pop()
        os.close(fd)
        os.rmdir(name, dir_fd=levels[-1][0])
    os.close(levels[0][0])


@pytest.fixture
def deep_tree(folder):
    """assets/ and notes/, each 1,500 levels deep, with a file at the bottom."""
    tops = [folder / top for top in ("assets", "notes")]
    try:
        yield tops
    finally:
        for top in tops:
            remove_deep(top)


def test_a_tree_1500_levels_deep_is_walked_without_recursion(folder, deep_tree):
    for top in deep_tree:
        (folder / top).mkdir(exist_ok=True)
        fd = os.open(folder / top, os.O_RDONLY)
        for name in ["a"] * 1500:  # deeper than a path may be written: walked by descriptor
            os.mkdir(name, dir_fd=fd)
            next_fd = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = next_fd
        os.close(os.open("deep.png", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
        os.close(fd)
    problems = lib.check(folder)
    assert problems.errors == []
    deep = [str(w) for w in problems.warnings if "levels deep" in str(w)]
    assert deep == [
        f"{folder}/assets{'/a' * limits.MAX_FOLDER_DEPTH}: warning: ignored: folders under assets/ "
        f"are read {limits.MAX_FOLDER_DEPTH} levels deep"
    ]
    assert inputs.hash_inputs(folder)  # and hashing it, too, ends


def outside(tmp_path: Path) -> Path:
    other = tmp_path / "other" / SECRET
    other.mkdir(parents=True)
    (other / "secret.md").write_text("# Secret\n\nThe secret text.\n")
    (other / "secret.png").write_bytes(b"secret image bytes")
    return other


def test_assets_linked_to_etc_is_not_followed(folder, tmp_path):
    (folder / "assets").symlink_to("/etc")
    problems = lib.check(folder)
    assert problems.errors == []
    assert [str(w) for w in problems.warnings] == [f"{folder}/assets: warning: {inputs.FOLDER_LINK_OUT}"]
    assert inputs.hash_inputs(folder).keys() == {"session.yaml", "notes/00-base.md"}
    assert inputs.assets_root(folder) is None
    out = tmp_path / "out"
    result = lib.build_session(folder, lib.BuildOptions(out=out, formats=("html",)))
    assert result.status == "built", result.errors
    record = (out / "drill" / "build.json").read_text("utf-8")
    assert "passwd" not in record and "shadow" not in record and "/etc" not in record


def test_an_asset_linked_outside_publishes_nothing_about_its_target(folder, tmp_path):
    other = outside(tmp_path)
    (folder / "assets").mkdir()
    (folder / "assets" / "logo.png").symlink_to(other / "secret.png")
    (folder / "assets" / "inside.png").write_bytes(b"an image")
    (folder / "assets" / "alias.png").symlink_to("inside.png")  # a link inside to a file inside: fine
    problems = lib.check(folder)
    assert [str(w) for w in problems.warnings] == [
        f"{folder}/assets/logo.png: warning: {inputs.FOLDER_LINK_OUT}"
    ]
    hashes = inputs.hash_inputs(folder)
    assert "assets/logo.png" not in hashes
    assert hashes["assets/alias.png"] == hashes["assets/inside.png"]
    out = tmp_path / "out"
    result = lib.build_session(folder, lib.BuildOptions(out=out, formats=("html",)))
    everything = json.dumps(result.model_dump(mode="json")) + "".join(
        p.read_text("utf-8", "replace") for p in (out / "drill").iterdir()
    )
    assert SECRET not in everything and "secret image" not in everything


def test_a_note_linked_outside_is_refused_and_a_note_linked_inside_is_read(folder, tmp_path):
    outside(tmp_path)
    (folder / "notes" / "x.md").symlink_to(Path("..", "..", "..", "other", SECRET, "secret.md"))
    (folder / "notes" / "y.md").symlink_to("00-base.md")
    assert (folder / "notes" / "x.md").read_text().startswith("# Secret")  # the link does lead there
    problems = lib.check(folder)
    assert [str(e) for e in problems.errors] == [f"{folder}/notes/x.md: {inputs.LINK_OUT}"]
    text = "\n".join(str(p) for p in problems.items)
    assert SECRET not in text and "The secret text" not in text
    assert "notes/y.md" in inputs.hash_inputs(folder)


@pytest.mark.parametrize("given", ["relative", "through_a_link"])
def test_a_session_given_by_a_relative_path_or_through_a_link_reads_the_same(
    folder, tmp_path, monkeypatch, given
):
    expected = inputs.read_inputs(folder)
    if given == "relative":
        monkeypatch.chdir(folder.parent.parent)
        path = Path(folder.parent.name) / folder.name  # as `make demo` gives it: inputs/<session>
    else:
        (tmp_path / "link").symlink_to(folder.parent, target_is_directory=True)
        path = tmp_path / "link" / folder.name
    read = inputs.read_inputs(path)
    assert [str(p) for p in read.problems.errors] == []
    assert read.hashes == expected.hashes
    assert len(read.notes) == len(expected.notes) >= 1
