"""``outcomes preview``: the editors' loop. Re-render one document whenever a template or input changes.

It runs in the command's own process, without Prefect: the inputs are read and merged once (again
only when an input changes), the template set is rebuilt only when a template changes, and only the
HTML is rendered unless the PDF is asked for. Outputs go to ``<out>/<session>/preview/`` so that a
preview never mixes with the last real build. A broken template or input is printed with its location
and the loop keeps watching; the last good preview stays in place.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from outcomes.errors import InputError, OutcomesError
from outcomes.model import Report
from outcomes.render.templates import DOCUMENT_TYPES, TemplateSet, render_html

# How long the watcher waits for a burst of saves to settle, and how often it polls for them (ms).
DEBOUNCE_MS = 30
STEP_MS = 10


class Printer(Protocol):
    def print(self, *objects: object, markup: bool | None = None) -> None: ...


@dataclass
class Rendered:
    """What one pass produced and how long it took, in milliseconds."""

    html: Path | None = None
    pdf: Path | None = None
    read_ms: float = 0.0
    html_ms: float = 0.0
    pdf_ms: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Changes:
    """One settled burst of file changes."""

    inputs: bool
    templates: bool
    files_moved: bool
    paths: list[Path]


class Preview:
    """One document of one session, kept up to date."""

    def __init__(
        self,
        folder: Path,
        doc_type: str,
        templates_dir: Path | None = None,
        pdf: bool = False,
        out_dir: Path = Path("outputs"),
    ):
        if doc_type not in DOCUMENT_TYPES:
            raise OutcomesError(f"--doc {doc_type}: use one of {', '.join(DOCUMENT_TYPES)}")
        self.folder = folder.resolve()
        self.doc_type = doc_type
        self.templates_dir = templates_dir.resolve() if templates_dir else None
        self.pdf = pdf
        self.out_dir = out_dir.resolve()
        self.templates = TemplateSet(self.templates_dir)
        self.report: Report | None = None

    @property
    def target_dir(self) -> Path:
        session_id = self.report.session.id if self.report else self.folder.name
        return self.out_dir / session_id / "preview"

    def watched(self) -> list[Path]:
        return [self.folder, *self.templates.roots]

    def is_input(self, path: Path) -> bool:
        return path.is_relative_to(self.folder)

    def render(
        self, *, inputs_changed: bool = True, templates_changed: bool = True, files_moved: bool = True
    ) -> Rendered:
        """Render the document once, re-reading only what changed.

        An edited template is recompiled by Jinja on its own (it checks modification times), so the
        environment is kept; a template file added or removed may change which layer wins, so then
        the set is rebuilt.
        """
        result = Rendered()
        started = time.perf_counter()
        if files_moved:
            self.templates = TemplateSet(self.templates_dir)
        elif templates_changed:
            self.templates.reload_labels()
        if inputs_changed or self.report is None:
            try:
                self.report = _read_report(self.folder)
            except InputError as exc:
                result.errors = [str(p) for p in exc.problems]
                return result
        assert self.report is not None
        result.read_ms = (time.perf_counter() - started) * 1000
        try:
            started = time.perf_counter()
            html = render_html(self.report, self.doc_type, "html", self.templates)
            result.html = self.target_dir / f"{self.doc_type}.html"
            _write_atomic(result.html, html.encode("utf-8"))
            result.html_ms = (time.perf_counter() - started) * 1000
            if self.pdf:
                started = time.perf_counter()
                result.pdf = self._render_pdf()
                result.pdf_ms = (time.perf_counter() - started) * 1000
        except OutcomesError as exc:
            result.errors = [str(exc)]
        return result

    def _render_pdf(self) -> Path:
        from outcomes.inputs import assets_root
        from outcomes.render.pdf import write_pdf

        assert self.report is not None
        session = self.report.session
        html = render_html(self.report, self.doc_type, "pdf", self.templates)
        target = self.target_dir / f"{self.doc_type}.pdf"
        staged = target.with_name(f".{target.name}.part")
        title = " ".join(x for x in (session.code, session.title) if x) or session.id
        write_pdf(
            html,
            self.folder,
            [*self.templates.roots, *filter(None, [assets_root(self.folder)])],
            staged,
            title=title,
            lang=session.language,
            created=session.date,
        )
        staged.replace(target)
        return target

    def changes(self, stop: threading.Event | None = None) -> Iterable[Changes]:
        """Yield each settled burst of file changes."""
        import watchfiles

        for batch in watchfiles.watch(
            *self.watched(),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=stop,
            watch_filter=watchfiles.DefaultFilter(),
            raise_interrupt=False,
        ):
            batch = {(kind, Path(p)) for kind, p in batch if not Path(p).is_relative_to(self.out_dir)}
            if not batch:
                continue
            templates = [(kind, p) for kind, p in batch if not self.is_input(p)]
            yield Changes(
                inputs=any(self.is_input(p) for _kind, p in batch),
                templates=bool(templates),
                files_moved=any(kind != watchfiles.Change.modified for kind, _p in templates),
                # Editors' temporary files come and go within a save; name what is still there.
                paths=sorted({p for _kind, p in batch if p.exists()}) or sorted({p for _kind, p in batch}),
            )


def _read_report(folder: Path) -> Report:
    from outcomes.build import read
    from outcomes.merge import merge

    inputs = read(folder)
    assert inputs.session is not None
    return merge(inputs.session, inputs.notes, inputs.worksheet, inputs.polls, inputs.problems)


def _write_atomic(path: Path, data: bytes) -> None:
    """Write a file whole, so a browser reloading it never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = path.with_name(f".{path.name}.part")
    staged.write_bytes(data)
    staged.replace(path)


def _report(out: Printer, result: Rendered, why: str) -> None:
    if not result.ok:
        for line in result.errors:
            out.print(f"  {line}", markup=False)
        out.print(f"{why}: not rendered; fix the problem above, the preview keeps watching", markup=False)
        return
    parts = [f"HTML {result.html_ms:.0f} ms"]
    if result.pdf:
        parts.append(f"PDF {result.pdf_ms:.0f} ms")
    if result.read_ms >= 1:
        parts.insert(0, f"inputs {result.read_ms:.0f} ms")
    out.print(f"{why}: {', '.join(parts)} → {result.pdf or result.html}", markup=False)


def run_preview(
    folder: Path,
    doc: str,
    templates: Path | None,
    pdf: bool,
    out_dir: Path,
    once: bool,
    out: Printer,
    stop: threading.Event | None = None,
) -> int:
    """Render once, then again on every change until interrupted (or just once)."""
    if not (folder / "session.yaml").is_file():
        raise OutcomesError(f"{folder}: not a session folder (no session.yaml)")
    preview = Preview(folder, doc, templates, pdf, out_dir)
    result = preview.render()
    _report(out, result, "rendered")
    if once:
        return 0 if result.ok else 1
    out.print(f"watching {', '.join(str(p) for p in preview.watched())} (Ctrl-C to stop)", markup=False)
    try:
        for change in preview.changes(stop):
            result = preview.render(
                inputs_changed=change.inputs,
                templates_changed=change.templates,
                files_moved=change.files_moved,
            )
            names = ", ".join(p.name for p in change.paths[:3]) + (" …" if len(change.paths) > 3 else "")
            _report(out, result, f"{names} changed")
    except KeyboardInterrupt:
        pass
    return 0
