"""An editor's template cannot make a render take unbounded memory or time: each way ends in a located error.

The outside review: in ``templates check``, a ``{% set ns.s = ns.s ~ ns.s %}`` loop built 1 GB and
reported "ok", and nested ``range(100000)`` loops never ended. Values a template builds are bounded by
``MAX_TEXT``, what it prints by ``MAX_OUTPUT``, and its time by the render time limit of builds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from outcomes import build as lib
from outcomes.errors import TemplateError
from outcomes.render import templates as templates_module
from outcomes.render.templates import TemplateSet, render_html
from outcomes.template_check import sample_report

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = str(Path(sys.executable).parent / "outcomes")
SESSION = ROOT / "tests/hostile/base"

STRING_DOUBLING = (
    '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}'
)
NESTED_RANGES = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
# Loops over context data, with nothing in them the sandbox's hooks see: its timer stops them.
NESTED_LOOPS_OVER_LABELS = (
    "{% for a in labels %}{% for b in labels %}{% for c in labels %}{% for d in labels %}"
    "{% for e in labels %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}"
)

LONG_TEXT = '{% set s = "a " * 50000 %}' + "{% set s = s ~ s %}" * 5  # 3,200,000 characters
GROWTH = {
    "namespace_string_doubling": STRING_DOUBLING,
    "unrolled_set_doubling": '{% set s = "x" * 1000 %}' + "{% set s = s ~ s %}" * 30 + "{{ s|length }}",
    "macro_argument_doubling": "{% macro d(s, n) %}{{ d(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ d('x', 40) }}",
    "plus_doubling": '{% set ns = namespace(s="x") %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}',
    "repetition_of_a_long_string": '{{ ("x" * 100000) * 100000 }}',
    "printf_width": "{{ '%1000000000d' % 1 }}",
    "printf_star_width": "{{ '%*d' % (1000000000, 1) }}",
    "format_width": "{{ '{:>1000000000}'.format(1) }}",
    "format_filter_width": "{{ '%1000000000d'|format(1) }}",
    "replace_every_position": '{% set s = "x" * 100000 %}{{ s|replace("", s) }}',
    "center_width": "{{ 'x'|center(1000000000) }}",
    "join_of_repeated_strings": '{% set s = "x" * 100000 %}{{ ([s] * 100000)|join }}',
    "list_of_lists_printed": "{% set a = ['x' * 1000] %}" + "{% set a = [a, a] %}" * 30 + "{{ a }}",
    "list_of_lists_as_string": "{% set a = ['x' * 1000] %}"
    + "{% set a = [a, a] %}" * 30
    + "{{ a|string|length }}",
    "sum_of_lists": "{% set r = range(100000)|list %}{{ ([r] * 100000)|sum(start=[])|length }}",
    "split_into_many_items": LONG_TEXT + "{{ s.split()|length }}",
    "indent_of_many_lines": '{{ ("\\n" * 100000)|indent(1000) }}',
    "list_of_a_long_string": LONG_TEXT + "{{ s|list|length }}",
    "wordwrap_width_one": LONG_TEXT + "{{ s|wordwrap(1) }}",
    "output_over_the_limit": '{% set s = "x" * 100000 %}{% for i in range(100000) %}{{ s }}{% endfor %}',
}


def editor(tmp_path: Path, body: str) -> Path:
    """An editor's folder whose session report puts ``body`` on line 3."""
    folder = tmp_path / "my-templates"
    (folder / "session_report").mkdir(parents=True, exist_ok=True)
    (folder / "session_report/document.html").write_text(
        '{% extends "_shared/base.html" %}\n{% block body %}\n' + body + "\n{% endblock %}\n",
        encoding="utf-8",
    )
    return folder


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR", **(env or {})}
    return subprocess.run([OUTCOMES, *args], capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)


@pytest.mark.parametrize("name", sorted(GROWTH))
def test_growth_is_a_located_error_in_bounded_time(name, tmp_path):
    folder = editor(tmp_path, GROWTH[name])
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        render_html(sample_report(), "session_report", "html", TemplateSet(folder))
    assert time.perf_counter() - started < 10
    assert str(caught.value).startswith(f"{folder / 'session_report/document.html'}:3: "), caught.value
    assert "not allowed in a template" in str(caught.value)


def test_values_under_the_limits_still_render(tmp_path):
    body = (
        '{% set ns = namespace(s="ab") %}{% for i in range(10) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}'
        "{{ ns.s|length }}|{{ '%5d' % 42 }}|{{ '{:>6}'.format('r') }}|{{ 'x'|center(5) }}|{{ ['a', 'b']|join('-') }}"
    )
    html = render_html(sample_report(), "session_report", "html", TemplateSet(editor(tmp_path, body)))
    assert "2048|   42|     r|  x  |a-b" in html


def test_nested_ranges_stop_at_the_time_limit_with_their_line(tmp_path, monkeypatch):
    # In this process pytest-timeout holds SIGALRM, so only the sandbox's hooks keep time here; the
    # timer that stops loops the hooks do not see is tested through the commands below.
    monkeypatch.setattr(templates_module, "TEMPLATE_TIMEOUT_S", 1.6)
    folder = editor(tmp_path, NESTED_RANGES)
    started = time.perf_counter()
    with pytest.raises(TemplateError, match="rendering took longer than 1.6 s") as caught:
        render_html(sample_report(), "session_report", "html", TemplateSet(folder))
    assert time.perf_counter() - started < 5
    assert str(caught.value).startswith(f"{folder / 'session_report/document.html'}:3: ")


