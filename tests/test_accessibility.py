"""Accessible documents, checked: PDF/UA on every type in several languages, and Word's checks on the DOCX."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pdfua
import pikepdf
import pytest
from docx import Document
from lxml import etree

from outcomes.build import BuildOptions, build_session
from outcomes.render.accessibility import check_docx, check_pdf
from outcomes.render.pdf import write_pdf
from outcomes.render.templates import BUILTIN_TEMPLATES, DOCUMENT_TYPES

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"
LANGS = ["en", "es", "fr", "ar", "zh"]
EXAMPLES = {"en": "igf2025-ws106", "es": "igf2025-ws515"}

NOTES = {
    "fr": """\
---
rapporteur: Claire Dubois
channel: onsite
---

# Résumé analytique

La session a examiné comment renforcer la sécurité des infrastructures de l'Internet en Afrique de l'Ouest.

# Thèmes clés

## Sécurité du routage

WSIS: C5, C2

Les participants ont souligné que le déploiement de RPKI reste inégal.

**Points clés :**

- Créer des ROA est simple et peu coûteux.
- Le filtrage par les grands opérateurs apporte le plus grand bénéfice.

# Actions recommandées

- Les gouvernements devraient exiger IPv6 dans leurs achats publics.
""",
    "ar": """\
---
rapporteur: سارة منصور
channel: onsite
---

# الملخص التنفيذي

ناقشت الجلسة سبل تعزيز أمن البنية التحتية للإنترنت في المنطقة العربية.

# المواضيع الرئيسية

## تأمين نظام أسماء النطاقات

WSIS: C5

**أهم النقاط:**

- التحقق من التوقيعات هو الحلقة الأضعف.

# الإجراءات الموصى بها

- على الحكومات أن تشترط DNSSEC في مشترياتها العامة.
""",
    "zh": """\
---
rapporteur: 王芳
channel: online
---

# 执行摘要

本次会议讨论了如何加强互联网基础设施的安全。

# 关键主题

## 路由安全

WSIS: C5, C11

**主要结论：**

- 创建 ROA 简单且成本低。

# 建议行动

- 运营商应启用 RPKI 路由源验证。
""",
}
POLLS = {
    "fr": "Question,Option,Votes\nQuel protocole est le plus urgent ?,IPv6,7\nQuel protocole est le plus urgent ?,RPKI,3\n",
    "ar": "Question,Option,Votes\nما البروتوكول الأهم؟,اعتماد IPv6,7\nما البروتوكول الأهم؟,DNSSEC,3\n",
    "zh": "Question,Option,Votes\n哪个协议最重要？,路由安全 RPKI,7\n哪个协议最重要？,DNSSEC,3\n",
}
SESSION_YAML = """\
id: a11y-{lang}
event: IGF 2025
code: "WS #7{n}"
title: {title}
date: 2025-06-25
language: {lang}
documents: [session_report, short_report, briefing_paper, recommendations]
people:
  - {{name: Laila Haddad, role: speaker, stakeholder: Civil Society, region: African Group, affiliation: Open Net}}
  - {{name: Omar Farouk, role: moderator, stakeholder: Government, region: African Group}}
participation:
  onsite: 30
  online: 12
  women_onsite: 14
  women_online: 5
  gender_discussed: no
"""
TITLES = {"fr": "Sécurité des infrastructures", "ar": "أمن البنية التحتية", "zh": "保障互联网基础设施安全"}


def make_session(base: Path, lang: str) -> Path:
    folder = base / f"a11y-{lang}"
    (folder / "notes").mkdir(parents=True)
    (folder / "polls").mkdir()
    (folder / "notes" / "notes.md").write_text(NOTES[lang], encoding="utf-8")
    (folder / "polls" / "results.csv").write_text(POLLS[lang], encoding="utf-8")
    yaml = SESSION_YAML.format(lang=lang, n=LANGS.index(lang), title=TITLES[lang])
    (folder / "session.yaml").write_text(yaml, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Every document type, PDF and DOCX: the English and Spanish examples, French, Arabic and Chinese."""
    base = tmp_path_factory.mktemp("a11y")
    folders = {lang: ROOT / "inputs" / name for lang, name in EXAMPLES.items()}
    folders |= {lang: make_session(base, lang) for lang in LANGS if lang not in EXAMPLES}
    out = {}
    for lang, folder in folders.items():
        result = build_session(folder, BuildOptions(out=base / "out", documents=list(DOCUMENT_TYPES)))
        assert result.status == "built", result.errors
        out[lang] = Path(result.out_dir)
    return out


