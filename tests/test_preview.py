"""``outcomes preview``: the served page follows every template and input change, quickly, without Prefect.

The page itself in a real browser is tested in test_preview_browser.py; what the server refuses to
serve, in test_preview_paths.py.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from served import Lines, Served, wait_for

from outcomes import pool as pool_module
from outcomes.errors import OutcomesError
from outcomes.preview import DEFAULT_PORT, Preview, run_preview
from outcomes.render.templates import BUILTIN_TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
# Generous for a loaded 2-core CI machine; the measured figures are printed (pytest -s) and are far lower.
LIVE_BUDGET_S = 2.0


@pytest.fixture
def workspace(tmp_path):
    session = tmp_path / "igf2025-ws106"
    shutil.copytree(ROOT / "inputs" / "igf2025-ws106", session)
    editor = tmp_path / "my-templates" / "session_report"
    editor.mkdir(parents=True)
    shutil.copy(BUILTIN_TEMPLATES / "session_report" / "document.html", editor / "document.html")
    return session, editor.parent, tmp_path / "out"


def test_renders_once_to_a_preview_folder(workspace):
    session, templates, out = workspace
    lines = Lines()
    assert run_preview(session, "briefing_paper", templates, False, out, True, lines) == 0
    html = out / "igf2025-ws106" / "preview" / "briefing_paper.html"
    assert "Technical solutions" in html.read_text("utf-8")
    assert "HTML" in lines.lines[0] and "ms" in lines.lines[0]
    assert not (out / "igf2025-ws106" / "briefing_paper.pdf").exists()  # never mixed with real outputs


def showing(served: Served, events, text: str) -> dict:
    """The first state whose HTML shows ``text`` (a save may reach the watcher in two bursts)."""
    return events.until(lambda s: s["html"] and text.encode() in served.get(s["html"])[1])


def test_the_page_follows_template_edits_over_its_event_stream(workspace):
    """Edit the template several times; each edit reaches the page's event stream within the budget."""
    session, templates, out = workspace
    document = templates / "session_report" / "document.html"
    source = document.read_text("utf-8")
    with Served(session, "session_report", templates, out) as served:
        status, page = served.get("/")
        assert status == 200 and b'new EventSource("/events?"' in page
        events = served.events()
        first = events.next()
        assert first["errors"] == [] and first["html"].startswith("/files/session_report.html?v=")
        time.sleep(0.3)  # let the watcher settle before the first edit
        latencies = []
        for n in range(5):
            marker = f"EDIT-{n}"
            started = time.perf_counter()
            document.write_text(source.replace("{{ labels.session_report }}</h1>", f"{marker}</h1>"), "utf-8")
            first = showing(served, events, f"{marker}</h1>")
            latencies.append(time.perf_counter() - started)
            time.sleep(0.2)
        print(
            f"\npreview latency, save to new HTML fetched over the event stream: median "
            f"{statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
        )
        assert max(latencies) < LIVE_BUDGET_S

        # A stylesheet and a reference.docx are watched too.
        (templates / "session_report" / "style.css").write_text(".cover { color: #123456; }\n", "utf-8")
        state = showing(served, events, "#123456")
        shutil.copy(BUILTIN_TEMPLATES / "_shared" / "reference.docx", templates / "session_report")
        first = events.until(lambda s, seen=state["html"]: s["html"] != seen)

        # An input change re-reads the session.
        note = session / "notes" / "01-session-report.txt"
        note.write_text(note.read_text("utf-8").replace("fragile", "BRITTLE", 1), "utf-8")
        state = showing(served, events, "BRITTLE")

        # A broken template is sent with its file and line; the page keeps the last good render.
        document.write_text(source.replace("<h1>", "<h1>{{ report.__class__ }}", 1), "utf-8")
        broken = events.until(lambda s: s["errors"])
        assert any("document.html:" in e and "not allowed" in e for e in broken["errors"]), broken
        assert broken["html"] == state["html"]
        assert b"BRITTLE" in served.get(broken["html"])[1]
        assert served.get("/")[0] == 200  # the server keeps answering

        # A broken input too.
        (session / "session.yaml").write_text("language: tlh\n", encoding="utf-8")
        broken = events.until(lambda s: any("session.yaml" in e for e in s["errors"]))
        assert broken["html"] == state["html"]

        # Fixing both recovers.
        shutil.copy(ROOT / "inputs" / "igf2025-ws106" / "session.yaml", session / "session.yaml")
        document.write_text(source.replace("{{ labels.session_report }}</h1>", "FIXED</h1>"), "utf-8")
        fixed = showing(served, events, "FIXED</h1>")
        assert not fixed["errors"]
        events.close()
    assert any(line.startswith("serving http://127.0.0.1:") for line in served.lines.lines)


