"""The four document types: what each contains, and their PDF and DOCX read back."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import libreoffice_to_pdf, pdf_outline
from docx import Document
from pypdf import PdfReader

from outcomes.build import BuildOptions, build_session, plan
from outcomes.model import Paragraph, Theme
from outcomes.render.documents import (
    briefing_paper,
    recommendations,
    section_for,
    short_report,
    split_adopters,
)
from outcomes.render.templates import DOCUMENT_TYPES, TemplateSet, render_html
from outcomes.template_check import sample_report

ROOT = Path(__file__).resolve().parents[1]
INPUTS = ROOT / "inputs"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def reports():
    return {
        name: plan(INPUTS / name, BuildOptions(out=Path("/nonexistent"))).report
        for name in ("igf2025-ws106", "igf2023-ws537", "igf2025-ws515", "igf2023-ws285")
    }


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """igf2025-ws106 built in all four types, PDF and DOCX, in this process."""
    out = tmp_path_factory.mktemp("built")
    result = build_session(INPUTS / "igf2025-ws106", BuildOptions(out=out, documents=list(DOCUMENT_TYPES)))
    assert result.status == "built", result.errors
    return out / "igf2025-ws106"


def pdf_text(path: Path) -> list[str]:
    """The text of each page, as poppler reads it, with runs of white space made single spaces."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


# --- what each type contains -----------------------------------------------------------------------

SEED_000_SECTIONS = {
    "Definition of Internet infrastructure": "definition",
    "Types of technical operators": "operator_types",
    "Why Internet governance matters to technical operators": "why_governance",
    "Best areas of engagement": "engagement",
    "Additional outreach suggestions": "outreach",
}


def test_recommendations_fill_the_sections_seed_000_planned(reports):
    doc = recommendations(reports["igf2023-ws537"], TemplateSet().labels("en"), TemplateSet().labels("en"))
    placed = {t.title: s.key for s in doc.sections for t in s.themes}
    assert placed == SEED_000_SECTIONS
    assert [s.key for s in doc.sections] == list(SEED_000_SECTIONS.values())
    assert doc.unplaced == []
    assert len(doc.recommendations) == len(reports["igf2023-ws537"].actions)


@pytest.mark.parametrize(
    ("title", "section"),
    [
        ("Types of Internet Infrastructure Technical Operators (Profiles)", "operator_types"),
        ("Why is Internet governance important to these individuals?", "why_governance"),
        ("What are the best areas of engagement for these individuals?", "engagement"),
        ("Understanding the Internet infrastructure ecosystem", "definition"),
        ("Where operators can engage", "engagement"),
        ("Reaching out to network engineers", "outreach"),
        ("Tipos de operadores técnicos", "operator_types"),
        ("¿Por qué importa la gobernanza de Internet?", "why_governance"),
        ("Defining and Implementing Responsible Internet Practices", None),
        ("Inclusivity and Ethical Dimensions", None),
        ("Security & harmful activity mitigation in practice", None),
    ],
)
def test_theme_titles_map_to_planned_sections(title, section):
    labels = TemplateSet().labels("en")
    assert section_for(title, [labels]) == section


def test_recommendations_list_what_cannot_be_placed_for_the_editor(reports):
    report = reports["igf2025-ws106"]
    doc = recommendations(report, TemplateSet().labels("en"), TemplateSet().labels("en"))
    unplaced = [t.title for t in doc.unplaced]
    assert "Inclusivity and Ethical Dimensions" in unplaced
    placed = [t.title for s in doc.sections for t in s.themes]
    assert sorted(placed + unplaced) == sorted(t.title for t in report.themes)  # nothing dropped
    html = render_html(report, "recommendations", "html", TemplateSet())
    note = html[html.index('class="editor-note"', html.index(">Other points raised</h2>")) :]
    note = note[: note.index("</div>")]
    for theme in doc.unplaced:
        assert theme.title.replace("&", "&amp;") in note
        assert str(theme.sources[0]) in note  # where it came from, for the editor


