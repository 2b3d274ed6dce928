"""session.yaml: validated, every problem reported with its key and line."""

import datetime as dt

from outcomes.errors import Problems
from outcomes.session import read_session


def load(tmp_path, text):
    (tmp_path / "session.yaml").write_text(text, encoding="utf-8")
    problems = Problems()
    return read_session(tmp_path, problems), problems


def test_complete_session(tmp_path):
    meta, problems = load(
        tmp_path,
        'event: IGF 2025\ncode: "WS #106"\ntitle: T\ndate: 2025-06-24\nduration_minutes: 60\nlanguage: es\n'
        "documents: [session_report, short_report]\ndeadline: 2025-07-06\nsdgs: [9, 16]\n"
        "people:\n  - name: A\n    role: Online moderator\n    stakeholder: civil society\n    region: weog\n",
    )
    assert not problems.items
    assert meta.id == tmp_path.name
    assert (meta.code, meta.date, meta.deadline, meta.language) == (
        "WS #106",
        dt.date(2025, 6, 24),
        dt.date(2025, 7, 6),
        "es",
    )
    assert meta.documents == ["session_report", "short_report"]
    person = meta.people[0]
    assert (person.role.value, person.stakeholder, person.region) == (
        "online_moderator",
        "Civil Society",
        "Western European and Others Group (WEOG)",
    )


def test_every_problem_at_once_with_its_line(tmp_path):
    _, problems = load(
        tmp_path,
        "title: T\ndate: 24 June\nlanguage: de\nvenue: Oslo\nsdgs: [3, 18]\n"
        "people:\n  - name: A\n    role: speaker\n    stakeholder: Academia\n    region: Narnia\n"
        "  - name: B\n    role: keynote\n",
    )
    found = [(p.location.line, p.severity.value, p.message.split(" ")[0]) for p in problems.items]
    assert (2, "error", "'date'") in found
    assert (3, "error", "language") in found
    assert (4, "warning", "unknown") in found
    assert (5, "error", "SDG") in found
    assert (9, "error", "stakeholder") in found
    assert (10, "error", "regional") in found
    assert (12, "error", "role") in found
    region = next(p for p in problems.items if p.location.line == 10)
    assert "'Narnia'" in region.message and "Asia-Pacific Group" in region.message


def test_invalid_yaml_names_the_line(tmp_path):
    meta, problems = load(tmp_path, "title: T\npeople:\n  - name: [unclosed\n")
    assert meta is None
    assert problems.errors[0].location.line in (3, 4)
    assert "invalid YAML" in problems.errors[0].message


def test_missing_session_yaml(tmp_path):
    problems = Problems()
    assert read_session(tmp_path, problems) is None
    assert "no session.yaml" in problems.errors[0].message


def test_empty_session_yaml_defaults_to_folder_name(tmp_path):
    meta, problems = load(tmp_path, "")
    assert meta.id == tmp_path.name and meta.documents == ["session_report"] and meta.language == "en"


def test_a_key_written_twice_is_an_error_naming_both_lines(tmp_path):
    meta, problems = load(
        tmp_path, "title: T\npeople:\n  - name: A\nlanguage: en\npeople:\n  - name: B\n    name: C\n"
    )
    assert meta is None
    assert [str(e) for e in problems.errors] == [
        f"{tmp_path}/session.yaml:5: 'people' is written twice, on lines 2 and 5; keep one"
    ]
    _, problems = load(tmp_path, "title: T\npeople:\n  - name: B\n    name: C\n")
    assert [str(e) for e in problems.errors] == [
        f"{tmp_path}/session.yaml:4: 'name' is written twice, on lines 3 and 4; keep one"
    ]


def test_an_unclosed_quote_is_reported_where_it_opens(tmp_path):
    lines = ["event: IGF 2025", "code: WS 1", "date: 2025-06-01", "language: en", 'title: "Unclosed title']
    lines += [f"key{i}: value" for i in range(28)] + ['subtheme: "Closed"', "format: Roundtable"]
    _, problems = load(tmp_path, "\n".join(lines) + "\n")
    [error] = [str(e) for e in problems.errors]
    assert error.startswith(f"{tmp_path}/session.yaml:5: invalid YAML: the quoted value that starts here")
    assert "line 34" in error
    _, problems = load(tmp_path, 'title: T\nevent: "Unclosed to the end\nlanguage: en\n')
    [error] = [str(e) for e in problems.errors]
    assert error.startswith(f"{tmp_path}/session.yaml:2: invalid YAML: while scanning a quoted scalar")


def test_a_bad_date_does_not_hide_the_other_errors(tmp_path):
    _, problems = load(tmp_path, "date: 2025-13-45\nlanguage: xx\ndeadline: 2025-02-30\n")
    assert [str(e) for e in problems.errors] == [
        f"{tmp_path}/session.yaml:1: 'date' must be a date written YYYY-MM-DD, not '2025-13-45'",
        f"{tmp_path}/session.yaml:2: language 'xx' is not one of en, fr, es, ar, zh, ru",
        f"{tmp_path}/session.yaml:3: 'deadline' must be a date written YYYY-MM-DD, not '2025-02-30'",
    ]


def test_text_fields_have_a_length_limit(tmp_path):
    _, problems = load(tmp_path, f"title: {'T' * 200_000}\npeople:\n  - name: {'N' * 300}\n")
    assert [str(e) for e in problems.errors] == [
        f"{tmp_path}/session.yaml:1: 'title' is 200,000 characters long; the limit is 500",
        f"{tmp_path}/session.yaml:3: 'name' is 300 characters long; the limit is 200",
    ]


def test_characters_no_document_can_hold_are_removed_with_a_warning(tmp_path):
    meta, problems = load(tmp_path, 'title: "A\\x01B"\npeople:\n  - name: "Ann\\x0b"\n    role: speaker\n')
    assert meta.title == "AB" and meta.people[0].name == "Ann"
    assert [str(w) for w in problems.warnings] == [
        f"{tmp_path}/session.yaml:1: warning: removed characters no document can hold (U+0001)",
        f"{tmp_path}/session.yaml:3: warning: removed characters no document can hold (U+000B)",
    ]


def test_a_folder_name_used_as_the_id_is_checked_like_an_id(tmp_path):
    folder = tmp_path / "ws\x1b[2J"
    folder.mkdir()
    meta, problems = load(folder, "title: T\n")
    assert meta is None
    [error] = problems.errors
    assert "the folder name" in error.message and "cannot be the session id" in error.message
    meta, problems = load(folder, "id: ws1\ntitle: T\n")
    assert meta.id == "ws1" and not problems.errors


def test_a_session_yaml_linked_out_of_the_folder_is_not_read(tmp_path):
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("id: stolen-id\ntitle: Secret title\n")
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "session.yaml").symlink_to(outside)
    problems = Problems()
    assert read_session(folder, problems) is None
    assert [str(e) for e in problems.errors] == [
        f"{folder}/session.yaml: is a link to a file outside the session folder; refused "
        "(copy the file into the folder instead)"
    ]
