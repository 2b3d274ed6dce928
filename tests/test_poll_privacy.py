"""Respondents' details never reach a document: personal questions left out, names scrubbed from answers.

The rule for personal questions is tested on both sides (labels asking for the respondent's own details
in the six UN languages, and real questions that merely mention names or organisations); the scrubber on
names written otherwise than in the name column; and a whole session of Zoom, Google Forms and Microsoft
Forms exports is built, every output file read back (PDF through pdftotext, DOCX unzipped) and searched
for every word of every respondent's name, e-mail address and phone number.
"""

from __future__ import annotations

import html.parser
import importlib.util
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from outcomes.build import BuildOptions, build_session
from outcomes.errors import Problems
from outcomes.ingest.polls import read_poll, read_polls
from outcomes.ingest.privacy import NAME_REMOVED, Scrubber, fold, personal_kinds

FIXTURES = Path(__file__).parent / "fixtures" / "polls"
_spec = importlib.util.spec_from_file_location("poll_fixtures", FIXTURES / "make_fixtures.py")
fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fixtures)

PRIVATE = [
    "zoom_personal_questions_worded_otherwise.csv",
    "google_forms_personal_questions_worded_otherwise.csv",
    "microsoft_forms_personal_questions_worded_otherwise.xlsx",
]


# --- which questions are personal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kinds"),
    [
        ("Please enter your full name", {"name"}),
        ("Your name and organisation", {"name", "organisation"}),
        ("Name / Nombre", {"name"}),
        ("Name of participant", {"name"}),
        ("What is your name?", {"name"}),
        ("Name (optional)", {"name"}),
        ("Full name*", {"name"}),
        ("Nom et prénom", {"name"}),
        ("NOM ET PRENOM", {"name"}),
        ("Nombre y apellidos", {"name"}),
        ("Имя", {"name"}),
        ("Ваше имя", {"name"}),
        ("姓名", {"name"}),
        ("您的姓名", {"name"}),
        ("الاسم", {"name"}),
        ("الاسم والمنظمة", {"name", "organisation"}),
        ("E-mail address", {"email"}),
        ("Your e-mail (optional)", {"email"}),
        ("Correo electrónico", {"email"}),
        ("Adresse électronique", {"email"}),
        ("البريد الإلكتروني", {"email"}),
        ("Phone number", {"phone"}),
        ("Téléphone", {"phone"}),
        ("Número de teléfono", {"phone"}),
        ("Contact details", {"phone"}),
        ("Organization/Affiliation", {"organisation"}),
        ("Institución", {"organisation"}),
        ("Организация", {"organisation"}),
        ("单位", {"organisation"}),
        ("Name, organisation and country", {"name", "organisation"}),
        ("Who do you represent?", {"organisation"}),
    ],
)
def test_questions_asking_for_the_respondents_details_are_personal(question, kinds):
    assert personal_kinds(question) == kinds


@pytest.mark.parametrize(
    "question",
    [
        "Which organisations should lead capacity building?",
        "Does your organisation deploy RPKI?",
        "Organisation type",
        "Name one priority for the IGF",
        "Which stakeholder group do you belong to?",
        "Country",
        "Should mail servers adopt DMARC?",
        "¿Qué organizaciones deberían liderar?",
        "您认为哪个组织应该牵头？",
        "Какие организации должны быть ведущими?",
        "ما هي المنظمات التي يجب أن تقود بناء القدرات؟",
        "Quelles organisations devraient mener le renforcement des capacités ?",
    ],
)
def test_real_questions_that_mention_names_or_organisations_are_not_personal(question):
    assert personal_kinds(question) == frozenset()


def test_the_word_lists_are_data():
    data = Path(__file__).parents[1] / "outcomes" / "data" / "personal_questions.yaml"
    assert {"terms", "filler", "phrases", "honorifics", "name_particles"} <= set(
        __import__("yaml").safe_load(data.read_text("utf-8"))
    )


# --- scrubbing names written otherwise --------------------------------------------------------------------


def scrubber(*names: str) -> Scrubber:
    scrub = Scrubber()
    for name in names:
        scrub.add_name(name)
    return scrub


