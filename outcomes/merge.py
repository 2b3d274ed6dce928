"""Merge the worksheet, every note and every poll of a session into one :class:`Report`.

Order follows the contract: the worksheet first, then first appearance in the notes (notes taken in
file-name order). Themes merge by title; takeaways and actions that say the same thing are kept once
with every source. Nothing is dropped without a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import zip_longest
from typing import TypeVar

from rapidfuzz import fuzz

from outcomes import catalog
from outcomes.errors import Location, Problems
from outcomes.ingest.notes import strip_numbering
from outcomes.model import (
    Action,
    ActionLineRow,
    Channel,
    ExecutiveSummary,
    GroupCount,
    Note,
    NoteMeta,
    Paragraph,
    Person,
    Poll,
    Report,
    Role,
    SessionMeta,
    SpeakerStats,
    SummaryPart,
    Takeaway,
    Theme,
    Worksheet,
)

T = TypeVar("T", Takeaway, Action)

# Similarity (rapidfuzz token_sort_ratio on normalized text, 0-100) at or above which two theme titles
# are the same theme. 90 joins "Security & harmful activity mitigation in practice" with "Security and
# Harmful Activity Mitigation in Practice" or a one-word variant of a long title, and keeps apart titles
# that share most words but differ in their subject ("Access to information" vs "Access to
# infrastructure" score 84). tests/test_merge.py pins both sides.
THEME_THRESHOLD = 90
# Takeaways and actions are sentences; a slightly lower bar catches rewordings such as a changed
# article or plural, while different sentences on the same topic stay below it (see tests).
ITEM_THRESHOLD = 88


def similar(a: str, b: str, threshold: int) -> bool:
    """Whether two texts say the same thing: equal after normalizing, or near-identical wording.

    Character similarity alone would join "in Africa" with "in Asia" or "Encourage" with
    "Discourage", so the words that differ must also be function words or spelling variants of
    each other ("modernisation"/"modernization").
    """
    na, nb = catalog.normalize(a), catalog.normalize(b)
    if na == nb:
        return True
    if fuzz.token_sort_ratio(na, nb) < threshold:
        return False
    only_a = set(na.split()) - set(nb.split()) - FUNCTION_WORDS
    only_b = set(nb.split()) - set(na.split()) - FUNCTION_WORDS
    return all(_has_variant(w, only_b) for w in only_a) and all(_has_variant(w, only_a) for w in only_b)


# A word and its spelling variant score 85 or more (modernisation/modernization 92, organisation/
# organization 92); different words that look alike score lower (encourage/discourage 84).
VARIANT_THRESHOLD = 85
FUNCTION_WORDS = frozenset(
    "a an the is are was were be been of to in on at for and or with by from as that this these those "
    "it its their there which who should must can could would will may".split()
)


def _has_variant(word: str, others: set[str]) -> bool:
    return any(fuzz.ratio(word, other) >= VARIANT_THRESHOLD for other in others)


def same_theme(a: str, b: str) -> bool:
    """Whether two theme titles name one theme; a parenthetical aside ("(profiles)") does not split it."""
    a, b = strip_numbering(a), strip_numbering(b)
    if similar(a, b, THEME_THRESHOLD):
        return True
    bare_a, bare_b = _PARENTHETICAL.sub(" ", a), _PARENTHETICAL.sub(" ", b)
    return (bare_a, bare_b) != (a, b) and similar(bare_a, bare_b, THEME_THRESHOLD)


_PARENTHETICAL = re.compile(r"\([^)]*\)")


class _Themes:
    def __init__(self) -> None:
        self.items: list[Theme] = []

    def find(self, title: str) -> Theme | None:
        for theme in self.items:
            if same_theme(theme.title, title):
                return theme
        return None

    def add(self, theme: Theme) -> Theme:
        existing = self.find(theme.title)
        if existing is None:
            merged = theme.model_copy(deep=True)
            merged.takeaways = _dedupe_items([], merged.takeaways)
            self.items.append(merged)
            return merged
        existing.sources += theme.sources
        existing.action_lines = sorted(
            dict.fromkeys(existing.action_lines + theme.action_lines), key=catalog.sort_key
        )
        existing.narrative += [p for p in theme.narrative if not _has_paragraph(existing.narrative, p)]
        existing.takeaways = _dedupe_items(existing.takeaways, theme.takeaways)
        return existing


def _has_paragraph(paragraphs: list[Paragraph], p: Paragraph) -> bool:
    for q in paragraphs:
        if similar(q.text, p.text, ITEM_THRESHOLD):
            q.sources += [s for s in p.sources if s not in q.sources]
            return True
    return False


def _dedupe_items(existing: list[T], new: Iterable[T]) -> list[T]:
    out = list(existing)
    for item in new:
        for kept in out:
            if similar(kept.text, item.text, ITEM_THRESHOLD):
                kept.sources += [s for s in item.sources if s not in kept.sources]
                if isinstance(kept, Action) and isinstance(item, Action):
                    kept.actors = list(dict.fromkeys(kept.actors + item.actors))
                    kept.action_lines = sorted(
                        dict.fromkeys(kept.action_lines + item.action_lines), key=catalog.sort_key
                    )
                break
        else:
            out.append(item.model_copy(deep=True))
    return out


def merge(
    session: SessionMeta,
    notes: list[Note],
    worksheet: Worksheet | None,
    polls: list[Poll],
    problems: Problems,
) -> Report:
    """Build the session's report from everything read."""
    themes = _Themes()
    takeaways: list[Takeaway] = []
    actions: list[Action] = []
    people = list(session.people)

    if worksheet is not None:
        for theme in worksheet.themes:
            themes.add(theme)
        for theme_title, takeaway in worksheet.takeaways:
            if not theme_title:
                takeaways = _dedupe_items(takeaways, [takeaway])
                continue
            target = themes.find(theme_title)
            if target is None:
                problems.warn(
                    takeaway.sources[0].location(),
                    f"takeaway names theme '{theme_title}', which no sheet or note has; it becomes a theme",
                )
                target = themes.add(Theme(title=theme_title, sources=list(takeaway.sources)))
            target.takeaways = _dedupe_items(target.takeaways, [takeaway])
        actions = _dedupe_items(actions, worksheet.actions)
        known = {(p.name.casefold(), p.role) for p in people}
        people += [p for p in worksheet.people if (p.name.casefold(), p.role) not in known]

    for note in sorted(notes, key=lambda n: n.path):
        for theme in note.themes:
            themes.add(theme)
        takeaways = _dedupe_items(takeaways, note.takeaways)
        actions = _dedupe_items(actions, note.actions)

    conclusion: list[Paragraph] = []
    for note in sorted(notes, key=lambda n: n.path):
        conclusion += [p for p in note.conclusion if not _has_paragraph(conclusion, p)]

    session = session.model_copy(update={"people": people})
    report = Report(
        session=session,
        themes=themes.items,
        takeaways=takeaways,
        actions=actions,
        conclusion=conclusion,
        polls=[q for poll in polls for q in poll.questions],
        rapporteurs=_rapporteurs(notes, people),
    )
    report.executive_summary = _summary(notes, report, problems)
    report.action_line_table = action_line_table(report.themes)
    report.speakers = speaker_stats(people)
    return report


