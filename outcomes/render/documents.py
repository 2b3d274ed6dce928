"""What each document type needs beyond the merged report, worked out in Python, not in templates.

``session_report`` shows the report as it is. The other types rearrange it:

- ``short_report``: the takeaways of every theme and of the session, and the calls to action.
- ``briefing_paper`` (seed 003): each theme is a technical solution, with who should adopt it (a
  paragraph starting "Who should adopt it?" or its translation), its takeaways and the recommendations.
- ``recommendations`` (seed 000): the five sections the organisers planned, each filled from the themes
  whose titles match it; themes that match no section are listed for the editor, never dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from outcomes.catalog import normalize
from outcomes.errors import TemplateError
from outcomes.model import (
    Action,
    Paragraph,
    Participation,
    Report,
    Role,
    SessionMeta,
    Source,
    Takeaway,
    Theme,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- every document -----------------------------------------------------------------------------


class Fact(_Model):
    """One line of the cover block: a label and its value."""

    label: str
    value: str


def long_date(value: dt.date, labels: dict[str, str]) -> str:
    """A date written out in the document's language, from the labels date_format and month_N."""
    pattern = labels.get("date_format", "{day} {month} {year}")
    month = labels.get(f"month_{value.month}", str(value.month))
    try:
        return pattern.format(day=value.day, month=month, month_number=value.month, year=value.year)
    except (KeyError, IndexError, ValueError) as exc:
        # Labels are the editor's; a wrong placeholder is theirs to fix, not a crash.
        fields = "{day}, {month}, {month_number}, {year}"
        raise TemplateError("_labels", None, f"date_format {pattern!r}: use only {fields}") from exc


def cover_facts(session: SessionMeta, labels: dict[str, str]) -> list[Fact]:
    """The cover block's facts (event, code, date, format) in the document's language."""
    facts: list[Fact] = []
    if session.event:
        facts.append(Fact(label=labels["event"], value=session.event))
    if session.code:
        facts.append(Fact(label=labels["code"], value=session.code))
    if session.date:
        facts.append(Fact(label=labels["date"], value=long_date(session.date, labels)))
    if session.format or session.duration_minutes:
        duration = f"{session.duration_minutes} {labels['minutes']}" if session.duration_minutes else ""
        facts.append(
            Fact(label=labels["format"], value=", ".join(x for x in (session.format, duration) if x))
        )
    return facts


# The order people are listed in: who ran the session first, then who spoke, then who wrote it up.
ROLE_ORDER: tuple[Role, ...] = (
    Role.ORGANIZER,
    Role.MODERATOR,
    Role.ONLINE_MODERATOR,
    Role.SPEAKER,
    Role.RAPPORTEUR,
)


class PersonRow(_Model):
    """One person of the session, with every role they had (label keys ``role_<role>``)."""

    name: str
    roles: list[Role] = Field(default_factory=list)
    affiliation: str = ""
    stakeholder: str = ""
    region: str = ""

    @property
    def role_keys(self) -> list[str]:
        return [f"role_{r.value}" for r in self.roles]


def people_rows(report: Report, roles: tuple[Role, ...] = ROLE_ORDER) -> list[PersonRow]:
    """Everyone named in session.yaml, the worksheet or a note's metadata, once per name, by role."""
    rows: dict[str, dict] = {}
    named = [(p.name, p.role, p.affiliation, p.stakeholder, p.region) for p in report.session.people]
    named += [(m.rapporteur, Role.RAPPORTEUR, None, None, None) for m in report.rapporteurs if m.rapporteur]
    for name, role, affiliation, stakeholder, region in named:
        row = rows.setdefault(
            " ".join(name.casefold().split()),
            {"name": name, "roles": [], "affiliation": "", "stakeholder": "", "region": ""},
        )
        if role not in row["roles"]:
            row["roles"].append(role)
        # The first entry that gives a value wins: session.yaml lists a person once per role.
        for key, value in (("affiliation", affiliation), ("stakeholder", stakeholder), ("region", region)):
            row[key] = row[key] or (value or "")
    people = []
    for row in rows.values():
        kept = [r for r in ROLE_ORDER if r in row["roles"] and r in roles]
        if kept:
            people.append(PersonRow(**{**row, "roles": kept}))
    return sorted(people, key=lambda p: ROLE_ORDER.index(p.roles[0]))


