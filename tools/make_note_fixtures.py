"""Write the real-world note corpus: tests/fixtures/notes/real_world/, each note with its outline.

The notes are written the way rapporteurs write them: pasted from the IGF web form, from published
session reports (intgovforum.org, dig.watch) and from e-mail, typed in Word with bold paragraphs for
headings, exported from Google Docs and LibreOffice, in the six UN languages. Each ``NAME.outline.yaml``
beside a note is the outline a careful reader sees in it (written here by hand, not taken from the
tool); tests/test_notes.py reads every note and compares.

Word and ODT notes come from real producers: python-docx, LibreOffice (``soffice --headless
--convert-to``), odfpy and pandoc. Run from the repository root:

    .venv/bin/python tools/make_note_fixtures.py
"""

# ruff: noqa: E501 (the notes are pasted text: their lines are as long as people paste them)
from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pypandoc
import yaml
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "notes" / "real_world"
CORPUS: list[tuple[str, Callable[[Path], None], dict]] = []


def outline(**given) -> dict:
    """An expected outline; what is not given is absent from the note."""
    themes = [{"title": t, "takeaways": n} for t, n in given.pop("themes", [])]
    base = {
        "summary": "none",
        "themes": themes,
        "takeaways": 0,
        "actions": 0,
        "conclusion": False,
        "introduction": 0,
        "narrative": 0,
        "rapporteur": None,
        "metadata": [],
        "left_out": [],
    }
    unknown = set(given) - set(base)
    assert not unknown, unknown
    return {**base, **given}


def text(name: str, body: str, **expected) -> None:
    def make(path: Path) -> None:
        path.write_text(body.lstrip("\n"), encoding="utf-8")

    CORPUS.append((name, make, outline(**expected)))


def word(name: str, build: Callable[[Document], None], **expected) -> None:
    def make(path: Path) -> None:
        doc = Document()
        doc.core_properties.author = ""
        build(doc)
        doc.save(path)

    CORPUS.append((name, make, outline(**expected)))


def via_libreoffice(name: str, html: str, **expected) -> None:
    """A note that LibreOffice wrote (docx or odt), converted from the HTML a web page gives."""

    def make(path: Path) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "note.html"
            source.write_text(f'<html><head><meta charset="utf-8"></head><body>{html}</body></html>', "utf-8")
            target = {".docx": 'docx:"MS Word 2007 XML"', ".odt": "odt"}[path.suffix]
            profile = Path(tmp) / "profile"
            subprocess.run(
                [
                    "soffice",
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--infilter=HTML (StarWriter)",
                    "--convert-to",
                    target.replace('"', ""),
                    "--outdir",
                    tmp,
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            (Path(tmp) / f"note{path.suffix}").replace(path)

    CORPUS.append((name, make, outline(**expected)))


def via_pandoc(name: str, markdown: str, **expected) -> None:
    def make(path: Path) -> None:
        pypandoc.convert_text(markdown, path.suffix[1:], format="markdown", outputfile=str(path))

    CORPUS.append((name, make, outline(**expected)))


# --- helpers for Word documents -------------------------------------------------------------------


def bold(doc: Document, line: str, size: float | None = None) -> None:
    run = doc.add_paragraph().add_run(line)
    run.bold = True
    if size:
        run.font.size = Pt(size)


def paras(doc: Document, *lines: str, style: str | None = None) -> None:
    for line in lines:
        doc.add_paragraph(line, style=style)


def numbered_list_paragraphs(doc: Document, *lines: str) -> None:
    """Items styled "List Paragraph" with Word numbering (numPr), as Word makes a numbered list."""
    numbering = doc.part.numbering_part.numbering_definitions._numbering
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), "90")
    level = OxmlElement("w:lvl")
    level.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", "decimal"), ("w:lvlText", "%1.")):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        level.append(element)
    abstract.append(level)
    numbering.insert(0, abstract)
    num = numbering.add_num(90)
    for line in lines:
        paragraph = doc.add_paragraph(line, style="List Paragraph")
        props = paragraph._p.get_or_add_pPr()
        num_pr = OxmlElement("w:numPr")
        for tag, value in (("w:ilvl", "0"), ("w:numId", str(num.numId))):
            element = OxmlElement(tag)
            element.set(qn("w:val"), value)
            num_pr.append(element)
        props.append(num_pr)


# --------------------------------------------------------------------------------------------------
# Pasted from the IGF web form and from published reports

text(
    "pasted_web_form_single_lines.txt",
    """
IGF 2025 WS #214 Evidence-based AI policy in the Global South
Key Takeaways (* deadline 2 hours after session)
Policy makers lack local evidence on how AI systems perform in their languages.
Open evaluation datasets should be treated as digital public goods.
Call to Action (* deadline 2 hours after session)
Governments should fund open, multilingual evaluation datasets.
Companies should publish model performance by language and region.
Session Report (* deadline 26 June) - click on the ? symbol for instructions
The session opened with a review of national AI strategies from Kenya, Brazil and India.
Speakers agreed that most strategies borrow language from OECD principles without local evidence.
A participant from Dhaka asked who pays for evaluation once donor funding ends.
""",
    takeaways=2,
    actions=2,
    narrative=3,
    metadata=["title"],
)

