"""The command line: init, check and the exit codes of the contract."""

import os
import subprocess
import sys
import time
from pathlib import Path

from conftest import left_behind
from openpyxl import load_workbook

OUTCOMES = str(Path(sys.executable).parent / "outcomes")


def run(*args, cwd=None, env=None):
    command = [OUTCOMES, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd, env=env)


def test_init_scaffolds_a_session_that_checks_clean(tmp_path):
    folder = tmp_path / "igf2026-ws1"
    done = run("init", folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "session.yaml").read_text().startswith("# Session metadata")
    assert (folder / "notes" / "example-note.md").is_file() and (folder / "polls").is_dir()
    book = load_workbook(folder / "worksheet.xlsx", read_only=True)
    assert {"Themes", "Takeaways", "Actions", "People"} <= set(book.sheetnames)
    headers = [c.value for c in next(book["Themes"].iter_rows(max_row=1))]
    assert [h.casefold() for h in headers[:3]] == ["theme", "wsis action lines", "summary"]
    done = run("check", folder)
    assert done.returncode == 0, done.stdout + done.stderr
    again = run("init", folder)
    assert again.returncode == 2 and "already has a session.yaml" in again.stderr


def test_check_prints_every_problem_located_and_exits_1(tmp_path):
    folder = tmp_path / "broken"
    (folder / "notes").mkdir(parents=True)
    (folder / "session.yaml").write_text("title: T\nlanguage: xx\npeople:\n  - name: A\n    region: Mars\n")
    (folder / "notes" / "a.md").write_text("Channel: by fax\n\n# Summary\n\nText.\n")
    done = run("check", folder)
    assert done.returncode == 1
    assert f"{folder}/session.yaml:2: language 'xx'" in done.stderr
    assert f"{folder}/session.yaml:5: regional group 'Mars'" in done.stderr
    assert f"{folder}/notes/a.md:1: channel 'by fax'" in done.stderr
    assert "Traceback" not in done.stderr


def test_build_usage_errors_exit_2(tmp_path):
    assert run("build").returncode == 2
    assert run("build", tmp_path, "--format", "odt").returncode == 2
    assert run("build", tmp_path, "--doc", "novel").returncode == 2
    assert run("build", "--no-such-flag").returncode == 2


def test_an_unknown_document_type_leaves_no_prefect_server_behind(tmp_path):
    """The temporary server starts before --doc is checked; the usage error stops it."""
    marker = f"unknown-doc-{os.getpid()}-{time.monotonic_ns()}"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = run("build", tmp_path, "--doc", "novel", env={**env, "OUTCOMES_TEST_MARKER": marker})
    assert done.returncode == 2 and "--doc novel" in done.stderr
    assert left_behind(marker) == []


def test_an_out_folder_that_is_a_file_or_unwritable_is_a_usage_error(tmp_path):
    folder = tmp_path / "s"
    run("init", folder)
    a_file = tmp_path / "outputs.txt"
    a_file.write_text("x")
    for out, says in ((a_file, "is a file"), (a_file / "sub", "cannot be written")):
        for command in (["build", folder], ["preview", folder, "--once"]):
            done = run(*command, "--out", out)
            assert done.returncode == 2, done.stderr
            assert "Traceback" not in done.stderr + done.stdout
            lines = done.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith(f"usage error: --out {out}: {says}"), lines
