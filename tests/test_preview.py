"""``outcomes preview``: re-rendering on every template or input change, quickly, without Prefect."""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from outcomes.errors import OutcomesError
from outcomes.preview import Preview, run_preview
from outcomes.render.templates import BUILTIN_TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
# Generous for a loaded 2-core CI machine; the measured figures are printed (pytest -s) and are far lower.
LIVE_BUDGET_S = 2.0


class Lines:
    """A console stand-in that keeps what the preview prints."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, *objects: object, markup: bool | None = None) -> None:
        self.lines.append(" ".join(str(o) for o in objects))


@pytest.fixture
def workspace(tmp_path):
    session = tmp_path / "igf2025-ws106"
    shutil.copytree(ROOT / "inputs" / "igf2025-ws106", session)
    editor = tmp_path / "my-templates" / "session_report"
    editor.mkdir(parents=True)
    shutil.copy(BUILTIN_TEMPLATES / "session_report" / "document.html", editor / "document.html")
    return session, editor.parent, tmp_path / "out"


def wait_for(condition, timeout: float) -> float:
    """Seconds until ``condition()`` holds; fails after ``timeout``."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if condition():
            return time.perf_counter() - started
        time.sleep(0.005)
    raise AssertionError(f"not within {timeout} s")


def test_renders_once_to_a_preview_folder(workspace):
    session, templates, out = workspace
    lines = Lines()
    assert run_preview(session, "briefing_paper", templates, False, out, True, lines) == 0
    html = out / "igf2025-ws106" / "preview" / "briefing_paper.html"
    assert "Technical solutions" in html.read_text("utf-8")
    assert "HTML" in lines.lines[0] and "ms" in lines.lines[0]
    assert not (out / "igf2025-ws106" / "briefing_paper.pdf").exists()  # never mixed with real outputs


def test_a_template_edit_is_live(workspace):
    """Edit the template several times; each edit shows in the preview within the budget."""
    session, templates, out = workspace
    document = templates / "session_report" / "document.html"
    html = out / "igf2025-ws106" / "preview" / "session_report.html"
    lines, stop = Lines(), threading.Event()
    watcher = threading.Thread(
        target=run_preview,
        args=(session, "session_report", templates, False, out, False, lines, stop),
        daemon=True,
    )
    watcher.start()
    try:
        wait_for(lambda: any(line.startswith("watching") for line in lines.lines), 30)
        time.sleep(0.3)  # let the watcher settle before the first edit
        source = document.read_text("utf-8")
        latencies = []
        for n in range(5):
            marker = f"EDIT-{n}"
            document.write_text(source.replace("{{ labels.session_report }}</h1>", f"{marker}</h1>"), "utf-8")
            latencies.append(
                wait_for(lambda m=marker: html.is_file() and m in html.read_text("utf-8"), LIVE_BUDGET_S)
            )
            time.sleep(0.2)
        print(
            f"\npreview latency, save to HTML written: median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )
        assert max(latencies) < LIVE_BUDGET_S

        # An input change re-reads the session.
        note = session / "notes" / "01-session-report.txt"
        note.write_text(note.read_text("utf-8").replace("fragile", "BRITTLE", 1), "utf-8")
        wait_for(lambda: "BRITTLE" in html.read_text("utf-8"), LIVE_BUDGET_S + 2)

        # A broken template is reported with its line; the last good preview stays; fixing it recovers.
        document.write_text(source.replace("<h1>", "<h1>{{ report.__class__ }}", 1), "utf-8")
        wait_for(
            lambda: any("document.html:" in line and "not allowed" in line for line in lines.lines),
            LIVE_BUDGET_S,
        )
        assert "BRITTLE" in html.read_text("utf-8")
        document.write_text(source.replace("{{ labels.session_report }}</h1>", "FIXED</h1>"), "utf-8")
        wait_for(lambda: "FIXED</h1>" in html.read_text("utf-8"), LIVE_BUDGET_S)
    finally:
        stop.set()
        watcher.join(10)
    assert not watcher.is_alive()


def test_pdf_on_request(workspace):
    session, templates, out = workspace
    preview = Preview(session, "short_report", templates, pdf=True, out_dir=out)
    result = preview.render()
    assert result.ok and result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")
    print(f"\npreview PDF (short report): {result.pdf_ms:.0f} ms, HTML {result.html_ms:.0f} ms")


def test_warm_re_render_is_fast(workspace):
    session, templates, out = workspace
    preview = Preview(session, "session_report", templates, out_dir=out)
    assert preview.render().ok
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        assert preview.render(inputs_changed=False, templates_changed=True, files_moved=False).ok
        timings.append(time.perf_counter() - started)
    print(f"\nwarm re-render after a template edit: median {statistics.median(timings) * 1000:.1f} ms")
    assert statistics.median(timings) < 0.5


def test_input_errors_are_printed_not_raised(workspace):
    session, templates, out = workspace
    (session / "session.yaml").write_text("language: tlh\n", encoding="utf-8")
    lines = Lines()
    assert run_preview(session, "session_report", None, False, out, True, lines) == 1
    assert any("session.yaml" in line for line in lines.lines)


def test_usage_errors(tmp_path):
    with pytest.raises(OutcomesError, match="not a session folder"):
        run_preview(tmp_path, "session_report", None, False, tmp_path, True, Lines())
    with pytest.raises(OutcomesError, match="--doc"):
        Preview(ROOT / "inputs" / "igf2025-ws106", "press_release")


def test_preview_does_not_start_prefect(tmp_path):
    script = (
        "import sys; from pathlib import Path; from outcomes.preview import run_preview\n"
        "class P:\n    def print(self, *a, markup=None): pass\n"
        f"run_preview(Path({str(ROOT / 'inputs' / 'igf2025-ws106')!r}), 'short_report', None, False, "
        f"Path({str(tmp_path)!r}), True, P())\n"
        "assert 'prefect' not in sys.modules, 'preview imported Prefect'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