text(
    "igf_form_labels_pasted.txt",
    """
Session Title: Community networks and spectrum access
Rapporteur: Joyce Mwangi
Key Issues raised (1 sentence per issue)
- Spectrum rules block community networks in most of East Africa.
- Backhaul costs remain the largest barrier to sustainable operation.
Please describe the Discussions that took place during the workshop session
Participants from Kenya and Uganda described how their networks were built by volunteers and paid for by local savings groups.
The regulator from Ghana explained its new licence-exempt band and the conditions attached to it.
Please describe any Participant suggestions regarding the way forward/ potential next steps / key takeaways
- Regulators should open TV white space for community use.
- Universal service funds should finance backhaul for community operators.
""",
    takeaways=2,
    actions=2,
    narrative=2,
    rapporteur="Joyce Mwangi",
    metadata=["title"],
)

text(
    "digwatch_event_report_pasted.txt",
    """
Open Microphone on Internet fragmentation
19 Dec 2024 12:15h - 13:15h
Event report
Session at a Glance
Summary
Participants gave feedback on how fragmentation is discussed at the IGF and what the Forum should do about it.
Several speakers asked for clearer definitions that separate technical, regulatory and commercial fragmentation.
Keypoints
Major discussion points:
– Fragmentation of the technical layer is still rare, but regulatory divergence is growing.
– Data localisation rules were named as the most common driver.
– Youth participants called for a plain-language glossary.
Overall assessment
The discussion was constructive and pointed to concrete follow-up work for the policy network.
""",
    summary="own",
    takeaways=3,
    themes=[("Overall assessment", 0)],
    metadata=["title", "date", "event report"],
)

text(
    "published_report_with_byline_and_links.txt",
    """
Digital public infrastructure and trust
By Maria Santos
Published on 25 June 2025
https://www.intgovforum.org/en/content/igf-2025-ws-301
The workshop brought together DPI builders from Estonia, India and Brazil to compare how identity and payment systems earn public trust.

Governance of identity systems

Speakers described oversight boards, public audits and grievance mechanisms.
Civil society asked that audits be published in full.

Key Takeaways:
- Trust in DPI depends on independent oversight, not only on technical safeguards.
- Published audits are the cheapest trust measure available.

Calls to Action:
- Governments should publish DPI audit reports in full.
""",
    summary="opening",
    themes=[("Governance of identity systems", 2)],
    actions=1,
    rapporteur="Maria Santos",
    metadata=["title", "rapporteur", "published", "link"],
)

text(
    "email_allcaps_headings.txt",
    """
Rapporteur: Tomás Rivera
Channel: online

SUMMARY

The online group of twelve participants discussed how small island states
can keep their ccTLD registries resilient when a single cable connects
them to the rest of the world.

REGISTRY CONTINUITY

Participants described secondary DNS arrangements with regional partners
and the cost of keeping an offline copy of the zone.

KEY TAKEAWAYS
* Anycast secondaries abroad are affordable and should be standard.
* Escrow of registry data is rarely tested.

RECOMMENDATIONS
* Regional TLD associations should broker free secondary DNS.
* Registries should test a restore from escrow every year.
""",
    summary="own",
    themes=[("REGISTRY CONTINUITY", 2)],
    actions=2,
    rapporteur="Tomás Rivera",
)

text(
    "email_greeting_and_signoff.txt",
    """
Hi Anja,

Rapporteur: Marco Bianchi

Summary
The session asked how parliaments can follow technical standards work at the ITU and the IETF.

Parliamentary capacity
Few parliaments have staff who follow standards bodies.
Key takeaways:
- Parliamentarians learn most from briefings by their own national experts.

Best regards,
Marco Bianchi
Parliamentary Track rapporteur
""",
    summary="own",
    themes=[("Parliamentary capacity", 1)],
    rapporteur="Marco Bianchi",
    metadata=["e-mail greeting", "e-mail sign-off", "e-mail signature", "e-mail signature"],
)

text(
    "colon_titles_single_lines.txt",
    """
Opening Ceremony: Resilient Internet for a shared future
The host country minister opened the session and called for cooperation on subsea cable repair.
Speakers recalled the 2024 Red Sea cable cuts and the weeks it took to restore service.
Panel 1: Financing repair ships
Operators explained that only a handful of repair ships serve whole ocean regions.
Participants recommended:
- Pool repair capacity through regional agreements.
- Pre-authorise repair ships to enter territorial waters.
""",
    themes=[
        ("Opening Ceremony: Resilient Internet for a shared future", 0),
        ("Panel 1: Financing repair ships", 0),
    ],
    actions=2,
)

