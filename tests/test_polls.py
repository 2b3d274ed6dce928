"""The poll reader: every layout and quirk fixture, the limits, and arbitrary bytes never crashing it."""

from __future__ import annotations

import codecs
import re
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes.errors import Problems
from outcomes.ingest import polls
from outcomes.ingest.polls import read_poll
from outcomes.model import Poll, PollQuestion

FIXTURES = Path(__file__).parent / "fixtures" / "polls"

LAYER = "Which infrastructure layer should act first on harmful activity?"
PUBLISH = "Which layers should publish transparency reports?"
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls and encrypted workbooks start so

# Everyone named in the fixtures' name columns; none of them may reach a Poll.
RESPONDENTS = [
    "Amina Diallo", "Carlos Mendes", "Li Wei", "Sofia Petrova", "Jonas Berg", "Priya Raman",
    "María José Fernández", "Tomás Ruiz", "Ana Lúcia Souza", "Kwame Mensah", "Aïcha Ndiaye",
    "Jean-Marc Lefèvre", "Fatou Sow", "Keiko Tanaka",
]  # fmt: skip

READABLE = [
    "zoom_utf8.csv",
    "zoom_question_in_header.csv",
    "zoom_utf16_translated_headers.csv",
    "zoom_multichoice_semicolon.csv",
    "zoom_french_headers_semicolon.csv",
    "zoom_malformed_rows.csv",
    "google_forms_bom_semicolon.csv",
    "google_forms_cp1252.csv",
    "google_forms_no_email.csv",
    "google_forms_utf16be_tab.csv",
    "microsoft_forms.xlsx",
    "counted_results.csv",
    "counted_results.xlsx",
    "counted_results_bad_votes.csv",
    "formula_cells.xlsx",
]


def read(name: str) -> tuple[Poll | None, Problems]:
    problems = Problems()
    return read_poll(FIXTURES / name, f"polls/{name}", problems), problems


def read_clean(name: str) -> Poll:
    """Read a fixture that must give a poll and no problem at all."""
    poll, problems = read(name)
    assert [str(p) for p in problems.items] == []
    assert poll is not None
    return poll


def options(question: PollQuestion) -> list[tuple[str, int]]:
    return [(option.label, option.votes) for option in question.options]


def sources(question: PollQuestion) -> list[str]:
    return [str(source) for source in question.sources]


def messages(problems: Problems) -> list[str]:
    return [str(problem) for problem in problems.items]


# --- Zoom -------------------------------------------------------------------------------------------------


def test_zoom_report_with_question_answer_pairs_counts_choices_and_keeps_quotes():
    poll = read_clean("zoom_utf8.csv")
    assert poll.path == "polls/zoom_utf8.csv"
    assert poll.layout == "zoom"
    layer, transparency = poll.questions
    assert layer.question == LAYER
    assert layer.kind == "choice"
    assert options(layer) == [("Hosting", 3), ("DNS", 2), ("CDN", 1)]
    assert layer.respondents == 6
    assert sources(layer) == ["polls/zoom_utf8.csv:11"]
    assert transparency.kind == "text"
    assert transparency.respondents == 5
    assert transparency.options == []
    assert transparency.quotes == [
        "Public reports on every takedown request",
        "A shared appeals channel across providers, like the one [name removed] described",
        "Contact me at [e-mail removed] for our registry data",
        "Timelines for each step",
        "Clear criteria published in advance",
    ]


def test_zoom_report_with_questions_in_block_headers():
    poll = read_clean("zoom_question_in_header.csv")
    assert poll.layout == "zoom"
    dns, publish = poll.questions
    assert dns.question == "Should DNS operators act on content-related abuse?"
    assert options(dns) == [("No", 3), ("Only with a court order", 2)]
    assert dns.respondents == 5
    assert sources(dns) == ["polls/zoom_question_in_header.csv:6"]
    assert publish.question == f"{PUBLISH} (select all)"
    assert options(publish) == [("Hosting", 3), ("CDN", 1), ("DNS", 1), ("Registrars", 1)]
    assert publish.respondents == 3
    assert sources(publish) == ["polls/zoom_question_in_header.csv:12"]


