"""``outcomes preview``: the editors' loop. Serve one document in the browser and reload it on every change.

It runs in the command's own process, without Prefect: the inputs are read and merged once (again
only when an input changes), the template set is rebuilt only when a template file is added or
removed, and only the HTML is rendered unless the PDF is asked for. Rendering goes through the
build's own ``build.render``, into ``<out>/<session>/preview/`` so that a preview never mixes with
the last real build. The PDF is rendered by one warm renderer process of its own
(:class:`outcomes.pool.RenderPool`), under the time limit a build gives a document: a stylesheet that
makes WeasyPrint's layout run for minutes is stopped there as in a build, instead of holding the
preview for as long as WeasyPrint takes. The PDF is rendered after the HTML, in the background, and
the next save stops a PDF still being laid out (its renderer is killed and another one started): the
HTML of a save never waits for the PDF of the one before.

The server (Starlette on uvicorn, both already installed with Prefect) answers three routes: the page
(``/``), its event stream (``/events``, server-sent events), the rendered files (``/files/``, served
by Starlette's StaticFiles from the preview folder only, each read whole) and nothing else. The page
holds the document in a frame and reloads the frame when the stream says it was rendered again; a
broken template or input is shown over the last good render, with its location, and the server
keeps going.
"""

from __future__ import annotations

import asyncio
import dataclasses
import html as html_lib
import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Protocol

from outcomes.errors import InputError, OutcomesError, RenderError
from outcomes.render.templates import DOCUMENT_TYPES, LANGUAGES, TemplateSet

if TYPE_CHECKING:
    import uvicorn

    from outcomes.build import Plan
    from outcomes.build import Rendered as BuildRendered
    from outcomes.pool import RenderPool

# How long the watcher waits for a burst of saves to settle, and how often it polls for them (ms).
DEBOUNCE_MS = 30
STEP_MS = 10
DEFAULT_PORT = 8000
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# PDF pages as images beside the HTML: small enough to show two pages side by side on a laptop.
PAGE_DPI = 60
# How often an idle event stream checks whether the server is stopping (s); keeps Ctrl-C quick.
STREAM_TICK_S = 0.25


class Printer(Protocol):
    def print(self, *objects: object, markup: bool | None = None) -> None: ...


