"""``outcomes init``: a new session folder, ready to fill in; and spotting what it wrote left in place.

The example values written here are exposed (``EXAMPLE_*``) so that ``outcomes check`` and builds can
warn, with the place, when a session still holds them: an example is not a report.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from outcomes.errors import Location, Problems, UsageError
from outcomes.ingest.worksheet import ACTIONS, PEOPLE, TAKEAWAYS, THEMES, write_template_worksheet

if TYPE_CHECKING:
    from outcomes.inputs import SessionInputs

EXAMPLE_TITLE = "Title of the workshop"
EXAMPLE_PERSON = "Jane Doe"
EXAMPLE_POLICY_QUESTION = "What should the session answer?"
EXAMPLE_NOTE_NAME = "example-note.md"
EXAMPLE_NOTE_MARKER = "Replace this example note with your own."
"""A sentence of the example note's summary: a note that still has it is the example."""

SESSION_YAML = """\
# Session metadata for igf-outcomes. Lines starting with # are comments.
event: IGF 2025                 # the event
code: "WS #000"                 # the session code, in quotes because of the #
title: Title of the workshop    # the session's title, as in the IGF programme
date: 2025-06-24                # YYYY-MM-DD
format: Roundtable              # Roundtable, Panel, Break-out group discussions, ...
duration_minutes: 60
language: en                    # en, fr, es, ar, zh or ru: the language of the documents
deadline: 2025-07-06            # when the report is due
documents:                      # session_report, short_report, briefing_paper, recommendations
  - session_report
  - short_report
subtheme: ""
sdgs: [9, 16, 17]               # numbers 1-17
policy_questions:
  - What should the session answer?
participation:                  # optional: the IGF session report form's participation questions
  onsite:                       # estimated number of participants in the room (a whole number)
  online:                       # estimated number of participants online
  women_onsite:                 # of those onsite, how many were women or gender-diverse
  women_online:                 # of those online, how many were women or gender-diverse
  gender_discussed:             # did the session discuss gender issues? yes or no
  gender_discussion: ""         # if so, how: a few sentences for the report
people:                         # role: organizer, speaker, moderator, online_moderator, rapporteur
  # stakeholder: Government, Intergovernmental Organization, Civil Society, Technical Community,
  #   Private Sector. region: African Group, Asia-Pacific Group, Eastern European Group,
  #   GRULAC, WEOG, Intergovernmental Organization.
  - name: Jane Doe
    role: speaker
    stakeholder: Civil Society
    region: WEOG
    gender: female
    affiliation: Example Institute
"""
assert EXAMPLE_TITLE in SESSION_YAML and EXAMPLE_PERSON in SESSION_YAML

EXAMPLE_NOTE = """\
---
rapporteur: Your Name
group: Main session
channel: onsite
---

# Executive summary

Two or three paragraphs on what the session found. Replace this example note with your own.

## First theme title

WSIS alignment: C5 (Building confidence and security in the use of ICTs)

What was discussed under this theme.

**Key takeaways:**

- A first takeaway.
- A second takeaway.

# Recommended actions

- An action, and who should take it.

# Conclusion and next steps

What happens next.
"""


def init_session(folder: Path) -> list[str]:
    """Create the scaffold; refuse to overwrite anything that exists."""
    if (folder / "session.yaml").exists():
        raise UsageError(f"{folder}: already has a session.yaml; nothing was changed")
    (folder / "notes").mkdir(parents=True, exist_ok=True)
    (folder / "polls").mkdir(exist_ok=True)
    (folder / "session.yaml").write_text(SESSION_YAML, encoding="utf-8")
    (folder / "notes" / EXAMPLE_NOTE_NAME).write_text(EXAMPLE_NOTE, encoding="utf-8")
    created = [folder / "session.yaml", folder / "notes" / EXAMPLE_NOTE_NAME, folder / "polls"]
    if not (folder / "worksheet.xlsx").exists():
        write_template_worksheet(folder / "worksheet.xlsx")
        created.append(folder / "worksheet.xlsx")
    return [f"created {p}" for p in created]


def warn_leftovers(inputs: SessionInputs) -> None:
    """Warn, at its place, about every example ``outcomes init`` wrote that the session still holds."""
    problems, folder, session = inputs.problems, inputs.folder, inputs.session
    if session is not None:
        path = folder / "session.yaml"
        if session.title == EXAMPLE_TITLE:
            _warn_in_yaml(
                problems,
                path,
                "title",
                f"title is still the example '{EXAMPLE_TITLE}'; give the session's title",
            )
        if any(p.name == EXAMPLE_PERSON for p in session.people):
            _warn_in_yaml(
                problems,
                path,
                "name",
                f"'{EXAMPLE_PERSON}' is the example person; list the session's people",
                value=EXAMPLE_PERSON,
            )
        if EXAMPLE_POLICY_QUESTION in session.policy_questions:
            _warn_in_yaml(
                problems,
                path,
                "-",
                "the policy question is still the example; give the session's own",
                value=EXAMPLE_POLICY_QUESTION,
            )
    for note in inputs.notes:
        for paragraph in note.summary:
            if EXAMPLE_NOTE_MARKER in paragraph.text:
                where = paragraph.sources[0] if paragraph.sources else None
                problems.warn(
                    Location(str(folder / note.path), where.line if where else None),
                    "this is the example note 'outcomes init' wrote; replace it with the rapporteur's notes",
                )
                break
    sheet = inputs.worksheet
    if sheet is None:
        return
    # The example rows are only the scaffold's if they are all the sheet holds: a real worksheet may
    # share a row with them (the examples come from a real session).
    leftovers = [
        (THEMES, [t for t in sheet.themes if t.sources and t.sources[0].sheet], lambda t: t.title),
        (TAKEAWAYS, [t for _theme, t in sheet.takeaways], lambda t: t.text),
        (ACTIONS, sheet.actions, lambda a: a.text),
        (PEOPLE, sheet.people, lambda p: p.name),
    ]
    for spec, items, key in leftovers:
        example = spec.example[1] if spec is TAKEAWAYS else spec.example[0]
        if len(items) == 1 and key(items[0]) == example and items[0].sources:
            source = items[0].sources[0]
            problems.warn(
                Location(str(folder / source.path), sheet=source.sheet, cell=f"A{source.row}"),
                f"the {spec.title} sheet holds only the example row 'outcomes init' wrote; "
                "replace or delete it",
            )


def _warn_in_yaml(problems: Problems, path: Path, key: str, message: str, value: str | None = None) -> None:
    """Warn at the line of session.yaml where ``key`` (with ``value``, if given) is written."""
    pattern = re.compile(rf"^\s*(?:-\s*)?{re.escape(key)}\s*:?\s*{re.escape(value) if value else ''}")
    line = None
    try:
        for number, text in enumerate(path.read_text("utf-8-sig").splitlines(), start=1):
            if pattern.match(text):
                line = number
                break
    except (OSError, UnicodeDecodeError):
        pass  # session.yaml was read a moment ago; a file gone since is warned about without a line
    problems.warn(Location(str(path), line), message)
