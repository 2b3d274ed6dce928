"""Template sets: layering, the sandbox, located errors, labels, the table of contents and the check command."""

from __future__ import annotations

import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from outcomes.errors import TemplateError
from outcomes.render.templates import (
    BUILTIN_TEMPLATES,
    DOCUMENT_TYPES,
    LANGUAGES,
    TemplateSet,
    fill_toc,
    page_counter,
    render_html,
)
from outcomes.template_check import check_templates, sample_report

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = str(Path(sys.executable).parent / "outcomes")


def editor_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "my-templates"
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"}
    return subprocess.run(
        [OUTCOMES, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


# --- the built-in set -----------------------------------------------------------------------------


def test_builtin_set_has_a_folder_per_document_type():
    templates = TemplateSet()
    assert templates.document_types() == list(DOCUMENT_TYPES)
    files = templates.files()
    for doc_type in DOCUMENT_TYPES:
        assert f"{doc_type}/document.html" in files
    assert {"_shared/base.html", "_shared/macros.html", "_shared/print.css", "_shared/reference.docx"} <= set(
        files
    )
    assert {f"_labels/{lang}.yaml" for lang in LANGUAGES} <= set(files)


@pytest.mark.parametrize("doc_type", DOCUMENT_TYPES)
@pytest.mark.parametrize("target", ["html", "pdf", "docx"])
def test_every_type_renders_for_every_target(doc_type, target):
    html = render_html(sample_report(), doc_type, target, TemplateSet())
    assert html.startswith("<!DOCTYPE html>")
    assert 'lang="en" dir="ltr"' in html
    assert ("<style>" in html) == (target != "docx")  # the DOCX takes its styles from reference.docx


def test_unknown_document_type_is_a_template_error():
    with pytest.raises(TemplateError, match="unknown document type"):
        render_html(sample_report(), "press_release", "html", TemplateSet())


# --- layering -------------------------------------------------------------------------------------


def test_editor_folder_replaces_built_in_files_one_by_one(tmp_path):
    folder = editor_folder(
        tmp_path,
        {
            "session_report/document.html": '{% extends "_shared/base.html" %}{% block body %}<p>EDITED</p>{% endblock %}',
            "_shared/print.css": "body { color: #123456; }",
        },
    )
    templates = TemplateSet(folder)
    files = templates.files()
    assert files["session_report/document.html"] == folder / "session_report/document.html"
    assert templates.origin(files["session_report/document.html"]) == "editor"
    assert files["short_report/document.html"] == BUILTIN_TEMPLATES / "short_report/document.html"
    assert templates.origin(files["_shared/base.html"]) == "built-in"

    report = sample_report()
    edited = render_html(report, "session_report", "pdf", templates)
    assert "<p>EDITED</p>" in edited and "#123456" in edited  # the editor's page and stylesheet
    assert "facts" in edited  # ... inside the built-in base.html
    untouched = render_html(report, "short_report", "pdf", templates)
    assert "#123456" in untouched and "EDITED" not in untouched
    assert templates.digest() != TemplateSet().digest()


def test_editor_label_file_changes_only_the_labels_it_holds(tmp_path):
    folder = editor_folder(
        tmp_path,
        {
            "_labels/en.yaml": "executive_summary: Summary of the discussion\n",
            "_labels/fr.yaml": "key_takeaways: Ce qu'il faut retenir\n",
        },
    )
    templates = TemplateSet(folder)
    assert templates.labels("en")["executive_summary"] == "Summary of the discussion"
    assert templates.labels("en")["key_takeaways"] == "Key takeaways"
    assert templates.labels("fr")["key_takeaways"] == "Ce qu'il faut retenir"
    assert templates.labels("fr")["executive_summary"] == "Résumé analytique"


def test_templates_list_says_where_each_file_comes_from(tmp_path):
    folder = editor_folder(tmp_path, {"short_report/style.css": "h2 { color: red; }"})
    done = cli("templates", "list", "--templates", str(folder))
    assert done.returncode == 0, done.stderr
    assert all(d in done.stdout for d in DOCUMENT_TYPES)
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  ")}
    assert "editor" in lines["short_report/style.css"]
    assert "built-in" in lines["session_report/document.html"]


# --- the sandbox ----------------------------------------------------------------------------------

INTERNALS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ report.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ session.__class__.__subclasses__() }}",
    "{{ '{0.__class__}'.format(report) }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
]


