"""Merging: themes by title, items de-duplicated with every source, contract order, summaries."""

import pytest

from outcomes.errors import Problems
from outcomes.merge import ITEM_THRESHOLD, merge, same_theme, similar, speaker_stats
from outcomes.model import (
    Action,
    Channel,
    Note,
    NoteMeta,
    Paragraph,
    Person,
    Role,
    SessionMeta,
    Source,
    Takeaway,
    Theme,
    Worksheet,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "Security & harmful activity mitigation in practice",
            "Security and Harmful Activity Mitigation in Practice",
        ),
        (
            "Understanding the Internet infrastructure ecosystem",
            "Understanding the Internet Infrastructure Ecosystem.",
        ),
        ("Infrastructure visibility and modernisation", "Infrastructure visibility and modernization"),
        ("Types of technical operators", "Types of technical operators (profiles)"),
        ("1. Inclusivity & ethics", "Inclusivity and Ethics"),
    ],
)
def test_same_theme(a, b):
    assert same_theme(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Access to information", "Access to infrastructure"),
        ("Capacity building in Africa", "Capacity building in Asia"),
        ("Routing security", "Routing security and RPKI"),
        ("DNS abuse", "DNS abuse mitigation"),
        ("Stakeholder collaboration", "Multi-stakeholder collaboration"),
    ],
)
def test_different_themes(a, b):
    assert not same_theme(a, b)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (
            "Support capacity building in underserved regions to ensure equitable security.",
            "Support capacity-building in underserved regions to ensure equitable security",
            True,
        ),
        (
            "Multi-stakeholder trust and collaboration are essential for a resilient Internet.",
            "Multi-stakeholder trust and collaboration is essential for a resilient internet",
            True,
        ),
        (
            "Invite network operator groups to IGF sessions.",
            "Invite the network operator groups to the IGF sessions.",
            True,
        ),
        (
            "Fund training for network engineers in Africa.",
            "Fund training for network engineers in Asia.",
            False,
        ),
        (
            "Encourage international regulatory harmonization.",
            "Discourage international regulatory harmonization.",
            False,
        ),
        ("Publish routing security measurements.", "Publish DNS resilience measurements.", False),
    ],
)
def test_items_that_say_the_same_thing(a, b, same):
    assert similar(a, b, ITEM_THRESHOLD) is same


def src(path, line=None, sheet=None, row=None):
    return Source(path=path, line=line, sheet=sheet, row=row)


def note(path, *, group=None, channel=None, summary=(), themes=(), actions=(), takeaways=()):
    return Note(
        path=path,
        meta=NoteMeta(group=group, channel=channel),
        summary=[Paragraph(text=t, sources=[src(path, 1)]) for t in summary],
        themes=list(themes),
        actions=[Action(text=t, sources=[src(path, 9)]) for t in actions],
        takeaways=[Takeaway(text=t, sources=[src(path, 8)]) for t in takeaways],
    )


def theme(title, path, line, codes=(), takeaways=()):
    return Theme(
        title=title,
        action_lines=list(codes),
        takeaways=[Takeaway(text=t, sources=[src(path, line + 1)]) for t in takeaways],
        sources=[src(path, line)],
    )


