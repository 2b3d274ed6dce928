"""People by name (speakers, moderators, organisers, rapporteurs) and the participation block, in every format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from docx import Document

from outcomes.build import BuildOptions, build_session, plan
from outcomes.errors import Problems
from outcomes.model import Role
from outcomes.render.documents import people_rows
from outcomes.session import read_session

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
PEOPLE_HEADER = ["Name", "Role", "Affiliation", "Stakeholder group", "Regional group"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("people")
    result = build_session(
        INPUTS / "igf2025-ws106",
        BuildOptions(out=out, documents=["session_report", "briefing_paper", "recommendations"]),
    )
    assert result.status == "built", result.errors
    return out / "igf2025-ws106"


def pdf_text(path: Path, layout: bool = False) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


def people_table(path: Path):
    tables = [t for t in Document(path).tables if [c.text for c in t.rows[0].cells] == PEOPLE_HEADER]
    assert len(tables) == 1, "the people must be one real table"
    return [[c.text for c in row.cells] for row in tables[0].rows[1:]]


# --- session.yaml and notes: who is named --------------------------------------------------------


def test_one_row_per_person_with_every_role_they_had():
    report = plan(INPUTS / "igf2025-ws106", BuildOptions(out=Path("/nonexistent"))).report
    rows = people_rows(report)
    by_name = {r.name: r for r in rows}
    assert len(rows) == len(by_name) == 9  # 2 organisers (also moderators, rapporteur) and 7 speakers
    assert by_name["Snead David"].roles == [Role.ORGANIZER, Role.MODERATOR, Role.RAPPORTEUR]
    assert by_name["Snead David"].affiliation == "Secure Hosting Alliance"
    assert by_name["Ana Neves"].stakeholder == "Government"
    assert [r.roles[0] for r in rows[:2]] == [Role.ORGANIZER, Role.ORGANIZER]  # who ran it first


def test_rapporteurs_from_session_yaml_and_notes_reach_report_json(tmp_path):
    session = tmp_path / "rapporteurs"
    (session / "notes").mkdir(parents=True)
    (session / "notes" / "a-named.md").write_text(
        "---\nrapporteur: Keiko Nakamura\nchannel: onsite\n---\n\n# Summary\n\nText.\n", encoding="utf-8"
    )
    (session / "notes" / "b-unsigned.md").write_text("# Summary\n\nMore text.\n", encoding="utf-8")
    (session / "session.yaml").write_text(
        "title: T\npeople:\n  - {name: Pablo Hinojosa, role: rapporteur}\n"
        "  - {name: KEIKO NAKAMURA, role: rapporteur}\n",
        encoding="utf-8",
    )
    result = build_session(session, BuildOptions(out=tmp_path / "out", formats=("docx",)))
    assert result.status == "built", result.errors
    report = json.loads((tmp_path / "out" / "rapporteurs" / "report.json").read_text("utf-8"))
    assert [r["rapporteur"] for r in report["rapporteurs"]] == ["Keiko Nakamura", "Pablo Hinojosa"]
    rows = people_table(tmp_path / "out" / "rapporteurs" / "session_report.docx")
    # Once each, as session.yaml names them (it is the organisers' list), then those only notes name.
    assert [r[:2] for r in rows] == [["Pablo Hinojosa", "Rapporteur"], ["KEIKO NAKAMURA", "Rapporteur"]]


def test_example_sessions_name_their_rapporteurs():
    for name in ("igf2023-ws285", "igf2023-ws537", "igf2025-ws515", "igf2025-ws106"):
        report = plan(INPUTS / name, BuildOptions(out=Path("/nonexistent"))).report
        assert report.rapporteurs and all(r.rapporteur for r in report.rapporteurs), name


# --- the documents -------------------------------------------------------------------------------


def test_session_report_lists_people_by_name_and_keeps_the_counts(built):
    rows = people_table(built / "session_report.docx")
    assert rows[0] == [
        "Snead David",
        "Organiser, Moderator, Rapporteur",
        "Secure Hosting Alliance",
        "Private Sector",
        "Western European and Others Group (WEOG)",
    ]
    assert ["Irina Daneliya", "Speaker", "", "Technical Community", "Eastern European Group"] in rows
    document = Document(built / "session_report.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "People of the session" in headings and "Speakers" in headings and "By regional group" in headings
    text = pdf_text(built / "session_report.pdf")
    assert "People of the session Name Role Affiliation Stakeholder group Regional group" in text
    assert "Snead David Organiser, Moderator, Rapporteur Secure Hosting Alliance" in text
    assert "By stakeholder group" in text  # the counts are still there


@pytest.mark.parametrize("doc", ["briefing_paper", "recommendations"])
def test_briefing_paper_and_recommendations_name_the_speakers(built, doc):
    rows = people_table(built / f"{doc}.docx")
    names = [r[0] for r in rows]
    assert "Jacqueline van de Werken" in names and "Julija Kalpokiene" in names
    assert "Christian Dawson" in names  # the online moderator spoke too
    text = pdf_text(built / f"{doc}.pdf", layout=True)  # a table's row stays one line wherever pages break
    assert "Goyal Vivek Speaker" in text


def test_participation_section_in_pdf_and_docx(built):
    text = pdf_text(built / "session_report.pdf")
    assert "Participation Estimated participants onsite: 38" in text
    assert "Estimated participants in total: 62" in text
    assert "Women and gender-diverse participants online: 11" in text
    assert "Did the session discuss gender issues? Yes, it did" in text
    paragraphs = [p.text for p in Document(built / "session_report.docx").paragraphs]
    assert "Estimated participants online: 24" in paragraphs
    assert any(p.startswith("How gender issues were discussed: ") for p in paragraphs)


# --- participation in session.yaml: validated, errors located -------------------------------------


def read(tmp_path: Path, block: str) -> tuple[object, Problems]:
    (tmp_path / "session.yaml").write_text(f"title: T\nparticipation:\n{block}", encoding="utf-8")
    problems = Problems()
    return read_session(tmp_path, problems), problems


def test_participation_block_is_read(tmp_path):
    session, problems = read(
        tmp_path,
        "  onsite: 40\n  online: 15\n  women_onsite: 20\n  women_online: 7\n"
        "  gender_discussion: The speakers discussed online gender-based violence.\n",
    )
    assert not problems.items
    p = session.participation
    assert (p.onsite, p.online, p.women_onsite, p.women_online) == (40, 15, 20, 7)
    assert p.gender_discussed is True  # a description says it was discussed


def test_participation_left_blank_as_the_scaffold_writes_it_is_no_block(tmp_path):
    session, problems = read(tmp_path, '  onsite:\n  online:\n  gender_discussion: ""\n')
    assert not problems.items and session.participation is None


@pytest.mark.parametrize(
    ("block", "line", "message"),
    [
        ("  onsite: about 40\n", 3, "participation 'onsite' must be a whole number of people (such as 40)"),
        ("  onsite: 10\n  online: -3\n", 4, "participation 'online' must be a whole number"),
        ("  onsite: 10\n  women_onsite: 12\n", 4, "'women_onsite' (12) is more than 'onsite' (10)"),
        ("  gender_discussed: maybe\n", 3, "'gender_discussed' must be yes or no, not 'maybe'"),
        ("  - 40\n", 2, "'participation' must be a mapping of onsite, online"),
    ],
)
def test_bad_participation_is_a_located_error(tmp_path, block, line, message):
    session, problems = read(tmp_path, block)
    assert session is None
    [error] = problems.errors
    assert str(error).startswith(f"{tmp_path / 'session.yaml'}:{line}: ")
    assert message in str(error)


def test_unknown_participation_key_is_a_located_warning(tmp_path):
    session, problems = read(tmp_path, "  onsite: 10\n  speakers: 4\n")
    assert session.participation.onsite == 10
    [warning] = problems.warnings
    assert str(warning).startswith(f"{tmp_path / 'session.yaml'}:4: warning: unknown key 'speakers'")
