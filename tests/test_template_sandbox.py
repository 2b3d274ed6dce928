"""An editor's template gets plain data and may call nothing but filters, tests, macros and a few methods.

The outside review's escape: the context held live pydantic models, so ``report.parse_raw(<pickle>,
proto="pickle", allow_pickle=True)`` ran a command and ``report.parse_file(path)`` read a file, in
``templates check``, ``build --templates`` and ``preview --templates``. Here every public method name of
every object a template can reach (and of the models they came from) is called from a template.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from outcomes import model
from outcomes.errors import TemplateError
from outcomes.render import documents
from outcomes.render.templates import (
    ALLOWED_METHODS,
    DOCUMENT_TYPES,
    Printed,
    TemplateSet,
    build_context,
    render_html,
)
from outcomes.template_check import check_templates, sample_report

ROOT = Path(__file__).resolve().parents[1]
OUTCOMES = str(Path(sys.executable).parent / "outcomes")
SESSION = ROOT / "tests/hostile/base"
SECRET = "TOPSECRET-4f1c9"
# Every public name pydantic gives a model (parse_raw, parse_file, model_validate, copy, json, dict, ...).
MODEL_NAMES = {n for n in dir(BaseModel) if not n.startswith("_")}
TRICKS = ["__class__", "__init__", "__reduce__", "__getattribute__", "__subclasses__", "mro", "__globals__"]


class _Exploit:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def pickle_attack(marker: Path) -> str:
    """The issue's attack: a protocol-0 (ASCII) pickle that runs ``touch MARKER`` when loaded."""
    payload = pickle.dumps(_Exploit(marker), protocol=0).decode("ascii")
    return "{{ report.parse_raw(" + repr(payload) + ", proto='pickle', allow_pickle=True) }}"


def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.json"
    path.write_text(json.dumps({"session": {"id": SECRET}}), encoding="utf-8")
    return path


def editor(tmp_path: Path, body: str, name: str = "my-templates") -> Path:
    """An editor's folder whose session report puts ``body`` on line 3."""
    folder = tmp_path / name
    (folder / "session_report").mkdir(parents=True)
    (folder / "session_report/document.html").write_text(
        '{% extends "_shared/base.html" %}\n{% block body %}\n' + body + "\n{% endblock %}\n",
        encoding="utf-8",
    )
    return folder


# --- every reachable object, every public name ---------------------------------------------------


def _reachable(value: Any, path: str, found: dict[tuple, tuple[str, Any]]) -> None:
    """One template expression per kind of object reachable from ``value``."""
    key = (type(value), tuple(sorted(value)) if isinstance(value, dict) else None)
    if key not in found:
        found[key] = (path, value)
    if isinstance(value, dict):
        for k, v in value.items():
            _reachable(v, f"{path}[{k!r}]", found)
    elif isinstance(value, list) and value:
        _reachable(value[0], f"{path}[0]", found)


def reachable_objects() -> list[tuple[str, Any]]:
    found: dict[tuple, tuple[str, Any]] = {}
    for doc_type in DOCUMENT_TYPES:
        context = build_context(sample_report(), doc_type, "html", TemplateSet())
        for name, value in context.items():
            _reachable(value, name, found)
    return list(found.values())


def allowed(value: Any, name: str) -> bool:
    return any(isinstance(value, kind) and name in names for kind, names in ALLOWED_METHODS.items())


def calls() -> list[str]:
    """A template expression calling every public method name of every reachable object."""
    model_names = set(MODEL_NAMES)
    for module in (model, documents):
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, BaseModel):
                model_names |= {n for n in dir(cls) if not n.startswith("_")}
    expressions = []
    for path, value in reachable_objects():
        names = {n for n in dir(value) if not n.startswith("_")} | set(TRICKS)
        if isinstance(value, dict):
            names |= model_names  # whatever the model this dict came from could do
        expressions += [f"{path}.{n}()" for n in sorted(names) if not allowed(value, n)]
    return expressions


def test_the_context_is_plain_data():
    plain = (str, int, float, bool, type(None), dt.date, list, dict)
    for path, value in reachable_objects():
        printed = type(value) is Printed and str(value) != repr(dict(value))  # a source: "notes/a.md:12"
        assert type(value) in plain or isinstance(value, str) or printed, (
            f"{path} is a {type(value).__name__}"
        )
        assert not isinstance(value, BaseModel), path


