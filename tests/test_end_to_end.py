"""igf2025-ws106 built through the Prefect flow by the CLI, its PDF and DOCX read back."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import pdf_outline
from docx import Document
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[1]
# The action-line table of seed 002's session report: derived from its five themes.
SEED_002_ACTION_LINES = ["C1", "C2", "C3", "C5", "C6", "C8", "C10", "C11"]
OUTCOMES = str(Path(sys.executable).parent / "outcomes")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    done = subprocess.run(
        [
            OUTCOMES,
            "build",
            str(ROOT / "inputs" / "igf2025-ws106"),
            "--out",
            str(out),
            "--doc",
            "session_report",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return out / "igf2025-ws106", done.stdout


def test_cli_says_where_the_outputs_are(built):
    folder, stdout = built
    assert str(folder) in stdout
    names = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert names == [
        "build.json",
        "report.json",
        "session_report.docx",
        "session_report.html",
        "session_report.pdf",
    ]


def test_pdf_text_bookmarks_structure_and_fonts(built):
    folder, _ = built
    pdf = folder / "session_report.pdf"
    reader = PdfReader(pdf)
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Promoting Responsible Internet Practices in Infrastructure" in text
    # The note's rewording of a worksheet takeaway is kept once, in the worksheet's words (issue 16).
    assert "Visibility and modernisation are urgently needed across all infrastructure layers." in text
    assert "Visibility and modernization across" not in text
    assert "Facilitate regular multi-stakeholder forums" in text
    titles = pdf_outline(pdf)
    for heading in (
        "Executive summary",
        "Key themes and discussion points",
        "Recommended actions",
        "WSIS action line summary alignment",
        "Enhancing Cooperation and Multi-Stakeholder Collaboration",
    ):
        assert heading in titles
    check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column
    assert reader.metadata.title.startswith("WS #106")
    first = reader.pages[1].extract_text()
    assert "WS #106" in first and "Page 2 of" in first  # running header and page x of y


def test_docx_heading_styles_and_real_tables(built):
    folder, _ = built
    doc = Document(folder / "session_report.docx")
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 2", "Executive summary") in headings
    assert ("Heading 3", "Understanding the Internet infrastructure ecosystem") in headings
    assert ("Heading 2", "Recommended actions") in headings
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Theme")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    codes = [cell.split(" (")[0] for _theme, lines in rows for cell in lines.split("), ")]
    assert {c.rstrip(")") for c in codes} >= {"C1", "C2", "C3", "C5", "C6", "C8", "C10", "C11"}
    speakers = [t for t in doc.tables if t.rows[0].cells[0].text == "Group"]
    assert speakers, "speakers by group must be a real table"


def test_report_json_traces_every_item(built):
    folder, _ = built
    report = json.loads((folder / "report.json").read_text())
    assert [r["code"] for r in report["action_line_table"]] == SEED_002_ACTION_LINES
    for theme in report["themes"]:
        assert theme["sources"]
        for item in theme["takeaways"]:
            assert item["sources"] and all(s["line"] or s["row"] for s in item["sources"])
    assert all(a["sources"] for a in report["actions"])
    record = json.loads((folder / "build.json").read_text())
    assert set(record["inputs"]) >= {"session.yaml", "notes/01-session-report.txt", "worksheet.xlsx"}
    assert set(record["tools"]) == {"igf-outcomes", "python", "prefect", "weasyprint", "pandoc"}
    assert "session_report.pdf" in record["timings"]
    # The renderer checked each file it wrote: PDF/UA on the PDF, Word's checks on the DOCX.
    for name in ("session_report.pdf", "session_report.docx"):
        assert record["accessibility"][name]["errors"] == 0, record["accessibility"][name]
    assert [r["rapporteur"] for r in report["rapporteurs"]] == ["Snead David"]
    assert report["session"]["participation"]["onsite"] == 38


def test_seed_002_session_report_as_the_only_note_round_trips(tmp_path):
    """The acceptance check of the foundation issue, through the whole build."""
    session = tmp_path / "seed002"
    (session / "notes").mkdir(parents=True)
    shutil.copy(
        ROOT / "tests/fixtures/notes/seed002_session_report_pasted.txt", session / "notes" / "report.txt"
    )
    (session / "session.yaml").write_text(
        'code: "WS #106"\ntitle: Seed 002\nformat: Roundtable\n', encoding="utf-8"
    )
    from outcomes.build import BuildOptions, build_session

    result = build_session(session, BuildOptions(out=tmp_path / "out", formats=("docx",)))
    assert result.status == "built", result.errors
    report = json.loads((tmp_path / "out" / "seed002" / "report.json").read_text())
    assert len(report["executive_summary"]["parts"][0]["paragraphs"]) == 2
    assert len(report["themes"]) == 5
    assert len({t["title"] for t in report["themes"]}) == 5
    assert sum(len(t["takeaways"]) for t in report["themes"]) == 14
    assert len(report["actions"]) == 4
    assert [r["code"] for r in report["action_line_table"]] == SEED_002_ACTION_LINES