text(
    "participants_recommended_label.txt",
    """
Rapporteur: Lena Hoffmann

Youth participation in Internet governance

Young people from four NRIs described how they joined national multistakeholder processes.
Most said they were invited late and asked to comment, not to shape agendas.
Participants recommended:
- NRIs should reserve seats for youth on their organising committees.
- Travel support should be announced at least four months ahead.
The group agreed to share a template for youth calls for participation.
""",
    themes=[("Youth participation in Internet governance", 0)],
    actions=2,
    rapporteur="Lena Hoffmann",
)

text(
    "bullets_every_kind_pasted.txt",
    """
Key takeaways
- Hyphen bullet from a plain-text e-mail.
* Star bullet from Markdown habits.
• Round bullet pasted from Word.
– En dash bullet from a French keyboard.
— Em dash bullet from a typographer.
● Black circle from Google Docs.
○ White circle from a second-level list.
▪ Small square from a PDF.
◦ White bullet from Pages.
➢ Arrowhead from a slide deck.
→ Arrow from a web page.
Recommended actions
- Keep every bullet.
""",
    takeaways=11,
    actions=1,
)

text(
    "numbered_items_every_kind.txt",
    """
Rapporteur: Ahmed Karimi

Recommended actions:
1. Publish the consultation timeline.
2) Invite technical operators in writing.
(a) Translate the call into French and Arabic.
i. Keep the comment period open for sixty days.
ii. Report back on how comments were used.
""",
    actions=5,
    rapporteur="Ahmed Karimi",
)

text(
    "hand_numbered_titles_pasted.txt",
    """
Summary
The session compared three approaches to measuring meaningful connectivity.

1. Evidence quality
Household surveys remain the only source that reaches people offline.
Key takeaways:
- Survey questions must be harmonised across countries.

II. Capacity of statistics offices
National statistics offices lack staff trained in digital indicators.

a) Funding
Donors fund one-off surveys rather than time series.
""",
    summary="own",
    themes=[("Evidence quality", 1), ("Capacity of statistics offices", 0), ("Funding", 0)],
)

text(
    "tolerant_section_names.md",
    """
# Key messages from the session

- Content moderation at scale needs local language expertise.
- Transparency reports are not comparable across platforms.

# Trusted flaggers

Speakers compared trusted flagger schemes under the DSA and in Brazil.

# Policy Recommendations or Suggestions for the Way Forward

- Platforms should report moderation outcomes by language.

# Concluding remarks and next steps

The organisers will publish a comparison table.
""",
    takeaways=2,
    themes=[("Trusted flaggers", 0)],
    actions=1,
    conclusion=True,
)

text(
    "misspelt_section_names.md",
    """
## Excecutive sumary

The breakout discussed AI in public services.

## Algorithmic transparency

Cities publish registers of the algorithms they use.

## Key take aways

- Registers help, but few people read them.

## Recomendations

- Require plain-language summaries in every register.
""",
    summary="own",
    # Same level as the theme before it: the contract makes them that theme's takeaways.
    themes=[("Algorithmic transparency", 1)],
    actions=1,
)

text(
    "narrative_no_headings.md",
    """
The session looked at how local content creators in the Pacific earn income from global platforms.

Speakers from Fiji and Samoa described payment thresholds that their creators rarely reach, and tax rules that treat small earnings as business income.

A platform representative explained the monetisation criteria and promised to review the thresholds for small markets.
""",
    narrative=3,
)

text(
    "opening_text_becomes_summary.md",
    """
Rapporteur: Sofia Rossi

The workshop asked whether environmental data from data centres should be public. Speakers from the EU and Singapore agreed that reporting is coming, but disagreed on who should see the data.

## Reporting obligations

The EU energy efficiency directive already requires data centres to report energy and water use.

## Recommended actions

- Publish aggregated data centre energy figures every year.
""",
    summary="opening",
    themes=[("Reporting obligations", 0)],
    actions=1,
    rapporteur="Sofia Rossi",
)

text(
    "opening_text_before_own_summary.md",
    """
This note covers the second half of the session, after the break.

# Summary

The group agreed that cybersecurity capacity building must start with incident response teams.

# CSIRT maturity

Most national CSIRTs in the region are under five years old.
""",
    summary="own",
    introduction=1,
    themes=[("CSIRT maturity", 0)],
)

text(
    "empty_heading_warned.md",
    """
# Executive summary

The roundtable discussed open source in government.

# Procurement rules

# Skills in public administrations

Administrations lack staff able to maintain open source code.

# Conclusion
""",
    summary="own",
    themes=[("Skills in public administrations", 0)],
    left_out=["a heading with nothing under it", "a heading with nothing under it"],
)

text(
    "markdown_footnotes_kept.md",
    """
# Summary

The session reviewed the 2025 ITU connectivity figures.[^1]

# Affordability

A 1 GB mobile plan still costs more than 2% of monthly income in 60 countries.[^2]

[^1]: Facts and Figures 2025, ITU.
[^2]: Alliance for Affordable Internet data.
""",
    summary="own",
    themes=[("Affordability", 0)],
)

