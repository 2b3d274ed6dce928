"""The ``outcomes`` command. Thin: parse, call the library or the flow, print, choose the exit code.

Exit codes: 0 everything built (or valid), 1 some session had input errors (the others were still
built), 2 a usage error, 3 the configured Prefect server (``PREFECT_API_URL``) does not answer.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from cyclopts import App, Parameter
from rich.console import Console
from rich.markup import escape

from outcomes import __version__
from outcomes.errors import OutcomesError, UsageError, printable
from outcomes.outputs import check_out_folder

if TYPE_CHECKING:
    from prefect.states import State

    from flows.embedded import TemporaryServer
    from outcomes.build import BuildResult

app = App(
    name="outcomes",
    help="IGF session outcome documents from notes, polls and worksheets.",
    version=__version__,
)
templates_app = App(name="templates", help="List and check document templates.")
app.command(templates_app)

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

FORMAT_CHOICES = ("pdf", "docx", "html", "txt")
EXIT_SERVER_DOWN = 3


def _quiet_prefect(debug: bool) -> None:
    """Keep Prefect quiet and offline unless asked; set before Prefect is imported."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "DEBUG" if debug else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING" if debug else "ERROR")


def _session_folders(dirs: list[Path], all_inputs: Path | None) -> list[Path]:
    folders = list(dirs)
    if all_inputs is not None:
        if not all_inputs.is_dir():
            raise UsageError(f"{all_inputs}: not a folder of sessions")
        folders += sorted(p for p in all_inputs.iterdir() if p.is_dir() and (p / "session.yaml").is_file())
    if not folders:
        raise UsageError("give at least one session folder, or --all INPUTS")
    return folders


@app.command
def init(folder: Path) -> int:
    """Scaffold a session folder: session.yaml, notes/, polls/ and worksheet.xlsx."""
    from outcomes.scaffold import init_session

    for line in init_session(folder):
        out.print(line)
    out.print(f"Fill in {folder / 'session.yaml'}, drop notes and polls in, then: outcomes build {folder}")
    return 0


@app.command
def check(dirs: list[Path], *, quiet: bool = False, debug: bool = False) -> int:
    """Validate session folders without rendering; print every problem, and each note's outline.

    --quiet leaves the outlines out.
    """
    from outcomes.build import check_all

    failed = 0
    for folder, problems, outlines in check_all(dirs, debug=debug):
        for problem in problems.items:
            (err if problem.is_error else out).print(str(problem), markup=False)
        for outline in [] if quiet else outlines:
            for line in outline.lines(prefix=f"{folder}/"):
                out.print(printable(line), markup=False)  # note text: shown escaped
        n_err, n_warn = len(problems.errors), len(problems.warnings)
        status = "[red]errors[/red]" if n_err else "[green]ok[/green]"
        out.print(f"{escape(printable(str(folder)))}: {status} ({n_err} error(s), {n_warn} warning(s))")
        failed += bool(n_err)
    return 1 if failed else 0


@app.command
def build(
    dirs: list[Path] | None = None,
    *,
    all: Annotated[Path | None, Parameter(name="--all", help="build every session folder in INPUTS")] = None,
    out_dir: Annotated[Path, Parameter(name="--out")] = Path("outputs"),
    doc: Annotated[list[str] | None, Parameter(name="--doc", help="document type (repeatable)")] = None,
    format: Annotated[
        str, Parameter(name="--format", help="comma-separated: pdf,docx,html,txt")
    ] = "pdf,docx",
    templates: Annotated[
        Path | None, Parameter(help="editor's template folder layered over the built-in set")
    ] = None,
    force: Annotated[bool, Parameter(help="rebuild even if nothing changed")] = False,
    debug: bool = False,
) -> int:
    """Build sessions through the Prefect flow."""
    folders = _session_folders(dirs or [], all)
    formats = [f.strip() for f in format.split(",") if f.strip()]
    for f in formats:
        if f not in FORMAT_CHOICES:
            raise UsageError(f"--format {f}: use {', '.join(FORMAT_CHOICES)}")
    if templates is not None and not templates.is_dir():
        raise UsageError(f"--templates {templates}: not a folder")
    check_out_folder(out_dir)
    _quiet_prefect(debug)
    if not debug:
        # Every session's problems are printed below, located; Prefect's own lines (with tracebacks)
        # stay in the run's logs, and --debug shows them here.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "CRITICAL")
    # Prefect's temporary server (when no API is configured) starts first, so that it starts up while
    # this process imports Prefect and the readers (flows.embedded).
    from flows.embedded import start_early

    server = start_early(debug)
    from outcomes.render.templates import DOCUMENT_TYPES

    for d in doc or []:
        if d not in DOCUMENT_TYPES:
            if server is not None:
                server.stop()
            raise UsageError(f"--doc {d}: use one of {', '.join(DOCUMENT_TYPES)}")
    from outcomes.pool import RenderPool

    if server is not None:
        # Until its temporary server answers, this command has nothing else to do: it imports
        # the readers meanwhile. (Its renderers start with the first session: importing WeasyPrint
        # now would take the cores the server's start needs.)
        import outcomes.scaffold  # noqa: F401 - with the readers of every input
    else:
        # A configured server needs no start: the renderers import WeasyPrint while this process
        # imports Prefect, on the core that would otherwise wait. The flow run's sessions use this
        # process's pool, with the flow's defaults (one renderer per core, the default time limit).
        from outcomes.renderers import PooledRenderer

        PooledRenderer().prepare()

    try:
        state, results = _run_build_flow(server, folders, out_dir, doc, formats, templates, force)
    finally:
        RenderPool.shutdown_shared(wait=False)  # started here, if the run never started (server down)
        RenderPool.join_closed()  # the run stops its renderers as it ends: wait for them here
    if state is None:
        return EXIT_SERVER_DOWN
    from flows.build import check_ran

    check_ran(state, results, len(folders))
    return report_results(results)


