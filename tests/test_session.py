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