@pytest.mark.parametrize("expression", INTERNALS)
def test_reaching_for_python_internals_is_a_located_template_error(tmp_path, expression):
    folder = editor_folder(
        tmp_path,
        {
            "session_report/document.html": '{% extends "_shared/base.html" %}\n{% block body %}\n<p>fine</p>\n'
            + expression
            + "\n{% endblock %}\n",
        },
    )
    with pytest.raises(TemplateError) as caught:
        render_html(sample_report(), "session_report", "html", TemplateSet(folder))
    assert str(caught.value).startswith(f"{folder / 'session_report/document.html'}:4: ")
    # lipsum() is not among a template's globals at all.
    assert any(word in str(caught.value) for word in ("unsafe", "not allowed", "'lipsum' is undefined"))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 2 ** 100000 }}", "exponent"),
        ("{{ 'x' * 100000000 }}", "repetition"),
        ("{{ range(10 ** 6) | list }}", "Range too big"),
        ("{% macro loop() %}{{ loop() }}{% endmacro %}{{ loop() }}", "too deeply nested"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{{ labels.no_such_label }}", "no_such_label"),
        ("{% include '../../../etc/passwd' %}", "template not found"),
        ("{% for x in %}", "Expected an expression"),
    ],
)
def test_runaway_or_broken_templates_are_located_errors(tmp_path, source, message):
    folder = editor_folder(tmp_path, {"briefing_paper/document.html": "<p>line 1</p>\n" + source + "\n"})
    with pytest.raises(TemplateError, match=re.escape(message)) as caught:
        render_html(sample_report(), "briefing_paper", "html", TemplateSet(folder))
    assert caught.value.location.path.endswith("briefing_paper/document.html")
    assert caught.value.location.line == 2


def test_an_error_in_a_shared_partial_names_the_partial(tmp_path):
    macros = (BUILTIN_TEMPLATES / "_shared/macros.html").read_text("utf-8")
    broken = macros.replace("{{ labels.key_takeaways }}", "{{ labels.key_takeaways.__class__ }}", 1)
    folder = editor_folder(tmp_path, {"_shared/macros.html": broken})
    line = (
        broken.splitlines().index(next(x for x in broken.splitlines() if "key_takeaways.__class__" in x)) + 1
    )
    with pytest.raises(TemplateError) as caught:
        render_html(sample_report(), "session_report", "html", TemplateSet(folder))
    assert caught.value.location.path == str(folder / "_shared/macros.html")
    assert caught.value.location.line == line


def test_a_symlink_out_of_the_template_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.html"
    secret.write_text("TOP SECRET", encoding="utf-8")
    folder = editor_folder(tmp_path, {"session_report/document.html": "{% include 'leak.html' %}"})
    (folder / "leak.html").symlink_to(secret)
    with pytest.raises(TemplateError, match="template not found"):
        render_html(sample_report(), "session_report", "html", TemplateSet(folder))


def test_template_errors_survive_the_trip_back_from_a_render_worker():
    error = TemplateError("my/document.html", 7, "not allowed")
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) == "my/document.html:7: not allowed"


def test_session_content_is_data_never_template_code():
    report = sample_report()
    theme = report.themes[0]
    report.themes[0] = theme.model_copy(
        update={"title": "{{ 7 * 7 }} {% if true %}x{% endif %} <script>alert(1)</script>"}
    )
    html = render_html(report, "session_report", "html", TemplateSet())
    assert "{{ 7 * 7 }} {% if true %}x{% endif %}" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "A rapporteur wrote {{ 7 * 7 }} and &lt;b&gt;tags&lt;/b&gt; literally." in html


# --- labels ---------------------------------------------------------------------------------------


def test_every_language_translates_every_label():
    english = yaml.safe_load((BUILTIN_TEMPLATES / "_labels/en.yaml").read_text("utf-8"))
    for lang in LANGUAGES:
        labels = yaml.safe_load((BUILTIN_TEMPLATES / f"_labels/{lang}.yaml").read_text("utf-8"))
        assert set(labels) == set(english), lang
        assert "{page}" in labels["page_x_of_y"] and "{pages}" in labels["page_x_of_y"], lang
        assert "{n}" in labels["respondents_count"], lang
        labels["date_format"].format(day=1, month="m", month_number=1, year=2025)
        if lang != "en":
            same = {k for k in english if labels[k] == english[k] and not k.startswith("wsis_")}
            assert same <= {
                "code",
                "format",
                "date",
                "option",
                "sources",
                "title",
                "actor",
                "solution",
                "colon",
                "votes",
                "group",
                "minutes",
                "date_format",
                "rapporteurs",
            }, (lang, same)