text(
    "control_characters_pasted.txt",
    "Rapporteur: Ana Costa\n\nSummary\n\nThe session\x01 discussed\x0b submarine cable resilience.\n\n"
    "Cable repair\n\nRepair ships are scarce\x07 in the South Atlantic.\n",
    summary="own",
    themes=[("Cable repair", 0)],
    rapporteur="Ana Costa",
)

text(
    "venue_and_date_lines_pasted.txt",
    """
IGF 2025 Open Forum #45 Digital inclusion of persons with disabilities
Tuesday, 24 June 2025 | 09:00-10:00 UTC
Workshop Room 4, Lillestrøm
Moderator: Daniel Okafor
Summary
Speakers showed that most government websites in the region fail basic accessibility tests.
Key takeaways
- Accessibility must be part of procurement rules.
- Persons with disabilities must test services before launch.
""",
    summary="own",
    takeaways=2,
    metadata=["title", "date", "venue", "moderator"],
)

text(
    "seed_style_report_wrapped_email.txt",
    """
Rapporteur: Pablo Hinojosa
Channel: onsite

Executive summary

  The round table asked whether the norm protecting the public core
  of the Internet can be paired with positive duties for States, and
  found common ground on a small set of measures - legal clarity for
  technical coordination and consultation before legislation.

1. What is the public core

  WSIS alignment: C2 (Information and communication infrastructure)

  Speakers listed the DNS root, IP address allocation and the routing
  system, and warned that a broad definition invites regulation.

  Key takeaways:
  - A shared, narrow definition is the starting point.
  - Operators of the core are mostly non-State actors.

Recommended actions:
  - Propose language for the Global Digital Compact.
""",
    summary="own",
    themes=[("What is the public core", 2)],
    actions=1,
    rapporteur="Pablo Hinojosa",
)

# --- other UN languages, pasted

text(
    "fr_headings_en_dash_bullets.txt",
    """
Rapporteur : Claire Dubois
Résumé
La séance a réuni des régulateurs d’Afrique de l’Ouest pour discuter de l’itinérance régionale.
Itinérance dans la CEDEAO
Les tarifs d’itinérance ont baissé depuis 2017, mais restent élevés pour les données.
Principaux enseignements :
– La suppression des frais d’itinérance dépend d’accords bilatéraux.
– Les consommateurs connaissent mal leurs droits.
Recommandations :
– Publier un tableau comparatif des tarifs chaque année.
– Créer un guichet régional pour les plaintes.
Prochaines étapes
Le groupe se réunira de nouveau lors du FGI régional.
""",
    summary="own",
    themes=[("Itinérance dans la CEDEAO", 2)],
    actions=2,
    conclusion=True,
    rapporteur="Claire Dubois",
)

text(
    "fr_web_page_pasted.txt",
    """
Atelier n° 12 : Désinformation et élections en Afrique francophone
Publié le 3 juillet 2025
Par Awa Diallo
La session en bref
Les intervenants ont présenté des initiatives de vérification des faits au Sénégal et en Côte d’Ivoire.
Messages clés
– Les plateformes répondent lentement aux signalements en wolof et en dioula.
– Les médias communautaires sont les premiers relais de la vérification.
Appels à l’action
– Financer des vérificateurs qui travaillent dans les langues locales.
""",
    summary="own",
    takeaways=2,
    actions=1,
    rapporteur="Awa Diallo",
    metadata=["title", "published", "rapporteur"],
)

text(
    "es_single_lines_numbered_themes.txt",
    """
Relatora: Lucía Benítez
Resumen ejecutivo
La mesa redonda revisó el estado de la ciberseguridad en los gobiernos locales de América Latina.
1. Capacidades municipales
Los municipios pequeños no cuentan con personal de seguridad informática.
Principales conclusiones:
• La mayoría de los incidentes comienzan con correos de phishing.
• Los CSIRT nacionales no llegan a los municipios.
2. Cooperación regional
Se mencionó la red de CSIRT de la OEA como modelo.
Recomendaciones:
• Crear un CSIRT compartido para municipios.
""",
    summary="own",
    themes=[("Capacidades municipales", 2), ("Cooperación regional", 0)],
    actions=1,
    rapporteur="Lucía Benítez",
)

text(
    "es_form_labels_pasted.txt",
    """
Mensajes clave (* plazo: 2 horas después de la sesión)
Las redes comunitarias necesitan acceso a espectro a bajo costo.
Los fondos de servicio universal rara vez financian a operadores pequeños.
Llamados a la acción (* plazo: 2 horas después de la sesión)
Los reguladores deben crear licencias sociales de espectro.
Informe de la sesión (* plazo: 26 de junio)
Participantes de México, Colombia y Argentina compartieron experiencias de redes comunitarias rurales.
""",
    takeaways=2,
    actions=1,
    narrative=1,
)