def test_briefing_paper_separates_who_should_adopt_each_solution(reports):
    report = reports["igf2025-ws515"]
    doc = briefing_paper(report, TemplateSet().labels("es"))
    with_adopters = [s for s in doc.solutions if s.adopters]
    assert [s.title for s in with_adopters] == [t.title for t in report.themes[:4]]
    dnssec = with_adopters[0]
    assert dnssec.adopters[0].text.startswith("Los registros de dominios de nivel superior")
    assert not any("¿Quién debe adoptarlo?" in p.text for s in doc.solutions for p in s.narrative)
    assert doc.recommendations == report.actions
    html = render_html(report, "briefing_paper", "pdf", TemplateSet())
    for heading in ("Soluciones técnicas", "Quién debe adoptar estas soluciones", "Recomendaciones"):
        assert f">{heading}</h2>" in html


@pytest.mark.parametrize(
    ("text", "label", "adopters"),
    [
        ("Who should adopt it? ISPs and IXPs.", "Who should adopt it?", "ISPs and IXPs."),
        ("Adopters: hosting providers.", "", "hosting providers."),
        ("Qui doit l'adopter ? Les registres.", "Qui doit l'adopter\u00a0?", "Les registres."),
        ("谁应采用？互联网服务提供商。", "谁应采用？", "互联网服务提供商。"),
        ("من ينبغي أن يعتمدها؟ المشغلون.", "من ينبغي أن يعتمدها؟", "المشغلون."),
        ("Adopters of RPKI saw fewer hijacks.", "Who should adopt it?", None),
    ],
)
def test_adopters_paragraphs_are_recognised_in_each_language(text, label, adopters):
    solution = split_adopters(Theme(title="T", narrative=[Paragraph(text=text)]), label)
    assert [p.text for p in solution.adopters] == ([adopters] if adopters else [])


def test_briefing_paper_indexes_recommendations_by_actor(reports):
    doc = briefing_paper(reports["igf2025-ws106"], TemplateSet().labels("en"))
    by_actor = {a.actor: a.numbers for a in doc.by_actor}
    assert by_actor["Secure Hosting Alliance"] == [2, 3]
    assert by_actor["Governments"] == [1]


def test_short_report_has_takeaways_by_theme_and_calls_to_action(reports):
    report = reports["igf2025-ws106"]
    doc = short_report(report)
    assert [g.theme for g in doc.takeaways] == [t.title for t in report.themes if t.takeaways]
    assert doc.actions == report.actions
    html = render_html(report, "short_report", "html", TemplateSet())
    assert ">Key takeaways</h2>" in html and ">Calls to action</h2>" in html
    assert "Executive summary" not in html and '<nav class="toc">' not in html


@pytest.mark.parametrize("session", ["igf2025-ws106", "igf2023-ws537", "igf2025-ws515", "igf2023-ws285"])
def test_short_report_fits_on_two_pages(session, tmp_path):
    from outcomes.render.pdf import write_pdf

    report = plan(INPUTS / session, BuildOptions(out=tmp_path)).report
    html = render_html(report, "short_report", "pdf", TemplateSet())
    target = tmp_path / "short.pdf"
    write_pdf(
        html,
        INPUTS / session,
        TemplateSet().roots,
        target,
        title="t",
        lang=report.session.language,
        created=report.session.date,
    )
    assert 1 <= len(PdfReader(target).pages) <= 2


# --- PDF ------------------------------------------------------------------------------------------

HEADINGS = {
    "session_report": [
        "Executive summary",
        "Key themes and discussion points",
        "Recommended actions",
        "WSIS action line summary alignment",
        "Poll results",
        "Speakers",
    ],
    "short_report": ["Key takeaways", "Calls to action"],
    "briefing_paper": [
        "Summary",
        "Technical solutions",
        "Recommendations",
        "WSIS action line summary alignment",
    ],
    "recommendations": [
        "Executive summary",
        "Definition of Internet infrastructure",
        "Types of Internet infrastructure technical operators (profiles)",
        "Why is Internet governance important to these individuals?",
        "What are the best areas of engagement for these individuals?",
        "Additional outreach suggestions",
        "Recommendations",
        "Other points raised",
    ],
}