def test_a_malformed_label_file_is_located(tmp_path):
    folder = editor_folder(
        tmp_path, {"_labels/es.yaml": "executive_summary: Resumen\nkey_takeaways: [unclosed\n"}
    )
    with pytest.raises(TemplateError) as caught:
        TemplateSet(folder).labels("es")
    assert caught.value.location.path.endswith("_labels/es.yaml") and caught.value.location.line


def test_page_counter_label_becomes_css_counters():
    assert page_counter("Page {page} of {pages}") == '"Page " counter(page) " of " counter(pages)'
    zh = page_counter("第 {page} 页，共 {pages} 页")
    assert zh == '"第 " counter(page) " 页\\00ff0c共 " counter(pages) " 页"'  # the comma is escaped


# --- table of contents ----------------------------------------------------------------------------


def test_table_of_contents_lists_h2_and_h3_with_stable_ids():
    html = (
        '<header><h1 class="doc-title">T</h1></header><nav class="toc"><h2 class="toc-title">Contents</h2></nav>'
        '<h1>Report</h1><h2>Summary &amp; scope</h2><h3 id="own">Theme <em>one</em></h3>'
        '<h3 class="no-toc">By region</h3><h2>Actions</h2>'
    )
    filled = fill_toc(html)
    assert '<h2 id="sec-1">Summary &amp; scope</h2>' in filled
    assert '<h3 id="own">Theme <em>one</em></h3>' in filled
    nav = filled[filled.index("<nav") : filled.index("</nav>")]
    assert re.findall(r'<li class="l(\d)"><a href="#([^"]+)">([^<]*)</a>', nav) == [
        ("2", "sec-1", "Summary &amp; scope"),
        ("3", "own", "Theme one"),
        ("2", "sec-3", "Actions"),
    ]
    assert fill_toc(filled) == fill_toc(html)  # ids are not renumbered on a second pass
    assert fill_toc("<h2>A</h2>") == '<h2 id="sec-1">A</h2>'


# --- the check command ----------------------------------------------------------------------------


def test_check_passes_on_the_built_in_set():
    assert check_templates(full=False) == []


def test_check_reports_every_broken_template_with_file_and_line(tmp_path):
    folder = editor_folder(
        tmp_path,
        {
            "session_report/document.html": '{% extends "_shared/base.html" %}\n{% block body %}\n{{ report.__init__.__globals__ }}\n{% endblock %}\n',
            "short_report/document.html": '{% extends "_shared/base.html" %}\n{% block body %}\n{% if %}\n{% endblock %}\n',
            "_labels/ar.yaml": "contents: [\n",
        },
    )
    problems = [str(p) for p in check_templates(folder, full=False)]
    assert f"{folder / 'session_report/document.html'}:3: not allowed in a template" in "\n".join(problems)
    assert any(p.startswith(f"{folder / 'short_report/document.html'}:3: ") for p in problems)
    assert any(p.startswith(f"{folder / '_labels/ar.yaml'}:") for p in problems)
    assert not any("briefing_paper" in p or "recommendations/" in p for p in problems)


def test_check_command_prints_errors_without_a_traceback(tmp_path):
    folder = editor_folder(
        tmp_path,
        {
            "recommendations/document.html": '{% extends "_shared/base.html" %}\n{% block body %}\n{{ cycler.__init__.__globals__.os }}\n{% endblock %}\n',
        },
    )
    done = cli("templates", "check", "--templates", str(folder))
    assert done.returncode == 1
    assert f"{folder / 'recommendations/document.html'}:3: not allowed in a template" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout

    done = cli("templates", "check")
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_build_prints_a_template_error_without_a_traceback(tmp_path):
    folder = editor_folder(
        tmp_path,
        {
            "session_report/document.html": '{% extends "_shared/base.html" %}\n{% block body %}\n{{ "".__class__.__mro__ }}\n{% endblock %}\n',
        },
    )
    done = cli(
        "build",
        str(ROOT / "inputs/igf2025-ws106"),
        "--doc",
        "session_report",
        "--format",
        "html",
        "--out",
        str(tmp_path / "out"),
        "--templates",
        str(folder),
        timeout=600,
    )
    assert done.returncode == 1
    assert (
        f"{folder / 'session_report/document.html'}:3: not allowed in a template" in done.stdout + done.stderr
    )
    assert "Traceback" not in done.stdout + done.stderr