text(
    "ar_headings_pasted.txt",
    """
المقرر: ليلى حسن
الملخص التنفيذي
ناقشت الجلسة حماية البيانات الشخصية في المنطقة العربية وتطبيق القوانين الجديدة.
التشريعات الوطنية
أصدرت عدة دول عربية قوانين لحماية البيانات خلال السنوات الخمس الماضية.
النقاط الرئيسية:
• تفتقر هيئات حماية البيانات إلى الموارد الكافية.
• الوعي العام بالحقوق لا يزال محدودا.
التوصيات:
• إنشاء شبكة إقليمية لهيئات حماية البيانات.
الخاتمة
اتفق المشاركون على مواصلة الحوار في المنتدى العربي لحوكمة الإنترنت.
""",
    summary="own",
    themes=[("التشريعات الوطنية", 2)],
    actions=1,
    conclusion=True,
    rapporteur="ليلى حسن",
)

text(
    "ar_narrative_no_headings.txt",
    """
ناقش المشاركون دور الشباب في حوكمة الإنترنت في شمال أفريقيا، وأشاروا إلى ضعف تمثيلهم في المنتديات الوطنية.

وقدم ممثلو المجتمع المدني أمثلة على برامج تدريبية ناجحة في تونس والمغرب.
""",
    narrative=2,
)

text(
    "zh_headings_fullwidth_colon.txt",
    """
报告员：王芳
摘要
本次会议讨论了人工智能在教育中的应用和数据保护问题。
教师培训
许多教师缺乏使用人工智能工具的培训。
主要结论：
• 教师培训是推广人工智能教育的前提。
• 学生数据必须得到保护。
建议：
• 各国应制定人工智能教育指南。
""",
    summary="own",
    themes=[("教师培训", 2)],
    actions=1,
    rapporteur="王芳",
)

text(
    "zh_web_page_pasted.txt",
    """
IGF 2025 WS #88 跨境数据流动与发展
2025年6月24日 上午9:00
会议概要
与会者比较了亚洲各国的数据本地化规则。
要点
– 数据本地化增加了中小企业的成本。
– 区域互认机制可以降低合规负担。
行动呼吁
– 建立区域数据流动对话机制。
""",
    summary="own",
    takeaways=2,
    actions=1,
    metadata=["title", "date"],
)

text(
    "ru_headings_numbered.txt",
    """
Докладчик: Ирина Петрова
Резюме
Сессия была посвящена устойчивости национальных доменных зон.
1) Резервирование DNS
Участники обсудили размещение вторичных серверов за рубежом.
Ключевые выводы:
- Вторичные серверы за рубежом повышают устойчивость.
- Нужны регулярные учения.
Рекомендации:
- Проводить ежегодные учения по восстановлению зоны.
Дальнейшие шаги
Группа подготовит краткий отчёт для национального ФУИ.
""",
    summary="own",
    themes=[("Резервирование DNS", 2)],
    actions=1,
    conclusion=True,
    rapporteur="Ирина Петрова",
)

text(
    "ru_narrative_no_headings.txt",
    """
Участники обсудили, как небольшие провайдеры в Центральной Азии внедряют IPv6. Большинство из них ждут, пока крупные операторы сделают первый шаг.

Представитель регионального регистратора рассказал о бесплатных тренингах.
""",
    narrative=2,
)

text(
    "ru_allcaps_web_page.txt",
    """
ОТКРЫТЫЙ ФОРУМ № 31: ЦИФРОВЫЕ ПРАВА
24 июня 2025 г., 10:00–11:30
ОСНОВНЫЕ ВЫВОДЫ
- Права человека действуют и в сети.
- Нужна независимая оценка законов о блокировках.
ПРИЗЫВ К ДЕЙСТВИЮ
- Публиковать статистику блокировок ежеквартально.
""",
    takeaways=2,
    actions=1,
    metadata=["title", "date"],
)

# --------------------------------------------------------------------------------------------------
# Word (python-docx), as people type it


def _word_bold_headings(doc: Document) -> None:
    paras(doc, "Rapporteur: Kim Lee", "Channel: onsite")
    bold(doc, "Summary")
    paras(doc, "The group discussed how technical operators can be brought into policy discussions.")
    bold(doc, "Who the operators are")
    paras(doc, "Data centre, ISP and IXP engineers were named, each with different employers and incentives.")
    label = doc.add_paragraph()
    label.add_run("Key takeaways:").bold = True
    paras(
        doc, "Engineers rarely attend policy fora.", "Outreach must name each profile.", style="List Bullet"
    )
    bold(doc, "Why governance matters to them")
    paras(doc, "Regulation of routing and DNS lands on operators first.")
    bold(doc, "Calls to action")
    paras(
        doc,
        "Invite NOG communities to IGF sessions.",
        "Hold policy office hours at RIR meetings.",
        style="List Bullet",
    )


word(
    "word_bold_headings.docx",
    _word_bold_headings,
    summary="own",
    themes=[("Who the operators are", 2), ("Why governance matters to them", 0)],
    actions=2,
    rapporteur="Kim Lee",
)


