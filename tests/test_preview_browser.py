"""``outcomes preview`` in a real browser: one open tab follows every save by itself.

The command runs as an editor runs it; headless Chromium (Debian's package, ``make system``) opens
the page once. The test edits the editor's label file and waits for the new text in that same tab,
without ever navigating or reloading it: if the page did not change by itself, the test fails.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from browser import CHROMIUM, Chromium

from outcomes.render.templates import BUILTIN_TEMPLATES

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = Path(sys.executable).with_name("outcomes")
EDITS = 7

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (make system)")

FRAME_TEXT = "document.getElementById('doc').contentDocument?.querySelector('.kind')?.textContent"
PROBLEMS = "document.getElementById('problems')"


def shows(text: str, timeout_ms: int = 10_000) -> str:
    """JavaScript: a promise of the ms until the document in the frame shows ``text``."""
    return f"""new Promise((resolve, reject) => {{
      const started = performance.now();
      const poll = setInterval(() => {{
        if (({FRAME_TEXT} || "").includes({json.dumps(text)})) {{
          clearInterval(poll); resolve(performance.now() - started);
        }}
      }}, 5);
      setTimeout(() => {{ clearInterval(poll); reject(new Error("not shown: " + {json.dumps(text)})); }},
                 {timeout_ms});
    }})"""


@pytest.fixture
def editor(tmp_path):
    """A session, and an editor's template folder holding a copy of the English label file."""
    session = tmp_path / "igf2025-ws106"
    shutil.copytree(ROOT / "inputs" / "igf2025-ws106", session)
    labels = tmp_path / "my-templates" / "_labels" / "en.yaml"
    labels.parent.mkdir(parents=True)
    shutil.copy(BUILTIN_TEMPLATES / "_labels" / "en.yaml", labels)
    return session, labels, tmp_path / "out"


@pytest.fixture
def command(editor):
    """Start ``outcomes preview`` as an editor starts it; each is stopped with Ctrl-C at the end."""
    session, labels, out = editor
    started = []

    def start(*options: str) -> str:
        process = subprocess.Popen(
            [str(OUTCOMES), "preview", str(session), "--templates", str(labels.parents[1])]
            + ["--out", str(out), "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        lines = []
        for line in process.stdout:
            lines.append(line)
            if found := re.search(r"serving (http://127\.0\.0\.1:\d+/)", line):
                return found.group(1)
        raise AssertionError("preview did not print its address:\n" + "".join(lines))

    yield start
    for process in started:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 0, process.stdout.read()


def test_the_open_page_follows_label_edits_by_itself(editor, command):
    _session, labels, _out = editor
    original = labels.read_text("utf-8")
    assert "session_report: Session report\n" in original
    with Chromium(command()) as browser:
        tab = browser.tab
        tab.wait_for(f"document.getElementById('live').textContent.startsWith('live') && {FRAME_TEXT}")
        assert tab.evaluate(FRAME_TEXT) == "Session report"
        # Marks that a navigation or a reload of the page would wipe out.
        tab.evaluate(
            "window.sameTab = 'yes'; window.loads = 0;"
            "document.getElementById('doc').addEventListener('load', () => window.loads++)"
        )
        address = tab.evaluate("location.href")

        latencies = []
        for n in range(EDITS):
            text = f"Session report LIVE-{n}"
            waiting = tab.send_evaluate(shows(text))
            started = time.perf_counter()
            labels.write_text(original.replace("session_report: Session report", f"session_report: {text}"))
            tab.value(tab.answer(waiting))
            latencies.append(time.perf_counter() - started)
            time.sleep(0.3)
        # The same page, never navigated, whose frame reloaded by itself (a save may come in two bursts).
        assert tab.evaluate("[window.sameTab, location.href]") == ["yes", address]
        assert tab.evaluate("window.loads") >= EDITS
        median, worst = statistics.median(latencies), max(latencies)
        print(
            f"\nsave to refreshed page in Chromium: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms "
            f"({EDITS} label edits)"
        )
        assert median < 1.0 and worst < 2.0

        # A broken label file: its location over the last good render, and the server keeps going.
        labels.write_text(original + "broken: [unclosed\n")
        message = tab.wait_for(f"!{PROBLEMS}.hidden && {PROBLEMS}.textContent", 10)
        assert re.search(r"_labels/en\.yaml:\d+: not valid YAML", message), message
        assert tab.evaluate(FRAME_TEXT) == f"Session report LIVE-{EDITS - 1}"
        labels.write_text(original.replace("session_report: Session report", "session_report: Mended"))
        tab.evaluate(shows("Mended"))
        assert tab.evaluate(f"{PROBLEMS}.hidden") is True
        assert tab.evaluate("window.sameTab") == "yes"

        # The editor switches document type and language in the page.
        tab.evaluate(
            "const f = document.getElementById('choose'); f.doc.value = 'briefing_paper';"
            "f.lang.value = 'fr'; f.submit()"
        )
        tab.wait_for(f"({FRAME_TEXT} || '').startsWith('Note d')", 20)
        assert tab.evaluate("document.getElementById('doc').contentDocument.documentElement.lang") == "fr"


def test_the_pdf_pages_show_beside_the_html(editor, command):
    _session, labels, _out = editor
    with Chromium(command("--doc", "short_report", "--pdf")) as browser:
        tab = browser.tab
        pages = "[...document.querySelectorAll('#pdf-pane img')]"
        loaded = f"{pages}.length > 0 && {pages}.every(i => i.complete && i.naturalWidth > 0)"
        tab.wait_for(f"({FRAME_TEXT}) === 'Short report' && {loaded}", 60)
        count = tab.evaluate(f"{pages}.length")
        html_box = tab.evaluate("document.getElementById('html-pane').getBoundingClientRect().toJSON()")
        pdf_box = tab.evaluate("document.getElementById('pdf-pane').getBoundingClientRect().toJSON()")
        assert pdf_box["left"] >= html_box["right"] - 1 and pdf_box["width"] > 100  # beside, not below
        first = tab.evaluate(f"{pages}[0].src")

        labels.write_text(
            labels.read_text("utf-8").replace("short_report: Short report", "short_report: Brief")
        )
        tab.evaluate(shows("Brief"))
        tab.wait_for(f"{pages}.length > 0 && {pages}[0].src !== {json.dumps(first)} && {loaded}", 60)
        assert tab.evaluate(f"{pages}.length") == count
