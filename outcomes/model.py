"""Typed objects passed between stages: what readers return and the merged report.

``report.json`` is :class:`Report`, dumped. Every theme, takeaway, action and summary paragraph lists
the sources it came from.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from outcomes.errors import Location


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(Model):
    """Where an item came from: a note and its line, a worksheet sheet and row, a poll file."""

    path: str
    line: int | None = None
    sheet: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        if self.sheet is not None:
            return f"{self.path}!{self.sheet}!{self.row}" if self.row else f"{self.path}!{self.sheet}"
        return f"{self.path}:{self.line}" if self.line else self.path

    def location(self) -> Location:
        cell = f"A{self.row}" if self.row else None
        return Location(self.path, self.line, self.sheet, cell)


class Role(str, Enum):
    ORGANIZER = "organizer"
    SPEAKER = "speaker"
    MODERATOR = "moderator"
    ONLINE_MODERATOR = "online_moderator"
    RAPPORTEUR = "rapporteur"


class Person(Model):
    name: str
    role: Role = Role.SPEAKER
    stakeholder: str | None = None
    region: str | None = None
    gender: str | None = None
    affiliation: str | None = None
    sources: list[Source] = Field(default_factory=list)


Language = Literal["en", "fr", "es", "ar", "zh", "ru"]


class Participation(Model):
    """What the IGF session report form asks about attendance: estimates, as the organisers give them."""

    onsite: int | None = None
    online: int | None = None
    women_onsite: int | None = None
    women_online: int | None = None
    gender_discussed: bool | None = None
    gender_discussion: str = ""


class SessionMeta(Model):
    """session.yaml, validated."""

    id: str
    event: str = ""
    code: str = ""
    title: str = ""
    date: dt.date | None = None
    format: str = ""
    duration_minutes: int | None = None
    language: Language = "en"
    documents: list[str] = Field(default_factory=lambda: ["session_report"])
    deadline: dt.date | None = None
    subtheme: str = ""
    sdgs: list[int] = Field(default_factory=list)
    policy_questions: list[str] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)
    participation: Participation | None = None


class Channel(str, Enum):
    ONSITE = "onsite"
    ONLINE = "online"


class Paragraph(Model):
    text: str
    sources: list[Source] = Field(default_factory=list)


class Takeaway(Model):
    text: str
    sources: list[Source] = Field(default_factory=list)


class Action(Model):
    text: str
    actors: list[str] = Field(default_factory=list)
    action_lines: list[str] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class Theme(Model):
    title: str
    action_lines: list[str] = Field(default_factory=list)
    narrative: list[Paragraph] = Field(default_factory=list)
    takeaways: list[Takeaway] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class SummaryPart(Model):
    """One rapporteur's executive summary, with the group and channel it speaks for."""

    group: str | None = None
    channel: Channel | None = None
    paragraphs: list[Paragraph] = Field(default_factory=list)


class ExecutiveSummary(Model):
    parts: list[SummaryPart] = Field(default_factory=list)
    draft: bool = False


class NoteMeta(Model):
    rapporteur: str | None = None
    group: str | None = None
    channel: Channel | None = None
    language: str | None = None


class NoteLine(Model):
    """A line of a note the reader set aside (metadata, left out) or a decision it made, and why."""

    text: str
    why: str
    sources: list[Source] = Field(default_factory=list)


class Note(Model):
    """One rapporteur note, as its reader understood it."""

    path: str
    meta: NoteMeta = Field(default_factory=NoteMeta)
    summary: list[Paragraph] = Field(default_factory=list)
    summary_from_opening: bool = False
    """True when ``summary`` is the text before the first heading (the note names no summary)."""
    introduction: list[Paragraph] = Field(default_factory=list)
    """Text before the first heading of a note that gives its own summary: it opens the discussion."""
    narrative: list[Paragraph] = Field(default_factory=list)
    """The paragraphs of a note with no recognisable structure: the session's discussion narrative."""
    themes: list[Theme] = Field(default_factory=list)
    takeaways: list[Takeaway] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    conclusion: list[Paragraph] = Field(default_factory=list)
    title: str | None = None
    """The session title the note gives (its Title style, or a title line at its top); metadata."""
    metadata: list[NoteLine] = Field(default_factory=list)
    """Lines taken as metadata, not content: title, session code, date, byline, venue, bare links."""
    left_out: list[NoteLine] = Field(default_factory=list)
    """What the reader left out of the report (hidden text, raw HTML, images, empty headings)."""
    decisions: list[NoteLine] = Field(default_factory=list)
    """Headings read by a tolerant match, or by their look, and what the reader took them for."""


class PollOption(Model):
    label: str
    votes: int
    others: int = 0
    """How many options this row sums up ("3,980 more options"); 0 for an option of its own."""


class PollQuestion(Model):
    """One poll question: counted options for a choice question, quotes for open text."""

    question: str
    kind: Literal["choice", "text"]
    options: list[PollOption] = Field(default_factory=list)
    quotes: list[str] = Field(default_factory=list)
    respondents: int = 0
    sources: list[Source] = Field(default_factory=list)


class Poll(Model):
    path: str
    layout: Literal["zoom", "google_forms", "microsoft_forms", "counted"]
    questions: list[PollQuestion] = Field(default_factory=list)


class Worksheet(Model):
    """worksheet.xlsx, read: rows already typed, each with its sheet and row."""

    path: str
    themes: list[Theme] = Field(default_factory=list)
    takeaways: list[tuple[str, Takeaway]] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    people: list[Person] = Field(default_factory=list)


class ActionLineRow(Model):
    code: str
    title: str
    themes: list[str] = Field(default_factory=list)


class GroupCount(Model):
    label: str
    count: int


class SpeakerStats(Model):
    by_stakeholder: list[GroupCount] = Field(default_factory=list)
    by_region: list[GroupCount] = Field(default_factory=list)
    by_gender: list[GroupCount] = Field(default_factory=list)


MergeKind = Literal["theme", "takeaway", "action", "paragraph"]


class ReviewPair(Model):
    """Two items kept apart that may say the same thing: listed for the editor, never merged."""

    kind: MergeKind
    first: Paragraph
    second: Paragraph
    similarity: float


class Merged(Model):
    """One item merged into an earlier one: the rule that merged them and its score (build.json)."""

    kind: MergeKind
    kept: Paragraph
    merged: Paragraph
    rule: Literal["identical", "same words", "wording", "meaning"]
    score: float


class Report(Model):
    """The merged report of one session; ``report.json`` is this, dumped (without ``merges``)."""

    session: SessionMeta
    executive_summary: ExecutiveSummary = Field(default_factory=ExecutiveSummary)
    discussion: list[Paragraph] = Field(default_factory=list)
    """The notes' introductions and the narrative of notes with no structure: it opens the discussion."""
    themes: list[Theme] = Field(default_factory=list)
    takeaways: list[Takeaway] = Field(default_factory=list)
    conclusion: list[Paragraph] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)
    action_line_table: list[ActionLineRow] = Field(default_factory=list)
    polls: list[PollQuestion] = Field(default_factory=list)
    speakers: SpeakerStats = Field(default_factory=SpeakerStats)
    rapporteurs: list[NoteMeta] = Field(default_factory=list)
    review: list[ReviewPair] = Field(default_factory=list)
    # Every merge, for build.json's merge report; report.json holds what was kept, not how.
    merges: list[Merged] = Field(default_factory=list, exclude=True)