def participation_facts(participation: Participation | None, labels: dict[str, str]) -> list[Fact]:
    """The participation block as the IGF session report form asks it, in the document's language."""
    if participation is None:
        return []
    p = participation
    facts: list[Fact] = []
    for key, value in (("participants_onsite", p.onsite), ("participants_online", p.online)):
        if value is not None:
            facts.append(Fact(label=labels[key], value=str(value)))
    if p.onsite is not None and p.online is not None:
        facts.append(Fact(label=labels["participants_total"], value=str(p.onsite + p.online)))
    for key, value in (("women_onsite", p.women_onsite), ("women_online", p.women_online)):
        if value is not None:
            facts.append(Fact(label=labels[key], value=str(value)))
    if p.gender_discussed is not None:
        answer = labels["answer_yes"] if p.gender_discussed else labels["answer_no"]
        facts.append(Fact(label=labels["gender_discussed"], value=answer))
    if p.gender_discussion:
        facts.append(Fact(label=labels["gender_discussion"], value=p.gender_discussion))
    return facts


class SessionReport(_Model):
    kind: Literal["session_report"] = "session_report"
    people: list[PersonRow] = Field(default_factory=list)
    participation: list[Fact] = Field(default_factory=list)


def session_report(report: Report, labels: dict[str, str]) -> SessionReport:
    """The people of the session by name and the participation estimates."""
    return SessionReport(
        people=people_rows(report),
        participation=participation_facts(report.session.participation, labels),
    )


# The briefing paper and the recommendations name those who spoke, not who organised or wrote up.
SPEAKING_ROLES = (Role.MODERATOR, Role.ONLINE_MODERATOR, Role.SPEAKER)


# --- short report -------------------------------------------------------------------------------


class TakeawayGroup(_Model):
    """The takeaways of one theme (``theme`` is empty for the session's own takeaways)."""

    theme: str = ""
    takeaways: list[Takeaway] = Field(default_factory=list)


class ShortReport(_Model):
    kind: Literal["short_report"] = "short_report"
    takeaways: list[TakeawayGroup] = Field(default_factory=list)
    actions: list[Action] = Field(default_factory=list)


def short_report(report: Report) -> ShortReport:
    """Gather every takeaway by theme, then the session's own, with the calls to action."""
    groups = [TakeawayGroup(theme=t.title, takeaways=t.takeaways) for t in report.themes if t.takeaways]
    if report.takeaways:
        groups.append(TakeawayGroup(takeaways=report.takeaways))
    return ShortReport(takeaways=groups, actions=report.actions)


# --- briefing paper -----------------------------------------------------------------------------

# A paragraph that opens with one of these says who should adopt the solution its theme describes.
ADOPTERS_LEAD = re.compile(
    r"^\s*+(?:¿?\s*+(?:who should (?:adopt|implement|deploy) (?:it|this|them)|who needs to act"
    r"|recommended (?:for|adopters)|adopters|target adopters|quién debe(?:ría)? adoptarl[oa]s?"
    r"|quiénes deben adoptarl[oa]s?|adoptantes|qui doit l['’]adopter|qui devrait l['’]adopter"
    r"|à qui s['’]adresse|кто должен (?:это |их )?(?:внедрить|внедрять|применять)(?: это| их)?"
    r"|من (?:ينبغي|يجب) أن (?:ي|ت)عتمد(?:ه|ها|هم)?|谁应(?:该)?采用|采用者|适用对象)"
    r"\s*+[?？؟:：]+\s*)",
    re.IGNORECASE,
)


class Solution(_Model):
    """One technical solution: a theme with its adopters split out of the narrative."""

    title: str
    action_lines: list[str] = Field(default_factory=list)
    narrative: list[Paragraph] = Field(default_factory=list)
    adopters: list[Paragraph] = Field(default_factory=list)
    takeaways: list[Takeaway] = Field(default_factory=list)
    sources: list[Source] = Field(default_factory=list)


