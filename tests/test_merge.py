"""Merging: themes by title, items de-duplicated with every source, contract order, summaries."""

import time

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


# ---- near-duplicates, and never a false merge (issue 16, item 4) ----------------------------------

PARAPHRASES = [
    # The issue's own pairs.
    (
        "Visibility and modernisation are urgently needed across all infrastructure layers.",
        "Visibility and modernization across infrastructure layers are urgently needed.",
    ),
    (
        "Build capacity in underserved regions so that security and infrastructure resilience are "
        "equitable everywhere.",
        "Support capacity building in underserved regions to ensure equitable security and "
        "infrastructure resilience.",
    ),
    (
        "La visibilité et la modernisation sont urgentes dans toutes les couches de l'infrastructure.",
        "La modernisation et la visibilité de toutes les couches de l'infrastructure sont urgentes.",
    ),
    (
        "Renforcer les capacités dans les régions mal desservies afin que la sécurité soit équitable.",
        "Soutenir le renforcement des capacités dans les régions mal desservies pour garantir une "
        "sécurité équitable.",
    ),
    (
        "La visibilidad y la modernización son urgentes en todas las capas de la infraestructura.",
        "La modernización y la visibilidad de todas las capas de la infraestructura son urgentes.",
    ),
    (
        "Fortalecer la capacidad en las regiones desatendidas para garantizar una seguridad equitativa.",
        "Apoyar el fortalecimiento de capacidades en regiones desatendidas para asegurar una seguridad "
        "equitativa.",
    ),
    (
        "Прозрачность и модернизация срочно необходимы на всех уровнях инфраструктуры.",
        "Модернизация и прозрачность всех уровней инфраструктуры срочно необходимы.",
    ),
    (
        "Укреплять потенциал в недостаточно обслуживаемых регионах.",
        "Поддерживать наращивание потенциала в недостаточно обслуживаемых регионах.",
    ),
    (
        "الشفافية والتحديث مطلوبان بشكل عاجل في جميع طبقات البنية التحتية.",
        "التحديث والشفافية في جميع طبقات البنية التحتية مطلوبان بشكل عاجل.",
    ),
    ("بناء القدرات في المناطق المحرومة.", "دعم بناء القدرات في المناطق المحرومة."),
    ("基础设施各层面都迫切需要提高可见性和现代化。", "基础设施各层面迫切需要现代化和提高可见性。"),
]

DIFFERENT_STATEMENTS = [
    # The false merges: a negating prefix, a number.
    ("Internet governance must be centralised.", "Internet governance must be decentralised."),
    ("The market should be regulated.", "The market should be deregulated."),
    ("Governments should fund 100 training centres.", "Governments should fund 1000 training centres."),
    # A named place, a negation, an antonym prefix, a swapped word.
    ("Fund training for network engineers in Africa.", "Fund training for network engineers in Asia."),
    ("The regional initiative should be led by Kenya.", "The regional initiative should be led by Nigeria."),
    ("Operators should deploy RPKI.", "Operators should not deploy RPKI."),
    (
        "The session agreed that AI regulation is needed.",
        "The session disagreed that AI regulation is needed.",
    ),
    (
        "Encourage international regulatory harmonization.",
        "Discourage international regulatory harmonization.",
    ),
    ("Increase funding for research.", "Reduce funding for research."),
    ("Governments should invest in digital skills.", "Governments should invest in digital infrastructure."),
    # The same in the other five languages.
    (
        "La gouvernance de l'Internet doit être centralisée.",
        "La gouvernance de l'Internet doit être décentralisée.",
    ),
    ("Le marché doit être réglementé.", "Le marché doit être déréglementé."),
    ("Financer 100 centres de formation.", "Financer 1000 centres de formation."),
    (
        "La gobernanza de Internet debe ser centralizada.",
        "La gobernanza de Internet debe ser descentralizada.",
    ),
    ("Financiar la formación en África.", "Financiar la formación en Asia."),
    (
        "Управление интернетом должно быть централизованным.",
        "Управление интернетом должно быть децентрализованным.",
    ),
    ("Рынок должен регулироваться.", "Рынок не должен регулироваться."),
    ("يجب أن تكون حوكمة الإنترنت مركزية.", "يجب ألا تكون حوكمة الإنترنت مركزية."),
    ("يجب تمويل 100 مركز تدريب.", "يجب تمويل 1000 مركز تدريب."),
    ("互联网治理必须集中化。", "互联网治理不能集中化。"),
    ("资助100个培训中心。", "资助1000个培训中心。"),
    ("为非洲的网络工程师提供培训。", "为亚洲的网络工程师提供培训。"),
]