@dataclass
class Rendered:
    """What one pass produced and how long it took, in milliseconds."""

    html: Path | None = None
    pdf: Path | None = None
    pages: list[Path] = field(default_factory=list)
    read_ms: float = 0.0
    html_ms: float = 0.0
    pdf_ms: float = 0.0
    errors: list[str] = field(default_factory=list)
    stopped: bool = False  # the PDF was stopped half-way: a newer save made it obsolete

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
    """One session's documents, kept up to date, in any document type and language."""

    def __init__(
        self,
        folder: Path,
        doc_type: str = "session_report",
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
        self.plan: Plan | None = None
        self._renderer: RenderPool | None = None
        self._renderer_lock = threading.Lock()  # cancel_pdf() comes from another thread

    @property
    def session_id(self) -> str:
        return self.plan.report.session.id if self.plan else self.folder.name

    @property
    def language(self) -> str:
        """The session's own language (the default view)."""
        return self.plan.report.session.language if self.plan else "en"

    @property
    def target_dir(self) -> Path:
        return self.out_dir / self.session_id / "preview"

    def watched(self) -> list[Path]:
        return [self.folder, *self.templates.roots]

    def is_input(self, path: Path) -> bool:
        return path.is_relative_to(self.folder)

    def file_name(self, doc: str, lang: str, ext: str) -> str:
        """``briefing_paper.html`` in the session's language, ``briefing_paper.fr.html`` in another."""
        return f"{doc}.{ext}" if lang == self.language else f"{doc}.{lang}.{ext}"

    def classify(self, batch: Iterable[tuple[object, str]]) -> Changes | None:
        """Sort one batch of watchfiles changes into inputs and templates (None: only our own outputs)."""
        import watchfiles

        seen = {(kind, Path(p)) for kind, p in batch if not Path(p).is_relative_to(self.out_dir)}
        if not seen:
            return None
        templates = [(kind, p) for kind, p in seen if not self.is_input(p)]
        return Changes(
            inputs=any(self.is_input(p) for _kind, p in seen),
            templates=bool(templates),
            files_moved=any(kind != watchfiles.Change.modified for kind, _p in templates),
            # Editors' temporary files come and go within a save; name what is still there.
            paths=sorted({p for _kind, p in seen if p.exists()}) or sorted({p for _kind, p in seen}),
        )

    def invalidate(self, *, inputs_changed: bool, templates_changed: bool, files_moved: bool) -> None:
        """Forget what a change made stale.

        An edited template is recompiled by Jinja on its own (it checks modification times), so the
        environment is kept; a template file added or removed may change which layer wins, so then
        the set is rebuilt. Labels are cached per language, so any template change drops them.
        """
        if files_moved:
            self.templates = TemplateSet(self.templates_dir)
        elif templates_changed:
            self.templates.reload_labels()
        if inputs_changed:
            self.plan = None

    def render(
        self,
        doc: str | None = None,
        lang: str | None = None,
        *,
        inputs_changed: bool = True,
        templates_changed: bool = True,
        files_moved: bool = True,
        pdf: bool | None = None,
    ) -> Rendered:
        """Render one document in one language (HTML, and the PDF if asked), re-reading what changed."""
        from outcomes.build import render as build_render

        self.invalidate(
            inputs_changed=inputs_changed, templates_changed=templates_changed, files_moved=files_moved
        )
        doc = doc or self.doc_type
        result = Rendered()
        started = time.perf_counter()
        try:
            plan = self._plan(lang)
        except InputError as exc:
            result.errors = [str(p) for p in exc.problems]
            return result
        lang = plan.report.session.language
        result.read_ms = (time.perf_counter() - started) * 1000
        try:
            started = time.perf_counter()
            rendered = build_render(plan, doc, "html", self.templates)
            result.html = _move(rendered.staged, self.target_dir / self.file_name(doc, lang, "html"))
            result.html_ms = (time.perf_counter() - started) * 1000
            if self.pdf if pdf is None else pdf:
                self._render_pdf(plan, doc, result)
        except OutcomesError as exc:
            result.errors = [str(exc)]
        return result

    def render_pdf(self, doc: str, lang: str) -> Rendered:
        """Render the PDF (and its page images) of what :meth:`render` rendered last.

        A PDF stopped by :meth:`cancel_pdf` comes back ``stopped``, without errors.
        """
        result = Rendered()
        try:
            self._render_pdf(self._plan(lang), doc, result)
        except Stopped:
            result.stopped = True
        except OutcomesError as exc:
            result.errors = [str(p) for p in exc.problems] if isinstance(exc, InputError) else [str(exc)]
        return result

    def cancel_pdf(self) -> bool:
        """Stop the PDF being rendered, if one is (a newer save makes it obsolete); True if one was.

        Its renderer process is killed at once, however far its layout has gone; the next PDF starts
        a new one.
        """
        with self._renderer_lock:
            renderer = self._renderer
            if renderer is None or not renderer.busy:
                return False
            self._renderer = None
        renderer.terminate()
        return True

    def _render_pdf(self, plan: Plan, doc: str, result: Rendered) -> None:
        from outcomes.outputs import clean_stale_parts
        from outcomes.pool import RenderPool
        from outcomes.renderers import RENDERER_MODULES

        started = time.perf_counter()
        with self._renderer_lock:
            if self._renderer is None:
                self._renderer = RenderPool(workers=1, preload=RENDERER_MODULES)
            renderer = self._renderer
        folder = str(self.templates_dir) if self.templates_dir else None
        label = f"{self.session_id}: {doc}.pdf"
        try:
            rendered = renderer.submit(render_pdf_job, (plan, doc, folder), label).result()
        except RenderError as exc:
            clean_stale_parts(plan.out_dir)  # a killed renderer leaves its staged file behind
            if renderer.terminated:
                raise Stopped(f"{label}: stopped for a newer save") from exc
            raise
        lang = plan.report.session.language
        result.pdf = _move(rendered.staged, self.target_dir / self.file_name(doc, lang, "pdf"))
        result.pages = _page_images(result.pdf)
        result.pdf_ms = (time.perf_counter() - started) * 1000

    def _plan(self, lang: str | None) -> Plan:
        """The session read and merged as a build reads it, seen in ``lang``."""
        from outcomes.build import BuildOptions, plan_from, read

        if self.plan is None:
            options = BuildOptions(out=self.out_dir, templates=self.templates, force=True)
            plan = plan_from(read(self.folder), options)
            self.plan = dataclasses.replace(plan, out_dir=self.out_dir / plan.report.session.id / "preview")
        if lang is None or lang == self.plan.report.session.language:
            return self.plan
        report = self.plan.report
        session = report.session.model_copy(update={"language": lang})
        return dataclasses.replace(self.plan, report=report.model_copy(update={"session": session}))

    def close(self) -> None:
        """Stop the PDF renderer, if one was started (at once, if it is busy)."""
        with self._renderer_lock:
            renderer, self._renderer = self._renderer, None
        if renderer is not None and renderer.busy:
            renderer.terminate()
        elif renderer is not None:
            renderer.shutdown()


class Stopped(OutcomesError):
    """A preview PDF stopped half-way by :meth:`Preview.cancel_pdf`."""


def render_pdf_job(plan: Plan, doc: str, templates_dir: str | None) -> BuildRendered:
    """One preview PDF, in the renderer process: the template files as they are now (a fresh set)."""
    from outcomes.build import render

    return render(plan, doc, "pdf", TemplateSet(Path(templates_dir) if templates_dir else None))


def _move(staged: Path, target: Path) -> Path:
    """Put a staged file in place whole, so a browser reloading it never sees half a page."""
    staged.replace(target)
    return target


def _page_images(pdf: Path) -> list[Path]:
    """The PDF's pages as PNG images beside it (none if poppler's pdftoppm is not installed)."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        return []
    stem = pdf.name.removesuffix(".pdf")
    with tempfile.TemporaryDirectory(prefix=".pages-", dir=pdf.parent) as tmp:
        done = subprocess.run(
            [tool, "-png", "-r", str(PAGE_DPI), str(pdf), str(Path(tmp) / "page")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise OutcomesError(f"{pdf}: pdftoppm could not read the PDF: {done.stderr.strip()}")
        # pdftoppm pads page numbers to the page count's width; sort by the number itself.
        made = sorted(Path(tmp).glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        pages = [_move(p, pdf.with_name(f"{stem}.page-{n}.png")) for n, p in enumerate(made, 1)]
    for old in pdf.parent.glob(f"{stem}.page-*.png"):
        if old not in pages:
            old.unlink(missing_ok=True)
    return pages


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


# --- the server ---------------------------------------------------------------------------------


@dataclass
class View:
    """The latest render of one document in one language, and the files of the last one that worked."""

    errors: list[str] = field(default_factory=list)
    html: Path | None = None
    html_version: int = 0
    pdf: Path | None = None
    pages: list[Path] = field(default_factory=list)
    pdf_version: int = 0
    pdf_pending: bool = False


class PreviewServer:
    """The page, its event stream and the preview folder's files, kept current by a file watcher."""

    def __init__(
        self,
        preview: Preview,
        out: Printer,
        stop: threading.Event | None = None,
        first: Rendered | None = None,
    ):
        self.preview = preview
        self.out = out
        self.stop = stop
        self.views: dict[tuple[str, str], View] = {}
        self.clients: dict[asyncio.Queue[str | None], tuple[str, str]] = {}
        # Every render gets a new number; the page asks for files with it, so no cache serves old ones.
        self.version = 0
        # One render at a time: the TemplateSet and the plan are not shared between threads.
        self.lock = threading.Lock()
        # Set when a newer save makes the PDFs being rendered obsolete (see _watch).
        self.pdf_obsolete = threading.Event()
        self.pdf_pass: asyncio.Task[None] | None = None
        # Tasks started by a request that outlive it (the first PDF of a view); kept so they finish.
        self.background: set[asyncio.Task[None]] = set()
        self.server: uvicorn.Server | None = None
        self.failed = False
        self.stopping: asyncio.Event | None = None
        if first is not None:
            self.version = 1
            self.views[(preview.doc_type, preview.language)] = View(
                errors=first.errors,
                html=first.html,
                html_version=1,
                pdf=first.pdf,
                pages=first.pages,
                pdf_version=1,
                # Served first, its PDF rendered after (see lifespan): a slow one holds nothing up.
                pdf_pending=preview.pdf and first.ok and first.pdf is None,
            )

    # rendering (runs in worker threads) --------------------------------------------------------

    def ensure(self, doc: str, lang: str) -> None:
        """Render a view the first time it is asked for."""
        if (doc, lang) in self.views:
            return  # without the lock, which a PDF may hold for a while
        with self.lock:
            if (doc, lang) not in self.views:
                self._render_html(self.views.setdefault((doc, lang), View()), doc, lang)

    def _render_html(self, view: View, doc: str, lang: str) -> Rendered:
        result = self.preview.render(
            doc, lang, inputs_changed=False, templates_changed=False, files_moved=False, pdf=False
        )
        self.version += 1
        view.errors = result.errors
        if result.ok:
            view.html, view.html_version = result.html, self.version
        view.pdf_pending = self.preview.pdf and result.ok
        return result

    def _render_pdf(self, view: View, doc: str, lang: str) -> Rendered:
        result = self.preview.render_pdf(doc, lang)
        if result.stopped:
            return result  # still pending: the PDF pass of the newer save renders it
        self.version += 1
        view.pdf_pending = False
        if result.ok:
            view.pdf, view.pages, view.pdf_version = result.pdf, result.pages, self.version
        else:
            view.errors = result.errors
        return result

    def rerender(self, change: Changes, wanted: set[tuple[str, str]], *, pdf: bool) -> list[Rendered]:
        """Render again what the open pages show; forget the rest (rendered when next asked for)."""
        with self.lock:
            if not pdf:
                self.preview.invalidate(
                    inputs_changed=change.inputs,
                    templates_changed=change.templates,
                    files_moved=change.files_moved,
                )
                for combo in set(self.views) - wanted:
                    del self.views[combo]
            results = []
            for doc, lang in sorted(wanted):
                view = self.views.setdefault((doc, lang), View())
                if not pdf:
                    results.append(self._render_html(view, doc, lang))
                elif self.pdf_obsolete.is_set():
                    break  # a newer save came: its own PDF pass follows
                elif view.pdf_pending:
                    results.append(self._render_pdf(view, doc, lang))
            return results

    def pdf_first(self, doc: str, lang: str) -> Rendered | None:
        """The first PDF of a view, rendered after its HTML is on screen."""
        with self.lock:
            view = self.views.get((doc, lang))
            wanted = view is not None and view.pdf_pending and not self.pdf_obsolete.is_set()
            return self._render_pdf(view, doc, lang) if wanted else None

    # what the page sees ------------------------------------------------------------------------

    def state(self, doc: str, lang: str) -> dict[str, object]:
        view = self.views.get((doc, lang)) or View()

        def url(path: Path, version: int) -> str:
            return f"/files/{path.name}?v={version}"

        return {
            "doc": doc,
            "lang": lang,
            "html": url(view.html, view.html_version) if view.html else None,
            "pdf": url(view.pdf, view.pdf_version) if view.pdf else None,
            "pages": [url(p, view.pdf_version) for p in view.pages],
            "pdf_wanted": self.preview.pdf,
            "pdf_pending": view.pdf_pending,
            "errors": view.errors,
        }

    def publish(self) -> None:
        for queue, (doc, lang) in list(self.clients.items()):
            queue.put_nowait(json.dumps(self.state(doc, lang)))

    # the app -----------------------------------------------------------------------------------

    def app(self, allowed_hosts: list[str]):
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.middleware.trustedhost import TrustedHostMiddleware
        from starlette.routing import Mount, Route

        self.preview.target_dir.mkdir(parents=True, exist_ok=True)
        return Starlette(
            routes=[
                Route("/", self.page, methods=["GET"]),
                Route("/events", self.events, methods=["GET"]),
                # StaticFiles refuses absolute paths and anything that resolves, symlinks followed,
                # outside its folder; the preview folder holds only rendered files.
                Mount("/files", app=_files(self.preview.target_dir)),
            ],
            # A page on another site could reach this server through DNS rebinding; answer only to
            # the names it is served under.
            middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)],
            lifespan=self.lifespan,
        )

    def _view_of(self, request) -> tuple[str, str] | str:
        """The (document, language) a request asks for, or why it cannot have it."""
        doc = request.query_params.get("doc") or self.preview.doc_type
        lang = request.query_params.get("lang") or self.preview.language
        types = self.preview.templates.document_types()
        if doc not in types:
            return f"unknown document type {doc!r}; use one of {', '.join(types)}"
        if lang not in LANGUAGES:
            return f"unknown language {lang!r}; use one of {', '.join(LANGUAGES)}"
        return doc, lang

    async def page(self, request):
        from starlette.concurrency import run_in_threadpool
        from starlette.responses import HTMLResponse, PlainTextResponse

        combo = self._view_of(request)
        if isinstance(combo, str):
            return PlainTextResponse(combo, status_code=404)
        await run_in_threadpool(self.ensure, *combo)
        if self.views[combo].pdf_pending:
            self._in_background(self._first_pdf(*combo))
        return HTMLResponse(
            _page(self.state(*combo), self.preview.templates.document_types()),
            headers={"Cache-Control": "no-store"},
        )

    async def events(self, request):
        from starlette.responses import PlainTextResponse, StreamingResponse

        combo = self._view_of(request)
        if isinstance(combo, str):
            return PlainTextResponse(combo, status_code=404)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self.clients[queue] = combo
        queue.put_nowait(json.dumps(self.state(*combo)))

        async def stream() -> AsyncIterator[str]:
            try:
                while True:
                    try:
                        message = await asyncio.wait_for(queue.get(), STREAM_TICK_S)
                    except TimeoutError:
                        if self._exiting():
                            return
                        continue
                    if message is None:
                        return
                    yield f"data: {message}\n\n"
            finally:
                self.clients.pop(queue, None)

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    def _in_background(self, work) -> None:
        task = asyncio.create_task(work)
        self.background.add(task)  # kept, so that it finishes
        task.add_done_callback(self.background.discard)

    async def _first_pdf(self, doc: str, lang: str) -> None:
        from starlette.concurrency import run_in_threadpool

        result = await run_in_threadpool(self.pdf_first, doc, lang)
        if result is not None and not result.stopped:
            self.publish()
            _report(self.out, result, f"{doc} ({lang})")

    def _exiting(self) -> bool:
        return self.server is not None and self.server.should_exit

    @asynccontextmanager
    async def lifespan(self, app) -> AsyncIterator[None]:
        self.stopping = asyncio.Event()
        tasks = [asyncio.create_task(self.watch())]
        for combo, view in list(self.views.items()):
            if view.pdf_pending:
                self._in_background(self._first_pdf(*combo))
        if self.stop is not None:
            tasks.append(asyncio.create_task(self._stop_when_asked()))
        try:
            yield
        finally:
            self.stopping.set()
            for task in tasks[1:]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._stop_pdfs()  # a PDF still being laid out is not waited for

    async def _stop_when_asked(self) -> None:
        assert self.stop is not None
        while not self.stop.is_set():
            await asyncio.sleep(0.05)
        for queue in list(self.clients):
            queue.put_nowait(None)
        assert self.server is not None
        self.server.should_exit = True

    async def watch(self) -> None:
        """Render again on every change; if watching itself fails, say so and stop the server."""
        try:
            await self._watch()
        except Exception as exc:  # noqa: BLE001 - a preview that no longer follows saves must not stay up
            self.out.print(f"error: the file watcher stopped ({type(exc).__name__}: {exc})", markup=False)
            self.failed = True
            if self.server is not None:
                self.server.should_exit = True

    async def _watch(self) -> None:
        import watchfiles

        async for batch in watchfiles.awatch(
            *self.preview.watched(),
            debounce=DEBOUNCE_MS,
            step=STEP_MS,
            stop_event=self.stopping,
            watch_filter=watchfiles.DefaultFilter(),
        ):
            change = self.preview.classify(batch)
            if change is None:
                continue
            wanted = set(self.clients.values()) or {(self.preview.doc_type, self.preview.language)}
            names = ", ".join(p.name for p in change.paths[:3]) + (" …" if len(change.paths) > 3 else "")
            if self.preview.pdf:
                await self._stop_pdfs()
            await self._pass(change, wanted, names, pdf=False)
            if self.preview.pdf:
                # In the background: the next save is taken at once, and stops this PDF if it is slow.
                self.pdf_pass = asyncio.create_task(self._pass(change, wanted, names, pdf=True))

    async def _pass(self, change: Changes, wanted: set[tuple[str, str]], names: str, *, pdf: bool) -> None:
        from starlette.concurrency import run_in_threadpool

        try:
            results = await run_in_threadpool(self.rerender, change, wanted, pdf=pdf)
        except Exception as exc:  # noqa: BLE001 - a crash in one render must not end the preview
            message = f"internal error: {type(exc).__name__}: {exc}"
            for combo in wanted:
                self.views.setdefault(combo, View()).errors = [message]
            results = [Rendered(errors=[message])]
        self.publish()
        for result in results:
            if not result.stopped:
                _report(self.out, result, f"{names} changed")

    async def _stop_pdfs(self) -> None:
        """Stop the PDFs of earlier saves still being rendered, and wait until they have stopped."""
        from starlette.concurrency import run_in_threadpool

        self.pdf_obsolete.set()
        try:
            while running := [t for t in (self.pdf_pass, *self.background) if t is not None and not t.done()]:
                # Again until they end: a pass may be between two PDFs, or about to start one.
                await run_in_threadpool(self.preview.cancel_pdf)
                await asyncio.wait(running, timeout=0.1)
        finally:
            self.pdf_obsolete.clear()