@pytest.mark.parametrize(
    ("names", "text", "expected"),
    [
        (["María González"], "Gonzalez, Maria said so", f"{NAME_REMOVED} said so"),
        (["María González"], "As María said, DNS first", f"As {NAME_REMOVED} said, DNS first"),
        (["Émile Zola"], "emile zola agreed", f"{NAME_REMOVED} agreed"),
        (["Dr. Kofi Annan"], "Kofi Annan was clear", f"{NAME_REMOVED} was clear"),
        (["Kofi Annan"], "Dr. Kofi Annan was clear", f"{NAME_REMOVED} was clear"),
        (["Li Wei"], "Li thinks so; li too", f"{NAME_REMOVED} thinks so; {NAME_REMOVED} too"),
        (["Ingrid Halvorsen"], "Ingrid’s plan", f"{NAME_REMOVED}’s plan"),
        (["Jean-Marc Lefèvre"], "Jean-Marc agreed", f"{NAME_REMOVED} agreed"),
        (["Seán O'Brien"], "O'Brien said", f"{NAME_REMOVED} said"),
        (["李伟"], "李伟说对", f"{NAME_REMOVED}说对"),
        (["Li Wei"], "Linux and Weibo", "Linux and Weibo"),  # whole words only
        (["Jacqueline van de Werken"], "van de sessie", "van de sessie"),  # particles stay alone
        (["Dr. Kofi Annan"], "Dr. Smith spoke", "Dr. Smith spoke"),  # titles are not names
        (["anonymous", "Guest"], "Anonymous reports, guest access", "Anonymous reports, guest access"),
    ],
)
def test_every_word_of_a_name_is_scrubbed_folded_in_either_order(names, text, expected):
    assert scrubber(*names)(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to maria@example.org", "write to [e-mail removed]"),
        ("call +41 22 917 12 34 now", "call [phone number removed] now"),
        ("or 022 917 12 34", "or [phone number removed]"),
        ("On 2025-06-24 10:00 we met", "On 2025-06-24 10:00 we met"),  # a date is not a number to call
        ("10 000 000 users in 2024", "10 000 000 users in 2024"),
    ],
)
def test_e_mail_addresses_and_phone_numbers_are_scrubbed_anywhere(text, expected):
    assert Scrubber()(text) == expected


# --- reading the exports ----------------------------------------------------------------------------------


def read(name: str) -> tuple[str, list[str]]:
    problems = Problems()
    poll = read_poll(FIXTURES / name, f"polls/{name}", problems)
    assert poll is not None and problems.errors == []
    return poll.model_dump_json(), [str(p) for p in problems.items]


@pytest.mark.parametrize("name", PRIVATE)
def test_personal_questions_are_left_out_and_named_in_a_warning(name):
    dumped, warnings = read(name)
    assert fixtures.NEXT in dumped  # the real questions are kept
    assert "asks for respondents' names" in " ".join(warnings)
    for question in ("Please enter your full name", "Name / Nombre", "Имя", "姓名", "الاسم", "Téléphone"):
        assert f'"question":"{question}"' not in dumped.replace(": ", ":")


def test_a_personal_column_is_located_at_its_header_cell():
    _, warnings = read("microsoft_forms_personal_questions_worded_otherwise.xlsx")
    assert any("!Sheet1!G1: warning: The question '姓名' asks for respondents' names" in w for w in warnings)


def test_the_organisations_question_is_counted():
    dumped, _ = read("zoom_personal_questions_worded_otherwise.csv")
    question = next(q for q in json.loads(dumped)["questions"] if q["question"] == fixtures.LEAD)
    assert question["kind"] == "choice" and question["options"][0] == {
        "label": "Registries",
        "votes": 2,
        "others": 0,
    }


def test_choice_labels_are_scrubbed_after_counting_and_add_up(tmp_path):
    path = tmp_path / "forms.csv"
    rows = ["Timestamp,Your name,Which proposal first?"]
    rows += [f"{n},{name},{choice}" for n, (name, choice) in enumerate(
        [("Maria Lopez", "Kofi’s proposal"), ("Kofi Mensah", "Maria’s proposal"),
         ("Ana Silva", "Kofi’s proposal"), ("Li Wu", "Maria’s proposal"), ("Bo Ek", "Neither")])]  # fmt: skip
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    poll = read_poll(path, "forms.csv", Problems())
    (question,) = poll.questions
    assert [(o.label, o.votes) for o in question.options] == [
        (f"{NAME_REMOVED}’s proposal", 4),
        ("Neither", 1),
    ]


def test_a_name_from_one_export_is_scrubbed_from_the_others_of_the_session(tmp_path):
    zoom = tmp_path / "zoom.csv"
    zoom.write_text(
        "#,User Name,User Email,Submitted Date/Time,Which layer first?\n"
        '1,Olusegun Adeyemi,o@example.org,"Dec 17, 2024 10:01:00",DNS\n'
        '2,Ingrid Halvorsen,i@example.org,"Dec 17, 2024 10:01:00",DNS\n',
        encoding="utf-8",
    )
    forms = tmp_path / "forms.csv"
    forms.write_text(
        "Timestamp,What next?\n1,As Olusegun said: fund CERTs\n2,Ask Halvorsen\n", encoding="utf-8"
    )
    problems = Problems()
    polls = read_polls([(zoom, "polls/zoom.csv"), (forms, "polls/forms.csv")], problems)
    assert [p.path for p in polls] == ["polls/zoom.csv", "polls/forms.csv"]
    assert polls[1].questions[0].quotes == [f"As {NAME_REMOVED} said: fund CERTs", f"Ask {NAME_REMOVED}"]
    alone = read_poll(forms, "polls/forms.csv", Problems())
    assert alone.questions[0].quotes[0] == "As Olusegun said: fund CERTs"  # one file knows no other names


# --- end to end: no output holds a name, an e-mail address or a phone number ------------------------------