def _rapporteurs(notes: list[Note], people: list[Person]) -> list[NoteMeta]:
    """The notes' rapporteurs (those that name one), then session.yaml's, each name once."""
    named = [n.meta for n in sorted(notes, key=lambda n: n.path) if n.meta.rapporteur]
    seen = {m.rapporteur.casefold() for m in named if m.rapporteur}
    for person in people:
        if person.role is Role.RAPPORTEUR and person.name.casefold() not in seen:
            seen.add(person.name.casefold())
            named.append(NoteMeta(rapporteur=person.name))
    return named


def _summary(notes: list[Note], report: Report, problems: Problems) -> ExecutiveSummary:
    """Combine the rapporteurs' summaries by group, onsite and online alternating; else a draft."""
    parts: list[SummaryPart] = []
    for note in sorted(notes, key=lambda n: n.path):
        if not note.summary:
            continue
        group = note.meta.group or note.meta.rapporteur
        for part in parts:
            if part.group == group and part.channel == note.meta.channel:
                part.paragraphs += note.summary
                break
        else:
            parts.append(SummaryPart(group=group, channel=note.meta.channel, paragraphs=list(note.summary)))
    if parts:
        onsite = [p for p in parts if p.channel is Channel.ONSITE]
        online = [p for p in parts if p.channel is Channel.ONLINE]
        other = [p for p in parts if p.channel is None]
        interleaved = [p for pair in zip_longest(onsite, online) for p in pair if p is not None]
        return ExecutiveSummary(parts=interleaved + other)
    return _draft_summary(report, problems)


def _draft_summary(report: Report, problems: Problems) -> ExecutiveSummary:
    if not report.themes:
        return ExecutiveSummary(draft=True)
    titles = [t.title for t in report.themes]
    listed = titles[0] if len(titles) == 1 else ", ".join(titles[:-1]) + " and " + titles[-1]
    sentences = [f"The session discussed {len(titles)} theme{'s' if len(titles) > 1 else ''}: {listed}."]
    sources = []
    for theme in report.themes:
        if theme.takeaways:
            sentences.append(theme.takeaways[0].text.rstrip(".") + ".")
            sources += theme.takeaways[0].sources
    problems.warn(
        Location("notes"),
        "no note has an executive summary; a draft was assembled from the themes for the editor to revise",
    )
    return ExecutiveSummary(
        parts=[SummaryPart(paragraphs=[Paragraph(text=" ".join(sentences), sources=sources)])], draft=True
    )


def action_line_table(themes: list[Theme]) -> list[ActionLineRow]:
    """Every action line any theme gives, in catalog order, with the themes that give it."""
    rows: dict[str, ActionLineRow] = {}
    for theme in themes:
        for code in theme.action_lines:
            line = catalog.action_line(code)
            row = rows.setdefault(code, ActionLineRow(code=code, title=line.title if line else code))
            row.themes.append(theme.title)
    return [rows[c] for c in sorted(rows, key=catalog.sort_key)]


NOT_GIVEN = "Not given"


def speaker_stats(people: list[Person]) -> SpeakerStats:
    """Count the speakers (each name once) by stakeholder group, regional group and gender."""
    speakers: dict[str, Person] = {}
    for person in people:
        if person.role is Role.SPEAKER:
            speakers.setdefault(person.name.casefold(), person)

    def count(values: list[str | None], order: list[str]) -> list[GroupCount]:
        counts = Counter(v or NOT_GIVEN for v in values)
        ranked = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
        return [GroupCount(label=k, count=counts[k]) for k in ranked]

    group_order = [g.label for g in catalog.stakeholder_groups()]
    region_order = [g.label for g in catalog.regional_groups()]
    return SpeakerStats(
        by_stakeholder=count([p.stakeholder for p in speakers.values()], group_order),
        by_region=count([p.region for p in speakers.values()], region_order),
        by_gender=count([(p.gender or "").strip().capitalize() or None for p in speakers.values()], []),
    )