@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES)
def test_pdf_cover_contents_bookmarks_and_page_numbers(built, doc_type):
    path = built / f"{doc_type}.pdf"
    pages = pdf_text(path)
    cover = pages[0]
    for fact in (
        "IGF 2025",
        "WS #106",
        "Promoting Responsible Internet Practices in Infrastructure",
        "24 June 2025",
        "Roundtable, 60 minutes",
    ):
        assert fact in cover, fact
    assert f"Page 1 of {len(pages)}" in cover
    for n, page in enumerate(pages[1:], start=2):
        assert f"Page {n} of {len(pages)}" in page
        assert "IGF 2025 · WS #106" in page  # running header
    titles = pdf_outline(path)
    for heading in HEADINGS[doc_type]:
        assert heading in titles, heading
    if doc_type != "short_report":
        # The table of contents on page 1: every h2 with the page it is on.
        for heading in HEADINGS[doc_type]:
            match = re.search(re.escape(heading) + r"\s*\.{3,}\s*(\d+)", cover)
            assert match, heading
            assert heading in pages[int(match.group(1)) - 1]


@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES)
def test_pdf_is_tagged_with_language_title_and_embedded_fonts(built, doc_type):
    path = built / f"{doc_type}.pdf"
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    assert reader.metadata.title == "WS #106 Promoting Responsible Internet Practices in Infrastructure"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), fonts  # the "emb" column
    assert all("Noto" in row for row in rows), fonts
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


# --- DOCX -----------------------------------------------------------------------------------------


def docx_part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES)
def test_docx_styles_toc_header_footer_and_tables(built, doc_type):
    path = built / f"{doc_type}.docx"
    doc = Document(path)
    styles = [p.style.name for p in doc.paragraphs]
    assert styles[:2] == ["Title", "Subtitle"] and "Author" in styles
    headings = {p.text for p in doc.paragraphs if p.style.name in ("Heading 2",)}
    assert set(HEADINGS[doc_type]) <= headings
    body = docx_part(path, "word/document.xml")
    # A contents field in every document but the two-page short report.
    assert ('TOC \\o "1-2"' in body) is (doc_type != "short_report")
    # No direct formatting of paragraphs: spacing, fonts and sizes come from the styles.
    assert "<w:rFonts" not in body and "<w:sz " not in body and "<w:spacing" not in body
    header = docx_part(path, "word/header1.xml")
    footer = docx_part(path, "word/footer1.xml")
    assert "IGF 2025 · WS #106 · " in header and "{header}" not in header
    assert "PAGE" in footer and "NUMPAGES" in footer and ">Page <" in footer
    for table in doc.tables:
        assert table._tbl.tr_lst[0].trPr is not None
        assert table._tbl.tr_lst[0].trPr.find(f"{W}tblHeader") is not None  # repeated header row
    section = doc.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    props = doc.core_properties
    assert props.created.date().isoformat() == "2025-06-24" and props.author == "IGF 2025"
    assert props.title == "WS #106 Promoting Responsible Internet Practices in Infrastructure"