def test_the_page_switches_document_type_and_language(workspace):
    session, templates, out = workspace
    with Served(session, "session_report", templates, out) as served:
        status, page = served.get("/?doc=briefing_paper&lang=fr")
        assert status == 200
        assert b'<option value="briefing_paper" selected>' in page
        assert b'<option value="fr" selected>' in page
        events = served.events("?doc=briefing_paper&lang=fr")
        state = events.next()
        assert state["html"].startswith("/files/briefing_paper.fr.html?v=")
        status, html = served.get(state["html"])
        assert status == 200 and b'<html lang="fr"' in html and b"Note d" in html
        # An edit re-renders the view an open page shows.
        (templates / "_labels").mkdir()
        (templates / "_labels" / "fr.yaml").write_text("briefing_paper: Note LIVE\n", "utf-8")
        state = events.until(lambda s, seen=state["html"]: s["html"] != seen)
        assert "Note LIVE" in served.get(state["html"])[1].decode("utf-8")
        events.close()
        for bad in ("/?doc=press_release", "/?lang=tlh", "/events?doc=../../etc"):
            status, body = served.get(bad)
            assert status == 404 and b"unknown" in body


def test_pdf_pages_beside_the_html(workspace):
    session, templates, out = workspace
    with Served(session, "short_report", templates, out, pdf=True) as served:
        events = served.events()
        state = events.until(lambda s: s["pages"])
        assert state["pdf_wanted"] and not state["pdf_pending"]
        status, png = served.get(state["pages"][0])
        assert status == 200 and png.startswith(b"\x89PNG")
        assert served.get(state["pdf"])[1].startswith(b"%PDF")
        # After an edit the HTML comes first, then the PDF.
        (templates / "_labels").mkdir()
        (templates / "_labels" / "en.yaml").write_text("short_report: Short report LIVE\n", "utf-8")
        html_first = events.until(lambda s, seen=state["html"]: s["html"] != seen)
        assert html_first["pdf_pending"] and html_first["pages"] == state["pages"]
        after = events.until(lambda s: not s["pdf_pending"])
        assert after["pages"] != state["pages"]  # same files, new version
        events.close()


def test_serves_on_localhost_unless_told_and_only_under_its_names(workspace):
    session, templates, out = workspace
    with Served(session, "short_report", templates, out) as served:
        assert served.host == "127.0.0.1"
        assert not any("warning" in line for line in served.lines.lines)
        # Another site's page reaching the server by DNS rebinding sends its own name.
        assert served.get("/", headers={"Host": "attacker.example"})[0] == 400
        assert served.get("/", headers={"Host": f"localhost:{served.port}"})[0] == 200
    with Served(session, "short_report", templates, out, host="0.0.0.0") as served:
        assert any(line.startswith("warning: serving on 0.0.0.0") for line in served.lines.lines)


def test_the_default_port_when_free_else_any_free_port(workspace):
    session, templates, out = workspace
    holder = None
    with contextlib.suppress(OSError):  # already taken by something else: just as good
        holder = socket.create_server(("127.0.0.1", DEFAULT_PORT))
    try:
        with Served(session, "short_report", templates, out, port=None) as served:
            assert served.port != DEFAULT_PORT and served.get("/")[0] == 200
    finally:
        if holder is not None:
            holder.close()


def test_a_busy_port_is_a_clean_error(workspace):
    session, templates, out = workspace
    with Served(session, "short_report", templates, out) as served:
        with pytest.raises(OutcomesError, match="--port"):
            run_preview(session, "short_report", templates, False, out, False, Lines(), port=served.port)


def test_pdf_on_request(workspace):
    session, templates, out = workspace
    preview = Preview(session, "short_report", templates, pdf=True, out_dir=out)
    try:
        result = preview.render()
    finally:
        preview.close()
    assert result.ok and result.pdf is not None and result.pdf.read_bytes().startswith(b"%PDF")
    print(f"\npreview PDF (short report): {result.pdf_ms:.0f} ms, HTML {result.html_ms:.0f} ms")


def test_a_pdf_over_the_time_limit_is_stopped_and_the_preview_goes_on(workspace, monkeypatch):
    session, templates, out = workspace
    monkeypatch.setattr(pool_module, "RENDER_TIMEOUT_S", 2.0)
    style = templates / "short_report" / "style.css"
    style.parent.mkdir()
    # WeasyPrint lays this out in about 6 s on the short report (56 s on a session report).
    style.write_text("* { display: flex !important; flex-wrap: wrap; }\n", "utf-8")
    preview = Preview(session, "short_report", templates, pdf=True, out_dir=out)
    try:
        slow = preview.render()  # the renderer is killed at the limit
        assert slow.errors == [
            "igf2025-ws106: short_report.pdf: rendering took longer than 2 s (OUTCOMES_RENDER_TIMEOUT)"
        ]
        assert slow.html is not None and slow.pdf is None
        assert not list(out.rglob("*.part"))  # the killed renderer's staged file is gone
        style.write_text("p { color: #222; }\n", "utf-8")
        fixed = preview.render(inputs_changed=False, templates_changed=True, files_moved=False)
        assert fixed.ok and fixed.pdf is not None and fixed.pdf.read_bytes().startswith(b"%PDF")
    finally:
        preview.close()
    assert preview._renderer is None


