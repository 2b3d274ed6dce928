"""Documents in the UN languages: labels, right-to-left Arabic, fonts with every glyph, DOCX bidi."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
import zipfile
from functools import cache
from pathlib import Path

import pytest
from conftest import libreoffice_to_pdf
from markupsafe import escape
from pypdf import PdfReader

from outcomes.build import BuildOptions, build_session
from outcomes.render.templates import LANGUAGES, TemplateSet, render_html
from outcomes.template_check import sample_report

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCS = ["session_report", "short_report", "briefing_paper", "recommendations"]

ARABIC_NOTE = """\
---
rapporteur: سارة منصور
channel: onsite
---

# الملخص التنفيذي

ناقشت الجلسة سبل تعزيز أمن البنية التحتية للإنترنت في المنطقة العربية، بما في ذلك اعتماد DNSSEC وRPKI وبروتوكول IPv6.

# المواضيع الرئيسية

## تأمين نظام أسماء النطاقات

WSIS: C5, C2

أوضح المشاركون أن توقيع المناطق باستخدام DNSSEC قد تقدم، لكن التحقق في خوادم مزودي الخدمة ما زال ضعيفًا.

**من ينبغي أن يعتمدها؟** سجلات النطاقات العليا، والمسجلون، ومزودو خدمة الإنترنت.

**أهم النقاط:**

- التحقق من التوقيعات هو الحلقة الأضعف.
- الأتمتة تقلل المخاطر التشغيلية.

## التعاون بين أصحاب المصلحة

WSIS: C11

شدد المتحدثون على أهمية الثقة بين المجتمعات التقنية والحكومات.

# الإجراءات الموصى بها

- على الحكومات أن تشترط DNSSEC وIPv6 في مشترياتها العامة.
- على مزودي الخدمة تفعيل التحقق من المسار عبر RPKI.

# الخاتمة

اتفق المشاركون على مواصلة الحوار في المنتدى العربي لحوكمة الإنترنت.
"""

CHINESE_NOTE = """\
---
rapporteur: 王芳
channel: online
---

# 执行摘要

本次会议讨论了如何加强互联网基础设施的安全，包括部署 DNSSEC、RPKI 和 IPv6。

# 关键主题

## 路由安全

WSIS: C5, C11

与会者指出，RPKI 路由源验证的部署仍不均衡，大型运营商应率先过滤无效路由。

**谁应采用？** 互联网服务提供商、互联网交换中心和云服务提供商。

**主要结论：**

- 创建 ROA 简单且成本低。
- 大型运营商的过滤带来最大收益。

## 互联网基础设施的定义

与会者讨论了互联网基础设施包括哪些层次。

# 建议行动

- 各国政府应在公共采购中要求支持 IPv6。
- 运营商应启用 RPKI 路由源验证。
"""

POLL = "Question,Option,Votes\n{q},{a},7\n{q},{b},3\n"
SESSIONS = {
    "ar": (
        "أمن البنية التحتية للإنترنت في المنطقة العربية",
        ARABIC_NOTE,
        POLL.format(q="ما البروتوكول الأهم؟", a="اعتماد IPv6", b="DNSSEC"),
    ),
    "zh": (
        "保障互联网基础设施安全",
        CHINESE_NOTE,
        POLL.format(q="哪个协议最重要？", a="路由安全 RPKI", b="DNSSEC"),
    ),
}

# What each language must show: its executive-summary label (es: the briefing paper's summary label),
# page 1's "Page x of y" and the session date as the cover writes it.
EXPECTED = {
    "en": ("Executive summary", "Page 1 of", "24 June 2025"),
    "es": ("Resumen ejecutivo", "Página 1 de", "26 de junio de 2025"),
    "ar": ("الملخص التنفيذي", "الصفحة 1 من", "25 حزيران/يونيه 2025"),
    "zh": ("执行摘要", "第 1 页，共", "2025年6月25日"),
}


def make_session(base: Path, lang: str) -> Path:
    title, note, poll = SESSIONS[lang]
    folder = base / f"sample-{lang}"
    (folder / "notes").mkdir(parents=True)
    (folder / "polls").mkdir()
    (folder / "notes" / "notes.md").write_text(note, encoding="utf-8")
    (folder / "polls" / "results.csv").write_text(poll, encoding="utf-8")
    (folder / "session.yaml").write_text(
        f'id: sample-{lang}\nevent: IGF 2025\ncode: "WS #9{len(lang)}0"\ntitle: {title}\ndate: 2025-06-25\n'
        f"format: Roundtable\nduration_minutes: 60\nlanguage: {lang}\ndocuments: [{', '.join(DOCS)}]\n"
        "people:\n  - {name: Laila Haddad, role: speaker, stakeholder: Civil Society, region: African Group}\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Sessions in en, es, ar and zh, built in every type they declare (PDF and DOCX)."""
    base = tmp_path_factory.mktemp("i18n")
    folders = {
        "en": ROOT / "inputs" / "igf2025-ws106",
        "es": ROOT / "inputs" / "igf2025-ws515",
        "ar": make_session(base, "ar"),
        "zh": make_session(base, "zh"),
    }
    out = base / "out"
    built = {}
    for lang, folder in folders.items():
        result = build_session(folder, BuildOptions(out=out))
        assert result.status == "built", result.errors
        built[lang] = Path(result.out_dir)
    return built


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def squash(text: str) -> str:
    """Text without white space and bidi marks: poppler breaks lines and brackets RTL runs its own way."""
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