def _files(folder: Path):
    """The preview folder's files, each read whole when it is asked for.

    StaticFiles refuses absolute paths and anything that resolves, symbolic links followed, outside its
    folder. Its own responses send the length of the file as it was looked up and then read it by
    name, so a render that replaces the file meanwhile (a save during a request) sent a body of
    another length. A preview's files are small: read once, their length is that of what is sent.
    """
    import mimetypes

    from starlette.responses import Response
    from starlette.staticfiles import StaticFiles

    class Files(StaticFiles):
        def file_response(self, full_path, stat_result, scope, status_code=200) -> Response:
            try:
                data = Path(full_path).read_bytes()
            except OSError:
                return Response("not found", status_code=404, media_type="text/plain")
            media_type = mimetypes.guess_type(str(full_path))[0] or "application/octet-stream"
            return Response(data, status_code, {"Cache-Control": "no-store"}, media_type)

    return Files(directory=folder, follow_symlink=False)


def _bind(host: str, port: int | None) -> socket.socket:
    """A listening socket, so the address printed is the one served.

    ``port`` None: the default port, or any free one if it is taken (a second preview, ``mkdocs
    serve``); 0: any free port; another number: that port or an error.
    """
    try:
        family, _type, _proto, _name, address = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)[
            0
        ]
    except OSError as exc:
        raise OutcomesError(f"--host {host}: {exc.strerror or exc}") from exc
    if port is None:
        try:
            return socket.create_server((address[0], DEFAULT_PORT), family=family)
        except OSError:
            port = 0
    try:
        return socket.create_server((address[0], port), family=family)
    except OSError as exc:
        hint = "; choose another --port, or --port 0 for any free one" if port else ""
        raise OutcomesError(f"--host {host} --port {port}: {exc.strerror or exc}{hint}") from exc