def _run_build_flow(
    server: TemporaryServer | None,
    folders: list[Path],
    out_dir: Path,
    doc: list[str] | None,
    formats: list[str],
    templates: Path | None,
    force: bool,
) -> tuple[State | None, list[BuildResult]]:
    """The flow run on the embedded default or the configured server: (its state, the results).

    The state is None when the configured server does not answer (said on stderr).
    """
    from flows.build import build_sessions as build_flow
    from flows.build import collecting, progress_listener, run_listener
    from flows.embedded import configured_server_down, embedded_default

    with embedded_default(server) as temporary_api:
        if temporary_api is None:
            down = configured_server_down()
            if down is not None:
                err.print(down, markup=False)
                return None, []
        with (
            _progress(len(folders)) as on_result,
            progress_listener(on_result),
            run_listener(None if temporary_api else _print_run_address),
            collecting() as results,
        ):
            state = build_flow(
                folders=[str(f) for f in folders],
                out=str(out_dir),
                documents=doc,
                formats=formats,
                templates=str(templates) if templates else None,
                force=force,
                return_state=True,
            )
    return state, results


def _print_run_address(url: str) -> None:
    out.print(f"Prefect flow run: {url}", markup=False)


PROGRESS_FROM = 3  # sessions: below this a batch is quick and the summary is enough


@contextlib.contextmanager
def _progress(total: int):
    """A progress bar on the terminal for batches; nothing when stderr is not a terminal."""
    if total < PROGRESS_FROM or not err.is_terminal:
        yield lambda result, done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("building"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        job = bar.add_task("", total=total)
        failed: list[str] = []

        def on_result(result, done: int, total: int) -> None:
            if result.status == "failed":
                failed.append(result.session)
            note = f"[red]{len(failed)} failed[/red] " if failed else ""
            bar.update(job, completed=done, description=f"{note}{escape(result.session)}: {result.status}")

        yield on_result


def report_results(results) -> int:
    """Print one line per session, its problems, and where the outputs are; exit 1 if any failed."""
    failed = [r for r in results if r.status == "failed"]
    for r in results:
        if r.status == "failed":
            err.print(f"[red]✗[/red] {escape(printable(r.session))}: not built", markup=True)
            for e in r.errors:
                err.print(f"  {printable(e)}", markup=False)
            continue
        mark = "✓" if r.status == "built" else "="
        what = "built" if r.status == "built" else "unchanged"
        where = escape(printable(f"{r.session}: {what} → {r.out_dir}/ ({', '.join(r.documents)})"))
        out.print(f"[green]{mark}[/green] {where}")
        for w in r.warnings:
            out.print(f"  {printable(w)}", markup=False)
    built = sum(r.status == "built" for r in results)
    same = sum(r.status == "unchanged" for r in results)
    out.print(f"{len(results)} session(s): {built} built, {same} unchanged, {len(failed)} failed")
    if failed:
        named = "; ".join(f"{r.session} ({_first_line(r.errors)})" for r in failed)
        err.print(printable(f"failed: {named}"), markup=False)
    return 1 if failed else 0


def _first_line(errors: list[str]) -> str:
    first = errors[0].splitlines()[0] if errors and errors[0] else "build failed"
    return first + (f" and {len(errors) - 1} more" if len(errors) > 1 else "")


@app.command
def preview(
    folder: Path,
    *,
    doc: Annotated[str, Parameter(name="--doc")] = "session_report",
    templates: Path | None = None,
    pdf: Annotated[bool, Parameter(help="also render the PDF, shown as pages beside the HTML")] = False,
    out_dir: Annotated[Path, Parameter(name="--out")] = Path("outputs"),
    port: Annotated[int | None, Parameter(help="port to serve on (default 8000, else a free one)")] = None,
    host: Annotated[str, Parameter(help="address to serve on; warns if not local")] = "127.0.0.1",
    once: Annotated[bool, Parameter(help="render once and exit, for scripts")] = False,
) -> int:
    """Serve a document in the browser and reload it whenever a template or input changes (no Prefect)."""
    from outcomes.preview import run_preview

    check_out_folder(out_dir)
    return run_preview(folder, doc, templates, pdf, out_dir, once, out, host=host, port=port)


@templates_app.command(name="list")
def templates_list(templates: Path | None = None) -> int:
    """List the document types and where each template file comes from."""
    from outcomes.render.templates import DOCUMENT_TYPES, TemplateSet

    ts = TemplateSet(templates)
    out.print("Document types: " + ", ".join(DOCUMENT_TYPES))
    for name, path in ts.files().items():
        origin = "editor" if templates and path.is_relative_to(templates.resolve()) else "built-in"
        out.print(f"  {name:45} {origin:9} {path}", markup=False)
    return 0


@templates_app.command(name="check")
def templates_check(templates: Path | None = None) -> int:
    """Render every document type against a built-in sample session; report template errors."""
    from outcomes.template_check import check_templates

    problems = check_templates(templates)
    for p in problems:
        err.print(p, markup=False)
    out.print("templates: " + ("[red]errors[/red]" if problems else "[green]ok[/green]"))
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        code = app(args, exit_on_error=False, print_error=True)
    except UsageError as exc:
        err.print(printable(f"usage error: {exc}"), markup=False)
        sys.exit(2)
    except OutcomesError as exc:
        if debug:
            raise
        err.print(printable(str(exc)), markup=False)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI's last line: no traceback unless --debug
        if debug or exc.__class__.__module__.startswith("cyclopts"):
            if not debug:
                sys.exit(2)
            raise
        err.print(
            printable(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for details)"),
            markup=False,
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