def test_worksheet_first_then_notes_in_file_name_order_with_every_source():
    sheet = Worksheet(
        path="worksheet.xlsx",
        themes=[
            Theme(
                title="Routing security",
                action_lines=["C5"],
                sources=[src("worksheet.xlsx", sheet="Themes", row=2)],
            )
        ],
        takeaways=[
            (
                "routing SECURITY",
                Takeaway(text="ROV by default.", sources=[src("worksheet.xlsx", sheet="Takeaways", row=2)]),
            )
        ],
        actions=[
            Action(
                text="Deploy RPKI.",
                actors=["Operators"],
                sources=[src("worksheet.xlsx", sheet="Actions", row=2)],
            )
        ],
    )
    b = note("notes/b.md", themes=[theme("Capacity building", "notes/b.md", 3)], actions=["Deploy RPKI"])
    a = note(
        "notes/a.md",
        themes=[
            theme("Routing Security", "notes/a.md", 5, ["C2"], ["ROV by default"]),
            theme("IPv6", "notes/a.md", 20),
        ],
    )
    problems = Problems()
    report = merge(SessionMeta(id="s"), [b, a], sheet, [], problems)
    assert [t.title for t in report.themes] == ["Routing security", "IPv6", "Capacity building"]
    routing = report.themes[0]
    assert routing.action_lines == ["C2", "C5"]
    assert [str(s) for s in routing.sources] == ["worksheet.xlsx!Themes!2", "notes/a.md:5"]
    assert len(routing.takeaways) == 1
    assert [str(s) for s in routing.takeaways[0].sources] == ["worksheet.xlsx!Takeaways!2", "notes/a.md:6"]
    assert len(report.actions) == 1 and report.actions[0].actors == ["Operators"]
    assert [str(s) for s in report.actions[0].sources] == ["worksheet.xlsx!Actions!2", "notes/b.md:9"]
    assert [r.code for r in report.action_line_table] == ["C2", "C5"]


def test_summaries_combined_by_group_onsite_and_online_alternating():
    notes = [
        note("notes/1.md", group="G1", channel=Channel.ONSITE, summary=["onsite one"]),
        note("notes/2.md", group="G2", channel=Channel.ONSITE, summary=["onsite two"]),
        note("notes/3.md", group="G3", channel=Channel.ONLINE, summary=["online one"]),
        note("notes/4.md", group="G1", channel=Channel.ONSITE, summary=["onsite one, more"]),
        note("notes/5.md", group="G4", channel=Channel.ONLINE, summary=["online two"]),
    ]
    report = merge(SessionMeta(id="s"), notes, None, [], Problems())
    parts = report.executive_summary.parts
    assert [(p.group, p.channel.value) for p in parts] == [
        ("G1", "onsite"),
        ("G3", "online"),
        ("G2", "onsite"),
        ("G4", "online"),
    ]
    assert [p.text for p in parts[0].paragraphs] == ["onsite one", "onsite one, more"]
    assert not report.executive_summary.draft


def test_draft_summary_when_no_rapporteur_wrote_one_quotes_their_takeaways_with_sources():
    problems = Problems()
    n = note(
        "notes/a.md",
        themes=[theme("Routing", "notes/a.md", 1, takeaways=["ROV works"]), theme("IPv6", "notes/a.md", 9)],
    )
    report = merge(SessionMeta(id="s"), [n], None, [], problems)
    assert report.executive_summary.draft
    [paragraph] = report.executive_summary.parts[0].paragraphs
    assert paragraph.text == "ROV works"
    assert [str(s) for s in paragraph.sources] == ["notes/a.md:2"]
    assert "themes" not in paragraph.text
    assert any("draft" in w.message for w in problems.warnings)


def test_worksheet_takeaway_for_an_unknown_theme_is_kept_with_a_warning():
    sheet = Worksheet(
        path="worksheet.xlsx",
        takeaways=[
            ("Quantum", Takeaway(text="Prepare.", sources=[src("worksheet.xlsx", sheet="Takeaways", row=4)]))
        ],
    )
    problems = Problems()
    report = merge(SessionMeta(id="s"), [], sheet, [], problems)
    assert [t.title for t in report.themes] == ["Quantum"]
    assert "Quantum" in problems.warnings[0].message


def test_speakers_counted_once_by_group_region_and_gender():
    people = [
        Person(
            name="A", role=Role.SPEAKER, stakeholder="Civil Society", region="African Group", gender="female"
        ),
        Person(name="B", role=Role.SPEAKER, stakeholder="Government", region="African Group"),
        Person(
            name="a", role=Role.SPEAKER, stakeholder="Civil Society", region="African Group", gender="female"
        ),
        Person(name="M", role=Role.MODERATOR, stakeholder="Private Sector"),
    ]
    stats = speaker_stats(people)
    assert [(g.label, g.count) for g in stats.by_stakeholder] == [("Government", 1), ("Civil Society", 1)]
    assert [(g.label, g.count) for g in stats.by_region] == [("African Group", 2)]
    assert [(g.label, g.count) for g in stats.by_gender] == [("Female", 1), ("Not given", 1)]
