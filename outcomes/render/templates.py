"""Template sets: layered folders, a sandboxed Jinja2 environment, labels and the context.

A template set is a folder with one sub-folder per document type (``document.html``, optional
``style.css`` and ``reference.docx``), shared partials and styles in ``_shared/``, and fixed labels per
language in ``_labels/<lang>.yaml``. An editor's folder (``--templates DIR``) is layered over the
built-in set file by file: a file there replaces the built-in file of the same name.

Editors' templates are untrusted, so they render in Jinja2's :class:`SandboxedEnvironment` with
autoescape, on plain data only (:func:`plain`); calling anything but filters, tests, macros and
:data:`ALLOWED_METHODS`, reaching for Python internals, or passing a limit on size or time
(:data:`MAX_TEXT`, :data:`MAX_OUTPUT`, :data:`RENDER_TIMEOUT_S`) is a :class:`TemplateError` naming the
template and line.
Session content is only ever a value in the context, never template source, so Jinja syntax in a
rapporteur's note prints as written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import enum
import functools
import hashlib
import html as htmllib
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal, TypedDict

import jinja2
import jinja2.nodes as nodes
import yaml
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SecurityError, safe_range
from markupsafe import Markup, escape
from pydantic import BaseModel

from outcomes import catalog
from outcomes.errors import TemplateError
from outcomes.model import PollQuestion, Report, Source
from outcomes.render.charts import MORE_OPTIONS, chart_markup
from outcomes.render.documents import cover_facts, document_data, long_date

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DOCUMENT_TYPES = ("session_report", "short_report", "briefing_paper", "recommendations")
LANGUAGES = ("en", "fr", "es", "ar", "zh", "ru")
RTL_LANGUAGES = {"ar"}
Target = Literal["pdf", "docx", "html"]

# Bounds on what a template may compute: the sandbox stops attribute tricks, not `'x' * 10**9`.
MAX_POWER = 1000
MAX_POWER_BITS = 1_000_000
MAX_REPEAT = 100_000
MAX_TEXT = 20_000_000
"""The most characters (items count too) any value a template builds may hold: a string made by ``~``,
``+``, ``*``, ``%``, ``format``, a filter, a method or a macro, an assignment to a namespace, printed."""
ITEM_WEIGHT = 16
"""What one item of a list or dict counts towards MAX_TEXT: an item costs far more memory than a character."""
MAX_OUTPUT = 50_000_000
"""The most characters one rendered template may produce."""
MAX_WIDTH = 1000
"""The widest field a format (``%500d``, ``{:>500}``) or a padding filter (``center``) may ask for."""
RENDER_TIMEOUT_S = float(os.environ.get("OUTCOMES_RENDER_TIMEOUT", "300"))
"""The time limit on rendering one document (the render pool kills a renderer that passes it)."""
TEMPLATE_TIME_SHARE = 0.8
"""Share of the render limit a template may take at most; past it the sandbox stops the template at the
line it is on, before the render pool has to kill the renderer (which can only name the template file)."""
TEMPLATE_TIMEOUT_S = min(30.0, RENDER_TIMEOUT_S * TEMPLATE_TIME_SHARE)
"""How long one template may run. The built-in ones take about 0.7 s on the largest session the readers
accept (2,000 themes, takeaways and actions); a template past 30 s is looping, and each session of a
batch would otherwise pay the whole limit for it (a batch stops trying it: ``outcomes.build``)."""
ALARM_GRACE_S = 0.25

# Methods of plain values a template may call; nothing else in the context is callable. None of them
# makes a string much longer than its inputs (str.format is bounded by MAX_WIDTH and MAX_TEXT).
ALLOWED_METHODS: dict[type, frozenset[str]] = {
    str: frozenset(
        "capitalize casefold endswith find format format_map isalnum isalpha isdigit islower isspace "
        "istitle isupper lower lstrip rfind rsplit rstrip split splitlines startswith strip swapcase "
        "title upper".split()
    ),
    list: frozenset({"count", "index"}),
    tuple: frozenset({"count", "index"}),
    dict: frozenset({"get", "items", "keys", "values"}),
    dt.date: frozenset({"isoformat", "strftime"}),
    jinja2.runtime.LoopContext: frozenset({"cycle", "changed"}),
    jinja2.utils.Cycler: frozenset({"next", "reset"}),
}
# Runtime objects a template calls by design: macros and ``caller()``, ``self.block()`` and
# ``super()``, recursive ``loop()``, ``joiner()``.
_CALLABLE_TYPES = (
    jinja2.runtime.Macro,
    jinja2.runtime.BlockReference,
    jinja2.runtime.LoopContext,
    jinja2.utils.Joiner,
)
_PRINTF_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
# Filters that may make a value much larger than their inputs: their arguments are weighed first.
_GROWING_FILTERS = frozenset(
    {
        "center",
        "format",
        "indent",
        "join",
        "pprint",
        "replace",
        "string",
        "sum",
        "tojson",
        "urlize",
        "wordwrap",
        "xmlattr",
        "list",
        "batch",
        "slice",
    }
)


def weight(value: Any, limit: int = MAX_TEXT) -> int:
    """How much a value weighs: characters of strings, plus :data:`ITEM_WEIGHT` per item.

    Shared items count every time they appear (printing a list of the same list twice prints it
    twice); each object is weighed once, and weighing stops past ``limit``.
    """
    seen: dict[int, int] = {}

    def of(v: Any) -> int:
        if isinstance(v, str):
            return len(v)
        if not isinstance(v, list | tuple | dict | set | frozenset):
            return 1
        key = id(v)
        if key in seen:
            return seen[key]
        seen[key] = limit + 1  # a container inside itself prints as [...]; refuse rather than recurse
        total = ITEM_WEIGHT * len(v)
        items = [x for kv in v.items() for x in kv] if isinstance(v, dict) else v
        for item in items:
            total += of(item)
            if total > limit:
                break
        seen[key] = total
        return total

    return of(value)


def _check_weight(value: Any, what: str) -> Any:
    if weight(value) > MAX_TEXT:
        raise OverLimit(f"{what} would be longer than {MAX_TEXT:,} characters")
    return value


def _check_items(count: int, what: str) -> None:
    if count * ITEM_WEIGHT > MAX_TEXT:
        raise OverLimit(f"{what} could make more than {MAX_TEXT // ITEM_WEIGHT:,} items")


def _check_widths(fmt: str) -> None:
    """Refuse a format whose fields ask for more than MAX_WIDTH characters of padding or precision."""
    import string

    for _text, _name, spec, _conv in string.Formatter().parse(fmt):
        if spec:
            if "{" in spec:
                raise SecurityError("nested format fields are not allowed in a template")
            for number in re.findall(r"\d+", spec):
                if int(number) > MAX_WIDTH:
                    raise OverLimit(f"format width {number} is over {MAX_WIDTH}")


def _check_printf(fmt: str) -> None:
    for width, precision in _PRINTF_FIELD.findall(fmt):
        for number in (width, precision):
            if number == "*":
                raise SecurityError("'*' widths are not allowed in a template")
            if number and int(number) > MAX_WIDTH:
                raise OverLimit(f"format width {number} is over {MAX_WIDTH}")


class OverLimit(SecurityError):
    """A template passed one of the sandbox's limits on size or time."""


