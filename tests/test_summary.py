"""The draft executive summary: the rapporteurs' own sentences, chosen by LexRank, each with its source."""

from __future__ import annotations

import pytest

from outcomes.errors import Problems
from outcomes.merge import merge
from outcomes.model import Note, Paragraph, SessionMeta, Source, Takeaway, Theme
from outcomes.summary import SENTENCES, extract

# Per language: narrative paragraphs of two themes (several sentences each), and takeaways.
NOTES = {
    "en": (
        [
            "Speakers said routing security is improving. Many operators now validate routes with RPKI. "
            "Small networks still lack the staff to deploy it.",
            "Capacity building was the second topic. Trainers from three regions described their courses. "
            "Participants asked for more courses in local languages.",
        ],
        ["Routing security needs small operators on board.", "Training must reach local languages."],
    ),
    "fr": (
        [
            "Les intervenants ont dit que la sécurité du routage progresse. De nombreux opérateurs valident "
            "désormais leurs routes avec RPKI. Les petits réseaux manquent encore de personnel pour le déployer.",
            "Le renforcement des capacités était le second thème. Des formateurs de trois régions ont décrit "
            "leurs cours. Les participants ont demandé davantage de cours dans les langues locales.",
        ],
        [
            "La sécurité du routage a besoin des petits opérateurs.",
            "La formation doit atteindre les langues locales.",
        ],
    ),
    "es": (
        [
            "Los ponentes dijeron que la seguridad del enrutamiento mejora. Muchos operadores ya validan sus "
            "rutas con RPKI. Las redes pequeñas aún carecen de personal para desplegarlo.",
            "El desarrollo de capacidades fue el segundo tema. Formadores de tres regiones describieron sus "
            "cursos. Los participantes pidieron más cursos en lenguas locales.",
        ],
        [
            "La seguridad del enrutamiento necesita a los pequeños operadores.",
            "La formación debe llegar a las lenguas locales.",
        ],
    ),
    "ru": (
        [
            "Выступающие отметили, что безопасность маршрутизации улучшается. Многие операторы уже проверяют "
            "маршруты с помощью RPKI. Небольшим сетям всё ещё не хватает сотрудников для внедрения.",
            "Второй темой стало наращивание потенциала. Преподаватели из трёх регионов рассказали о своих "
            "курсах. Участники попросили больше курсов на местных языках.",
        ],
        [
            "Безопасности маршрутизации нужны небольшие операторы.",
            "Обучение должно вестись на местных языках.",
        ],
    ),
    "ar": (
        [
            "قال المتحدثون إن أمن التوجيه يتحسن. يتحقق كثير من المشغلين الآن من المسارات باستخدام RPKI. "
            "لا تزال الشبكات الصغيرة تفتقر إلى الموظفين اللازمين لنشره.",
            "كان بناء القدرات الموضوع الثاني. وصف مدربون من ثلاث مناطق دوراتهم. "
            "طلب المشاركون مزيدًا من الدورات باللغات المحلية.",
        ],
        ["يحتاج أمن التوجيه إلى مشاركة المشغلين الصغار.", "يجب أن يصل التدريب إلى اللغات المحلية."],
    ),
    "zh": (
        [
            "发言者表示，路由安全正在改善。许多运营商现在使用RPKI验证路由。小型网络仍然缺少部署所需的人员。",
            "能力建设是第二个主题。来自三个地区的培训师介绍了他们的课程。与会者希望有更多使用当地语言的课程。",
        ],
        ["路由安全需要小型运营商的参与。", "培训必须覆盖当地语言。"],
    ),
}


def session_note(language: str) -> Note:
    narratives, takeaways = NOTES[language]
    themes = [
        Theme(
            title=f"Theme {i}",
            narrative=[Paragraph(text=text, sources=[Source(path="notes/a.md", line=10 * i + 2)])],
            takeaways=[Takeaway(text=takeaways[i], sources=[Source(path="notes/a.md", line=10 * i + 5)])],
            sources=[Source(path="notes/a.md", line=10 * i)],
        )
        for i, text in enumerate(narratives)
    ]
    return Note(path="notes/a.md", themes=themes)


def test_no_nltk_data_is_on_the_machine_so_none_can_be_needed():
    import nltk

    with pytest.raises(LookupError):
        nltk.data.find("tokenizers/punkt")


@pytest.mark.parametrize("language", sorted(NOTES))
def test_draft_summary_is_the_rapporteurs_own_sentences_each_with_its_source(language):
    n = session_note(language)
    by_line = {
        p.sources[0].line: p.text
        for t in n.themes
        for p in [*t.narrative, *(Paragraph(text=k.text, sources=k.sources) for k in t.takeaways)]
    }
    problems = Problems()
    report = merge(SessionMeta(id="s", language=language), [n], None, [], problems)

    summary = report.executive_summary
    assert summary.draft
    [part] = summary.parts
    assert 1 <= len(part.paragraphs) <= SENTENCES
    for sentence in part.paragraphs:
        [source] = sentence.sources
        assert sentence.text in by_line[source.line], (sentence.text, source)
        assert "themes" not in sentence.text and "Theme 0" not in sentence.text
    # More sentences were given than a draft holds: LexRank chose, in reading order.
    lines = [s.sources[0].line for s in part.paragraphs]
    assert lines == sorted(lines)
    assert any("draft" in w.message for w in problems.warnings)


def test_fewer_sentences_than_a_draft_holds_are_all_kept_in_order():
    paragraphs = [
        Paragraph(text="Open data helps. It builds trust.", sources=[Source(path="notes/a.md", line=3)]),
        Paragraph(
            text="Share measurements", sources=[Source(path="worksheet.xlsx", sheet="Takeaways", row=2)]
        ),
    ]
    chosen = extract(paragraphs, "en")
    assert [(p.text, str(p.sources[0])) for p in chosen] == [
        ("Open data helps.", "notes/a.md:3"),
        ("It builds trust.", "notes/a.md:3"),
        ("Share measurements", "worksheet.xlsx!Takeaways!2"),
    ]


def test_a_session_with_nothing_to_quote_gets_an_empty_draft():
    report = merge(SessionMeta(id="s"), [Note(path="notes/a.md")], None, [], Problems())
    assert report.executive_summary.draft and report.executive_summary.parts == []


def test_the_rapporteurs_own_summary_is_never_replaced():
    n = session_note("en")
    n.summary = [Paragraph(text="Our summary.", sources=[Source(path="notes/a.md", line=1)])]
    report = merge(SessionMeta(id="s"), [n], None, [], Problems())
    assert not report.executive_summary.draft
    assert [p.text for p in report.executive_summary.parts[0].paragraphs] == ["Our summary."]
