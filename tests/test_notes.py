"""Rapporteur notes: every format through pandoc's readers, the heading conventions, provenance."""

import shutil
import subprocess
import sys
from pathlib import Path

import pypandoc
import pytest
import yaml
from docx import Document

from outcomes.errors import Problems
from outcomes.ingest.notes import (
    MAX_NOTE_ITEMS,
    NOTE_SUFFIXES,
    heading_kind,
    outline,
    plain_text_to_markdown,
    read_note,
    strip_numbering,
)
from outcomes.merge import action_line_table

FIXTURES = Path(__file__).parent / "fixtures" / "notes"
SEED_002 = FIXTURES / "seed002_session_report_pasted.txt"


def read(path: Path, rel: str | None = None):
    problems = Problems()
    note = read_note(path, rel or f"notes/{path.name}", problems)
    return note, problems


def test_seed_002_session_report_pasted_as_text_round_trips():
    note, problems = read(SEED_002)
    assert not problems.errors, problems.items
    assert [p.text[:40] for p in note.summary] == [
        "The Internet infrastructure ecosystem is",
        "While Internet infrastructure operators ",
    ]
    assert [(t.title, t.action_lines) for t in note.themes] == [
        ("Understanding the Internet Infrastructure Ecosystem", ["C2", "C6"]),
        ("Defining and Implementing Responsible Internet Practices", ["C6", "C10"]),
        ("Enhancing Cooperation and Multi-Stakeholder Collaboration", ["C1", "C11"]),
        ("Security and Harmful activity Mitigation in Practice", ["C5"]),
        ("Inclusivity and Ethical Dimensions", ["C3", "C8", "C10"]),
    ]
    takeaways = [k.text for t in note.themes for k in t.takeaways]
    assert len(takeaways) == 14
    assert takeaways[0] == "Visibility and modernization across infrastructure layers are urgently needed."
    assert (
        takeaways[-1]
        == "Global disparities must be addressed through inclusive, community-informed governance."
    )
    assert [len(t.takeaways) for t in note.themes] == [3, 3, 3, 3, 2]
    assert [a.text.split()[0] for a in note.actions] == ["Develop", "Encourage", "Support", "Facilitate"]
    assert len(note.conclusion) == 1 and note.conclusion[0].text.startswith("The meeting concluded")
    # The trailing "WSIS Action Line Summary Alignment" table is not a theme.
    assert not any("Visibility" in t.title or "Summary" in t.title for t in note.themes)
    assert [row.code for row in action_line_table(note.themes)] == [
        "C1",
        "C2",
        "C3",
        "C5",
        "C6",
        "C8",
        "C10",
        "C11",
    ]
    # Narrative stays with its theme; the first theme has two paragraphs.
    assert len(note.themes[0].narrative) == 2


def test_seed_002_items_carry_file_and_line():
    note, _ = read(SEED_002, "notes/01-report.txt")
    lines = SEED_002.read_text("utf-8").splitlines()
    theme = note.themes[0]
    assert theme.sources[0].path == "notes/01-report.txt"
    assert "Understanding the Internet" in lines[theme.sources[0].line - 1]
    first = theme.takeaways[0].sources[0].line
    assert "Visibility and modernization" in lines[first - 1]
    action = note.actions[2].sources[0].line
    assert "Support capacity building" in lines[action - 1]