class ActorActions(_Model):
    """The recommendations addressed to one actor, by number in the recommendations list."""

    actor: str
    numbers: list[int] = Field(default_factory=list)


class BriefingPaper(_Model):
    kind: Literal["briefing_paper"] = "briefing_paper"
    solutions: list[Solution] = Field(default_factory=list)
    recommendations: list[Action] = Field(default_factory=list)
    by_actor: list[ActorActions] = Field(default_factory=list)
    people: list[PersonRow] = Field(default_factory=list)

    @property
    def has_adopters(self) -> bool:
        return any(s.adopters for s in self.solutions)


def _adopters_text(text: str, label: str) -> str | None:
    """The rest of a paragraph that opens with a "who should adopt it" lead (or the label), else None."""
    stripped = text.lstrip()
    bare = label.strip().rstrip("?？؟:：\u00a0 ")
    if bare and stripped[: len(bare)].casefold() == bare.casefold():
        rest = stripped[len(bare) :].lstrip("\u00a0 ")
        if rest[:1] in ("?", "？", "؟", ":", "："):
            return rest.lstrip("?？؟:：\u00a0 ") or None
    lead = ADOPTERS_LEAD.match(text)
    if lead:
        return text[lead.end() :].strip() or None
    return None


def split_adopters(theme: Theme, label: str = "") -> Solution:
    """Separate the "who should adopt it" paragraphs of a theme from its narrative."""
    narrative: list[Paragraph] = []
    adopters: list[Paragraph] = []
    for p in theme.narrative:
        rest = _adopters_text(p.text, label)
        if rest:
            adopters.append(Paragraph(text=rest, sources=p.sources))
        else:
            narrative.append(p)
    return Solution(
        title=theme.title,
        action_lines=theme.action_lines,
        narrative=narrative,
        adopters=adopters,
        takeaways=theme.takeaways,
        sources=theme.sources,
    )


def briefing_paper(report: Report, labels: dict[str, str]) -> BriefingPaper:
    """Turn themes into solutions and index the recommendations by the actors they address."""
    # Actors written differently ("governments", "Governments") are one actor, named as first written.
    names: dict[str, str] = {}
    numbers: dict[str, list[int]] = {}
    for number, action in enumerate(report.actions, start=1):
        for actor in action.actors:
            key = normalize(actor)
            names.setdefault(key, actor)
            if number not in numbers.setdefault(key, []):
                numbers[key].append(number)
    return BriefingPaper(
        solutions=[split_adopters(t, labels.get("who_should_adopt", "")) for t in report.themes],
        recommendations=report.actions,
        by_actor=[ActorActions(actor=names[k], numbers=numbers[k]) for k in names],
        people=people_rows(report, SPEAKING_ROLES),
    )


# --- recommendations ----------------------------------------------------------------------------

SectionKey = Literal["definition", "operator_types", "why_governance", "engagement", "outreach"]

# The sections seed 000's organisers planned, in their order; each label key is in _labels/<lang>.yaml.
PLANNED_SECTIONS: tuple[SectionKey, ...] = (
    "definition",
    "operator_types",
    "why_governance",
    "engagement",
    "outreach",
)

