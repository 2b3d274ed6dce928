"""Text from a session is text in the DOCX: never a field, a placeholder or a heap-hungry pandoc run."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest

from outcomes.errors import OutcomesError
from outcomes.render import docx as docx_module
from outcomes.render.docx import write_docx
from outcomes.render.templates import BUILTIN_TEMPLATES, TemplateSet, render_html
from outcomes.template_check import sample_report

REFERENCE = BUILTIN_TEMPLATES / "_shared/reference.docx"


def write(tmp_path: Path, *, event: str, code: str = "WS #1", title: str = "T") -> dict[str, str]:
    """Write the sample session report with these session fields; return its header and footer XML."""
    report = sample_report()
    report.session.event, report.session.code, report.session.title = event, code, title
    html = render_html(report, "session_report", "docx", TemplateSet())
    target = tmp_path / "report.docx"
    write_docx(html, target, REFERENCE, lang="en", rtl=False, created=None, toc_title="Contents")
    with zipfile.ZipFile(target) as z:
        return {
            n: z.read(n).decode("utf-8")
            for n in z.namelist()
            if re.fullmatch(r"word/(header|footer)\d*\.xml", n)
        }


def text_of(xml: str) -> str:
    return "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))


def test_page_placeholders_in_session_text_stay_text(tmp_path):
    parts = write(tmp_path, event="IGF {pages}", code="WS {page} {header} {footer}")
    headers = "".join(x for n, x in parts.items() if "header" in n)
    footers = "".join(x for n, x in parts.items() if "footer" in n)
    assert "IGF {pages}" in text_of(headers) and "WS {page} {header} {footer}" in text_of(headers)
    assert "instrText" not in headers and "fldSimple" not in headers and "fldChar" not in headers
    # The template's own page fields are still fields, in the footer.
    assert re.search(r"<w:instrText[^>]*> PAGE </w:instrText>", footers)
    assert re.search(r"<w:instrText[^>]*> NUMPAGES </w:instrText>", footers)
    assert "{page" not in text_of(footers)


def test_field_marks_typed_in_session_text_stay_text(tmp_path):
    parts = write(tmp_path, event="&#123;pages&#125; <b>x</b>")
    headers = "".join(x for n, x in parts.items() if "header" in n)
    assert "instrText" not in headers and "fldChar" not in headers
    assert "&amp;#123;pages&amp;#125; &lt;b&gt;x&lt;/b&gt;" in headers


def test_docx_pandoc_runs_with_a_heap_limit_and_says_so_when_it_is_passed(tmp_path, monkeypatch):
    commands = []
    real = docx_module.pandoc_command

    def recording(args, rts=()):
        commands.append(rts)
        return real(args, rts)

    monkeypatch.setattr(docx_module, "pandoc_command", recording)
    write(tmp_path, event="IGF 2025")
    assert commands == [(f"-M{docx_module.PANDOC_MAX_HEAP}",)]

    monkeypatch.setattr(docx_module, "PANDOC_MAX_HEAP", "2m")  # far too little for any document
    with pytest.raises(
        OutcomesError, match="pandoc needs more than 2 MB of memory to write this DOCX"
    ) as caught:
        write(tmp_path, event="IGF 2025")
    assert not caught.value.retryable


def test_a_docx_pandoc_leaves_unreadable_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(
        docx_module, "run_pandoc", lambda args, html, epoch: Path(args[-1][9:]).write_bytes(b"x")
    )
    with pytest.raises(OutcomesError, match=r"the DOCX pandoc wrote could not be finished \(report.docx\)"):
        write(tmp_path, event="IGF 2025")


@pytest.mark.parametrize("title", ["True", "false", "1e3", "*not emphasis* & <b>not bold</b>"])
def test_the_docx_title_is_the_session_title_as_typed(tmp_path, title):
    # Read from the HTML's <title>, never through pandoc's --metadata (YAML: "True" was a boolean there).
    import docx

    write(tmp_path, event="IGF 2025", code="", title=title)
    document = docx.Document(tmp_path / "report.docx")
    assert document.core_properties.title == title
    first = document.paragraphs[0]
    assert (first.style.name, first.text) == ("Title", title)
