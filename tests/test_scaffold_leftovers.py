"""The scaffold's example content is not a report: ``outcomes check`` says where it is still left."""

from __future__ import annotations

import shutil
from pathlib import Path

from outcomes.build import check
from outcomes.scaffold import EXAMPLE_PERSON, EXAMPLE_TITLE, SESSION_YAML, init_session

ROOT = Path(__file__).resolve().parents[1]


def leftovers(folder: Path) -> list[str]:
    return [str(w) for w in check(folder).warnings if "example" in w.message]


def test_a_fresh_scaffold_is_warned_about_at_each_example(tmp_path):
    folder = tmp_path / "igf2026-ws42"
    init_session(folder)
    found = leftovers(folder)
    yaml_lines = SESSION_YAML.splitlines()
    title_line = next(i for i, line in enumerate(yaml_lines, 1) if line.startswith("title:"))
    person_line = next(i for i, line in enumerate(yaml_lines, 1) if f"name: {EXAMPLE_PERSON}" in line)
    assert (
        f"{folder}/session.yaml:{title_line}: warning: title is still the example '{EXAMPLE_TITLE}'"
        in "\n".join(found)
    )
    assert any(w.startswith(f"{folder}/session.yaml:{person_line}: warning: 'Jane Doe'") for w in found)
    assert any(
        w.startswith(f"{folder}/notes/example-note.md:9: warning: this is the example note") for w in found
    )
    for sheet in ("Themes", "Takeaways", "Actions", "People"):
        assert any(w.startswith(f"{folder}/worksheet.xlsx!{sheet}!A2: warning:") for w in found), sheet
    assert len(found) == 8


def test_replaced_examples_are_not_warned_about(tmp_path):
    folder = tmp_path / "igf2026-ws42"
    init_session(folder)
    text = (folder / "session.yaml").read_text("utf-8")
    text = text.replace(EXAMPLE_TITLE, "Securing the routing system").replace(EXAMPLE_PERSON, "Ana Neves")
    text = text.replace("What should the session answer?", "Who should deploy RPKI first?")
    (folder / "session.yaml").write_text(text, encoding="utf-8")
    shutil.copy(ROOT / "inputs/igf2025-ws106/notes/01-session-report.txt", folder / "notes/example-note.md")
    shutil.copy(ROOT / "inputs/igf2025-ws106/worksheet.xlsx", folder / "worksheet.xlsx")
    assert leftovers(folder) == []


def test_example_sessions_hold_no_scaffold_content():
    """WS #106's worksheet shares rows with the scaffold's examples (they come from it): not warned."""
    for folder in sorted((ROOT / "inputs").iterdir()):
        assert leftovers(folder) == [], folder.name