class TooSlow(OverLimit):
    """A template passed its time limit (:data:`TEMPLATE_TIMEOUT_S`)."""


class _Namespace(jinja2.utils.Namespace):
    """``namespace()``, refusing a value over the size limit (``{% set ns.s = ns.s ~ ns.s %}``)."""

    def __setitem__(self, name: str, value: Any) -> None:
        super().__setitem__(name, _check_weight(value, f"namespace value '{name}'"))


class _Range(Sequence[int]):
    """``range()`` (at most MAX_RANGE numbers), whose loops stop at the render's time limit."""

    def __init__(self, env: _Sandbox, *args: int):
        self._range = safe_range(*args)
        self._env = env

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __iter__(self) -> Iterator[int]:
        return self._timed(self._range)

    def __reversed__(self) -> Iterator[int]:
        return self._timed(reversed(self._range))

    def _timed(self, numbers: Iterable[int]) -> Iterator[int]:
        for i, n in enumerate(numbers):
            if not i & 1023:
                self._env.check_time()
            yield n

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __repr__(self) -> str:
        return repr(self._range)


class _CodeGenerator(CodeGenerator):
    """Template code whose ``~`` concatenations go through the sandbox's size check."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # As Jinja's own: the escaping is decided when compiling, unless an autoescape block varies it.
        if frame.eval_ctx.volatile:
            escaping = "context.eval_ctx.volatile"
        else:
            escaping = repr(bool(frame.eval_ctx.autoescape))
        self.write("environment.concat_checked((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(f"), {escaping})")


class _Sandbox(SandboxedEnvironment):
    """The sandbox, calling only allowed callables, and refusing work that would exhaust memory or time.

    Only filters, tests, the globals below, macros and :data:`ALLOWED_METHODS` may be called. Every
    value a template builds is bounded by :data:`MAX_TEXT`, what it prints by :data:`MAX_OUTPUT`, and
    its time by :data:`RENDER_TIMEOUT_S`.
    """

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"**", "*", "+", "%"})

    def __init__(self, **options: Any):
        super().__init__(**options, finalize=self._finalize)
        self.deadline = float("inf")
        # No lipsum(): nothing in a document needs it, and its size is another thing to bound.
        self.globals.clear()
        self.globals.update(
            range=self._range,
            dict=dict,
            cycler=jinja2.utils.Cycler,
            joiner=jinja2.utils.Joiner,
            namespace=_Namespace,
        )

    def _range(self, *args: int) -> _Range:
        return _Range(self, *args)

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            _disarm()  # one TooSlow: the timer must not interrupt this one's handling
            raise _too_slow()

    def _finalize(self, value: Any) -> Any:
        self.check_time()
        return _check_weight(value, "a printed value")

    def concat_checked(self, values: tuple[Any, ...], autoescape: bool) -> str:
        self.check_time()
        _check_weight(values, "a '~' concatenation")
        return markup_join(values) if autoescape else str_join(values)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.check_time()
        return super().getitem(obj, argument)

    def is_safe_callable(self, obj: Any) -> bool:
        if not super().is_safe_callable(obj):
            return False
        if isinstance(obj, (*_CALLABLE_TYPES, _Format)) or any(obj is g for g in self.globals.values()):
            return True
        owner, name = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
        if isinstance(owner, type):
            return False  # class methods (parse_raw, fromkeys, fromtimestamp, ...)
        return any(isinstance(owner, kind) and name in names for kind, names in ALLOWED_METHODS.items())

    def call(__self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        __self.check_time()
        name = getattr(__obj, "__name__", None) or type(__obj).__name__
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"'{name}' cannot be called from a template (only filters, tests and macros)")
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and name in {"split", "rsplit", "splitlines"}:
            _check_items(len(owner) // 2 + 1, f"'{name}'")  # at worst every other character
        return _check_weight(
            __context.call(__obj, *args, **kwargs), f"the result of '{getattr(__obj, '__name__', 'a call')}'"
        )

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        return None if wrapped is None else _Format(value.__self__, wrapped)

    def call_binop(self, context: jinja2.runtime.Context, op: str, left: Any, right: Any) -> Any:
        self.check_time()
        if op == "**" and isinstance(right, int):
            too_big = isinstance(left, int) and abs(left).bit_length() * abs(right) > MAX_POWER_BITS
            if abs(right) > MAX_POWER or too_big:
                raise OverLimit(f"exponent {right} is too large")
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(n, int):
                    if len(seq) * n > MAX_REPEAT or weight(seq) * n > MAX_TEXT:
                        raise OverLimit("repetition too large")
        if op == "+" and isinstance(left, str | list | tuple):
            if weight(left) + weight(right) > MAX_TEXT:
                raise OverLimit(f"'+' would make a value longer than {MAX_TEXT:,} characters")
        if op == "%" and isinstance(left, str):
            _check_printf(left)
            _check_weight(right, "the values of a '%' format")
        return _check_weight(self.binop_table[op](left, right), f"the result of '{op}'")


class _Format:
    """``str.format`` as the sandbox wraps it, with widths and the result bounded."""

    def __init__(self, text: str, wrapped: Callable[..., str]):
        self.text, self.wrapped = text, wrapped
        self.__name__ = "format"

    def __call__(self, *args: Any, **kwargs: Any) -> str:
        _check_widths(self.text)
        _check_weight((args, kwargs), "the values of a format")
        return _check_weight(self.wrapped(*args, **kwargs), "a formatted string")


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """A filter whose result (and, for filters that can grow text, whose arguments) is size-checked."""
    grows = name in _GROWING_FILTERS

    @functools.wraps(func)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        values = [
            a
            for a in (*args, *kwargs.values())
            if not isinstance(a, jinja2.runtime.Context | jinja2.nodes.EvalContext | jinja2.Environment)
        ]
        if grows:
            _check_weight(values, f"the input of filter '{name}'")
            for number in [v for v in values if isinstance(v, int) and not isinstance(v, bool)]:
                if name in {"center", "indent", "wordwrap"} and number > MAX_WIDTH:
                    raise OverLimit(f"filter '{name}': width {number} is over {MAX_WIDTH}")
            text = values[0] if values and isinstance(values[0], str) else ""
            width = next((v for v in values[1:] if isinstance(v, int) and not isinstance(v, bool)), None)
            if name == "indent" and width is not None and len(text) + text.count("\n") * width > MAX_TEXT:
                raise OverLimit(f"filter 'indent' would make a value longer than {MAX_TEXT:,} characters")
            if name == "wordwrap":
                _check_items(len(text) // max(width or 79, 1) + 1, "filter 'wordwrap'")
            if name == "list":
                _check_items(len(text), "filter 'list'")
            if name == "urlize" and len(text) * 10 > MAX_TEXT:  # a link of a few characters grows tenfold
                raise OverLimit(f"filter 'urlize' is limited to {MAX_TEXT // 10:,} characters")
            if name == "format" and values and isinstance(values[0], str):
                _check_printf(values[0])
            if name == "replace" and len(values) >= 3 and all(isinstance(v, str) for v in values[:3]):
                text, old, new = values[:3]
                count = text.count(old) if old else len(text) + 1
                if len(text) + count * (len(new) - len(old)) > MAX_TEXT:
                    raise OverLimit(
                        f"filter 'replace' would make a value longer than {MAX_TEXT:,} characters"
                    )
        return _check_weight(func(*args, **kwargs), f"the result of filter '{name}'")

    return bounded


class Context(TypedDict):
    """What every document template sees: plain data (see :func:`plain`), never our objects."""

    report: dict[str, Any]  # a Report
    session: dict[str, Any]  # its SessionMeta
    labels: dict[str, str]
    lang: str
    dir: str
    rtl: bool
    doc_type: str
    doc: dict[str, Any] | None  # the document type's DocumentData
    facts: list[dict[str, Any]]  # Fact
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
    def env(self) -> _Sandbox:
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
        env.filters["poll_chart"] = _poll_chart
        env.filters["css_string"] = css_string
        env.filters["page_counter"] = page_counter
        env.filters["docx_fields"] = docx_fields
        env.filters["long_date"] = _long_date
        env.filters["sources"] = _sources
        env.filters.update({name: _bounded_filter(name, f) for name, f in env.filters.items()})
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
        env = self.env
        limit = TEMPLATE_TIMEOUT_S
        env.deadline = time.monotonic() + limit
        try:
            with _alarm(limit):
                return _generate(env.get_template(name), context)
        except TemplateError:
            raise
        except jinja2.TemplateSyntaxError as exc:
            where = exc.filename or _template_path(self, exc.name or name)
            raise TemplateError(where, exc.lineno, exc.message or "syntax error") from exc
        except SecurityError as exc:
            file, line = _fault_location(self, exc, name)
            message = f"not allowed in a template: {exc}"
            raise TemplateError(file, line, message, timed_out=isinstance(exc, TooSlow)) from exc
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
        finally:
            env.deadline = float("inf")


@contextlib.contextmanager
def _alarm(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`TooSlow` after ``seconds``, where it is (main thread only).

    The sandbox looks at the clock only in its hooks; a loop with nothing in it that the sandbox sees
    (``{% for a in labels %}{% for b in labels %}...``) is stopped by this timer instead, still at its
    line. Elsewhere (a thread, or a process whose SIGALRM is taken) the hooks and the render pool's
    time limit remain.
    """
    usable = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGALRM) in (
        signal.SIG_DFL,
        None,
    )
    if not usable:
        yield
        return
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    # A little after the hooks' deadline: where they see the loop, theirs is the error.
    signal.setitimer(signal.ITIMER_REAL, seconds + ALARM_GRACE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _too_slow() -> TooSlow:
    return TooSlow(f"rendering took longer than {TEMPLATE_TIMEOUT_S:g} s")


def _on_alarm(_signum: int, _frame: Any) -> None:
    raise _too_slow()


def _disarm() -> None:
    """Stop the render's timer, if this thread armed it."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGALRM) is _on_alarm
    ):
        signal.setitimer(signal.ITIMER_REAL, 0)


def _generate(template: jinja2.Template, context: Context) -> str:
    """Render a template piece by piece, stopping it where it passes :data:`MAX_OUTPUT` characters."""
    pieces: list[str] = []
    size = 0
    stream = template.generate(**context)
    for piece in stream:
        size += len(piece)
        pieces.append(piece)
        if size > MAX_OUTPUT:
            # Thrown into the template where it is, so that the error names that line.
            stream.throw(SecurityError(f"the document would be longer than {MAX_OUTPUT:,} characters"))
    return "".join(pieces)


def read_labels(path: Path) -> dict[str, str]:
    """One label file (empty if there is none); a malformed file is a located TemplateError."""
    if not path.is_file():
        return {}
    try:
        data = catalog.parse_yaml(path.read_text("utf-8")) or {}
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


def _sources(items: list[dict[str, Any]]) -> str:
    """Where items came from, for the editor: 'notes/a.md:12; worksheet.xlsx!Themes!3'."""
    seen = dict.fromkeys(str(Source.model_validate(s)) for item in items for s in item.get("sources", []))
    return "; ".join(seen)


def _poll_chart(question: dict[str, Any], target: str, alt: str = "", more_options: str = "") -> Markup:
    """A poll question's chart (filter ``poll_chart``); ``alt`` is its text alternative.

    ``more_options`` ("{n} more options", from the labels) sums up the options drawn without a bar.
    """
    q = PollQuestion.model_validate(question)
    return chart_markup(q, target, alt, more_options or MORE_OPTIONS)


def css_string(value: str) -> Markup:
    """Quote text as a CSS string (for labels in @page rules)."""
    out = []
    for ch in str(value):
        out.append(ch if ch.isalnum() or ch in " .,:;-_()" else f"\\{ord(ch):06x}")
    return Markup('"' + "".join(out) + '"')


def docx_fields(pattern: str) -> Markup:
    """A label such as "Page {page} of {pages}" for a docx-header or docx-footer meta, with page fields.

    ``{page}`` and ``{pages}`` are written as the marks the DOCX writer turns into fields (a character
    reference that autoescaping never writes); everything else is escaped text, as session text is.
    """
    from outcomes.render.docx import FIELD_MARKS

    marks = {htmllib.unescape(mark): mark for mark in FIELD_MARKS}  # "{page}": its mark
    pieces = re.split(r"(\{page\}|\{pages\})", str(pattern))
    return Markup("".join(marks.get(piece) or str(escape(piece)) for piece in pieces))


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


class Printed(dict):
    """A model's fields that print as the model does: a source prints as ``notes/a.md:12``."""

    __slots__ = ("_text",)

    def __init__(self, fields: dict[str, Any], text: str):
        super().__init__(fields)
        self._text = text

    def __str__(self) -> str:
        return self._text


def plain(value: Any) -> Any:
    """A value as plain data for templates: models and dataclasses become dicts, enums their values.

    What a template receives has no methods of ours: a pydantic model's ``parse_raw`` or
    ``model_validate`` is not there to call. Read-only properties of our models are kept as values.
    """
    if isinstance(value, BaseModel):
        data = {name: plain(getattr(value, name)) for name in type(value).model_fields}
        for cls in type(value).__mro__:
            if cls is BaseModel:
                break
            for name, attr in vars(cls).items():
                if isinstance(attr, property) and not name.startswith("_"):
                    data.setdefault(name, plain(getattr(value, name)))
        if type(value).__str__ is not BaseModel.__str__:
            return Printed(data, str(value))
        return data
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float | dt.date | None):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    raise TypeError(f"{type(value).__name__} is not plain data for a template")