FLEX = "* { display: flex !important; flex-wrap: wrap; }\n"  # a minute of layout for a session report


def test_cancel_pdf_stops_a_pdf_half_way(workspace):
    session, templates, out = workspace
    style = templates / "session_report" / "style.css"
    preview = Preview(session, "session_report", templates, pdf=True, out_dir=out)
    try:
        assert preview.render(pdf=False).ok
        assert not preview.cancel_pdf()  # nothing to stop
        style.write_text(FLEX, "utf-8")
        done: list = []
        slow = threading.Thread(target=lambda: done.append(preview.render_pdf("session_report", "en")))
        slow.start()
        wait_for(lambda: preview._renderer is not None and preview._renderer.busy, 60)
        started = time.monotonic()
        assert preview.cancel_pdf()
        slow.join(30)
        assert not slow.is_alive() and time.monotonic() - started < 30
        assert done[0].stopped and not done[0].errors and done[0].pdf is None
        assert not list(out.rglob("*.part"))  # the killed renderer's staged file is gone
        style.write_text(".cover { color: #123456; }\n", "utf-8")
        fixed = preview.render_pdf("session_report", "en")  # a new renderer
        assert fixed.ok and fixed.pdf is not None and fixed.pdf.read_bytes().startswith(b"%PDF")
    finally:
        preview.close()


def test_a_save_stops_the_slow_pdf_of_the_one_before(workspace):
    """A stylesheet that sends the PDF's layout into minutes does not hold the preview: the fix shows."""
    session, templates, out = workspace
    style = templates / "session_report" / "style.css"
    with Served(session, "session_report", templates, out, pdf=True) as served:
        events = served.events()
        first = events.until(lambda s: s["pages"], limit=50)
        style.write_text(FLEX, "utf-8")
        events.until(lambda s: s["pdf_pending"] and s["html"] != first["html"])
        time.sleep(2)  # its PDF is being laid out
        started = time.monotonic()
        style.write_text(".cover { color: #123456; }\n", "utf-8")
        shown = showing(served, events, "#123456")  # without waiting for the slow PDF
        done = events.until(lambda s: not s["pdf_pending"], limit=50)
        waited = time.monotonic() - started
        assert not shown["errors"] and not done["errors"]
        assert done["pages"] and done["pages"] != first["pages"]
        assert waited < 40, f"the fix waited {waited:.0f} s, as long as the slow PDF"
        events.close()
    assert not any("longer than" in line for line in served.lines.lines), served.lines.lines


def test_a_slow_pdf_at_start_does_not_hold_the_page(workspace):
    session, templates, out = workspace
    style = templates / "session_report" / "style.css"
    style.write_text(FLEX, "utf-8")
    started = time.monotonic()
    with Served(session, "session_report", templates, out, pdf=True) as served:
        events = served.events()
        first = events.next()
        assert first["html"] and first["pdf_pending"] and not first["errors"]
        style.write_text(".cover { color: #123456; }\n", "utf-8")
        done = events.until(lambda s: not s["pdf_pending"], limit=50)
        assert done["pages"] and not done["errors"]
        waited = time.monotonic() - started
        assert waited < 40, f"the page waited {waited:.0f} s, as long as the slow PDF"
        events.close()


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
    with pytest.raises(OutcomesError, match="--templates .*: not a folder"):
        run_preview(
            ROOT / "inputs" / "igf2025-ws106",
            "session_report",
            tmp_path / "none",
            False,
            tmp_path,
            False,
            Lines(),
        )
    with pytest.raises(OutcomesError, match="--doc"):
        Preview(ROOT / "inputs" / "igf2025-ws106", "press_release")


def test_preview_does_not_start_prefect(tmp_path):
    """Neither a render nor the server imports Prefect."""
    script = (
        "import sys, threading; from pathlib import Path; from outcomes.preview import run_preview\n"
        "class P:\n    def print(self, *a, markup=None): pass\n"
        "stop = threading.Event(); stop.set()\n"
        f"run_preview(Path({str(ROOT / 'inputs' / 'igf2025-ws106')!r}), 'short_report', None, False, "
        f"Path({str(tmp_path)!r}), False, P(), stop, port=0)\n"
        "assert 'uvicorn' in sys.modules and 'starlette' in sys.modules\n"
        "assert 'prefect' not in sys.modules, 'preview imported Prefect'\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
