"""One session mixing every input kind, built end to end: merge, de-duplication, polls, provenance."""

import csv
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from outcomes.build import BuildOptions, build_session

ROOT = Path(__file__).resolve().parents[1]
EX = ROOT / "inputs"
ZOOM = EX / "igf2025-ws106/polls/zoom_poll_report_85412377604.csv"


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    base = tmp_path_factory.mktemp("mixed")
    session = base / "igf2025-mixed"
    (session / "notes").mkdir(parents=True)
    (session / "polls").mkdir()
    shutil.copy(EX / "igf2025-ws106/session.yaml", session / "session.yaml")
    shutil.copy(EX / "igf2025-ws106/worksheet.xlsx", session / "worksheet.xlsx")
    shutil.copy(EX / "igf2025-ws106/notes/01-session-report.txt", session / "notes/01-pasted.txt")
    shutil.copy(EX / "igf2023-ws537/notes/group1-onsite.docx", session / "notes/02-word.docx")
    shutil.copy(EX / "igf2023-ws537/notes/group2-online.md", session / "notes/03-markdown.md")
    shutil.copy(EX / "igf2023-ws537/notes/group3-onsite.odt", session / "notes/04-writer.odt")
    shutil.copy(ZOOM, session / "polls/zoom.csv")
    shutil.copy(next((EX / "igf2023-ws537/polls").glob("*.csv")), session / "polls/google.csv")
    shutil.copy(EX / "igf2025-ws515/polls/Encuesta WS515.xlsx", session / "polls/msforms.xlsx")
    shutil.copy(EX / "igf2023-ws285/polls/mentimeter-results.csv", session / "polls/counted.csv")
    # A second pasted note repeating a takeaway and an action in near-identical wording.
    (session / "notes/05-repeat.md").write_text(
        "Rapporteur: Second rapporteur\nChannel: online\n\n"
        "## Security and harmful-activity mitigation in practice\n\n"
        "Key takeaways:\n\n- Harmful-activity mitigation is essential for maintaining trust and security online\n\n"
        "## Recommended actions\n\n- Encourage international regulatory harmonisation to ease cross-border collaboration\n",
        encoding="utf-8",
    )
    out = base / "out"
    result = build_session(session, BuildOptions(out=out, documents=["session_report"]))
    assert result.status == "built", result.errors
    folder = Path(result.out_dir)
    return folder, json.loads((folder / "report.json").read_text()), result


def test_every_kind_was_read(mixed):
    _folder, report, result = mixed
    record = json.loads((_folder / "build.json").read_text())
    kinds = {Path(p).suffix for p in record["inputs"]}
    assert kinds >= {".yaml", ".xlsx", ".txt", ".docx", ".md", ".odt", ".csv"}
    paths = {s["path"] for t in report["themes"] for s in t["sources"]}
    assert {
        "worksheet.xlsx",
        "notes/01-pasted.txt",
        "notes/02-word.docx",
        "notes/03-markdown.md",
        "notes/04-writer.odt",
    } <= paths


def test_themes_merged_across_worksheet_and_notes(mixed):
    _folder, report, _ = mixed
    titles = [t["title"] for t in report["themes"]]
    assert len(titles) == len({t.casefold() for t in titles})
    security = [t for t in report["themes"] if "harmful activity mitigation" in t["title"].casefold()]
    assert len(security) == 1
    where = [(s["path"], s["sheet"]) for s in security[0]["sources"]]
    assert where[0] == ("worksheet.xlsx", "Themes")  # the worksheet comes first
    assert ("notes/01-pasted.txt", None) in where and ("notes/05-repeat.md", None) in where
    # The two breakout groups' near-identical titles are one theme.
    assert sum(t["title"].startswith("Types of technical operators") for t in report["themes"]) == 1


def test_takeaways_and_actions_deduplicated_with_every_source(mixed):
    _folder, report, _ = mixed
    security = next(t for t in report["themes"] if "harmful activity mitigation" in t["title"].casefold())
    trust = [
        k
        for k in security["takeaways"]
        # The worksheet's wording, which the notes' rewording merged into (issue 16).
        if k["text"].casefold().startswith("mitigating harmful activity is essential")
    ]
    assert len(trust) == 1
    assert {s["path"] for s in trust[0]["sources"]} >= {"notes/01-pasted.txt", "notes/05-repeat.md"}
    harmonise = [a for a in report["actions"] if "regulatory harmoni" in a["text"]]
    assert len(harmonise) == 1
    assert [s["path"] for s in harmonise[0]["sources"]] == ["notes/01-pasted.txt", "notes/05-repeat.md"]


def test_poll_counts_match_the_export(mixed):
    folder, report, _ = mixed
    # Count the Zoom export independently: question/answer cells alternate after the fourth column.
    rows = list(csv.reader(ZOOM.read_text("utf-8").splitlines()))
    start = next(i for i, r in enumerate(rows) if r[:2] == ["#", "User Name"]) + 1
    expected: dict[str, Counter] = {}
    for row in rows[start:]:
        cells = row[4:]
        for q, a in zip(cells[::2], cells[1::2], strict=False):
            for choice in filter(None, (c.strip() for c in a.split(";"))):
                expected.setdefault(q, Counter())[choice] += 1
    polls = {q["question"]: q for q in report["polls"]}
    for question, counts in expected.items():
        assert {o["label"]: o["votes"] for o in polls[question]["options"]} == dict(counts)
    assert len(report["polls"]) == 3 + 4 + 4 + 4
    dumped = (folder / "report.json").read_text()
    assert "@" not in dumped and "Ingrid Solberg" not in dumped and "kenji.watanabe" not in dumped
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(folder / "session_report.pdf").pages).split()
    )
    assert "Hosting provider" in text and "Poll results" in text
    assert "Ingrid Solberg" not in text and "@example" not in text
    doc = Document(folder / "session_report.docx")
    poll_tables = [t for t in doc.tables if t.rows[0].cells[0].text == "Option"]
    assert len(poll_tables) == sum(q["kind"] == "choice" for q in report["polls"])
    assert doc.inline_shapes, "the bar charts must be images Word can show"


def test_provenance_is_in_the_pdf_and_the_docx(mixed):
    folder, report, _ = mixed
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(folder / "session_report.pdf").pages).split()
    )
    assert "Sources" in text
    assert (
        "worksheet.xlsx!Themes!" in text and "notes/01-pasted.txt:" in text and "notes/02-word.docx:" in text
    )
    doc = Document(folder / "session_report.docx")
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Item")
    cells = " ".join(c.text for row in table.rows for c in row.cells)
    security = next(t for t in report["themes"] if "harmful activity mitigation" in t["title"].casefold())
    assert (
        "; ".join(
            f"{s['path']}!{s['sheet']}!{s['row']}" if s["sheet"] else f"{s['path']}:{s['line']}"
            for s in security["sources"]
        )
        in cells
    )