def test_markdown_with_front_matter_nesting_and_bold_label(tmp_path):
    path = tmp_path / "group-a.md"
    path.write_text(
        "---\nrapporteur: Ana Silva\ngroup: Group A\nchannel: online\n---\n\n"
        "# Executive summary\n\nThe group agreed.\n\n"
        "# Key themes\n\n## 1. Routing security:\n\nWSIS action lines: C5, C2\n\nRPKI adoption is uneven.\n\n"
        "**Key takeaways:**\n\n- ROV should be default.\n- Measure it.\n\n"
        "## Capacity building\n\nTraining matters.\n\n### Takeaways\n\n- Fund trainers.\n\n"
        "# Calls to action\n\n1. Deploy RPKI.\n2. Join MANRS.\n\n# Way forward\n\nMeet again.\n",
        encoding="utf-8",
    )
    note, problems = read(path)
    assert not problems.items
    assert (note.meta.rapporteur, note.meta.group, note.meta.channel.value) == (
        "Ana Silva",
        "Group A",
        "online",
    )
    assert [t.title for t in note.themes] == ["Routing security", "Capacity building"]
    assert note.themes[0].action_lines == ["C2", "C5"]
    assert [k.text for k in note.themes[0].takeaways] == ["ROV should be default.", "Measure it."]
    assert [k.text for k in note.themes[1].takeaways] == ["Fund trainers."]
    assert [a.text for a in note.actions] == ["Deploy RPKI.", "Join MANRS."]
    assert [p.text for p in note.conclusion] == ["Meet again."]
    assert note.themes[0].sources[0].line == 13  # front matter lines count


def test_word_note_headings_list_styles_and_bold_takeaways_label(tmp_path):
    doc = Document()
    doc.add_paragraph("Rapporteur: Kim Lee")
    doc.add_paragraph("Channel: onsite")
    doc.add_heading("Summary", level=1)
    doc.add_paragraph("Operators should be at the table.")
    doc.add_heading("Types of technical operators", level=2)
    doc.add_paragraph("WSIS alignment: C2 (Infrastructure)")
    doc.add_paragraph("Data centre and ISP engineers were named.")
    label = doc.add_paragraph()
    label.add_run("Key takeaways:").bold = True
    doc.add_paragraph("Engineers rarely attend policy fora.", style="List Bullet")
    doc.add_paragraph("Outreach must be targeted.", style="List Bullet")
    doc.add_heading("Recommendations", level=1)
    doc.add_paragraph("Invite NOG communities.", style="List Bullet")
    path = tmp_path / "group1.docx"
    doc.save(path)
    note, problems = read(path)
    assert not problems.errors, problems.items
    assert (note.meta.rapporteur, note.meta.channel.value) == ("Kim Lee", "onsite")
    assert [p.text for p in note.summary] == ["Operators should be at the table."]
    theme = note.themes[0]
    assert (theme.title, theme.action_lines) == ("Types of technical operators", ["C2"])
    assert [p.text for p in theme.narrative] == ["Data centre and ISP engineers were named."]
    assert [k.text for k in theme.takeaways] == [
        "Engineers rarely attend policy fora.",
        "Outreach must be targeted.",
    ]
    assert [a.text for a in note.actions] == ["Invite NOG communities."]
    # Word has no lines: the location is the paragraph number.
    assert theme.sources[0].line is not None


def test_odt_note_joins_the_same_path(tmp_path):
    path = tmp_path / "group3.odt"
    pypandoc.convert_text(
        "# Executive summary\n\nShort.\n\n## Best areas of engagement\n\nWSIS: C11\n\n"
        "### Key points\n\n- NOGs.\n\n# Actions\n\n- Go to NOGs.\n",
        "odt",
        format="markdown",
        outputfile=str(path),
    )
    note, problems = read(path)
    assert not problems.errors, problems.items
    assert note.themes[0].title == "Best areas of engagement"
    assert note.themes[0].action_lines == ["C11"]
    assert [k.text for k in note.themes[0].takeaways] == ["NOGs."]
    assert [a.text for a in note.actions] == ["Go to NOGs."]