def build_context(report: Report, doc_type: str, target: Target, templates: TemplateSet) -> Context:
    """The one place the template context is assembled, as plain data."""
    lang = report.session.language
    generated = report.session.date or dt.date(2000, 1, 1)
    labels = templates.labels(lang)
    data = plain(report)
    return Context(
        report=data,
        session=data["session"],
        labels=dict(labels),
        lang=lang,
        dir="rtl" if lang in RTL_LANGUAGES else "ltr",
        rtl=lang in RTL_LANGUAGES,
        doc_type=doc_type,
        doc=plain(document_data(report, doc_type, labels, templates.labels("en"))),
        facts=plain(cover_facts(report.session, labels)),
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

# A tag ends before the next "<", and a heading (nav, list) before the next heading (nav, list)
# begins: else each unclosed one would scan the rest of the page, and a page of them take hours.
_HEADING = re.compile(r"<h([23])((?:\s[^<>]*)?)>((?:(?!<h[23][\s>]).)*?)</h\1\s*>", re.DOTALL | re.IGNORECASE)
_NAV = re.compile(
    r'(<nav\b[^<>]*\bclass="[^"<>]*\btoc\b[^"<>]*"[^<>]*>)((?:(?!<nav\b).)*?)(</nav>)',
    re.DOTALL | re.IGNORECASE,
)
_ATTR_ID = re.compile(r'\bid="([^"]*)"')
_ATTR_CLASS = re.compile(r'\bclass="([^"]*)"')
_TAG = re.compile(r"<[^<>]+>")
_TOC_LIST = re.compile(r'<ol class="toc-entries">(?:(?!<ol class="toc-entries">).)*?</ol>', re.DOTALL)


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
