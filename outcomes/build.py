"""Build one session: read → validate → merge → render → write, top to bottom.

``plan`` reads and merges (and decides whether anything changed), ``render`` produces one document
in one format into a staged file, ``finish`` writes report.json and build.json and renames every
staged file into place together. ``build_session`` runs the three in order, rendering in this process
or through a :class:`Renderer` (the Prefect flow's is the pool of renderer processes).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import platform
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, Field

import outcomes
from outcomes.errors import InputError, Location, OutcomesError, Problem, Problems, TemplateError, printable
from outcomes.ingest.notes import Outline, outline
from outcomes.inputs import SessionInputs, assets_root, hash_inputs, read_inputs
from outcomes.merge import merge, merge_report
from outcomes.model import Report
from outcomes.outputs import Staging, clean_stale_parts, session_lock
from outcomes.render.templates import RTL_LANGUAGES, TemplateSet, render_html
from outcomes.session import SESSION_FILE, read_session

if TYPE_CHECKING:
    from outcomes.render.accessibility import AccessibilityCheck

FORMATS = ("pdf", "docx", "html", "txt")
DEFAULT_FORMATS = ("pdf", "docx")


@dataclass
class BuildOptions:
    out: Path = Path("outputs")
    documents: list[str] | None = None  # None: what session.yaml lists
    formats: tuple[str, ...] = DEFAULT_FORMATS
    templates: TemplateSet = field(default_factory=TemplateSet)
    force: bool = False


class BuildResult(BaseModel):
    """What happened to one session, for the CLI summary and Prefect artifacts."""

    session: str
    folder: str
    out_dir: str = ""
    status: Literal["built", "unchanged", "failed"]
    documents: list[str] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    deadline: dt.date | None = None
    draft_summary: bool = False
    seconds: float = 0.0


@dataclass
class Plan:
    """A session read and merged, with the work left to do."""

    inputs: SessionInputs
    report: Report
    out_dir: Path
    documents: list[str]
    formats: tuple[str, ...]
    key: str
    templates_digest: str
    up_to_date: bool
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class Rendered:
    name: str
    staged: Path
    seconds: float
    refused: list[str] = field(default_factory=list)
    accessibility: AccessibilityCheck | None = None


@cache
def tool_versions() -> dict[str, str]:
    """Versions that change outputs; read from package metadata, without importing the renderers."""
    from outcomes.pandoc import pandoc_version

    return {
        "igf-outcomes": outcomes.__version__,
        "python": platform.python_version(),
        "prefect": metadata.version("prefect"),
        "weasyprint": metadata.version("weasyprint"),
        "pandoc": pandoc_version(),
    }


def _build_key(
    hashes: dict[str, str], templates_digest: str, documents: list[str], formats: tuple[str, ...]
) -> str:
    record = {
        "inputs": hashes,
        "templates": templates_digest,
        "tools": tool_versions(),
        "documents": documents,
        "formats": list(formats),
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()


def read_session_inputs(folder: Path) -> SessionInputs:
    """Every input of a session, and a warning for each example ``outcomes init`` wrote that is left."""
    from outcomes.scaffold import warn_leftovers  # the readers: not imported by renderer processes

    inputs = read_inputs(folder)
    warn_leftovers(inputs)
    return inputs


def read(folder: Path) -> SessionInputs:
    """Read every input of a session; raise :class:`InputError` with every problem if any is an error."""
    started = time.perf_counter()
    inputs = read_session_inputs(folder)
    inputs.problems.raise_if_errors()
    inputs.seconds = time.perf_counter() - started
    return inputs


def plan_from(inputs: SessionInputs, options: BuildOptions) -> Plan:
    """Merge what was read and decide what to build (nothing if inputs, templates, tools are unchanged)."""
    started = time.perf_counter()
    assert inputs.session is not None
    report = merge(inputs.session, inputs.notes, inputs.worksheet, inputs.polls, inputs.problems)
    documents = options.documents or report.session.documents
    out_dir = options.out / report.session.id
    templates_digest = options.templates.digest()
    key = _build_key(inputs.hashes, templates_digest, documents, options.formats)
    up_to_date = (
        not options.force
        and _recorded_key(out_dir) == key
        and _outputs_exist(out_dir, documents, options.formats)
    )
    return Plan(
        inputs=inputs,
        report=report,
        out_dir=out_dir,
        documents=documents,
        formats=options.formats,
        key=key,
        templates_digest=templates_digest,
        up_to_date=up_to_date,
        timings={"read": inputs.seconds, "merge": time.perf_counter() - started},
    )


def check(folder: Path) -> Problems:
    """Every problem a build of this session would report, without rendering anything."""
    return check_outlines(folder)[0]


def check_outlines(folder: Path) -> tuple[Problems, list[Outline]]:
    """Every problem a build would report, and the outline recognised in each note."""
    inputs = read_session_inputs(folder)
    if not inputs.problems.errors and inputs.session is not None:
        merge(inputs.session, inputs.notes, inputs.worksheet, inputs.polls, inputs.problems)
    return inputs.problems, [outline(note) for note in inputs.notes]


def check_all(folders: list[Path], debug: bool = False) -> Iterator[tuple[Path, Problems, list[Outline]]]:
    """Check each session of a batch in turn, with its notes' outlines; one failing never stops the rest.

    An unexpected exception in one session (a bug) becomes an error of that session, unless ``debug``.
    """
    clashes = id_clashes(folders)
    for folder in folders:
        outlines: list[Outline] = []
        try:
            problems, outlines = check_outlines(folder)
        except Exception as exc:
            if debug:
                raise
            problems = Problems()
            problems.error(Location(str(folder)), _internal(exc))
        if folder in clashes:
            problems.items.append(clashes[folder])
        yield folder, problems, outlines


def _internal(exc: BaseException) -> str:
    return f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)"


def id_clashes(folders: list[Path]) -> dict[Path, Problem]:
    """The folders of a batch that claim one session id, each with an error naming the others.

    They would be built into one output folder, the later replacing the earlier: neither is built.
    """
    claims: dict[str, dict[Path, Path]] = {}
    for folder in folders:
        problems = Problems()
        session = read_session(folder, problems) if folder.is_dir() else None
        if session is not None:
            claims.setdefault(session.id, {}).setdefault(folder.resolve(), folder)
    clashes = {}
    for session_id, claimants in claims.items():
        if len(claimants) < 2:
            continue
        for folder in claimants.values():
            others = " and ".join(str(f) for f in claimants.values() if f is not folder)
            clashes[folder] = Problem(
                Location(str(folder / SESSION_FILE)),
                f"the session id '{session_id}' is also the id of {others}: both would be built into "
                "one output folder, so neither is; give one of them another 'id:'",
            )
    return {folder: problem for folder, problem in clashes.items() if folder in set(folders)}


def clashing(folders: list[str]) -> dict[str, BuildResult]:
    """The failed result of each folder of a batch that claims another folder's session id."""
    return {
        str(folder): failed(folder, [problem])
        for folder, problem in id_clashes([Path(f) for f in folders]).items()
    }


