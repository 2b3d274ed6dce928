"""A batch of sessions: one id claimed twice, one output folder from two sources, one session failing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from outcomes import build as lib

BASE = Path(__file__).parent / "hostile" / "base"
OUTCOMES = str(Path(sys.executable).parent / "outcomes")


def session(root: Path, name: str, session_id: str | None = None) -> Path:
    folder = root / name
    shutil.copytree(BASE, folder)
    if session_id is not None:
        yaml = folder / "session.yaml"
        yaml.write_text(f"id: {session_id}\n" + yaml.read_text("utf-8"), "utf-8")
    return folder


def run(*args, timeout=300):
    env = {**os.environ, "COLUMNS": "400"}
    return subprocess.run(
        [OUTCOMES, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def test_two_folders_claiming_one_id_in_a_check_are_errors_naming_both(tmp_path):
    real = session(tmp_path, "ws1")
    claims = session(tmp_path, "impostor", "ws1")
    other = session(tmp_path, "ws2")
    checked = {folder: problems for folder, problems, _outlines in lib.check_all([real, claims, other, real])}
    assert checked[other].errors == []
    [error] = [str(e) for e in checked[real].errors]
    assert error.startswith(f"{real}/session.yaml: the session id 'ws1' is also the id of {claims}")
    [error] = [str(e) for e in checked[claims].errors]
    assert error.startswith(f"{claims}/session.yaml: the session id 'ws1' is also the id of {real}")


def test_check_goes_on_after_a_session_fails_unexpectedly(tmp_path, monkeypatch):
    broken, fine = session(tmp_path, "broken"), session(tmp_path, "fine")
    real_check = lib.check_outlines

    def check_outlines(folder):
        if folder == broken:
            raise RecursionError("maximum recursion depth exceeded")
        return real_check(folder)

    monkeypatch.setattr(lib, "check_outlines", check_outlines)
    checked = {folder: problems for folder, problems, _outlines in lib.check_all([broken, fine])}
    assert [str(e) for e in checked[broken].errors] == [
        f"{broken}: internal error: RecursionError: maximum recursion depth exceeded "
        "(run again with --debug for details)"
    ]
    assert checked[fine].errors == []


def test_a_build_into_a_folder_last_built_from_another_source_is_refused(tmp_path):
    out = tmp_path / "out"
    options = lib.BuildOptions(out=out, formats=("html",))
    real = session(tmp_path, "ws1")
    assert lib.build_session(real, options).status == "built"
    before = (out / "ws1" / "report.json").read_bytes()
    assert json.loads((out / "ws1" / "build.json").read_text("utf-8"))["source"] == str(real.resolve())

    impostor = session(tmp_path, "impostor", "ws1")
    for force in (False, True):
        result = lib.build_session(impostor, lib.BuildOptions(out=out, formats=("html",), force=force))
        assert result.status == "failed"
        [error] = result.errors
        assert error.startswith(
            f"{impostor}/session.yaml: {out / 'ws1'} was last built from {real.resolve()}"
        )
        assert "another 'id:'" in error and "delete" in error
    assert (out / "ws1" / "report.json").read_bytes() == before
    assert lib.build_session(real, options).status == "unchanged"
    # An identical copy (the same inputs, so the same build key) is refused too, not taken as built.
    original = session(tmp_path, "original", "same")
    assert lib.build_session(original, options).status == "built"
    shutil.copytree(original, tmp_path / "copy")
    assert lib.build_session(tmp_path / "copy", options).status == "failed"


def test_build_all_builds_neither_folder_claiming_one_id_and_the_others(tmp_path):
    inputs = tmp_path / "inputs"
    session(inputs, "ws1")
    session(inputs, "impostor", "ws1")
    session(inputs, "ws2")
    out = tmp_path / "out"
    done = run("build", "--all", inputs, "--out", out, "--format", "html")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert (
        f"{inputs}/ws1/session.yaml: the session id 'ws1' is also the id of {inputs}/impostor" in done.stderr
    )
    assert (
        f"{inputs}/impostor/session.yaml: the session id 'ws1' is also the id of {inputs}/ws1" in done.stderr
    )
    assert "1 built" in done.stdout and "2 failed" in done.stdout
    assert (out / "ws2" / "session_report.html").is_file()
    # Rendering ahead (outcomes.readahead) may have locked the folder; nothing was put in it.
    assert not (out / "ws1").exists() or list((out / "ws1").iterdir()) == []


def test_control_characters_from_a_session_reach_the_terminal_escaped(tmp_path):
    folder = session(tmp_path, "ws\x1b]0;pwned\x07\u202eevil")
    (folder / "notes" / "x\x1b[2J\nFORGED: ok (0 error(s), 0 warning(s))\u2066.pdf").write_text("x")
    done = run("check", folder)
    printed = done.stdout + done.stderr
    assert "\x1b" not in printed and "\x07" not in printed and "\u202e" not in printed
    assert "\u2066" not in printed
    assert not any(line.startswith("FORGED") for line in printed.splitlines())
    assert "x\\x1b[2J\\nFORGED: ok (0 error(s), 0 warning(s))\\u2066.pdf: warning: ignored" in done.stdout
    assert "ws\\x1b]0;pwned\\x07\\u202eevil" in printed
    assert done.returncode == 1  # the folder's name cannot be the session id
    assert "cannot be the session id" in done.stderr


def test_build_json_holds_session_text_escaped(tmp_path):
    folder = session(tmp_path, "drill")
    (folder / "notes" / "y\x1b[31m\u202e.pdf").write_text("x")
    out = tmp_path / "out"
    result = lib.build_session(folder, lib.BuildOptions(out=out, formats=("html",)))
    assert result.status == "built"
    record = json.loads((out / "drill" / "build.json").read_text("utf-8"))
    assert any("y\\x1b[31m\\u202e.pdf: warning: ignored" in w for w in record["warnings"])
    assert not any("\x1b" in w or "\u202e" in w for w in record["warnings"])