def _word_allcaps(doc: Document) -> None:
    paras(
        doc,
        "EXECUTIVE SUMMARY",
        "The workshop reviewed how governments use AI in social protection.",
        "ELIGIBILITY ALGORITHMS",
        "Speakers from the Netherlands and Chile described wrongful exclusions caused by risk scores.",
        "KEY TAKEAWAYS",
    )
    paras(
        doc,
        "Risk scoring needs a human appeal route.",
        "Impact assessments must be public.",
        style="List Bullet",
    )
    paras(doc, "RECOMMENDATIONS")
    paras(doc, "Ban fully automated benefit refusals.", style="List Bullet")


word(
    "word_allcaps_headings.docx",
    _word_allcaps,
    summary="own",
    themes=[("ELIGIBILITY ALGORITHMS", 2)],
    actions=1,
)


def _word_hand_numbered(doc: Document) -> None:
    paras(
        doc,
        "1. Evidence quality",
        "Speakers compared survey and network measurement data on connectivity.",
        "II. Capacity",
        "Statistics offices need training on digital indicators.",
        "a) Funding",
        "Donors prefer one-off surveys to time series.",
        "Recommended actions:",
        "1) Harmonise survey questions across the region.",
        "2) Fund a five-year time series.",
    )


word(
    "word_hand_numbered_titles.docx",
    _word_hand_numbered,
    themes=[("Evidence quality", 0), ("Capacity", 0), ("Funding", 0)],
    actions=2,
)


def _word_title_styles(doc: Document) -> None:
    doc.add_paragraph("IGF 2025 WS #106 Internet infrastructure and harmful activity", style="Title")
    doc.add_paragraph("Session report", style="Subtitle")
    doc.add_heading("Executive summary", level=1)
    paras(doc, "Infrastructure operators are asked to act against harmful activity without clear rules.")
    doc.add_heading("Responsible practices", level=1)
    paras(doc, "WSIS alignment: C6 (Enabling environment)", "Providers must look beyond the DNS layer.")
    doc.add_heading("Key takeaways", level=2)
    paras(doc, "Legal ambiguity slows action.", style="List Bullet")


word(
    "word_title_subtitle_styles.docx",
    _word_title_styles,
    summary="own",
    themes=[("Responsible practices", 1)],
    metadata=["title", "subtitle"],
)


def _word_list_paragraph(doc: Document) -> None:
    doc.add_heading("Summary", level=1)
    paras(doc, "The session discussed digital skills for older people.")
    doc.add_heading("Recommendations", level=1)
    numbered_list_paragraphs(
        doc,
        "Fund digital skills courses in public libraries.",
        "Keep offline access to public services.",
        "Train family members as digital helpers.",
    )


word(
    "word_list_paragraph_numbering.docx",
    _word_list_paragraph,
    summary="own",
    actions=3,
)


def _word_hand_typed_items(doc: Document) -> None:
    bold(doc, "Key takeaways")
    paras(
        doc,
        "1) Local hosting lowers latency and keeps money in the region.",
        "2) IXPs need neutral governance to attract content providers.",
        "a) Small ISPs need peering training.",
    )
    bold(doc, "Call to action")
    paras(doc, "• Support the creation of new IXPs in Central Africa.")


word(
    "word_hand_typed_items.docx",
    _word_hand_typed_items,
    takeaways=3,
    actions=1,
)


def _word_hidden_text(doc: Document) -> None:
    doc.add_heading("Summary", level=1)
    paragraph = doc.add_paragraph("The group reviewed the draft charter. ")
    hidden = paragraph.add_run("REVIEWER: delete before sending.")
    hidden.font.hidden = True
    doc.add_heading("Charter principles", level=1)
    paras(doc, "Participants supported openness and accountability as the first two principles.")


word(
    "word_hidden_text.docx",
    _word_hidden_text,
    summary="own",
    themes=[("Charter principles", 0)],
    left_out=["hidden text"],
)