def _address(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(
    preview: Preview,
    host: str,
    port: int | None,
    out: Printer,
    stop: threading.Event | None = None,
    first: Rendered | None = None,
) -> int:
    """Serve the preview until Ctrl-C (or ``stop``); the first render is already done."""
    import uvicorn

    sock = _bind(host, port)
    if host not in LOCAL_HOSTS:
        out.print(
            f"warning: serving on {host}: anyone who can reach this machine on port "
            f"{sock.getsockname()[1]} can read this session's documents",
            markup=False,
        )
    server = PreviewServer(preview, out, stop, first)
    allowed = ["*"] if host not in LOCAL_HOSTS else ["127.0.0.1", "localhost", "[::1]", "::1"]
    config = uvicorn.Config(
        server.app(allowed),
        log_level="warning",
        access_log=False,
        log_config=None,
        lifespan="on",
        timeout_graceful_shutdown=2,
    )
    server.server = uvicorn.Server(config)
    url = _address(sock)
    out.print(f"serving {url} (Ctrl-C to stop)", markup=False)
    out.print(f"watching {', '.join(str(p) for p in preview.watched())}", markup=False)
    server.server.run(sockets=[sock])
    return 1 if server.failed else 0


def run_preview(
    folder: Path,
    doc: str,
    templates: Path | None,
    pdf: bool,
    out_dir: Path,
    once: bool,
    out: Printer,
    stop: threading.Event | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
) -> int:
    """Render once, then serve the page and render again on every change (or just render once)."""
    if not (folder / "session.yaml").is_file():
        raise OutcomesError(f"{folder}: not a session folder (no session.yaml)")
    if templates is not None and not templates.is_dir():
        raise OutcomesError(f"--templates {templates}: not a folder")
    preview = Preview(folder, doc, templates, pdf, out_dir)
    try:
        # Served, the PDF comes after the page is up; rendered once, with it.
        result = preview.render(pdf=pdf and once)
        _report(out, result, "rendered")
        if once:
            return 0 if result.ok else 1
        try:
            return serve(preview, host, port, out, stop, result)
        except KeyboardInterrupt:
            return 0
    finally:
        preview.close()


# --- the page -----------------------------------------------------------------------------------

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Preview: $title</title>
<style>
  html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, sans-serif; }
  body { display: flex; flex-direction: column; }
  header { display: flex; gap: 1em; align-items: center; padding: .4em .8em; background: #1d3557;
           color: #fff; }
  header form { display: flex; gap: 1em; margin: 0; }
  header label { display: flex; gap: .4em; align-items: center; }
  #live { margin-left: auto; font-size: 90%; }
  #live.down { color: #ffb4a2; }
  main { flex: 1; display: flex; min-height: 0; }
  #html-pane { flex: 1; position: relative; min-width: 0; }
  #doc { border: 0; width: 100%; height: 100%; background: #fff; }
  #pdf-pane { flex: 1; overflow: auto; background: #666; padding: .5em; border-left: 1px solid #333; }
  #pdf-pane img { display: block; margin: 0 auto .5em; box-shadow: 0 1px 4px #000; background: #fff;
                  max-width: 100%; }
  #pdf-pane object { width: 100%; height: 100%; }
  #pdf-pane p { color: #fff; }
  #problems { position: absolute; top: 0; left: 0; right: 0; margin: 0; padding: .6em 1em;
              background: rgba(155, 28, 28, .93); color: #fff; max-height: 60%; overflow: auto;
              font-family: ui-monospace, monospace; white-space: pre-wrap; z-index: 1; }
  #problems[hidden] { display: none; }