def test_libreoffice_opens_the_docx_and_the_text_is_there(built, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make system)")
    files = [built / f"{d}.docx" for d in ("session_report", "recommendations")]
    done = libreoffice_to_pdf(files, tmp_path)
    assert done.returncode == 0, done.stderr
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "session_report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "WS #106 Promoting Responsible Internet",
        "Executive summary",
        "Visibility and modernisation are urgently needed across all infrastructure layers.",
        "Facilitate regular multi-stakeholder forums",
        "Page 2 of",
    ):
        assert expected in " ".join(text.split()), expected
    contents = text[text.index("Contents") : text.index("Contents") + 400]
    assert "Key themes and discussion points" in contents  # the TOC shows before Word refreshes it
    text = subprocess.run(
        ["pdftotext", str(tmp_path / "recommendations.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Other points raised" in text


# --- determinism ----------------------------------------------------------------------------------


def test_same_inputs_give_byte_identical_pdf_and_docx(built, tmp_path):
    """A second build, in a fresh process, writes exactly the same files."""
    script = (
        "import sys; from pathlib import Path; from outcomes.build import BuildOptions, build_session; "
        "r = build_session(Path(sys.argv[1]), BuildOptions(out=Path(sys.argv[2]), documents=sys.argv[3:])); "
        "sys.exit(r.status != 'built')"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(INPUTS / "igf2025-ws106"), str(tmp_path), *DOCUMENT_TYPES],
        check=True,
        timeout=300,
    )
    for doc_type in DOCUMENT_TYPES:
        for fmt in ("pdf", "docx", "html"):
            first = (built / f"{doc_type}.{fmt}").read_bytes()
            second = (tmp_path / "igf2025-ws106" / f"{doc_type}.{fmt}").read_bytes()
            assert first == second, f"{doc_type}.{fmt} differs between two builds"


def test_docx_keeps_no_link_out_of_the_document(tmp_path):
    """A template's links to the web or to files become plain text; the TOC's own links stay."""
    from outcomes.render.docx import write_docx

    editor = tmp_path / "my-templates" / "session_report"
    editor.mkdir(parents=True)
    editor.joinpath("document.html").write_text(
        '{% extends "_shared/base.html" %}{% block body %}<h1>Report</h1><h2>Links</h2>'
        '<p><a href="https://example.org/track">web</a> and <a href="file:///etc/passwd">file</a></p>'
        "{% endblock %}",
        encoding="utf-8",
    )
    templates = TemplateSet(editor.parent)
    html = render_html(sample_report(), "session_report", "docx", templates)
    target = tmp_path / "links.docx"
    write_docx(
        html,
        target,
        templates.require("_shared/reference.docx"),
        lang="en",
        rtl=False,
        created=None,
        toc_title="Contents",
    )
    with zipfile.ZipFile(target) as z:
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
        body = z.read("word/document.xml").decode()
    assert 'TargetMode="External"' not in rels and "example.org" not in rels
    assert ">web<" in body and ">file<" in body
    assert re.findall(r"<w:hyperlink\b[^>]*>", body) and all(
        "w:anchor=" in link for link in re.findall(r"<w:hyperlink\b[^>]*>", body)
    )


@pytest.mark.parametrize(
    ("raised", "message", "retryable"),
    [
        (AssertionError(), "WeasyPrint failed: AssertionError in WeasyPrint's layout", False),
        (ValueError("bad length"), "WeasyPrint failed: ValueError: bad length", False),
        (
            OSError(28, "No space left on device"),
            "WeasyPrint failed: OSError: [Errno 28] No space left on device",
            True,
        ),
    ],
)
def test_a_weasyprint_failure_says_what_it_was_and_only_a_file_system_error_is_retried(
    tmp_path, monkeypatch, raised, message, retryable
):
    import pickle

    import weasyprint

    from outcomes.errors import RenderError
    from outcomes.render.pdf import write_pdf

    def fail(self, *args, **kwargs):
        raise raised

    monkeypatch.setattr(weasyprint.HTML, "render", fail)
    with pytest.raises(RenderError) as caught:
        write_pdf("<p>x</p>", tmp_path, [tmp_path], tmp_path / "x.pdf", title="t", lang="en", created=None)
    assert str(caught.value) == message and caught.value.retryable is retryable
    again = pickle.loads(pickle.dumps(caught.value))  # as it comes back from a renderer process
    assert str(again) == message and again.retryable is retryable