def test_templates_check_stops_string_doubling_quickly(tmp_path):
    folder = editor(tmp_path, STRING_DOUBLING)
    started = time.perf_counter()
    done = cli("templates", "check", "--templates", str(folder))
    assert time.perf_counter() - started < 60
    assert done.returncode == 1 and "templates: ok" not in done.stdout
    assert f"{folder / 'session_report/document.html'}:3: " in done.stderr
    assert "longer than 20,000,000 characters" in done.stderr


@pytest.mark.parametrize(
    "body", [NESTED_RANGES, NESTED_LOOPS_OVER_LABELS], ids=["ranges", "loops_over_labels"]
)
def test_templates_check_renders_under_the_build_time_limit(body, tmp_path):
    folder = editor(tmp_path, body)
    started = time.perf_counter()
    done = cli("templates", "check", "--templates", str(folder), env={"OUTCOMES_RENDER_TIMEOUT": "10"})
    seconds = time.perf_counter() - started
    assert done.returncode == 1 and "templates: ok" not in done.stdout
    page = folder / "session_report/document.html"
    assert f"{page}:3: not allowed in a template: rendering took longer than 8 s" in done.stderr, done.stderr
    assert seconds < 10 + 60  # the limit, and the other document types' PDF and DOCX on a loaded machine


@pytest.mark.parametrize(
    "body", [NESTED_RANGES, NESTED_LOOPS_OVER_LABELS], ids=["ranges", "loops_over_labels"]
)
def test_build_and_preview_render_under_the_same_limits(body, tmp_path):
    folder = editor(tmp_path, body)
    page = folder / "session_report/document.html"
    env = {"OUTCOMES_RENDER_TIMEOUT": "10"}
    out = tmp_path / "out"
    built = cli(
        "build", str(SESSION), "--templates", str(folder), "--out", str(out), "--format", "html", env=env
    )
    assert built.returncode == 1
    assert (
        f"{page}:3: not allowed in a template: rendering took longer than 8 s" in built.stdout + built.stderr
    )
    shown = cli("preview", str(SESSION), "--templates", str(folder), "--out", str(out), "--once", env=env)
    assert (
        f"{page}:3: not allowed in a template: rendering took longer than 8 s" in shown.stdout + shown.stderr
    )


def test_a_template_may_run_30_s_at_most_and_never_past_its_share_of_the_render_limit():
    def limit(**env: str) -> float:
        code = "from outcomes.render.templates import TEMPLATE_TIMEOUT_S as t; print(t)"
        environ = {k: v for k, v in os.environ.items() if k != "OUTCOMES_RENDER_TIMEOUT"} | env
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
        return float(done.stdout)

    assert limit() == 30.0  # not 240 s (80 % of the 300 s render limit): a looping template
    assert limit(OUTCOMES_RENDER_TIMEOUT="10") == 8.0


def _sessions(tmp_path: Path, count: int) -> list[Path]:
    folders = [tmp_path / "programme" / f"igf2025-ws{900 + n}" for n in range(count)]
    for folder in folders:
        shutil.copytree(SESSION, folder)
    return folders


def test_a_template_that_timed_out_is_not_tried_again_until_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(templates_module, "TEMPLATE_TIMEOUT_S", 1.0)
    monkeypatch.setattr(lib, "_timed_out", {})
    folder = editor(tmp_path, NESTED_RANGES)
    first, second, third = _sessions(tmp_path, 3)
    options = lib.BuildOptions(out=tmp_path / "out", templates=TemplateSet(folder), formats=("html", "txt"))
    page = folder / "session_report/document.html"

    paid = lib.build_session(first, options)
    assert paid.status == "failed"
    assert paid.errors == [f"{page}:3: not allowed in a template: rendering took longer than 1 s"]
    spared = lib.build_session(second, options)
    assert spared.status == "failed"
    assert spared.errors == [
        f"{page}:3: not allowed in a template: rendering took longer than 1 s with session {first.name}; "
        "not tried again until the template changes"
    ]
    editor(tmp_path, "<p>{{ session.title }}</p>")  # the editor fixes it
    fixed = lib.build_session(third, options)
    assert fixed.status == "built", fixed.errors


def test_a_batch_pays_a_looping_template_once_per_renderer(tmp_path):
    folder = editor(tmp_path, NESTED_RANGES)
    folders = _sessions(tmp_path, 3)
    cpus = sorted(os.sched_getaffinity(0))[:2]  # one renderer per core: at most two here
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR", "OUTCOMES_RENDER_TIMEOUT": "10"}  # stops at 8 s
    command = [OUTCOMES, "build", "--all", str(folders[0].parent), "--templates", str(folder)]
    built = subprocess.run(
        [*command, "--out", str(tmp_path / "out"), "--format", "pdf,html"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, cpus),
    )
    text = built.stdout + built.stderr
    assert built.returncode == 1
    assert "3 session(s): 0 built, 0 unchanged, 3 failed" in text, text
    # Six session reports (three sessions, PDF and HTML), two renderers: at most two paid the 8 s.
    assert "not tried again until the template changes" in text, text
    assert "Traceback" not in text