def test_odt_named_style_larger_than_the_default_reads_as_a_heading(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.style import DefaultStyle, Style, TextProperties
    from odf.text import P

    doc = OpenDocumentText()
    default = DefaultStyle(family="paragraph")
    default.addElement(TextProperties(fontsize="12pt"))
    doc.styles.addElement(default)
    big = Style(name="Big", family="paragraph")  # a named style in styles.xml, sized in percent
    big.addElement(TextProperties(fontsize="150%"))
    doc.styles.addElement(big)
    for line, style in [
        ("Summary", big),
        ("The session looked at open data portals and at who keeps them up to date across ministries.", None),
        ("Why do portals still publish PDF?", big),
        ("Most portals still publish scanned PDF files that no program can read, and few publish CSV.", None),
        (
            "This long paragraph is set in the larger style too, but it runs on well past a heading's length.",
            big,
        ),
    ]:
        doc.text.addElement(P(text=line, stylename=style) if style else P(text=line))
    path = tmp_path / "named.odt"
    doc.save(str(path))
    note, problems = read(path)
    assert not problems.errors, problems.items
    assert [t.title for t in note.themes] == ["Why do portals still publish PDF?"]


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Executive Summary", "summary"),
        ("1. SUMMARY:", "summary"),
        ("Resumen ejecutivo", "summary"),
        ("Résumé", "summary"),
        ("الملخص التنفيذي", "summary"),
        ("执行摘要", "summary"),
        ("Резюме", "summary"),
        ("Key Takeaways:", "takeaways"),
        ("Principales conclusiones", "takeaways"),
        ("Principaux enseignements", "takeaways"),
        ("النقاط الرئيسية", "takeaways"),
        ("主要结论", "takeaways"),
        ("Основные выводы", "takeaways"),
        ("Recommended Actions:", "actions"),
        ("Recomendaciones", "actions"),
        ("Recommandations", "actions"),
        ("التوصيات", "actions"),
        ("建议", "actions"),
        ("Рекомендации", "actions"),
        ("Conclusion and Next Steps", "conclusion"),
        ("Conclusión y próximos pasos", "conclusion"),
        ("Key Themes and Discussion Points", "container"),
        ("WSIS Action Line Summary Alignment", "action_line_table"),
        ("Understanding the Internet Infrastructure Ecosystem", None),
        ("Summary of the debate on DNS abuse", None),
    ],
)
def test_fixed_headings_in_the_six_un_languages(heading, kind):
    assert heading_kind(heading) == kind


def test_strip_numbering():
    assert strip_numbering("2. Defining and Implementing:") == "Defining and Implementing"
    assert strip_numbering("IV. Way forward") == "Way forward"
    assert strip_numbering("a) Access") == "Access"


def test_plain_text_keeps_every_line_in_place():
    text = SEED_002.read_text("utf-8")
    markdown = plain_text_to_markdown(text)
    assert len(markdown.splitlines()) == len(text.splitlines())


def test_pasted_email_with_numbered_question_titles_and_star_bullets(tmp_path):
    path = tmp_path / "email.txt"
    path.write_text(
        "Rapporteur: Pablo\nChannel: onsite\n\nSummary\n\n  The group met.\n\n"
        "1. How will we know the core is protected?\n\n  WSIS: C5\n\n  Indicators were discussed.\n\n"
        "  Key takeaways:\n  * Measure health.\n  * Publish it.\n\n"
        "2. Beyond non-intervention: negative norms\n\n  Text.\n\nRecommended actions:\n  - Do X.\n",
        encoding="utf-8",
    )
    note, problems = read(path)
    assert not problems.errors, problems.items
    assert note.meta.rapporteur == "Pablo"
    assert [t.title for t in note.themes] == [
        "How will we know the core is protected?",
        "Beyond non-intervention: negative norms",
    ]
    assert [k.text for k in note.themes[0].takeaways] == ["Measure health.", "Publish it."]
    assert [a.text for a in note.actions] == ["Do X."]


def test_raw_html_is_dropped_with_a_warning(tmp_path):
    path = tmp_path / "html.md"
    path.write_text("# Summary\n\nFine.\n\n<script>alert(1)</script>\n\n<b>x</b> text\n", encoding="utf-8")
    note, problems = read(path)
    assert all("script" not in p.text for p in note.summary)
    assert any("raw HTML" in w.message for w in problems.warnings)


def test_note_without_structure_builds_as_narrative_with_a_located_warning(tmp_path):
    path = tmp_path / "blob.md"
    path.write_text("just some words without any heading at all.\n", encoding="utf-8")
    note, problems = read(path)
    assert not problems.errors
    assert [p.text for p in note.narrative] == ["just some words without any heading at all."]
    assert str(problems.warnings[0]).startswith(f"{path}:1: warning: no recognisable structure")


