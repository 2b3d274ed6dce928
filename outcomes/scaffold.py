"""``outcomes init``: a new session folder, ready to fill in."""

from __future__ import annotations

from pathlib import Path

from outcomes.errors import UsageError
from outcomes.ingest.worksheet import write_template_worksheet

SESSION_YAML = """\
# Session metadata for igf-outcomes. Lines starting with # are comments.
event: IGF 2025                 # the event
code: "WS #000"                 # the session code, in quotes because of the #
title: Title of the workshop
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
    (folder / "notes" / "example-note.md").write_text(EXAMPLE_NOTE, encoding="utf-8")
    created = [folder / "session.yaml", folder / "notes" / "example-note.md", folder / "polls"]
    if not (folder / "worksheet.xlsx").exists():
        write_template_worksheet(folder / "worksheet.xlsx")
        created.append(folder / "worksheet.xlsx")
    return [f"created {p}" for p in created]