def private_words() -> list[str]:
    """Every word of every respondent's name, folded; whole CJK names."""
    words = set()
    for name in fixtures.PRIVATE_NAMES:
        for word in re.findall(r"[^\W_]+", fold(name)):
            words.add(word)
    return sorted(words)


def output_texts(folder: Path) -> dict[str, str]:
    """Every file of the output folder as text: PDF through pdftotext, DOCX parts unzipped."""
    texts: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
            texts[path.name] = done.stdout
        elif path.suffix == ".docx":
            with zipfile.ZipFile(path) as docx:
                for part in docx.namelist():
                    # Word splits text into runs; without the tags they join again.
                    texts[f"{path.name}/{part}"] = untagged(docx.read(part).decode("utf-8", "replace"))
        elif path.suffix == ".html":
            texts[path.name] = html_text(path.read_text("utf-8"))
        else:
            texts[path.name] = path.read_text("utf-8", "replace")
    return texts


class _HTMLText(html.parser.HTMLParser):
    """The text of an HTML document and its attribute values, without its style sheet."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.in_style = tag == "style"
        self.parts.extend(value for _, value in attrs if value)

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style:
            self.parts.append(data)


def html_text(markup: str) -> str:
    parser = _HTMLText()
    parser.feed(markup)
    return " ".join(parser.parts)


def untagged(markup: str) -> str:
    """Markup's text and attribute values (alt texts, titles), without the tag names."""
    values = " ".join(re.findall(r'="([^"]*)"', markup))
    return re.sub(r"<[^>]+>", " ", markup) + " " + values


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    session = root / "igf2025-privacy"
    (session / "notes").mkdir(parents=True)
    (session / "polls").mkdir()
    base = Path(__file__).parent / "hostile" / "base"
    shutil.copy(base / "session.yaml", session / "session.yaml")
    shutil.copy(base / "notes" / "00-base.md", session / "notes" / "00-base.md")
    for name in PRIVATE:
        shutil.copy(FIXTURES / name, session / "polls" / name)
    result = build_session(
        session, BuildOptions(out=root / "out", formats=("pdf", "docx", "html"), force=True)
    )
    assert result.status == "built", result.errors
    return Path(result.out_dir)


def test_no_output_holds_a_respondents_name_e_mail_or_phone(built):
    texts = output_texts(built)
    assert {"session_report.pdf", "session_report.html", "report.json", "build.json"} <= set(texts)
    assert any(name.startswith("session_report.docx/") for name in texts)
    assert fixtures.NEXT in texts["report.json"]  # the real questions did reach the documents
    assert NAME_REMOVED in texts["session_report.pdf"]
    words = private_words()
    for name, text in texts.items():
        folded = fold(text)
        for word in words:
            assert not re.search(rf"(?<!\w){re.escape(word)}(?!\w)", folded), f"{word!r} in {name}"
        for address in fixtures.PRIVATE_EMAILS:
            assert address not in text, f"{address} in {name}"
        for phone in fixtures.PRIVATE_PHONES:
            assert phone not in text and phone.replace(" ", "") not in text, f"{phone} in {name}"


def test_the_build_record_warns_about_the_personal_questions_without_naming_anyone(built):
    record = (built / "build.json").read_text("utf-8")
    assert "Please enter your full name" in record and "asks for respondents" in record


# Every question the reader recognised before the word lists became data, as a label alone.
EARLIER_NAME_QUESTIONS = (
    "name|your name|full name|first name|last name|surname|family name|given name|"
    "first and last name|name and surname|what is your name|whats your name|what's your name|"
    "participant name|respondent name|nombre|nombre completo|nombre y apellido|"
    "nombre y apellidos|su nombre|tu nombre|apellido|apellidos|nom|nom complet|votre nom|"
    "prénom|nom et prénom|prénom et nom|nome|nome completo|seu nome|sobrenome|vorname|nachname|"
    "ihr name|имя|фамилия|фио|ваше имя|名前|氏名|お名前|姓名|你的名字|您的姓名|이름|성명|الاسم|اسمك"
).split("|")
EARLIER_EMAIL_QUESTIONS = (
    "email|e-mail|email address|e-mail address|your email|your e-mail|your email address|"
    "your e-mail address|username|correo|correo electrónico|dirección de correo electrónico|"
    "su correo electrónico|courriel|adresse e-mail|adresse email|adresse courriel|"
    "votre adresse e-mail|e-mail-adresse|email-adresse|endereço de e-mail|endereço de email|"
    "indirizzo email|indirizzo e-mail|メールアドレス|电子邮件地址|電子郵件地址|邮箱|адрес электронной почты|"
    "электронная почта|이메일|이메일 주소|البريد الإلكتروني"
).split("|")


@pytest.mark.parametrize(
    ("question", "kind"),
    [(q, "name") for q in EARLIER_NAME_QUESTIONS] + [(q, "email") for q in EARLIER_EMAIL_QUESTIONS],
)
def test_every_question_recognised_before_is_still_personal(question, kind):
    assert kind in personal_kinds(question)