</style>
</head>
<body>
<header>
  <form id="choose" method="get" action="/">
    <label>Document <select name="doc" onchange="this.form.submit()">$docs</select></label>
    <label>Language <select name="lang" onchange="this.form.submit()">$langs</select></label>
  </form>
  <span id="live">connecting…</span>
</header>
<main>
  <div id="html-pane">
    <pre id="problems" role="alert" hidden></pre>
    <iframe id="doc" title="HTML preview"></iframe>
  </div>
  <div id="pdf-pane"$pdf_hidden></div>
</main>
<script>
"use strict";
const frame = document.getElementById("doc");
const problems = document.getElementById("problems");
const pdfPane = document.getElementById("pdf-pane");
const live = document.getElementById("live");
let shown = null, shownPdf = null;

function show(state) {
  // A broken render keeps the last good one in the frame and puts the message over it.
  problems.hidden = state.errors.length === 0;
  problems.textContent = state.errors.join("\\n");
  if (state.html && state.html !== shown) {
    let y = 0;
    try { y = frame.contentWindow.scrollY; } catch (e) {}
    frame.addEventListener("load", () => frame.contentWindow.scrollTo(0, y), {once: true});
    frame.src = state.html;
    shown = state.html;
  }
  if (state.pdf_wanted) {
    const key = state.pdf + "|" + state.pages.join("|") + "|" + state.pdf_pending;
    if (key !== shownPdf) {
      shownPdf = key;
      pdfPane.replaceChildren();
      if (state.pages.length) {
        for (const src of state.pages) {
          const img = document.createElement("img");
          img.src = src; img.alt = "PDF page";
          pdfPane.append(img);
        }
      } else if (state.pdf) {
        const obj = document.createElement("object");
        obj.data = state.pdf; obj.type = "application/pdf";
        pdfPane.append(obj);
      }
      if (state.pdf_pending) {
        const note = document.createElement("p");
        note.textContent = "PDF rendering…";
        pdfPane.prepend(note);
      }
    }
  }
}