def _word_field_results(doc: Document) -> None:
    doc.add_heading("Summary", level=1)
    paragraph = doc.add_paragraph("The session was held on ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), 'DATE \\@ "d MMMM yyyy"')
    run = OxmlElement("w:r")
    run_text = OxmlElement("w:t")
    run_text.text = "24 June 2025"
    run.append(run_text)
    field.append(run)
    paragraph._p.append(field)
    paragraph.add_run(" in the plenary hall.")
    doc.add_heading("Child online safety", level=1)
    paras(doc, "Speakers compared age assurance approaches.")


word(
    "word_field_results_kept.docx",
    _word_field_results,
    summary="own",
    themes=[("Child online safety", 0)],
)


def _word_altchunk(doc: Document) -> None:
    doc.add_heading("Summary", level=1)
    paras(doc, "The group discussed e-waste from network equipment.")
    part = Part(
        PackURI("/word/chunk1.html"),
        "text/html",
        b"<html><body><p>Pasted from a web page.</p></body></html>",
        doc.part.package,
    )
    rel = doc.part.relate_to(part, RT.A_F_CHUNK)
    chunk = OxmlElement("w:altChunk")
    chunk.set(qn("r:id"), rel)
    doc.element.body.insert(len(doc.element.body) - 1, chunk)
    doc.add_heading("Recycling", level=1)
    paras(doc, "Few operators track where old equipment ends up.")


word(
    "word_altchunk_warned.docx",
    _word_altchunk,
    summary="own",
    themes=[("Recycling", 0)],
    left_out=["an embedded document (w:altChunk)"],
)


def _google_docs(doc: Document) -> None:
    # Google Docs exports its Title style, then (as most users write) headings that are normal text,
    # bold and larger, and lists with Word numbering.
    doc.add_paragraph("Breakout 3 notes", style="Title")
    paras(doc, "Rapporteur: Priya Nair")
    bold(doc, "Summary", size=16)
    paras(doc, "Participants discussed open data for climate adaptation in South Asia.")
    bold(doc, "Data sharing between agencies", size=14)
    paras(doc, "Meteorological offices rarely share raw data with disaster agencies.")
    bold(doc, "Key takeaways", size=14)
    numbered_list_paragraphs(doc, "Open licences speed up reuse.", "Agencies need common formats.")
    bold(doc, "Next steps", size=16)
    paras(doc, "The group will draft a regional data sharing template.")


word(
    "google_docs_export.docx",
    _google_docs,
    summary="own",
    themes=[("Data sharing between agencies", 2)],
    conclusion=True,
    rapporteur="Priya Nair",
    metadata=["title"],
)


def _word_larger_text(doc: Document) -> None:
    # Headings made by enlarging normal text, not bold: pandoc drops the size, the reader does not.
    def larger(line: str) -> None:
        doc.add_paragraph().add_run(line).font.size = Pt(16)

    def body(line: str) -> None:
        doc.add_paragraph().add_run(line).font.size = Pt(11)

    body("Rapporteur: Grace Osei")
    larger("Summary")
    body("The session looked at mobile money interoperability in West Africa.")
    larger("Who pays for cross-border payments?")
    body("Transfers between Ghana and Côte d'Ivoire still pass through three intermediaries.")
    larger("Recommendations")
    body("Central banks should publish a common interoperability standard.")


word(
    "word_larger_text_headings.docx",
    _word_larger_text,
    summary="own",
    themes=[("Who pays for cross-border payments?", 0)],
    actions=1,
    rapporteur="Grace Osei",
)


def _word_fr(doc: Document) -> None:
    paras(doc, "Rapporteur : Jean Mbarga")
    bold(doc, "Résumé")
    paras(doc, "L’atelier a examiné l’accès à Internet dans les écoles rurales du Cameroun.")
    bold(doc, "Connectivité des écoles")
    paras(doc, "Moins d’une école rurale sur cinq est connectée.")
    bold(doc, "Principaux enseignements :")
    paras(doc, "Les coûts d’énergie dépassent ceux de la connexion.", style="List Bullet")
    bold(doc, "Appel à l’action")
    paras(doc, "Associer les opérateurs électriques aux projets de connectivité.", style="List Bullet")


word(
    "word_fr_bold_headings.docx",
    _word_fr,
    summary="own",
    themes=[("Connectivité des écoles", 1)],
    actions=1,
    rapporteur="Jean Mbarga",
)


def _word_ar(doc: Document) -> None:
    for line, kind in (
        ("المقرر: عمر خالد", "p"),
        ("الملخص", "b"),
        ("ناقشت الجلسة الشمول المالي الرقمي للنساء.", "p"),
        ("المحافظ الرقمية", "b"),
        ("تستخدم النساء المحافظ الرقمية أقل من الرجال.", "p"),
        ("التوصيات", "b"),
    ):
        if kind == "b":
            bold(doc, line)
        else:
            doc.add_paragraph(line)
    paras(doc, "تبسيط إجراءات فتح الحسابات.", style="List Bullet")
    for paragraph in doc.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


word(
    "word_ar_bold_headings.docx",
    _word_ar,
    summary="own",
    themes=[("المحافظ الرقمية", 0)],
    actions=1,
    rapporteur="عمر خالد",
)


def _word_zh(doc: Document) -> None:
    doc.add_heading("执行摘要", level=1)
    paras(doc, "会议讨论了农村地区的数字技能培训。")
    doc.add_heading("农村数字技能", level=1)
    paras(doc, "许多农民只使用手机上网。")
    doc.add_heading("要点", level=2)
    paras(doc, "培训应以手机为主。", "培训应使用地方语言。", style="List Bullet")
    doc.add_heading("建议行动", level=1)
    paras(doc, "在乡镇设立数字服务站。", style="List Bullet")


word(
    "word_zh_heading_styles.docx",
    _word_zh,
    summary="own",
    themes=[("农村数字技能", 2)],
    actions=1,
)


def _word_ru(doc: Document) -> None:
    paras(
        doc,
        "Докладчик: Алексей Смирнов",
        "РЕЗЮМЕ",
        "Сессия обсудила доступность государственных сайтов для людей с инвалидностью.",
        "ТЕСТИРОВАНИЕ САЙТОВ",
        "Большинство сайтов не проходят базовые проверки доступности.",
        "РЕКОМЕНДАЦИИ",
    )
    paras(doc, "Включить требования доступности в закупки.", style="List Bullet")


word(
    "word_ru_caps_headings.docx",
    _word_ru,
    summary="own",
    themes=[("ТЕСТИРОВАНИЕ САЙТОВ", 0)],
    actions=1,
    rapporteur="Алексей Смирнов",
)

via_pandoc(
    "word_footnotes_kept.docx",
    """
# Summary

The session reviewed spectrum auctions in Latin America.[^1]

# Auction design

Reserve prices were set too high in three countries.

[^1]: Based on GSMA Intelligence data shared by the speakers.
""",
    summary="own",
    themes=[("Auction design", 0)],
)

# --------------------------------------------------------------------------------------------------
# LibreOffice and OpenDocument

via_libreoffice(
    "libreoffice_export.docx",
    """
<p><b>Rapporteur: Nadia Rahman</b></p>
<h1>Executive summary</h1>
<p>The workshop discussed platform accountability in South Asia.</p>
<h2>Election integrity</h2>
<p>Speakers described coordinated inauthentic behaviour before national elections.</p>
<p><b>Key takeaways:</b></p>
<ul><li>Platforms act faster on English content.</li><li>Election bodies lack direct channels to platforms.</li></ul>
<h1>Recommended actions</h1>
<ul><li>Create escalation channels for election bodies.</li></ul>
""",
    summary="own",
    themes=[("Election integrity", 2)],
    actions=1,
    rapporteur="Nadia Rahman",
)

via_libreoffice(
    "odt_bold_headings.odt",
    """
<p>Rapporteur: Martín Gómez</p>
<p><b>Resumen</b></p>
<p>La sesión analizó la inteligencia artificial en la justicia.</p>
<p><b>Transparencia de los sistemas</b></p>
<p>Los tribunales no publican qué herramientas usan.</p>
<p><b>Recomendaciones</b></p>
<ul><li>Publicar un registro de algoritmos judiciales.</li></ul>
""",
    summary="own",
    themes=[("Transparencia de los sistemas", 0)],
    actions=1,
    rapporteur="Martín Gómez",
)

via_libreoffice(
    "libreoffice_export_zh.odt",
    """
<h1>摘要</h1>
<p>会议讨论了网络安全人才培养。</p>
<h2>高校课程</h2>
<p>高校的网络安全课程偏重理论。</p>
<h2>建议</h2>
<ul><li>加强校企合作实训。</li></ul>
""",
    summary="own",
    themes=[("高校课程", 0)],
    actions=1,
)

# Headings made by enlarging a line, not bold: LibreOffice writes each size as an automatic style.
via_libreoffice(
    "odt_larger_text_headings.odt",
    """
<p style="font-size:11pt">Rapporteur: Aiko Tanaka</p>
<p style="font-size:16pt">Summary</p>
<p style="font-size:11pt">The session looked at submarine cable resilience in the Pacific.</p>
<p style="font-size:11pt"><span style="font-size:16pt">Who repairs</span> <font size="5">a cut cable?</font></p>
<p style="font-size:11pt">Only two repair ships serve the whole region, and a repair can take weeks.</p>
<p style="font-size:11pt"><span style="font-size:16pt">Note</span> the ships are old.</p>
<p style="font-size:11pt">Small island states lose most of their connectivity while they wait.</p>
<p style="font-size:16pt"><span style="font-size:18pt">Recommendations</span></p>
<ul><li>Fund a regional repair ship.</li></ul>
""",
    summary="own",
    themes=[("Who repairs a cut cable?", 0)],
    actions=1,
    rapporteur="Aiko Tanaka",
)


def _odt_hidden(path: Path) -> None:
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties
    from odf.text import H, P, Span

    doc = OpenDocumentText()
    hidden = Style(name="Hidden", family="text")
    hidden.addElement(TextProperties(attributes={"display": "none"}))
    doc.automaticstyles.addElement(hidden)
    doc.text.addElement(H(outlinelevel=1, text="Summary"))
    paragraph = P(text="The session discussed open standards. ")
    paragraph.addElement(Span(stylename=hidden, text="Internal: check the speaker list."))
    doc.text.addElement(paragraph)
    doc.text.addElement(H(outlinelevel=1, text="Interoperability"))
    doc.text.addElement(P(text="Open standards keep public data portable."))
    doc.save(str(path))


CORPUS.append(
    (
        "odt_hidden_text.odt",
        _odt_hidden,
        outline(summary="own", themes=[("Interoperability", 0)], left_out=["hidden text"]),
    )
)


def main() -> int:
    """Write every note of the corpus and its outline."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make, expected in CORPUS:
        path = OUT / name
        make(path)
        stem = name.rsplit(".", 1)[0]
        (OUT / f"{stem}.outline.yaml").write_text(
            yaml.safe_dump(expected, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    print(f"{len(CORPUS)} notes in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
