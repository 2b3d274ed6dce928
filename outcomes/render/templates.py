"""Template sets: layered folders, a sandboxed Jinja2 environment, labels and the context.

A template set is a folder with one sub-folder per document type (``document.html``, optional
``style.css`` and ``reference.docx``), shared partials and styles in ``_shared/``, and fixed labels per
language in ``_labels/<lang>.yaml``. An editor's folder (``--templates DIR``) is layered over the
built-in set file by file: a file there replaces the built-in file of the same name.

Editors' templates are untrusted, so they render in Jinja2's :class:`SandboxedEnvironment` with
autoescape; reaching for Python internals is a :class:`TemplateError` naming the template and line.
Session content is only ever a value in the context, never template source, so Jinja syntax in a
rapporteur's note prints as written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html as htmllib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypedDict

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from markupsafe import Markup

from outcomes import catalog
from outcomes.errors import TemplateError
from outcomes.model import Report, SessionMeta
from outcomes.render.charts import chart_markup
from outcomes.render.documents import DocumentData, Fact, cover_facts, document_data, long_date

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DOCUMENT_TYPES = ("session_report", "short_report", "briefing_paper", "recommendations")
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
RTL_LANGUAGES = {"ar"}
Target = Literal["pdf", "docx", "html"]

# Bounds on what a template may compute: the sandbox stops attribute tricks, not `'x' * 10**9`.
MAX_POWER = 1000
MAX_POWER_BITS = 1_000_000
MAX_REPEAT = 100_000


class Context(TypedDict):
    """What every document template sees."""

    report: Report
    session: SessionMeta
    labels: dict[str, str]
    lang: str
    dir: str
    rtl: bool
    doc_type: str
    doc: DocumentData
    facts: list[Fact]
    target: Target
    generated: str


class _ConfinedLoader(jinja2.FileSystemLoader):
    """A file-system loader that will not follow a symlink out of its template folders."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        if not any(real.is_relative_to(Path(root).resolve()) for root in self.searchpath):
            raise jinja2.TemplateNotFound(template, f"{template} leads outside the template folders")
        return source, filename, uptodate