def test_every_public_method_of_every_context_object_is_a_located_error(tmp_path):
    expressions = calls()
    assert len(expressions) > 500
    assert "report.parse_raw()" in expressions and "report.parse_file()" in expressions
    assert any(e.endswith("['date'].fromtimestamp()") for e in expressions)
    folder = tmp_path / "my-templates" / "session_report"
    folder.mkdir(parents=True)
    page = folder / "document.html"
    templates = TemplateSet(folder.parent)
    rendered = []
    for expression in expressions:
        page.write_text("{% block body %}\n<p>fine</p>\n{{ " + expression + " }}\n{% endblock %}\n", "utf-8")
        os.utime(page, (0, len(rendered) + 1))  # a new mtime, so that Jinja reloads the page
        try:
            render_html(sample_report(), "session_report", "html", templates)
        except TemplateError as exc:
            assert str(exc).startswith(f"{page}:3: "), expression
        else:
            rendered.append(expression)
    assert rendered == []


def test_allowed_methods_still_work(tmp_path):
    body = (
        "{{ session.title.upper() }}|{{ session.title.split(':')[0] }}|{{ report.themes|length }}"
        "|{{ session.get('code') }}|{% for k, v in session.items() if k == 'event' %}{{ v }}{% endfor %}"
        "|{{ session.date.isoformat() }}|{{ '{} of {}'.format(1, 2) }}|{{ report.themes[0].title|upper }}"
    )
    html = render_html(sample_report(), "session_report", "html", TemplateSet(editor(tmp_path, body)))
    assert (
        "SAMPLE SESSION: ENGAGING TECHNICAL OPERATORS|Sample session|3|WS #000|IGF 2025|2025-06-24|1 of 2"
        in html
    )


# --- the attacks, through check, build and preview ---------------------------------------


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PREFECT_LOGGING_LEVEL": "ERROR"}
    return subprocess.run(
        [OUTCOMES, *args], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT
    )


ATTACKS = ["pickle", "parse_file", "model_validate", "copy", "class"]


def attack(name: str, tmp_path: Path, marker: Path) -> str:
    return {
        "pickle": pickle_attack(marker),
        "parse_file": "{{ report.parse_file(" + repr(str(secret_file(tmp_path))) + ") }}",
        "model_validate": "{{ session.model_validate({'id': 'x'}) }}",
        "copy": "{{ report.copy() }}",
        "class": "{{ report.__class__.parse_file(" + repr(str(secret_file(tmp_path))) + ") }}",
    }[name]


def assert_refused(output: str, page: Path, marker: Path) -> None:
    assert f"{page}:3: " in output, output
    assert SECRET not in output
    assert not marker.exists(), "the template ran a command"


@pytest.mark.parametrize("name", ATTACKS)
def test_templates_check_refuses_the_attack(name, tmp_path):
    marker = tmp_path / "MARKER-must-not-exist"
    folder = editor(tmp_path, attack(name, tmp_path, marker))
    done = cli("templates", "check", "--templates", str(folder))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "templates: ok" not in done.stdout
    assert_refused(done.stdout + done.stderr, folder / "session_report/document.html", marker)


@pytest.mark.parametrize("name", ["pickle", "parse_file"])
def test_build_refuses_the_attack(name, tmp_path):
    marker = tmp_path / "MARKER-must-not-exist"
    folder = editor(tmp_path, attack(name, tmp_path, marker))
    out = tmp_path / "out"
    done = cli("build", str(SESSION), "--templates", str(folder), "--out", str(out), "--format", "html")
    assert done.returncode == 1, done.stdout + done.stderr
    assert_refused(done.stdout + done.stderr, folder / "session_report/document.html", marker)
    assert not any(SECRET in p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file())


@pytest.mark.parametrize("name", ["pickle", "parse_file"])
def test_preview_refuses_the_attack(name, tmp_path):
    marker = tmp_path / "MARKER-must-not-exist"
    folder = editor(tmp_path, attack(name, tmp_path, marker))
    out = tmp_path / "out"
    done = cli("preview", str(SESSION), "--templates", str(folder), "--out", str(out), "--once")
    assert_refused(done.stdout + done.stderr, folder / "session_report/document.html", marker)
    assert not any(SECRET in p.read_text("utf-8", "replace") for p in out.rglob("*") if p.is_file())


def test_check_templates_reports_the_attack_located(tmp_path):
    marker = tmp_path / "MARKER-must-not-exist"
    folder = editor(tmp_path, pickle_attack(marker))
    problems = [str(p) for p in check_templates(folder, full=False)]
    assert problems and all(p.startswith(f"{folder / 'session_report/document.html'}:3: ") for p in problems)
    assert not marker.exists()
