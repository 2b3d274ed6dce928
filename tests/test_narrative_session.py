"""A session whose only note is plain prose still builds a report that holds that prose (issue 15 item 5)."""

import json
import shutil
import subprocess
from pathlib import Path

from docx import Document

from outcomes.build import BuildOptions, build_session

ROOT = Path(__file__).resolve().parents[1]
PROSE = ROOT / "tests/fixtures/notes/real_world/narrative_no_headings.md"


def test_a_note_of_plain_prose_builds_a_report_holding_its_paragraphs(tmp_path):
    session = tmp_path / "igf2025-prose"
    (session / "notes").mkdir(parents=True)
    (session / "session.yaml").write_text(
        "title: Creators in small markets\ncode: WS #901\ndate: 2025-06-24\nevent: IGF 2025\n", "utf-8"
    )
    shutil.copy(PROSE, session / "notes/prose.md")
    result = build_session(session, BuildOptions(out=tmp_path / "out"))
    assert result.status == "built", result.errors
    assert any("no recognisable structure" in w for w in result.warnings)

    out = tmp_path / "out/igf2025-prose"
    report = json.loads((out / "report.json").read_text("utf-8"))
    first = PROSE.read_text("utf-8").split("\n\n")[0].strip()
    assert [p["text"] for p in report["discussion"]][0] == first
    assert report["discussion"][0]["sources"][0]["path"].endswith("prose.md")
    assert report["executive_summary"]["draft"] is True  # drafted from the prose itself
    assert report["executive_summary"]["parts"][0]["paragraphs"]

    pdf = subprocess.run(["pdftotext", str(out / "session_report.pdf"), "-"], capture_output=True, text=True)
    assert "Samoa described payment thresholds" in " ".join(pdf.stdout.split())
    docx_text = "\n".join(p.text for p in Document(out / "session_report.docx").paragraphs)
    assert "Samoa described payment thresholds" in docx_text