class _Sandbox(SandboxedEnvironment):
    """The sandbox, also refusing arithmetic that would exhaust memory or time."""

    intercepted_binops = frozenset({"**", "*"})

    def call_binop(self, context: jinja2.runtime.Context, op: str, left: Any, right: Any) -> Any:
        if op == "**" and isinstance(right, int):
            too_big = isinstance(left, int) and abs(left).bit_length() * abs(right) > MAX_POWER_BITS
            if abs(right) > MAX_POWER or too_big:
                raise SecurityError(f"exponent {right} is too large")
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise SecurityError("repetition too large")
        return {"**": operator.pow, "*": operator.mul}[op](left, right)


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

    def origin(self, path: Path) -> str:
        """Say which layer a resolved file comes from."""
        if self.override is not None and path.is_relative_to(self.override):
            return "editor"
        return "built-in"

    @cached_property
    def env(self) -> SandboxedEnvironment:
        env = _Sandbox(
            loader=_ConfinedLoader([str(r) for r in self.roots]),
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
        env.filters["page_counter"] = page_counter
        env.filters["long_date"] = _long_date
        env.filters["sources"] = _sources
        return env

    def files(self) -> dict[str, Path]:
        """Every template file by name, resolved through the layers (sorted)."""
        names: dict[str, Path] = {}
        for root in reversed(self.roots):
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.name.startswith((".", "~$")):
                    names[path.relative_to(root).as_posix()] = path
        return dict(sorted(names.items()))

    def document_types(self) -> list[str]:
        """The document types this set can render, in the order of :data:`DOCUMENT_TYPES`."""
        return [d for d in DOCUMENT_TYPES if self.find(f"{d}/document.html")]

    def labels(self, lang: str) -> dict[str, str]:
        """Fixed labels for a language, merged label by label.

        English first, then the language; in each, the built-in file first, then the editor's. So an
        editor's ``_labels/fr.yaml`` may hold only the labels it changes, and English fills any label
        a translation lacks.
        """
        if lang not in self._labels:
            merged: dict[str, str] = {}
            for code in dict.fromkeys(("en", lang)):
                for root in reversed(self.roots):
                    merged.update(read_labels(root / "_labels" / f"{code}.yaml"))
            self._labels[lang] = merged
        return self._labels[lang]

    def reload_labels(self) -> None:
        """Forget the labels read so far (templates reload on their own when their files change)."""
        self._labels.clear()

    def digest(self) -> str:
        """A hash of every file the layers resolve to, for incremental builds."""
        h = hashlib.sha256()
        for name, path in self.files().items():
            h.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
        return h.hexdigest()

    def render(self, name: str, context: Context) -> str:
        """Render one template, turning any template fault into a located :class:`TemplateError`."""
        try:
            template = self.env.get_template(name)
            return template.render(**context)
        except TemplateError:
            raise
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or _template_path(self, exc.name or name)
            raise TemplateError(where, exc.lineno, exc.message or "syntax error") from exc
        except SecurityError as exc:
            file, line = _fault_location(self, exc, name)
            raise TemplateError(file, line, f"not allowed in a template: {exc}") from exc
        except jinja2.TemplateNotFound as exc:
            file, line = _fault_location(self, exc, name)
            raise TemplateError(file, line, f"template not found: {exc.name}") from exc
        except RecursionError as exc:
            file, line = _fault_location(self, exc, name)
            raise TemplateError(file, line, "too deeply nested (a macro calling itself?)") from exc
        except Exception as exc:  # noqa: BLE001 - any fault in an editor's template is the template's
            file, line = _fault_location(self, exc, name)
            message = str(exc) or type(exc).__name__
            if not isinstance(exc, jinja2.UndefinedError):
                message = f"{type(exc).__name__}: {message}"
            raise TemplateError(file, line, message) from exc


def read_labels(path: Path) -> dict[str, str]:
    """One label file (empty if there is none); a malformed file is a located TemplateError."""
    if not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TemplateError(str(path), mark.line + 1 if mark else None, f"not valid YAML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise TemplateError(str(path), None, "not UTF-8 text") from exc
    if not isinstance(data, dict):
        raise TemplateError(str(path), None, "labels must be a mapping of name: text")
    bad = [str(k) for k, v in data.items() if not isinstance(v, str | int | float)]
    if bad:
        raise TemplateError(str(path), None, f"label(s) {', '.join(bad)} must be text")
    return {str(k): str(v) for k, v in data.items()}


def _template_path(templates: TemplateSet, name: str) -> str:
    found = templates.find(name)
    return str(found) if found else name


def _fault_location(templates: TemplateSet, exc: BaseException, name: str) -> tuple[str, int | None]:
    """Find the innermost template file and line in the traceback of a render-time error.

    Jinja2 rewrites tracebacks so that frames of compiled templates carry the template's file name
    and source line; the innermost such frame is where the fault is.
    """
    roots = [str(r.resolve()) for r in templates.roots] + [str(r) for r in templates.roots]
    tb = exc.__traceback__
    found: tuple[str, int | None] = (_template_path(templates, name), None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        in_templates = filename.startswith(tuple(roots)) and not filename.endswith(".py")
        if in_templates or filename == "<template>":
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


@jinja2.pass_context
def _action_line_title(context: jinja2.runtime.Context, code: str) -> str:
    """An action line's title in the document's language (label wsis_<code>), else the catalog's."""
    line = catalog.action_line(code)
    if line is None:
        return ""
    labels = context.get("labels") or {}
    return labels.get(f"wsis_{line.code}") or line.title


def _sources(items: list[Any]) -> str:
    """Where items came from, for the editor: 'notes/a.md:12; worksheet.xlsx!Themes!3'."""
    seen = dict.fromkeys(str(s) for item in items for s in getattr(item, "sources", []))
    return "; ".join(seen)


def css_string(value: str) -> Markup:
    """Quote text as a CSS string (for labels in @page rules)."""
    out = []
    for ch in str(value):
        out.append(ch if ch.isalnum() or ch in " .,:;-_()" else f"\\{ord(ch):06x}")
    return Markup('"' + "".join(out) + '"')


def page_counter(pattern: str) -> Markup:
    """A CSS ``content`` value from a label such as "Page {page} of {pages}"."""
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", str(pattern)):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return Markup(" ".join(parts) or '""')


@jinja2.pass_context
def _long_date(context: jinja2.runtime.Context, value: dt.date | None) -> str:
    """A date written out in the document's language (filter ``long_date``)."""
    return long_date(value, context.get("labels") or {}) if value else ""


def _join_and(items: list[str], last: str = "and") -> str:
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {last} " + items[-1]


def build_context(report: Report, doc_type: str, target: Target, templates: TemplateSet) -> Context:
    """The one place the template context is assembled."""
    lang = report.session.language
    generated = report.session.date or dt.date(2000, 1, 1)
    labels = templates.labels(lang)
    return Context(
        report=report,
        session=report.session,
        labels=labels,
        lang=lang,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        rtl=lang in RTL_LANGUAGES,
        doc_type=doc_type,
        doc=document_data(report, doc_type, labels, templates.labels("en")),
        facts=cover_facts(report.session, labels),
        target=target,
        generated=generated.isoformat(),
    )


def render_html(report: Report, doc_type: str, target: Target, templates: TemplateSet) -> str:
    """Render a document type's HTML for one output target, with its table of contents filled in."""
    if doc_type not in DOCUMENT_TYPES:
        raise TemplateError(doc_type, None, f"unknown document type; use {', '.join(DOCUMENT_TYPES)}")
    context = build_context(report, doc_type, target, templates)
    return fill_toc(templates.render(f"{doc_type}/document.html", context))


# --- table of contents --------------------------------------------------------------------------

_HEADING = re.compile(r"<h([23])((?:\s[^>]*)?)>(.*?)</h\1\s*>", re.DOTALL | re.IGNORECASE)
_NAV = re.compile(r'(<nav\b[^>]*\bclass="[^"]*\btoc\b[^"]*"[^>]*>)(.*?)(</nav>)', re.DOTALL | re.IGNORECASE)
_ATTR_ID = re.compile(r'\bid="([^"]*)"')
_ATTR_CLASS = re.compile(r'\bclass="([^"]*)"')
_TAG = re.compile(r"<[^>]+>")
_TOC_LIST = re.compile(r'<ol class="toc-entries">.*?</ol>', re.DOTALL)


def fill_toc(html: str) -> str:
    """Give every h2/h3 an id and list them in ``<nav class="toc">`` (if the template has one).

    Headings with the class ``no-toc`` or ``toc-title`` keep out of the list. Page numbers come from
    CSS (``target-counter``) in the PDF; the ids are numbered in document order, so they are stable.
    """
    nav = _NAV.search(html)
    start = nav.end() if nav else 0
    entries: list[tuple[int, str, str]] = []
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        classes = (_ATTR_CLASS.search(attrs) or [None, ""])[1].split()
        existing = _ATTR_ID.search(attrs)
        if existing:
            anchor = existing.group(1)
        else:
            counter += 1
            anchor = f"sec-{counter}"
            attrs = f' id="{anchor}"{attrs}'
        text = " ".join(htmllib.unescape(_TAG.sub("", inner)).split())
        if text and not {"no-toc", "toc-title"} & set(classes):
            entries.append((level, anchor, text))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    body = _HEADING.sub(number, html[start:])
    if not nav:
        return body
    items = "".join(
        f'<li class="l{level}"><a href="#{anchor}">{htmllib.escape(text, quote=False)}</a></li>'
        for level, anchor, text in entries
    )
    # A list from an earlier pass is replaced, so filling twice gives the same page.
    inside = _TOC_LIST.sub("", nav.group(2))
    toc = f'<ol class="toc-entries">{items}</ol>' if items else ""
    return html[: nav.start()] + nav.group(1) + inside + toc + nav.group(3) + body