def test_empty_note_is_a_located_error(tmp_path):
    path = tmp_path / "empty.md"
    path.write_text("\n\n", encoding="utf-8")
    _, problems = read(path)
    assert [str(e) for e in problems.errors] == [
        f"{path}:1: nothing was recognised: the note has no text to report"
    ]


def test_unknown_channel_is_an_error_with_its_line(tmp_path):
    path = tmp_path / "c.md"
    path.write_text("Rapporteur: A\nChannel: carrier pigeon\n\n# Summary\n\nx\n", encoding="utf-8")
    _, problems = read(path)
    assert [str(e) for e in problems.errors] == [
        f"{path}:2: channel 'carrier pigeon' is not known; use onsite or online"
    ]


def test_unknown_action_line_is_a_warning_with_its_line(tmp_path):
    path = tmp_path / "w.md"
    path.write_text("# Theme\n\nWSIS: C5, C42\n\ntext\n", encoding="utf-8")
    note, problems = read(path)
    assert note.themes[0].action_lines == ["C5"]
    assert [str(w) for w in problems.warnings] == [
        f"{path}:3: warning: 'C42' is not a WSIS action line (C1-C11)"
    ]


# --------------------------------------------------------------------------------------------------
# The real-world corpus: notes written the way people write them, each with its expected outline
# (made by tools/make_note_fixtures.py)

REAL_WORLD = FIXTURES / "real_world"


def test_every_real_world_note_gives_its_expected_outline():
    notes = sorted(p for p in REAL_WORLD.iterdir() if p.suffix in NOTE_SUFFIXES)
    assert len(notes) >= 40
    assert {p.suffix for p in notes} == {".txt", ".md", ".docx", ".odt"}
    disagree = {}
    for path in notes:
        expected = yaml.safe_load(path.with_name(path.stem + ".outline.yaml").read_text("utf-8"))
        note, problems = read(path)
        got = outline(note).as_dict() if note is not None else None
        if problems.errors or got != expected:
            disagree[path.name] = {
                "errors": [str(e) for e in problems.errors],
                **{k: (expected[k], got and got[k]) for k in expected if not got or got[k] != expected[k]},
            }
    assert not disagree, disagree


def test_real_world_notes_cover_the_six_un_languages():
    names = {p.name.split("_")[0] for p in REAL_WORLD.iterdir()}
    assert {"fr", "es", "ar", "zh", "ru"} <= names  # English is every other note


def test_word_bold_headings_keep_summary_themes_and_actions():
    note, problems = read(REAL_WORLD / "word_bold_headings.docx")
    assert not problems.items, problems.items
    assert [p.text for p in note.summary] == [
        "The group discussed how technical operators can be brought into policy discussions."
    ]
    assert [t.title for t in note.themes] == ["Who the operators are", "Why governance matters to them"]
    assert [a.text for a in note.actions] == [
        "Invite NOG communities to IGF sessions.",
        "Hold policy office hours at RIR meetings.",
    ]
    # The outline says these headings were read by their look.
    assert any("all bold" in d.why for d in note.decisions)


def test_pasted_single_lines_keep_their_own_line_numbers():
    path = REAL_WORLD / "pasted_web_form_single_lines.txt"
    note, _ = read(path)
    lines = path.read_text("utf-8").splitlines()
    assert note.title.startswith("IGF 2025 WS #214")
    for item in note.takeaways + note.actions + note.narrative:
        assert lines[item.sources[0].line - 1] == item.text


