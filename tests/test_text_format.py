"""``--format txt``: the short report and the session report as plain text, in the IGF web form's order."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from outcomes.build import BuildOptions, build_session
from outcomes.render.text import html_to_text

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = str(Path(sys.executable).parent / "outcomes")
MARKUP = re.compile(r"<[a-z/!]|&[a-z#0-9]+;|\*\*|^#|^- |^\* ", re.MULTILINE)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("txt")
    result = build_session(
        ROOT / "inputs" / "igf2025-ws106",
        BuildOptions(out=out, documents=["short_report", "session_report"], formats=("txt",)),
    )
    assert result.status == "built", result.errors
    return out / "igf2025-ws106"


def fields(text: str, labels: list[str]) -> list[int]:
    """Where each field label stands on a line of its own."""
    lines = text.splitlines()
    return [lines.index(label) for label in labels]


def test_short_report_holds_the_two_fields_in_the_forms_order(built):
    text = (built / "short_report.txt").read_text("utf-8")
    takeaways, actions = fields(text, ["Key takeaways", "Calls to action"])
    assert 0 == takeaways < actions
    assert "Session report" not in text.splitlines()
    assert "• Multi-stakeholder trust and collaboration are essential for a resilient Internet." in text
    assert (
        "• Facilitate regular multi-stakeholder forums for shared learning and collaborative problem-solving."
        in text
    )


def test_session_report_adds_the_report_itself_as_third_field(built):
    text = (built / "session_report.txt").read_text("utf-8")
    takeaways, actions, report = fields(text, ["Key takeaways", "Calls to action", "Session report"])
    assert takeaways < actions < report
    body = text.split("\nSession report\n", 1)[1]
    for heading in ("Executive summary", "Key themes and discussion points", "People of the session"):
        assert f"\n{heading}\n" in body
    assert (
        "• Snead David — Organiser, Moderator, Rapporteur — Secure Hosting Alliance — Private Sector" in body
    )
    assert "Estimated participants onsite: 38" in body
    # The editor's Sources appendix (file:line) and the cover are not for the web form.
    assert "notes/01-session-report.txt:" not in text and "Contents" not in text


@pytest.mark.parametrize("name", ["short_report.txt", "session_report.txt"])
def test_plain_text_has_no_markup_and_blank_lines_between_items(built, name):
    text = (built / name).read_text("utf-8")
    assert not MARKUP.search(text), MARKUP.search(text)
    lines = text.splitlines()
    bullets = [i for i, line in enumerate(lines) if line.startswith("• ")]
    assert len(bullets) > 10
    for i in bullets:
        assert lines[i - 1] == "" and (i + 1 == len(lines) or lines[i + 1] == ""), lines[i - 1 : i + 2]
    assert "\n\n\n\n" not in text


def test_html_lists_tables_and_quotes_become_lines():
    text = html_to_text(
        "<html><body><nav class='toc'>Contents</nav><h2>Poll</h2><ol><li>One <em>two</em></li></ol>"
        "<table><thead><tr><th>Option</th><th>Votes</th></tr></thead><tbody><tr><td>A</td><td>7</td></tr>"
        "</tbody></table><blockquote>Said &amp; done</blockquote><div class='chart'><svg><text>7</text>"
        "</svg></div></body></html>"
    )
    assert text == "Poll\n\n1. One two\n\nOption — Votes\n\n• A — 7\n\n“Said & done”"


def test_cli_accepts_txt_and_names_it_in_the_usage_error(tmp_path):
    done = subprocess.run(
        [
            OUTCOMES,
            "build",
            str(ROOT / "inputs" / "igf2025-ws106"),
            "--out",
            str(tmp_path),
            "--format",
            "rtf",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert "use pdf, docx, html, txt" in done.stdout + done.stderr