def session_label(folder: str | Path) -> str:
    """A session folder's name as it may be shown in logs and task names."""
    return printable(Path(folder).name)


def plan(folder: Path, options: BuildOptions) -> Plan:
    """Read and merge a session."""
    return plan_from(read(folder), options)


def _record(out_dir: Path) -> dict:
    try:
        record = json.loads((out_dir / "build.json").read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _recorded_key(out_dir: Path) -> str | None:
    return _record(out_dir).get("key")


def other_source(out_dir: Path, folder: Path) -> Problem | None:
    """An error if ``out_dir`` was last written from another session folder than ``folder``."""
    recorded = _record(out_dir).get("source")
    if not isinstance(recorded, str) or recorded == str(folder.resolve()):
        return None
    return Problem(
        Location(str(folder / SESSION_FILE)),
        f"{out_dir} was last built from {recorded}, not from this folder: the two claim one session "
        f"id. Give one of them another 'id:'; or, if this folder replaces that one (it was moved or "
        f"renamed), delete {out_dir} and build again",
    )


def skip_if_unchanged(folder: Path, options: BuildOptions) -> BuildResult | None:
    """The result of the last build if nothing that affects it changed, without reading the notes.

    Only session.yaml is parsed (for the session id and documents); everything else is hashed.
    """
    if options.force:
        return None
    problems = Problems()
    session = read_session(folder, problems)
    if session is None or problems.errors:
        return None
    documents = options.documents or session.documents
    out_dir = options.out / session.id
    record = _record(out_dir)
    if not record or not _outputs_exist(out_dir, documents, options.formats):
        return None
    if other_source(out_dir, folder) is not None:
        return None  # refused by the build itself
    key = _build_key(hash_inputs(folder), options.templates.digest(), documents, options.formats)
    if record.get("key") != key:
        return None
    return BuildResult(
        session=session.id,
        folder=str(folder),
        out_dir=str(out_dir),
        status="unchanged",
        documents=documents,
        warnings=[str(w) for w in record.get("warnings", [])],
        deadline=session.deadline,
        draft_summary=bool(record.get("draft_summary")),
    )


def _outputs_exist(out_dir: Path, documents: list[str], formats: tuple[str, ...]) -> bool:
    names = [f"{d}.{f}" for d in documents for f in {*formats, "html"}] + ["report.json"]
    return all((out_dir / n).is_file() for n in names)


def document_title(p: Plan) -> str:
    session = p.report.session
    return " ".join(x for x in (session.code, session.title) if x) or session.id


def docx_settings(p: Plan, doc_type: str, templates: TemplateSet) -> dict[str, Any]:
    """How a document becomes DOCX: its reference document, metadata and table of contents."""
    session = p.report.session
    return {
        "reference": templates.find(f"{doc_type}/reference.docx")
        or templates.require("_shared/reference.docx"),
        "lang": session.language,
        "rtl": session.language in RTL_LANGUAGES,
        "toc_title": templates.labels(session.language)["contents"],
        "toc": doc_type != "short_report",  # a two-page report needs no contents
    }


_timed_out: dict[tuple[str, str], tuple[str, TemplateError]] = {}
"""Templates that passed their time limit in this process, by (template set digest, document type),
with the session they did it for. A looping template would cost every later session of a batch its
whole limit again, in each format, for the same error: a renderer pays it once (an edited template
set has another digest and is tried again)."""


def render(p: Plan, doc_type: str, fmt: str, templates: TemplateSet) -> Rendered:
    """Render one document in one format to a staged file in the output folder."""
    # The template set's digest now, not the plan's: the preview keeps its plan across template edits.
    known = _timed_out.get((templates.digest(), doc_type)) if _timed_out else None
    if known is not None:
        session_id, exc = known
        message = f"{exc.message} with session {session_id}; not tried again until the template changes"
        raise TemplateError(exc.location.path, exc.location.line, message, timed_out=True)
    from outcomes.render.accessibility import check_docx, check_pdf
    from outcomes.render.docx import write_docx
    from outcomes.render.pdf import write_pdf
    from outcomes.render.text import write_text

    started = time.perf_counter()
    p.out_dir.mkdir(parents=True, exist_ok=True)
    staging = Staging(p.out_dir)
    name = f"{doc_type}.{fmt}"
    staged = staging.path(name)
    session = p.report.session
    refused: list[str] = []
    checked = None
    try:
        if fmt == "txt":
            write_text(p.report, doc_type, staged, templates)
            return Rendered(name, staged, time.perf_counter() - started)
        html = render_html(p.report, doc_type, "docx" if fmt == "docx" else fmt, templates)
        if fmt == "html":
            staged.write_text(html, encoding="utf-8")
        elif fmt == "pdf":
            roots = [*templates.roots, *filter(None, [assets_root(p.inputs.folder)])]  # never a link out
            refused = write_pdf(
                html,
                p.inputs.folder,
                roots,
                staged,
                title=document_title(p),
                lang=session.language,
                created=session.date,
            )
            checked = check_pdf(staged)  # here, in the renderer, while the file is still in cache
        elif fmt == "docx":
            write_docx(html, staged, created=session.date, **docx_settings(p, doc_type, templates))
            checked = check_docx(staged)
        else:
            raise OutcomesError(f"unknown format '{fmt}'; use {', '.join(FORMATS)}")
    except TemplateError as exc:
        staging.discard()
        if exc.timed_out:
            _timed_out.setdefault((templates.digest(), doc_type), (session.id, exc))
        raise
    except BaseException:
        staging.discard()
        raise
    return Rendered(name, staged, time.perf_counter() - started, refused, checked)


def finish(p: Plan, rendered: list[Rendered]) -> BuildResult:
    """Write report.json and build.json and move every staged output into place at once."""
    staging = Staging(p.out_dir)
    staging.pending = [(r.staged, p.out_dir / r.name) for r in rendered]
    warnings = [str(w) for w in p.inputs.problems.warnings]
    warnings += [printable(f"{r.name}: refused to fetch {url}") for r in rendered for url in r.refused]
    checks = {r.name: r.accessibility for r in rendered if r.accessibility is not None}
    warnings += [f"{name}: {finding}" for name, check in checks.items() for finding in check.findings]
    if p.report.executive_summary.draft:
        warnings.append("executive summary is a draft of sentences taken from the notes; revise it")
    try:
        staging.write_text("report.json", p.report.model_dump_json(indent=2) + "\n")
        record = {
            "session": p.report.session.id,
            "source": str(p.inputs.folder.resolve()),
            "key": p.key,
            "inputs": p.inputs.hashes,
            "templates": p.templates_digest,
            "tools": tool_versions(),
            "documents": p.documents,
            "formats": list(p.formats),
            "draft_summary": p.report.executive_summary.draft,
            "warnings": warnings,
            "accessibility": {name: check.model_dump() for name, check in sorted(checks.items())},
            "merges": merge_report(p.report),
            "timings": {
                **{k: round(v, 4) for k, v in p.timings.items()},
                **{r.name: round(r.seconds, 4) for r in rendered},
            },
        }
        staging.write_text("build.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        staging.commit()
    except BaseException:
        staging.discard()
        raise
    return BuildResult(
        session=p.report.session.id,
        folder=str(p.inputs.folder),
        out_dir=str(p.out_dir),
        status="built",
        documents=p.documents,
        outputs=sorted(str(p.out_dir / r.name) for r in rendered),
        warnings=warnings,
        deadline=p.report.session.deadline,
        draft_summary=p.report.executive_summary.draft,
        seconds=round(sum(p.timings.values()) + sum(r.seconds for r in rendered), 3),
    )


def jobs(p: Plan) -> list[tuple[str, str]]:
    """Every (document, format) to render; HTML is always written beside the others.

    The slowest first, so that the renderers finish together: every PDF, longest document first,
    then every DOCX, then the text formats.
    """
    formats = sorted(dict.fromkeys([*p.formats, "html"]), key=SLOWEST_FORMATS.index)
    rank = {d: i for i, d in enumerate(LONGEST_DOCUMENTS)}
    documents = sorted(p.documents, key=lambda d: rank.get(d, len(rank)))
    return [(doc, fmt) for fmt in formats for doc in documents]


SLOWEST_FORMATS = ("pdf", "docx", "txt", "html")
"""Formats from the slowest to render to the quickest (bench/README.md)."""
LONGEST_DOCUMENTS = ("session_report", "briefing_paper", "recommendations", "short_report")


def unchanged(p: Plan) -> BuildResult:
    return BuildResult(
        session=p.report.session.id,
        folder=str(p.inputs.folder),
        out_dir=str(p.out_dir),
        status="unchanged",
        documents=p.documents,
        warnings=[str(w) for w in p.inputs.problems.warnings],
        deadline=p.report.session.deadline,
        draft_summary=p.report.executive_summary.draft,
    )


def failed(folder: Path, problems: list[Problem] | None = None, message: str | None = None) -> BuildResult:
    errors = [str(e) for e in problems] if problems else [printable(message or "build failed")]
    return BuildResult(
        session=session_label(folder), folder=printable(str(folder)), status="failed", errors=errors
    )


class Renderer(Protocol):
    """Renders every (document, format) of a plan into staged files, or raises leaving none behind."""

    def prepare(self) -> None:
        """Get ready to render (start processes, say) while the session is being read."""

    def render_all(self, p: Plan) -> list[Rendered]: ...


@dataclass
class InlineRenderer:
    """Render in this process, one document after another."""

    templates: TemplateSet

    def prepare(self) -> None:
        pass

    def render_all(self, p: Plan) -> list[Rendered]:
        done: list[Rendered] = []
        try:
            for doc_type, fmt in jobs(p):
                done.append(render(p, doc_type, fmt, self.templates))
        except BaseException:
            for r in done:
                r.staged.unlink(missing_ok=True)
            raise
        return done


def build_session(
    folder: Path, options: BuildOptions, renderer: Renderer | None = None, *, retry_left: bool = True
) -> BuildResult:
    """Build one session; input and template problems come back as a failed result.

    A crashed renderer (a retryable :class:`RenderError`) is raised instead while ``retry_left``, so
    that the caller can try again; the outputs are then as before the attempt.
    """
    skipped = skip_if_unchanged(folder, options)  # hashes only: no notes read
    if skipped is not None:
        return skipped
    renderer = renderer or InlineRenderer(options.templates)
    try:
        renderer.prepare()  # renderers start while the session is read
        p = plan_from(read(folder), options)
    except InputError as exc:
        return failed(folder, exc.problems)
    with session_lock(p.out_dir):
        clean_stale_parts(p.out_dir)
        clash = other_source(p.out_dir, folder)
        if clash is not None:
            result = failed(folder, [clash])
            result.session, result.documents = p.report.session.id, p.documents
            return result
        if p.up_to_date:
            return unchanged(p)
        try:
            return finish(p, renderer.render_all(p))
        except OutcomesError as exc:
            clean_stale_parts(p.out_dir)  # a killed renderer leaves its staged file behind
            if retry_left and getattr(exc, "retryable", False):
                raise
            result = failed(folder, message=str(exc))
            result.session = p.report.session.id
            result.documents, result.deadline = p.documents, p.report.session.deadline
            return result
        except BaseException:
            clean_stale_parts(p.out_dir)  # a crash (a full disk, say) leaves no staged file either
            raise