def test_form_boilerplate_and_paraphrases_are_reported_as_decisions():
    note, _ = read(REAL_WORLD / "igf_form_labels_pasted.txt")
    assert [d.why.split(": ", 1)[1] for d in note.decisions] == [
        "takeaways, as once its form boilerplate is left aside",
        "container, as once its form boilerplate is left aside",
        "actions, as once its form boilerplate is left aside",
    ]
    assert note.title == "Community networks and spectrum access"


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("Key Takeaways (* deadline 2 hours after session)", "takeaways"),
        ("Session Report (* deadline 26 June) - click on the ? symbol for instructions", "container"),
        ("Key Issues raised (1 sentence per issue)", "takeaways"),
        ("Please describe the Discussions that took place during the workshop session", "container"),
        (
            "Please describe any Participant suggestions regarding the way forward/ potential next steps / "
            "key takeaways",
            "actions",
        ),
        ("Policy Recommendations or Suggestions for the Way Forward", "actions"),
        ("Session at a glance", "summary"),
        ("Keypoints", "takeaways"),
        ("Major discussion points", "takeaways"),
        ("Key messages from the session", "takeaways"),
        ("Recomendations", "actions"),
        ("Mensajes clave (* plazo: 2 horas después de la sesión)", "takeaways"),
        ("Appels à l’action", "actions"),
        ("ПРИЗЫВ К ДЕЙСТВИЮ", "actions"),
        ("行动呼吁", "actions"),
        ("التوصيات", "actions"),
        ("Next steps for AI governance in Africa and Asia", None),
        ("Summary of the debate on DNS abuse", None),
    ],
)
def test_section_names_as_people_write_them(heading, kind):
    assert heading_kind(heading) == kind


def test_hidden_text_is_left_out_with_a_warning():
    for name in ("word_hidden_text.docx", "odt_hidden_text.odt"):
        note, problems = read(REAL_WORLD / name)
        text = " ".join(p.text for p in note.summary)
        assert "REVIEWER" not in text and "Internal" not in text, name
        assert text.startswith("The group reviewed") or text.startswith("The session discussed"), name
        assert [w.message.split(":")[0] for w in problems.warnings] == [
            "hidden text in this note was left out of the report"
        ], name


def test_word_field_results_and_footnotes_are_kept():
    note, problems = read(REAL_WORLD / "word_field_results_kept.docx")
    assert note.summary[0].text == "The session was held on 24 June 2025 in the plenary hall."
    note, problems = read(REAL_WORLD / "word_footnotes_kept.docx")
    assert note.summary[0].text.endswith("[Based on GSMA Intelligence data shared by the speakers.]")
    note, problems = read(REAL_WORLD / "markdown_footnotes_kept.md")
    assert note.themes[0].narrative[0].text.endswith("[Alliance for Affordable Internet data.]")


# Footnote shapes, and whether pandoc 3.9 expands them without end (checked against pandoc below).
FOOTNOTE_SHAPES = {
    "cites itself": ("Text[^a].\n\n[^a]: see [^a]\n", True),
    "two cite each other": ("Text[^a].\n\n[^a]: see [^b]\n[^b]: back to [^a].\n", True),
    "in a quote": ("Text[^a].\n\n> [^a]: see [^a]\n", True),
    "in a list item": ("Text[^a].\n\n- [^a]: see [^a]\n", True),
    "lazy continuation line": ("Text[^a].\n\n[^a]: see\nthe line after [^a]\n", True),
    "indented paragraph": ("Text[^a].\n\n[^a]: see\n\n    a second paragraph [^a]\n", True),
    "labels in other case and spacing": ("Text[^A b].\n\n[^a  B]: see [^A B]\n", True),
    "a chain": ("Text[^a].\n\n[^a]: see [^b]\n[^b]: the source.\n", False),
    "body text after the footnote": ("Text[^a].\n\n[^a]: see\n\nThe panel came back to [^a].\n", False),
    "a mark in a code span": ("Text [^a].\n\n[^a]: write `[^a]` for a footnote\n", False),
    "a list item after it": ("Text[^a].\n\n[^a]: ITU data\n- a point citing [^a]\n", False),
    "a heading after it": ("Text[^a].\n\n[^a]: ITU data\n## Key takeaways [^a]\n", False),
    "a mark after an unclosed one": ("Text[^a].\n\n[^a]: see [^x [^a]\n", True),
    "a label with a bracket": ("Text [^a].\n\n[^a]: see [^[a]]\n", False),
}