show($state);
const q = new URLSearchParams({doc: $doc, lang: $lang});
const events = new EventSource("/events?" + q);
events.onopen = () => { live.textContent = "live: reloads on every save"; live.className = ""; };
events.onerror = () => { live.textContent = "disconnected: is outcomes preview still running?";
                         live.className = "down"; };
events.onmessage = (e) => show(JSON.parse(e.data));
</script>
</body>
</html>
""")


def _js(value: object) -> str:
    """A value as JavaScript inside a <script> element."""
    return json.dumps(value).replace("</", "<\\/")


def _options(values: Iterable[str], selected: str) -> str:
    options = []
    for value in values:
        mark = " selected" if value == selected else ""
        options.append(f'<option value="{html_lib.escape(value)}"{mark}>{html_lib.escape(value)}</option>')
    return "".join(options)


def _page(state: dict[str, object], doc_types: list[str]) -> str:
    doc, lang = str(state["doc"]), str(state["lang"])
    return _PAGE.substitute(
        title=html_lib.escape(f"{doc} ({lang})"),
        docs=_options(doc_types, doc),
        langs=_options(LANGUAGES, lang),
        pdf_hidden="" if state["pdf_wanted"] else " hidden",
        state=_js(state),
        doc=_js(doc),
        lang=_js(lang),
    )