# Title patterns per section, tried on the accent-folded, lower-case title. Sections are tried in
# PATTERN_ORDER, most specific first: "Why Internet governance matters to technical operators" names
# operators too, but it is about why, not about which operators.
PATTERN_ORDER: tuple[SectionKey, ...] = (
    "outreach",
    "why_governance",
    "engagement",
    "operator_types",
    "definition",
)
SECTION_PATTERNS: dict[SectionKey, tuple[str, ...]] = {
    "definition": (
        r"\bdefin\w*\b.*\binfrastructur",
        r"\binfrastructur\w*\b.*\bdefin",
        r"\bwhat is (the )?internet infrastructure",
        r"\binternet infrastructure ecosystem\b",
        r"\b(tech|technology|internet) stack\b",
        r"\bdefinicion de (la )?infraestructura",
        r"\bdefinition de l infrastructure",
        r"\bопределение инфраструктуры",
    ),
    "operator_types": (
        r"\b(types?|kinds?|profiles?|categories|categorie?s?)\b.*\boperators?\b",
        r"\boperators? (types?|profiles?)\b",
        r"\bwho are the (technical )?operators\b",
        r"\b(tipos|perfiles) de operador",
        r"\b(types|profils) d operateur",
        r"\b(типы|профили) (технических )?операторов",
    ),
    "why_governance": (
        r"\bwhy\b.*\b(governance|matters?|care|important)\b",
        r"\bgovernance\b.*\bmatters?\b",
        r"\bimportan\w* of (internet )?governance\b",
        r"\bpor que\b.*\bgobernanza\b",
        r"\bpourquoi\b.*\bgouvernance\b",
        r"\bпочему\b.*\bуправлени",
    ),
    "engagement": (
        r"\b(areas?|ways?|venues?|opportunit\w+|forms?) (of|for|to) (engage\w*|participat\w*)",
        r"\bwhere (to|they can|operators can) (engage|participate)\b",
        r"\bhow (to|they can|operators can) (engage|participate|get involved)\b",
        r"\bbest areas\b",
        r"\b(areas|espacios|ambitos) de (participacion|compromiso)\b",
        r"\bdomaines d engagement\b",
        r"\bобласти (участия|вовлечения)\b",
    ),
    "outreach": (
        r"\boutreach\b",
        r"\breach(ing)? (out|operators|engineers)\b",
        r"\b(divulgacion|difusion)\b",
        r"\b(sensibilisation|actions de proximite)\b",
        r"\bинформационн\w* работ",
    ),
}

# A theme whose title is this close (0-100) to a section's label in the session's language or in
# English belongs to that section whatever the patterns say.
LABEL_SIMILARITY = 85


class PlannedSection(_Model):
    """One planned section and the themes placed in it."""

    key: SectionKey
    label_key: str
    themes: list[Theme] = Field(default_factory=list)


class RecommendationsReport(_Model):
    kind: Literal["recommendations"] = "recommendations"
    sections: list[PlannedSection] = Field(default_factory=list)
    unplaced: list[Theme] = Field(default_factory=list)
    recommendations: list[Action] = Field(default_factory=list)
    people: list[PersonRow] = Field(default_factory=list)


SECTION_TITLE_CHARS = 300


def section_for(title: str, labels: list[dict[str, str]]) -> SectionKey | None:
    """The planned section a theme title belongs to, or None.

    A title is looked at to its first :data:`SECTION_TITLE_CHARS` characters: the patterns' "A ... B"
    would cost a pasted paragraph's length for every A in it.
    """
    folded = normalize(title)[:SECTION_TITLE_CHARS]
    for key in PLANNED_SECTIONS:
        for table in labels:
            label = table.get(f"rec_{key}")
            if label and fuzz.token_sort_ratio(folded, normalize(label)) >= LABEL_SIMILARITY:
                return key
    for key in PATTERN_ORDER:
        if any(re.search(pattern, folded) for pattern in SECTION_PATTERNS[key]):
            return key
    return None


def recommendations(report: Report, labels: dict[str, str], english: dict[str, str]) -> RecommendationsReport:
    """Place every theme in the planned section it matches; keep the rest for the editor."""
    placed: dict[SectionKey, list[Theme]] = {key: [] for key in PLANNED_SECTIONS}
    unplaced: list[Theme] = []
    for theme in report.themes:
        key = section_for(theme.title, [labels, english])
        (placed[key] if key else unplaced).append(theme)
    return RecommendationsReport(
        sections=[PlannedSection(key=k, label_key=f"rec_{k}", themes=placed[k]) for k in PLANNED_SECTIONS],
        unplaced=unplaced,
        recommendations=report.actions,
        people=people_rows(report, SPEAKING_ROLES),
    )


DocumentData = SessionReport | ShortReport | BriefingPaper | RecommendationsReport | None


def document_data(
    report: Report, doc_type: str, labels: dict[str, str], english: dict[str, str]
) -> DocumentData:
    """The extra context one document type needs."""
    if doc_type == "session_report":
        return session_report(report, labels)
    if doc_type == "short_report":
        return short_report(report)
    if doc_type == "briefing_paper":
        return briefing_paper(report, labels)
    if doc_type == "recommendations":
        return recommendations(report, labels, english)
    return None