def two_rapporteurs(a, b, kind="takeaways"):
    """Two notes, each giving one item: what the merge of a session with both makes of them."""
    notes = [note("notes/a.md", **{kind: [a]}), note("notes/b.md", **{kind: [b]})]
    problems = Problems()
    return merge(SessionMeta(id="s"), notes, None, [], problems), problems


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_paraphrases_merge_with_every_source_and_a_warning(a, b):
    report, problems = two_rapporteurs(a, b)
    [kept] = report.takeaways
    assert kept.text == a
    assert [str(s) for s in kept.sources] == ["notes/a.md:8", "notes/b.md:8"]
    [merged] = report.merges
    assert (merged.rule, merged.merged.text) == ("meaning", b)
    assert merged.score >= 0.83
    assert any("merged into" in w.message and str(w.location) == "notes/b.md:8" for w in problems.warnings)
    assert report.review == []


@pytest.mark.parametrize(("a", "b"), DIFFERENT_STATEMENTS)
@pytest.mark.parametrize("kind", ["takeaways", "actions"])
def test_statements_that_differ_by_a_negation_number_name_or_word_are_never_merged(a, b, kind):
    report, problems = two_rapporteurs(a, b, kind)
    assert [t.text for t in getattr(report, kind)] == [a, b]
    assert report.merges == []
    assert not any("merged into" in w.message for w in problems.warnings)
    assert not similar(a, b, ITEM_THRESHOLD)


def test_a_pair_close_in_meaning_is_kept_and_listed_for_review():
    a = "Multi-stakeholder collaboration is essential for a resilient Internet."
    b = "Collaboration among all stakeholders is key to a resilient Internet."
    report, problems = two_rapporteurs(a, b, "actions")
    assert [t.text for t in report.actions] == [a, b]
    [pair] = report.review
    assert (pair.kind, pair.first.text, pair.second.text) == ("action", a, b)
    assert [str(s) for s in pair.second.sources] == ["notes/b.md:9"]
    assert 0.72 <= pair.similarity < 0.83
    assert any("listed for review" in w.message for w in problems.warnings)
    assert "review" in report.model_dump() and "merges" not in report.model_dump()


def test_every_merge_is_recorded_and_only_a_changed_text_warns():
    notes = [
        note("notes/a.md", takeaways=["Deploy RPKI.", "Publish routing data"]),
        note("notes/b.md", takeaways=["Deploy RPKI.", "publish routing data."]),
    ]
    problems = Problems()
    report = merge(SessionMeta(id="s"), notes, None, [], problems)
    assert [(m.rule, m.merged.text) for m in report.merges] == [
        ("identical", "Deploy RPKI."),
        ("same words", "publish routing data."),
    ]
    assert [w.message.split("'")[1] for w in problems.warnings if "merged into" in w.message] == [
        "publish routing data."
    ]


def test_merging_thousands_of_items_compares_each_with_a_bounded_few():
    # Quadratic merging took 73 s for 8,000 takeaways; these 6,000 share their common words.
    texts = [f"Point {i}: secure routing for operators." for i in range(6000)]
    texts += ["Point 17: secure routing for operators.", "Point 4242: secure the routing for operators"]
    n = Note(
        path="notes/big.md",
        takeaways=[Takeaway(text=t, sources=[src("notes/big.md", i)]) for i, t in enumerate(texts)],
    )
    started = time.process_time()
    report = merge(SessionMeta(id="s"), [n], None, [], Problems())
    assert time.process_time() - started < 20
    assert len(report.takeaways) == 6000
    assert [(m.rule, m.kept.text) for m in report.merges] == [
        ("identical", "Point 17: secure routing for operators."),
        ("wording", "Point 4242: secure routing for operators."),
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Governments should regulate companies.", "Companies should regulate governments."),
        ("Youth should mentor women in tech.", "Women should mentor youth in tech."),
    ],
)
def test_the_same_words_in_another_order_are_another_statement(a, b):
    report, _ = two_rapporteurs(a, b)
    assert [t.text for t in report.takeaways] == [a, b]


def test_a_paragraph_with_its_sentences_in_another_order_is_kept_once_without_a_warning():
    first = Paragraph(text="Open data helps. Trust grows.", sources=[src("notes/a.md", 4)])
    second = Paragraph(text="Trust grows. Open data helps.", sources=[src("notes/b.md", 6)])
    themes = [
        Theme(title="Open data", narrative=[first], sources=[src("notes/a.md", 3)]),
        Theme(title="open DATA", narrative=[second], sources=[src("notes/b.md", 5)]),
    ]
    problems = Problems()
    report = merge(SessionMeta(id="s"), [Note(path="notes/a.md", themes=themes)], None, [], problems)
    [theme] = report.themes
    [paragraph] = theme.narrative
    assert [str(s) for s in paragraph.sources] == ["notes/a.md:4", "notes/b.md:6"]
    assert [(m.kind, m.rule) for m in report.merges] == [("theme", "same words"), ("paragraph", "same words")]
    assert not any("merged into" in w.message for w in problems.warnings)