@pytest.mark.parametrize("doc", DOCUMENT_TYPES)
@pytest.mark.parametrize("lang", LANGS)
def test_pdfua_check_finds_no_error_and_build_json_records_it(built, lang, doc):
    pdf = built[lang] / f"{doc}.pdf"
    report = pdfua.validate(str(pdf))
    counts = report.count_by_severity()
    found = [f"{f.rule_id} {f.location.describe()}: {f.message}" for f in report.findings]
    assert counts[pdfua.Severity.ERROR] == 0, found
    assert counts[pdfua.Severity.WARNING] == 0, found  # table headers carry /Scope
    record = json.loads((built[lang] / "build.json").read_text("utf-8"))["accessibility"][f"{doc}.pdf"]
    assert record["checker"].startswith("pdfua")
    assert record["errors"] == 0 and record["warnings"] == 0 and record["rules_run"] >= 10
    assert record["seconds"] > 0


def figures(pdf: Path) -> list[str]:
    """The /Alt of every /Figure in the structure tree ("" for none)."""
    alts = []
    with pikepdf.open(pdf) as doc:
        stack = [doc.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
                continue
            if not isinstance(node, pikepdf.Dictionary):
                continue
            if node.get("/S") == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            if "/K" in node:
                stack.append(node.K)
    return alts


def test_poll_charts_say_the_question_and_every_option_with_its_votes(built):
    alts = figures(built["en"] / "session_report.pdf")
    assert len(alts) == 3
    first = next(a for a in alts if "Which infrastructure layer should act first" in a)
    assert "Hosting provider: 8 votes" in first and "Registry: 1 vote;" in first
    assert figures(built["fr"] / "session_report.pdf") == [
        "Diagramme en barres des votes sur «\u00a0Quel protocole est le plus urgent ?\u00a0»\u00a0: "
        "IPv6\u00a0: 7\u00a0votes; RPKI\u00a0: 3\u00a0votes."
    ]


def test_every_table_header_cell_has_a_scope(built):
    scopes = []
    with pikepdf.open(built["en"] / "session_report.pdf") as doc:
        for obj in doc.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/S") == "/TH":
                scopes.append(str(obj.A.get("/Scope")))
    assert scopes and set(scopes) == {"/Column", "/Row"}  # the people table's names head their rows


def test_the_pdf_check_reports_a_chart_without_text_alternative(tmp_path):
    """The check would catch what this issue fixed: an SVG figure without <title> has no /Alt."""
    html = (
        '<html lang="en"><head><title>t</title></head><body><h1>Poll</h1>'
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="100" height="100">'
        '<rect width="5" height="5"/></svg></body></html>'
    )
    target = tmp_path / "bare.pdf"
    write_pdf(html, tmp_path, [BUILTIN_TEMPLATES], target, title="t", lang="en", created=None)
    check = check_pdf(target)
    assert check.errors == 1 and "UA-13-004" in check.findings[0]


def docx_part(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        return etree.fromstring(package.read(name))


@pytest.mark.parametrize("doc", DOCUMENT_TYPES)
@pytest.mark.parametrize("lang", LANGS)
def test_docx_has_what_words_accessibility_checker_looks_for(built, lang, doc):
    path = built[lang] / f"{doc}.docx"
    document = Document(path)
    assert any(p.style.name.startswith("Heading") for p in document.paragraphs)
    assert document.core_properties.title and document.core_properties.language == lang
    for table in document.tables:
        first_row = table.rows[0]._tr
        assert first_row.find(f"{W}trPr/{W}tblHeader") is not None, [c.text for c in table.rows[0].cells]
    default = docx_part(path, "word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    # Word keeps a language per script: Arabic is the complex-script one, Chinese the East Asian one.
    attribute = {"ar": "bidi", "zh": "eastAsia"}.get(lang, "val")
    assert default.get(f"{W}{attribute}").startswith(lang)
    images = list(docx_part(path, "word/document.xml").iter(f"{WP}docPr"))
    assert all(img.get("descr") for img in images)
    if doc == "session_report":
        assert images, "the poll chart is an image"
        described = images[0].get("descr")
        if lang == "en":
            assert described.startswith("Bar chart of the votes on “Which infrastructure layer")
            assert "Hosting provider: 8 votes; Registrar: 3 votes" in described
        elif lang in NOTES:
            assert "IPv6" in described or "RPKI" in described
            assert "7" in described and "3" in described
    record = json.loads((built[lang] / "build.json").read_text("utf-8"))["accessibility"][f"{doc}.docx"]
    assert record["errors"] == 0, record["findings"]


def test_docx_check_reports_an_image_without_alt_text_and_a_table_without_header_row(tmp_path):
    """The DOCX check would catch what Word's checker reports (python-docx writes neither by default)."""
    from docx.shared import Cm
    from PIL import Image

    png = tmp_path / "chart.png"
    Image.new("L", (20, 10), 128).save(png)
    document = Document()
    document.core_properties.title = "t"
    document.core_properties.language = "en"
    document.add_heading("Poll", level=1)
    document.add_table(rows=2, cols=2)
    document.add_picture(str(png), width=Cm(2))
    path = tmp_path / "bare.docx"
    document.save(path)
    findings = check_docx(path).findings
    assert any("image 1" in f and "no alternative text" in f for f in findings), findings
    assert any("table 1 has no header row" in f for f in findings), findings
