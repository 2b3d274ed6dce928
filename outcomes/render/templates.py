"""Template sets: layered folders, a sandboxed Jinja2 environment, labels and the context.

A template set is a folder with one sub-folder per document type (``document.html``, optional
``style.css`` and ``reference.docx``), shared partials and styles in ``_shared/``, and fixed labels per
language in ``_labels/<lang>.yaml``. An editor's folder (``--templates DIR``) is layered over the
built-in set file by file: a file there replaces the built-in file of the same name.

Editors' templates are untrusted, so they render in Jinja2's :class:`SandboxedEnvironment` with
autoescape; reaching for Python internals is a :class:`TemplateError` naming the template and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal, TypedDict

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from markupsafe import Markup

from outcomes import catalog
from outcomes.errors import TemplateError
from outcomes.render.charts import chart_markup
from outcomes.model import Report

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DOCUMENT_TYPES = ("session_report", "short_report", "briefing_paper", "recommendations")
RTL_LANGUAGES = {"ar"}
Target = Literal["pdf", "docx", "html"]


class Context(TypedDict):
    """What every document template sees."""

    report: Report
    session: object
    labels: dict[str, str]
    lang: str
    dir: str
    doc_type: str
    target: Target
    generated: str


@dataclass
class TemplateSet:
    """The built-in templates, optionally with an editor's folder layered on top."""

    override: Path | None = None
    builtin: Path = BUILTIN_TEMPLATES
    _labels: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def roots(self) -> list[Path]:
        return [p for p in (self.override, self.builtin) if p is not None]

    def find(self, name: str) -> Path | None:
        """The first file of this name in the layers, editor's first."""
        for root in self.roots:
            candidate = root / name
            if candidate.is_file():
                return candidate
        return None

    def require(self, name: str) -> Path:
        found = self.find(name)
        if found is None:
            raise TemplateError(name, None, "template file not found in any template folder")
        return found

    @cached_property
    def env(self) -> SandboxedEnvironment:
        env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader([str(r) for r in self.roots]),
            # HTML is escaped; stylesheets are included verbatim (they carry no session content).
            autoescape=lambda name: not (name or "").endswith(".css"),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        env.filters["join_and"] = _join_and
        env.filters["action_line_title"] = _action_line_title
        env.filters["poll_chart"] = chart_markup
        env.filters["css_string"] = css_string
        return env

    def files(self) -> dict[str, Path]:
        """Every template file by name, resolved through the layers (sorted)."""
        names: dict[str, Path] = {}
        for root in reversed(self.roots):
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    names[path.relative_to(root).as_posix()] = path
        return dict(sorted(names.items()))

    def labels(self, lang: str) -> dict[str, str]:
        """Fixed labels for a language, English filling any label a translation lacks."""
        if lang not in self._labels:
            merged: dict[str, str] = {}
            for code in ("en", lang):
                path = self.find(f"_labels/{code}.yaml")
                if path is not None:
                    data = yaml.safe_load(path.read_text("utf-8")) or {}
                    merged.update({str(k): str(v) for k, v in data.items()})
            self._labels[lang] = merged
        return self._labels[lang]

    def digest(self) -> str:
        """A hash of every file the layers resolve to, for incremental builds."""
        h = hashlib.sha256()
        for name, path in self.files().items():
            h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()

    def render(self, name: str, context: Context) -> str:
        """Render one template, turning template faults into located :class:`TemplateError`."""
        try:
            template = self.env.get_template(name)
            return template.render(**context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(_template_path(self, exc.name or name), exc.lineno, exc.message) from exc
        except SecurityError as exc:
            file, line = _fault_location(self, exc, name)
            raise TemplateError(file, line, f"not allowed in a template: {exc}") from exc
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(exc.name or name, None, "template not found") from exc
        except (jinja2.UndefinedError, TypeError, ValueError, AttributeError, KeyError) as exc:
            file, line = _fault_location(self, exc, name)
            raise TemplateError(file, line, str(exc)) from exc


def _template_path(templates: TemplateSet, name: str) -> str:
    found = templates.find(name)
    return str(found) if found else name


def _fault_location(templates: TemplateSet, exc: BaseException, name: str) -> tuple[str, int | None]:
    """Find the template file and line in the traceback of a render-time error."""
    tb = exc.__traceback__
    found: tuple[str, int | None] = (_template_path(templates, name), None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".css", ".j2", ".md", ".txt")):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _action_line_title(code: str) -> str:
    line = catalog.action_line(code)
    return line.title if line else ""


def css_string(value: str) -> Markup:
    """Quote text as a CSS string (for labels in @page rules)."""
    out = []
    for ch in str(value):
        out.append(ch if ch.isalnum() or ch in " .,:;-_()" else f"\\{ord(ch):06x}")
    return Markup('"' + "".join(out) + '"')


def _join_and(items: list[str], last: str = "and") -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def build_context(report: Report, doc_type: str, target: Target, templates: TemplateSet) -> Context:
    """The one place the template context is assembled."""
    lang = report.session.language
    generated = report.session.date or dt.date(2000, 1, 1)
    return Context(
        report=report,
        session=report.session,
        labels=templates.labels(lang),
        lang=lang,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        doc_type=doc_type,
        target=target,
        generated=generated.isoformat(),
    )


def render_html(report: Report, doc_type: str, target: Target, templates: TemplateSet) -> str:
    """Render a document type's HTML for one output target."""
    if doc_type not in DOCUMENT_TYPES:
        raise TemplateError(doc_type, None, f"unknown document type; use {', '.join(DOCUMENT_TYPES)}")
    context = build_context(report, doc_type, target, templates)
    return templates.render(f"{doc_type}/document.html", context)