@pytest.mark.parametrize("shape", FOOTNOTE_SHAPES)
def test_footnotes_that_cite_themselves_are_found_as_pandoc_reads_them(shape, tmp_path):
    from outcomes.ingest.notes import READERS, _footnotes_cite_themselves
    from outcomes.pandoc import pandoc_command

    text, loops = FOOTNOTE_SHAPES[shape]
    assert _footnotes_cite_themselves(text) is loops
    # pandoc itself: a runaway exhausts a small heap at once; a note it can read is read in ms.
    cmd = pandoc_command(["--from", READERS[".md"], "--to", "json"], rts=("-M64m",))
    done = subprocess.run(cmd, input=text.encode(), capture_output=True, timeout=60)
    assert (done.returncode != 0) is loops, done.stderr


def test_a_note_whose_footnotes_cite_each_other_is_read_at_once_without_them(monkeypatch):
    from outcomes.ingest import notes

    formats = []
    read_tree = notes._read_tree
    monkeypatch.setattr(
        notes, "_read_tree", lambda fmt, *a, **k: formats.append(fmt) or read_tree(fmt, *a, **k)
    )
    note, problems = read(Path(__file__).parent / "hostile" / "files" / "notes" / "footnote_loop.md")
    assert formats == [f"{notes.READERS['.md']}-footnotes"]  # never the reading that runs away
    assert "footnotes could not be resolved" in problems.warnings[0].message
    assert "Facts and Figures 2025, ITU" in note.model_dump_json()  # the footnotes' text, as plain text


def test_footnotes_the_search_misses_are_stopped_by_the_limits_and_read_without_them(monkeypatch):
    from outcomes.ingest import notes

    monkeypatch.setattr(notes, "_footnotes_cite_themselves", lambda text: False)
    monkeypatch.setattr(notes, "PANDOC_TEXT_TIMEOUT_S", 2)
    note, problems = read(Path(__file__).parent / "hostile" / "files" / "notes" / "footnote_loop.md")
    assert "footnotes could not be resolved" in problems.warnings[0].message
    assert "Facts and Figures 2025, ITU" in note.model_dump_json()


def test_embedded_word_documents_are_warned_about():
    _, problems = read(REAL_WORLD / "word_altchunk_warned.docx")
    assert any("w:altChunk" in w.message for w in problems.warnings)


def test_control_characters_are_removed_with_a_located_warning():
    path = REAL_WORLD / "control_characters_pasted.txt"
    note, problems = read(path)
    assert note.summary[0].text == "The session discussed submarine cable resilience."
    assert [str(w) for w in problems.warnings] == [
        f"{path}:5: warning: control characters that no document can hold were removed from this line",
        f"{path}:9: warning: control characters that no document can hold were removed from this line",
    ]


def test_a_note_with_too_many_items_is_a_located_error(tmp_path):
    path = tmp_path / "dump.md"
    path.write_text("# Key takeaways\n\n" + "".join(f"- Point {i}.\n" for i in range(MAX_NOTE_ITEMS + 5)))
    note, problems = read(path)
    assert [str(e) for e in problems.errors] == [
        f"{path}:{MAX_NOTE_ITEMS + 3}: this note gives more than {MAX_NOTE_ITEMS} takeaways, actions and "
        "paragraphs; the rest was not read (split the note, or remove pasted transcripts)"
    ]
    assert len(note.takeaways) == MAX_NOTE_ITEMS


def test_check_prints_each_notes_outline_and_quiet_leaves_it_out(tmp_path):
    folder = tmp_path / "s"
    (folder / "notes").mkdir(parents=True)
    (folder / "session.yaml").write_text("title: T\n", encoding="utf-8")
    shutil.copy(REAL_WORLD / "digwatch_event_report_pasted.txt", folder / "notes")
    command = [str(Path(sys.executable).parent / "outcomes"), "check", str(folder)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"{folder}/notes/digwatch_event_report_pasted.txt: outline recognised" in done.stdout
    assert "    - Overall assessment: 0 takeaway(s)" in done.stdout
    assert "    - line 3: 'Event report': event report" in done.stdout
    quiet = subprocess.run(command + ["--quiet"], capture_output=True, text=True, timeout=120)
    assert "outline" not in quiet.stdout and quiet.stdout.strip().endswith("(0 error(s), 0 warning(s))")