def test_zoom_report_in_utf16_with_spanish_headers():
    raw = (FIXTURES / "zoom_utf16_translated_headers.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_LE)
    poll = read_clean("zoom_utf16_translated_headers.csv")
    assert poll.layout == "zoom"
    layer, change = poll.questions
    assert layer.question == "¿Qué capa de infraestructura debería actuar primero ante actividades dañinas?"
    assert options(layer) == [("Alojamiento (hosting)", 2), ("DNS", 1), ("Registradores", 1)]
    assert layer.respondents == 4
    assert sources(layer) == ["polls/zoom_utf16_translated_headers.csv:7"]
    assert change.kind == "text"
    assert change.quotes[1] == "Un canal de apelación común"


def test_zoom_multiple_choices_joined_by_semicolons_are_split_and_counted():
    poll = read_clean("zoom_multichoice_semicolon.csv")
    (share,) = poll.questions
    assert share.kind == "choice"
    # Hosting 4, DNS 3; CDN and Registrars tie at 2 and keep the order they first appeared in.
    assert options(share) == [("Hosting", 4), ("DNS", 3), ("CDN", 2), ("Registrars", 2)]
    assert share.respondents == 5  # the sixth respondent left it blank


def test_zoom_french_headers_semicolon_separated_with_bom():
    poll = read_clean("zoom_french_headers_semicolon.csv")
    assert poll.layout == "zoom"
    (layer,) = poll.questions
    assert layer.question == "Quelle couche d’infrastructure doit agir en premier ?"
    assert options(layer) == [("Hébergement", 3), ("DNS", 1)]
    assert layer.respondents == 3
    assert sources(layer) == ["polls/zoom_french_headers_semicolon.csv:5"]


def test_zoom_malformed_rows_are_skipped_with_located_warnings():
    poll, problems = read("zoom_malformed_rows.csv")
    assert poll is not None
    assert problems.errors == []
    path = FIXTURES / "zoom_malformed_rows.csv"
    assert messages(problems) == [
        f"{path}:12: warning: The answer in column H has no question next to it; it was skipped.",
        f"{path}:13: warning: This row was skipped: it is not a respondent's row (those start with a number, "
        "a name, an e-mail address and a date).",
        f"{path}:14: warning: This row was skipped: it is not a respondent's row (those start with a number, "
        "a name, an e-mail address and a date).",
    ]
    (layer,) = poll.questions
    assert options(layer) == [("Hosting", 2), ("DNS", 1)]
    assert layer.respondents == 3


def test_zoom_header_shape_is_matched_in_other_languages(tmp_path: Path):
    headers = {
        "de": "#,Benutzername,E-Mail-Adresse des Benutzers,Datum/Uhrzeit der Übermittlung,",
        "pt": "#,Nome de usuário,E-mail do usuário,Data/hora de envio,",
        "ja": "#,ユーザー名,ユーザーのメール,送信日時,",
        "zh": "#,用户名,用户电子邮件,提交日期/时间,",
    }
    for language, header in headers.items():
        path = tmp_path / f"zoom_{language}.csv"
        rows = [f'{n},Respondent {n},r{n}@example.org,"2024-12-17 09:4{n}",{LAYER},{a},' for n, a in
                enumerate(["DNS", "DNS", "Hosting"], start=1)]  # fmt: skip
        path.write_text("\n".join(["Poll Report", "", header, *rows]) + "\n", encoding="utf-8")
        problems = Problems()
        poll = read_poll(path, path.name, problems)
        assert poll is not None and poll.layout == "zoom", language
        assert options(poll.questions[0]) == [("DNS", 2), ("Hosting", 1)], language


# --- Google Forms -----------------------------------------------------------------------------------------


def test_google_forms_utf8_bom_semicolon_with_checkboxes_and_email_column():
    poll = read_clean("google_forms_bom_semicolon.csv")
    assert poll.layout == "google_forms"
    layer, actors, comments = poll.questions
    assert options(layer) == [("Hosting", 3), ("DNS", 2), ("Registrars", 1)]
    assert layer.respondents == 6
    assert sources(layer) == ["polls/google_forms_bom_semicolon.csv:1"]
    assert options(actors) == [
        ("Technical community", 5),
        ("Civil society", 4),
        ("Governments", 2),
        ("Private sector", 2),
    ]
    assert actors.respondents == 6
    assert comments.kind == "text"
    assert comments.quotes == [
        "Transparency first; then enforcement.",
        "Write to me: [e-mail removed]",
        "Registrars already have abuse contacts",
        "Keep due process",
        "Don't forget smaller operators",
    ]
    assert comments.respondents == 5


def test_google_forms_windows_1252_french():
    raw = (FIXTURES / "google_forms_cp1252.csv").read_bytes()
    assert b"\x92" in raw  # the Windows-1252 right single quote: the file really is cp1252
    poll = read_clean("google_forms_cp1252.csv")
    assert poll.layout == "google_forms"
    layer, wish = poll.questions
    assert (
        layer.question == "Quelle couche d’infrastructure doit agir en premier face aux activités nuisibles ?"
    )
    assert options(layer) == [("Hébergement", 3), ("DNS", 1), ("Registraires", 1)]
    assert layer.respondents == 5
    assert wish.kind == "text"
    assert wish.quotes == [
        "Des délais clairs – et un recours",
        "Plus de transparence « vérifiable »",
        "Une coopération étroite avec les CERT",
        "Qu’ils répondent en 48 h",
    ]


def test_google_forms_without_email_drops_the_name_question_and_keeps_comma_options():
    poll, problems = read("google_forms_no_email.csv")
    assert poll is not None and poll.layout == "google_forms"
    path = FIXTURES / "google_forms_no_email.csv"
    assert messages(problems) == [
        f"{path}:1: warning: The question 'Your name (optional)' asks for respondents' names; its answers "
        "are left out of the documents."
    ]
    court, group, recommend = poll.questions
    # "Yes, with safeguards" is one option: "with safeguards" never stands on its own.
    assert options(court) == [("Yes, with safeguards", 3), ("No", 2), ("Yes", 1)]
    assert court.respondents == 6
    assert options(group) == [("Civil society", 3), ("Technical community", 2), ("Government", 1)]
    assert recommend.kind == "text"
    assert recommend.quotes[1] == "As [name removed] said, start with hosting"
    assert len(recommend.quotes) == recommend.respondents == 5


def test_google_forms_utf16_big_endian_tab_separated():
    raw = (FIXTURES / "google_forms_utf16be_tab.csv").read_bytes()
    assert raw.startswith(codecs.BOM_UTF16_BE)
    poll = read_clean("google_forms_utf16be_tab.csv")
    assert poll.layout == "google_forms"
    assert options(poll.questions[0]) == [("Hosting", 2), ("DNS", 1)]


# --- Microsoft Forms --------------------------------------------------------------------------------------


def test_microsoft_forms_workbook():
    poll = read_clean("microsoft_forms.xlsx")
    assert poll.layout == "microsoft_forms"
    layer, publish, registries = poll.questions
    assert options(layer) == [("Hosting", 3), ("DNS", 1), ("CDN", 1)]
    assert layer.respondents == 5
    assert sources(layer) == ["polls/microsoft_forms.xlsx!Sheet1!1"]
    assert layer.sources[0].sheet == "Sheet1" and layer.sources[0].row == 1
    assert options(publish) == [("Hosting", 3), ("CDN", 2), ("DNS", 1), ("Registrars", 1)]
    assert publish.respondents == 4
    assert registries.kind == "text"
    assert registries.quotes == [
        "Publish abuse contact points",
        "Act within 48 hours on verified reports",
        "[name removed] here: write to [e-mail removed] about our pilot",
        "Share threat intelligence with CERTs",
    ]


# --- counted results --------------------------------------------------------------------------------------


def test_counted_results_csv_with_continuation_rows():
    poll = read_clean("counted_results.csv")
    assert poll.layout == "counted"
    layer, confident = poll.questions
    assert layer.kind == "choice"
    assert options(layer) == [("Hosting", 31), ("DNS", 12), ("CDN", 9), ("Registrars", 7)]
    assert layer.respondents == 59
    assert sources(layer) == ["polls/counted_results.csv:2"]
    assert options(confident) == [
        ("Not confident", 22),
        ("Somewhat confident", 14),
        ("Not sure", 5),
        ("Very confident", 3),
    ]
    assert sources(confident) == ["polls/counted_results.csv:6"]


def test_counted_results_xlsx_with_title_row_odd_case_and_notes_sheet():
    poll, problems = read("counted_results.xlsx")
    assert poll is not None and poll.layout == "counted"
    path = FIXTURES / "counted_results.xlsx"
    assert messages(problems) == [
        f"{path}!Notes!A1: warning: Sheet 'Notes' was not read: it has no poll header row, while this "
        "workbook is a counted results table."
    ]
    layer, confident = poll.questions
    assert options(layer) == [("Hosting", 31), ("DNS", 12), ("CDN", 9), ("Registrars", 7)]
    assert sources(layer) == ["polls/counted_results.xlsx!Results!4"]
    assert options(confident) == [("Not confident", 22), ("Somewhat confident", 14)]
    assert confident.respondents == 36


def test_counted_results_votes_that_are_not_numbers_are_located_errors():
    poll, problems = read("counted_results_bad_votes.csv")
    path = FIXTURES / "counted_results_bad_votes.csv"
    assert messages(problems) == [
        f"{path}:3: The votes cell holds 'many', which is not a whole number of votes.",
        f"{path}:4: The votes cell holds a percentage ('45%'); the Votes column needs the number of votes.",
    ]
    assert poll is not None
    assert options(poll.questions[0]) == [("DNS", 12)]


def test_formulas_are_text_never_evaluated():
    poll, problems = read("formula_cells.xlsx")
    path = FIXTURES / "formula_cells.xlsx"
    assert messages(problems) == [
        f"{path}!Results!C4: The votes cell holds the formula '=SUM(2,3)'; formulas are not calculated. "
        "Type the number of votes."
    ]
    assert poll is not None
    assert options(poll.questions[0]) == [("Hosting", 14), ('=HYPERLINK("https://example.org/dns","DNS")', 5)]


# --- privacy ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", READABLE)
def test_no_name_or_email_reaches_the_poll(name: str):
    poll, _ = read(name)
    assert poll is not None
    dumped = poll.model_dump_json()
    assert "@" not in dumped
    for person in RESPONDENTS:
        assert person.casefold() not in dumped.casefold(), person


def test_question_whose_answers_are_emails_is_left_out(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text(
        "Timestamp,Where can we send the report?,Which layer first?\n"
        "1,a@example.org,DNS\n2,b@example.org,DNS\n3,,Hosting\n",
        encoding="utf-8",
    )
    problems = Problems()
    poll = read_poll(path, "forms.csv", problems)
    assert poll is not None
    assert [q.question for q in poll.questions] == ["Which layer first?"]
    assert messages(problems) == [
        f"{path}:1: warning: Most answers to 'Where can we send the report?' are e-mail addresses; "
        "it is left out of the documents."
    ]


# --- choice or open text ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "kind"),
    [
        (["DNS", "DNS", "Hosting"], "choice"),  # 2 of 3 picks repeat
        (["DNS", "Hosting", "CDN"], "text"),  # nothing repeats
        (
            ["Capacity building", "Capacity building", "Legal certainty", "Transparency", "More dialogue"],
            "text",
        ),
        ([f"Option {n % 12}" for n in range(24)], "choice"),  # 12 options, each twice
        ([f"Option {n % 13}" for n in range(26)], "text"),  # 13 distinct: too many for a choice
        (["x" * 201, "x" * 201, "y"], "text"),  # too long to be an option label
        (["Only one answer"], "text"),
    ],
)
def test_choice_or_text_rule(tmp_path: Path, answers: list[str], kind: str):
    path = tmp_path / "forms.csv"
    path.write_text("Timestamp,Question\n" + "".join(f'{n},"{a}"\n' for n, a in enumerate(answers)))
    poll = read_poll(path, "forms.csv", Problems())
    assert poll is not None
    assert poll.questions[0].kind == kind


def test_blank_question_columns_and_unanswered_questions_warn(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text("Timestamp,Which layer first?,,Nobody answered this\n1,DNS,stray,\n2,DNS,,\n")
    problems = Problems()
    poll = read_poll(path, "forms.csv", problems)
    assert poll is not None
    assert [q.question for q in poll.questions] == ["Which layer first?"]
    assert messages(problems) == [
        f"{path}:2: warning: Column C has answers but no question in the header row; they were skipped.",
        f"{path}:1: warning: The question 'Nobody answered this' has no answers; it was left out.",
    ]


# --- errors and limits ------------------------------------------------------------------------------------


def test_unknown_layout_names_the_file_and_the_supported_layouts():
    poll, problems = read("unknown_layout.csv")
    assert poll is None
    (error,) = problems.errors
    text = str(error)
    assert text.startswith(f"{FIXTURES / 'unknown_layout.csv'}:1: ")
    for layout in ("Zoom poll report", "Google Forms", "Microsoft Forms", "Question, Option, Votes"):
        assert layout in text


def test_empty_file():
    poll, problems = read("empty.csv")
    assert poll is None
    assert messages(problems) == [f"{FIXTURES / 'empty.csv'}:1: The file is empty: there is no poll in it."]


def test_text_named_xlsx_is_an_error():
    poll, problems = read("not_really_xlsx.xlsx")
    assert poll is None
    (error,) = problems.errors
    assert str(error).startswith(f"{FIXTURES / 'not_really_xlsx.xlsx'}: The file is named .xlsx but is not")


def test_zip_bomb_is_refused_before_opening():
    poll, problems = read("xlsx_zip_bomb.xlsx")
    assert poll is None
    (error,) = problems.errors
    assert "zip bomb" in str(error)
    assert str(error).startswith(str(FIXTURES / "xlsx_zip_bomb.xlsx"))


def test_xml_entity_bomb_is_a_damaged_workbook():
    poll, problems = read("xlsx_billion_laughs.xlsx")
    assert poll is None
    (error,) = problems.errors
    assert "could not be opened" in str(error)


def test_workbook_with_a_csv_name_is_read_as_a_workbook(tmp_path: Path):
    path = tmp_path / "results.csv"
    shutil.copy(FIXTURES / "microsoft_forms.xlsx", path)
    problems = Problems()
    poll = read_poll(path, "results.csv", problems)
    assert problems.items == []
    assert poll is not None and poll.layout == "microsoft_forms"


def test_old_xls_file_is_explained(tmp_path: Path):
    path = tmp_path / "results.xls"
    path.write_bytes(OLE2 + bytes(500))
    problems = Problems()
    assert read_poll(path, "results.xls", problems) is None
    assert "Excel 97-2003" in str(problems.errors[0])


def test_missing_file_and_directory(tmp_path: Path):
    for path in (tmp_path / "missing.csv", tmp_path):
        problems = Problems()
        assert read_poll(path, "x.csv", problems) is None
        (error,) = problems.errors
        assert str(error).startswith(f"{path}: The file could not be opened")


def test_csv_above_the_size_limit_is_refused_unread(tmp_path: Path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.truncate(polls.MAX_CSV_BYTES + 1)  # sparse: costs no disk or time
    problems = Problems()
    assert read_poll(path, "huge.csv", problems) is None
    (error,) = problems.errors
    assert str(error).startswith(f"{path}: The file is 20.0 MB, more than the 20 MB")


def test_workbook_above_the_unpacked_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(polls, "MAX_XLSX_UNCOMPRESSED", 1000)
    path = tmp_path / "forms.xlsx"
    shutil.copy(FIXTURES / "microsoft_forms.xlsx", path)
    problems = Problems()
    assert read_poll(path, "forms.xlsx", problems) is None
    assert "unpacks to" in str(problems.errors[0])


def test_row_limit_is_a_located_error(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text("Timestamp,Which layer first?\n" + "2024,DNS\n" * polls.MAX_ROWS)
    problems = Problems()
    assert read_poll(path, "forms.csv", problems) is None
    (error,) = problems.errors
    assert str(error).startswith(f"{path}:{polls.MAX_ROWS + 1}: The file has more than 100,000 rows")


def test_row_limit_in_a_workbook_is_located_at_the_row(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(polls, "MAX_ROWS", 3)
    poll, problems = read("microsoft_forms.xlsx")
    assert poll is None
    (error,) = problems.errors
    assert str(error).startswith(
        f"{FIXTURES / 'microsoft_forms.xlsx'}!Sheet1!A4: The file has more than 3 rows"
    )


def test_column_limit_is_a_located_error(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text(
        "Timestamp,Which layer first?\n2024,DNS\n" + ",".join(["x"] * (polls.MAX_COLUMNS + 1)) + "\n"
    )
    problems = Problems()
    assert read_poll(path, "forms.csv", problems) is None
    assert str(problems.errors[0]).startswith(f"{path}:3: This row has 1,001 columns")


def test_overlong_cell_is_a_located_error(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text('Timestamp,Which layer first?\n2024,DNS\n2024,"' + "x" * 200_000 + '"\n')
    problems = Problems()
    assert read_poll(path, "forms.csv", problems) is None
    assert str(problems.errors[0]).startswith(f"{path}:3: A cell here is longer than")


def test_unclosed_quote_is_a_located_error_not_a_swallowed_file(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_text('Timestamp,Which layer first?\n2024,DNS\n2024,"Hosting\n2024,DNS\n2024,CDN\n')
    problems = Problems()
    assert read_poll(path, "forms.csv", problems) is None
    assert messages(problems) == [
        f"{path}:3: A quoted cell starting on this line is never closed (a closing '\"' is missing), "
        "so the rest of the file cannot be read."
    ]


def test_binary_data_in_a_csv_is_located(tmp_path: Path):
    path = tmp_path / "forms.csv"
    path.write_bytes(b"Timestamp,Which layer first?\n2024,DNS\n\x00\x01\x02")
    problems = Problems()
    assert read_poll(path, "forms.csv", problems) is None
    assert str(problems.errors[0]).startswith(f"{path}:3: The file contains binary data")


def test_broken_utf16_is_read_with_a_located_warning(tmp_path: Path):
    path = tmp_path / "forms.csv"
    text = "Timestamp,Which layer first?\n2024,DNS\n2024,DNS\n2024,Hosting\n"
    path.write_bytes(text.encode("utf-16") + b"\x00")  # one stray byte at the end
    problems = Problems()
    poll = read_poll(path, "forms.csv", problems)
    assert poll is not None and poll.questions[0].respondents == 3
    assert messages(problems) == [
        f"{path}:5: warning: The file says it is UTF-16 text but has bytes that are not; "
        "they were replaced by '\ufffd'."
    ]


# --- arbitrary input never crashes the reader -------------------------------------------------------------

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADERS = [
    "#,User Name,User Email,Submitted Date/Time,",
    "#;Nom d'utilisateur;E-mail de l'utilisateur;Date/heure de soumission;Q",
    "Timestamp,Email Address,Q1,Q2",
    "Horodateur;Q1",
    "ID,Start time,Completion time,Email,Name,Last modified time,Q",
    "Question,Option,Votes",
    "question;option;votes",
]
EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+")


def check_outcome(path: Path, poll: Poll | None, problems: Problems) -> None:
    """A poll or located errors; every problem names the file; no e-mail address in the poll."""
    if poll is None:
        assert problems.errors
    for problem in problems.items:
        assert problem.location.path == str(path)
        # Text is located by line; a workbook or an old .xls in a .csv is located by the file alone.
        if path.suffix == ".csv" and not path.read_bytes().startswith((b"PK\x03\x04", b"PK\x05\x06", OLE2)):
            assert problem.location.line is not None
    if poll is not None:
        for question in poll.questions:
            texts = [question.question, *question.quotes, *(o.label for o in question.options)]
            assert not any(EMAIL.search(text) for text in texts)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(tmp_path: Path, data: bytes):
    path = tmp_path / "poll.csv"
    path.write_bytes(data)
    problems = Problems()
    check_outcome(path, read_poll(path, "poll.csv", problems), problems)


@FUZZ
@given(
    text=st.text(max_size=600),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"]),
)
def test_arbitrary_text_in_any_encoding(tmp_path: Path, text: str, encoding: str):
    path = tmp_path / "poll.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    problems = Problems()
    check_outcome(path, read_poll(path, "poll.csv", problems), problems)


cell = st.one_of(
    st.sampled_from(["", "DNS", "Hosting;CDN", "DNS, Hosting", "12", "=SUM(1,2)", "a@b.org", "Amina Diallo"]),
    st.text(alphabet=st.characters(codec="cp1252", exclude_characters="\x00"), max_size=12),
)


@FUZZ
@given(
    header=st.sampled_from(HEADERS),
    rows=st.lists(st.lists(cell, max_size=9), max_size=12),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]),
)
def test_known_headers_with_arbitrary_rows(
    tmp_path: Path, header: str, rows: list[list[str]], delimiter: str, encoding: str
):
    def quote(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    body = "\n".join(delimiter.join(quote(c) for c in row) for row in rows)
    path = tmp_path / "poll.csv"
    path.write_bytes(f"Poll Report\n\n{header}\n{body}\n".encode(encoding, errors="replace"))
    problems = Problems()
    check_outcome(path, read_poll(path, "poll.csv", problems), problems)


@FUZZ
@given(position=st.integers(min_value=0), value=st.integers(min_value=0, max_value=255), cut=st.booleans())
def test_damaged_workbooks(tmp_path: Path, position: int, value: int, cut: bool):
    data = bytearray((FIXTURES / "microsoft_forms.xlsx").read_bytes())
    position %= len(data)
    if cut:
        del data[position:]
    else:
        data[position] = value
    path = tmp_path / "poll.xlsx"
    path.write_bytes(bytes(data))
    problems = Problems()
    check_outcome(path, read_poll(path, "poll.xlsx", problems), problems)


def test_workbook_with_arbitrary_zip_members(tmp_path: Path):
    path = tmp_path / "poll.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml at all")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    problems = Problems()
    assert read_poll(path, "poll.xlsx", problems) is None
    assert "could not be opened" in str(problems.errors[0])


# --- votes, caps and characters no document can hold ------------------------------------------------------


def counted_csv(tmp_path: Path, rows: list[str]) -> tuple[Path, Poll | None, Problems]:
    path = tmp_path / "counted.csv"
    path.write_text("Question,Option,Votes\n" + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    problems = Problems()
    return path, read_poll(path, "counted.csv", problems), problems


@pytest.mark.parametrize(
    ("votes", "message"),
    [
        ("9" * 5000, f"'{'9' * 40}…', more than the 1,000,000 votes an option can have; check the number"),
        ("1000001", "'1000001', more than the 1,000,000 votes an option can have; check the number"),
        ("1e300", "'1e300', more than the 1,000,000 votes an option can have; check the number"),
        ("-3", "'-3', a negative number; votes are counted from 0"),
        ("2.5", "'2.5', which is not a whole number of votes"),
    ],
)
def test_votes_out_of_bounds_are_located_errors(tmp_path: Path, votes: str, message: str):
    path, poll, problems = counted_csv(tmp_path, ["Which layer first?,DNS,4", f",Hosting,{votes}"])
    assert [str(e) for e in problems.errors] == [f"{path}:3: The votes cell holds {message}."]
    assert poll is not None and options(poll.questions[0]) == [("DNS", 4)]


def test_a_million_votes_and_zero_padded_whole_numbers_are_read(tmp_path: Path):
    _, poll, problems = counted_csv(tmp_path, ["Which layer first?,DNS,1000000", ",Hosting,0007.00"])
    assert messages(problems) == []
    assert options(poll.questions[0]) == [("DNS", 1_000_000), ("Hosting", 7)]


def test_options_beyond_the_cap_are_summed_up_in_one_row_with_a_located_warning(tmp_path: Path):
    rows = ["Which word describes the IGF?,Option 0,10000"]
    rows += [f",Option {n},{n}" for n in range(1, 4000)]
    path, poll, problems = counted_csv(tmp_path, rows)
    shown = polls.MAX_OPTIONS_SHOWN
    rest = 4000 - shown
    assert messages(problems) == [
        f"{path}:2: warning: This question has 4,000 options; the {shown} with the most votes are shown "
        f"and the other {rest:,} are summed up in one row."
    ]
    (question,) = poll.questions
    # The largest are kept, wherever they are in the file.
    assert options(question)[:3] == [("Option 0", 10000), ("Option 3999", 3999), ("Option 3998", 3998)]
    assert options(question)[shown - 1] == (f"Option {4000 - shown + 1}", 4000 - shown + 1)
    more = question.options[-1]
    assert len(question.options) == shown + 1
    assert (more.label, more.others) == (f"{rest:,} more options", rest)
    assert more.votes == sum(range(1, 4000)) - sum(range(4000 - shown + 1, 4000))
    assert question.respondents == sum(range(1, 4000)) + 10000


def test_quotes_questions_and_long_texts_are_capped_with_located_warnings(tmp_path: Path):
    path = tmp_path / "forms.csv"
    header = ["Timestamp", "Q" * 600] + [f"Question {n}" for n in range(1, polls.MAX_QUESTIONS + 1)]
    answers = [f"answer {n} " + "x" * (polls.MAX_QUOTE_CHARS if n == 1 else 1) for n in range(250)]
    lines = [",".join(header)] + [f"{n},{a}" + ",a" * polls.MAX_QUESTIONS for n, a in enumerate(answers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = Problems()
    poll = read_poll(path, "forms.csv", problems)
    assert poll is not None and len(poll.questions) == polls.MAX_QUESTIONS
    first = poll.questions[0]
    assert len(first.question) == polls.MAX_QUESTION_CHARS and first.question.endswith("…")
    assert len(first.quotes) == polls.MAX_QUOTES
    assert len(first.quotes[1]) == polls.MAX_QUOTE_CHARS and first.quotes[1].endswith("…")
    assert messages(problems) == [
        f"{path}:1: warning: This question has 250 answers; the first 200 are quoted and the other 50 are "
        "left out.",
        f"{path}:1: warning: This poll has 101 questions; only the first 100 are shown, from this one on "
        "they are left out.",
        f"{path}:1: warning: Some texts of this question were too long and were cut (questions to 500 "
        "characters, option labels to 300, answers to 3,000): the question, answers.",
    ]


def test_4000_options_are_read_in_well_under_a_second(tmp_path: Path):
    rows = ["Which word describes the IGF?,word0,1"] + [f",word{n},{n % 7}" for n in range(1, 4000)]
    started = time.perf_counter()
    _, poll, _ = counted_csv(tmp_path, rows)
    assert time.perf_counter() - started < 1.0
    assert len(poll.questions[0].options) == polls.MAX_OPTIONS_SHOWN + 1


def test_control_characters_in_a_csv_poll_are_removed_with_a_located_warning(tmp_path: Path):
    path, poll, problems = counted_csv(
        tmp_path, ["Which\x01 layer first?,DNS\x1b[2J,4", ",Hosting\ufffe,3", ",CDN,2"]
    )
    assert messages(problems) == [
        f"{path}:2: warning: Control characters (such as U+0001) that no document can hold were removed "
        "here (and in 2 other cell(s) of this file)."
    ]
    assert poll.questions[0].question == "Which layer first?"
    assert options(poll.questions[0]) == [("DNS[2J", 4), ("Hosting", 3), ("CDN", 2)]


def test_control_characters_written_as_excel_escapes_are_removed_from_a_workbook(tmp_path: Path):
    path = tmp_path / "counted.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Results"
    for row in (["Question", "Option", "Votes"], ["Which_x0001_ layer first?", "DNS", 4]):
        book.active.append(row)
    book.save(path)
    problems = Problems()
    poll = read_poll(path, "counted.xlsx", problems)
    assert messages(problems) == [
        f"{path}!Results!A2: warning: Control characters (such as U+0001) that no document can hold were "
        "removed here."
    ]
    assert poll.questions[0].question == "Which layer first?"


def test_a_workbook_number_of_5000_digits_is_located_at_its_row(tmp_path: Path):
    path = tmp_path / "counted.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Results"
    for row in (["Question", "Option", "Votes"], ["Which layer first?", "DNS", 4], [None, "Hosting", 0]):
        book.active.append(row)
    book.save(path)
    with zipfile.ZipFile(path) as source:
        parts = {item.filename: source.read(item) for item in source.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<v>0</v>", b"<v>" + b"9" * 5000 + b"</v>")
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    problems = Problems()
    assert read_poll(path, "counted.xlsx", problems) is None
    assert messages(problems) == [
        f"{path}!Results!A3: A number in this row has thousands of digits, far more than any count of "
        "votes; check the file."
    ]