@cache
def declared_coverage() -> frozenset[int]:
    """Every character the fonts named in print.css can draw."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for family in ("Noto Sans", "Noto Naskh Arabic", "Noto Sans CJK SC"):
        found = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", family],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\t")
        assert family in found[0].split(","), f"{family} is not installed (make system)"
        with TTFont(found[1], fontNumber=int(found[2] or 0), lazy=True) as font:
            covered |= set(font.getBestCmap())
    return frozenset(covered)


def missing_glyphs(text: str) -> set[str]:
    """Characters of the text that none of the document fonts has (format marks aside)."""
    return {
        c
        for c in text
        if not c.isspace() and unicodedata.category(c) != "Cf" and ord(c) not in declared_coverage()
    }


def test_the_glyph_check_would_catch_a_missing_glyph():
    assert missing_glyphs("abc مرحبا 你好") == set()
    assert missing_glyphs("abc \u0378 \U0010fffd") == {"\u0378", "\U0010fffd"}


# --- labels in every language --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fixed_labels_follow_the_session_language(lang):
    templates = TemplateSet()
    labels = templates.labels(lang)
    english = templates.labels("en")
    for doc_type in DOCS:
        html = render_html(sample_report(lang), doc_type, "pdf", templates)
        assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html
        assert str(escape(labels[doc_type])) in html
        if lang != "en":
            for key in ("key_takeaways", "contents", "wsis_alignment", "calls_to_action", "page_x_of_y"):
                assert english[key] not in html or english[key] == labels[key], (doc_type, key)
    html = render_html(sample_report(lang), "session_report", "html", templates)
    assert str(escape(labels["executive_summary"])) in html and str(escape(labels["wsis_C5"])) in html
    assert labels["month_6"] in html or lang == "zh"


# --- PDF ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es", "ar", "zh"])
def test_pdf_speaks_the_language_with_every_glyph(built, lang):
    summary, page_one, date = EXPECTED[lang]
    folder = built[lang]
    for pdf in sorted(folder.glob("*.pdf")):
        reader = PdfReader(pdf)
        assert reader.trailer["/Root"]["/Lang"] == lang
        pages = pdf_pages(pdf)
        assert squash(page_one) in squash(pages[0]), pdf.name
        assert squash(date) in squash(pages[0]), pdf.name
        assert missing_glyphs("".join(pages)) == set(), pdf.name
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert all(row.split()[-5] == "yes" and "Noto" in row for row in rows), fonts
    assert squash(summary) in squash(pdf_pages(folder / "session_report.pdf")[1])


def test_arabic_pdf_is_shaped_right_to_left(built):
    pdf = built["ar"] / "briefing_paper.pdf"
    # poppler gives the logical text back only if the glyphs were shaped from it (joined letters).
    assert squash("التحقق من التوقيعات هو الحلقة الأضعف") in squash("".join(pdf_pages(pdf)))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Noto-Naskh-Arabic" in fonts
    html = (built["ar"] / "briefing_paper.html").read_text("utf-8")
    assert '<html lang="ar" dir="rtl">' in html
    # The first heading of page 2 starts at the right margin, not the left.
    page = PdfReader(pdf).pages[1]
    xs: list[float] = []
    page.extract_text(visitor_text=lambda t, cm, tm, fd, fs: xs.append(tm[4]) if t.strip() else None)
    width = float(page.mediabox.width)
    assert max(xs) > width * 0.75


def test_chinese_pdf_uses_the_simplified_chinese_face(built):
    pdf = built["zh"] / "session_report.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert (
        "Noto-Sans-CJK-SC" in fonts and "CJK-JP" not in fonts
    )  # no Japanese glyph variants, charts included
    text = squash("".join(pdf_pages(pdf)))
    assert "大型运营商的过滤带来最大收益" in text and "国际和区域合作" in text


# --- DOCX -----------------------------------------------------------------------------------------


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read(name).decode("utf-8")


def test_arabic_docx_has_bidi_paragraphs_and_tables(built):
    path = built["ar"] / "session_report.docx"
    body = part(path, "word/document.xml")
    paragraphs = re.findall(r"<w:p>.*?</w:p>|<w:p .*?</w:p>", body, re.DOTALL)
    assert paragraphs and all("<w:bidi/>" in p or "<w:bidi />" in p for p in paragraphs)
    assert body.count("<w:tbl>") == body.count("<w:bidiVisual/>") > 0
    footer = part(path, "word/footer1.xml")
    assert "الصفحة " in footer and " من " in footer and "<w:bidi/>" in footer
    assert "تقرير الجلسة" in part(path, "word/header1.xml")


@pytest.mark.parametrize("lang", ["en", "es", "zh"])
def test_left_to_right_docx_has_no_bidi(built, lang):
    body = part(built[lang] / "session_report.docx", "word/document.xml")
    assert "<w:bidi" not in body
    footer = part(built[lang] / "session_report.docx", "word/footer1.xml")
    word = {"en": "Page ", "es": "Página ", "zh": "第 "}[lang]
    assert word in footer


def test_libreoffice_opens_arabic_and_chinese_docx(built, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed (make system)")
    files = [built["ar"] / "briefing_paper.docx", built["zh"] / "session_report.docx"]
    done = libreoffice_to_pdf(files, tmp_path)
    assert done.returncode == 0, done.stderr
    arabic = squash("".join(pdf_pages(tmp_path / "briefing_paper.pdf")))
    assert squash("سجلات النطاقات العليا، والمسجلون، ومزودو خدمة الإنترنت") in arabic
    assert squash("الحلول التقنية") in arabic
    chinese = squash("".join(pdf_pages(tmp_path / "session_report.pdf")))
    assert squash("创建 ROA 简单且成本低。") in chinese and "执行摘要" in chinese
