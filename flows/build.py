"""Prefect flows: thin wrappers whose tasks call the library stages.

``build_sessions`` builds one or many session folders. Each session is one task run (not a subflow,
and not one per stage: each costs CPU time in this process and in the API server, which the
renderers need; bench/README.md) that reads the inputs, merges them, renders every document and
writes the outputs. A session that fails ends in a Failed task run (its located problems in the
state's message, its :class:`BuildResult` in a :class:`SessionFailed`), so Prefect shows it red
while the other sessions go on, and the flow run ends Failed (:func:`final_state`), with an ERROR
line naming the sessions that failed and their first problem; the results are in the run's
artifacts. A renderer crash fails the attempt instead, and Prefect retries the session once; a
document over its time limit fails the session at once (it would take as long again).

Rendering is CPU-bound and WeasyPrint holds the GIL, so the session tasks run on threads in the flow
process (where Prefect tracks them cheaply, over one API connection) and hand each document to a
pool of warm renderer processes (:class:`outcomes.pool.RenderPool`), which also enforces the
per-document time limit. ``ProcessPoolTaskRunner`` or Dask work too (``renderer="inline"`` renders
in the task's own process); the flow then points their worker processes at this run's API server, so
that they do not each start a temporary one. Measurements: ``bench/README.md``.
"""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The temporary server of the embedded default starts slowly on a loaded machine (default 20 s).
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import contextlib  # noqa: E402
import datetime as dt  # noqa: E402
import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Literal  # noqa: E402

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import FlowRunContext, TaskRunContext  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.states import Completed, Failed, State  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from outcomes import artifacts  # noqa: E402
from outcomes import build as lib  # noqa: E402
from outcomes.errors import InputError  # noqa: E402
from outcomes.ingest import pandoc_reader  # noqa: E402
from outcomes.pool import RENDER_TIMEOUT_S, RenderPool, default_workers  # noqa: E402
from outcomes.render.templates import TemplateSet  # noqa: E402
from outcomes.renderers import PooledRenderer  # noqa: E402

Renderer = Literal["pool", "inline"]
# Outputs and build.json are the record; Prefect's result cache would only cost a pickle per task.
NOT_CACHED: dict[str, Any] = {"cache_policy": NO_CACHE, "persist_result": False}


@dataclass(frozen=True)
class BatchSettings:
    """Everything a session task needs, picklable for process and Dask workers."""

    out: str = "outputs"
    documents: tuple[str, ...] = ()
    formats: tuple[str, ...] = lib.DEFAULT_FORMATS
    templates: str | None = None
    force: bool = False
    renderer: Renderer = "pool"
    render_workers: int = 0  # 0: one renderer per core of the process that renders
    render_timeout: float = RENDER_TIMEOUT_S
    today: dt.date = field(default_factory=dt.date.today)

    @classmethod
    def from_parameters(
        cls,
        out: str,
        documents: list[str] | None,
        formats: list[str] | None,
        templates: str | None,
        force: bool,
        **rest,
    ) -> BatchSettings:
        """Settings from a flow's parameters (lists as Prefect passes them; empty means the default)."""
        return cls(
            out=out,
            documents=tuple(documents or ()),
            formats=tuple(formats or lib.DEFAULT_FORMATS),
            templates=templates,
            force=force,
            **rest,
        )

    def options(self) -> lib.BuildOptions:
        return lib.BuildOptions(
            out=Path(self.out),
            documents=list(self.documents) or None,
            formats=self.formats,
            templates=_template_set(self.templates),
            force=self.force,
        )

    def pooled_renderer(self) -> PooledRenderer:
        """The pool of renderer processes these settings render with (``renderer="pool"``)."""
        return PooledRenderer(self.render_workers or None, self.render_timeout, self.templates)


_template_sets: dict[str | None, TemplateSet] = {}


def _template_set(folder: str | None) -> TemplateSet:
    """One template set per folder and process: its Jinja environment compiles each template once."""
    if folder not in _template_sets:
        _template_sets[folder] = TemplateSet(Path(folder) if folder else None)
    return _template_sets[folder]


def retry_only_renderer_failures(task, task_run, state) -> bool:
    """Retry failures that can pass on a second try (a renderer crash), never input errors."""
    try:
        state.result()
    except InputError:
        return False
    except Exception as exc:  # noqa: BLE001 - classifying the failure; the state keeps it
        return bool(getattr(exc, "retryable", False))
    return False


SESSION_RETRIES = 1  # once more after a renderer crash or timeout; never after an input error


class SessionFailed(Exception):
    """A session that was not built: its located problems, and its result for the run's records.

    The data of a session's Failed state: Prefect resolves a failed state's data into an exception.
    """

    def __init__(self, result: lib.BuildResult):
        super().__init__("; ".join(result.errors) or f"{result.session}: not built")
        self.result = result

    def __reduce__(self):
        return (SessionFailed, (self.result,))


def build_one(folder: str, settings: BatchSettings, last_attempt: bool = True) -> lib.BuildResult:
    """Build one session with the batch's renderer; a renderer failure is raised while a retry is left."""
    options = settings.options()
    renderer: lib.Renderer
    if settings.renderer == "inline":
        renderer = lib.InlineRenderer(options.templates)
    else:
        renderer = settings.pooled_renderer()
    return lib.build_session(Path(folder), options, renderer, retry_left=not last_attempt)


@task(
    name="session",
    task_run_name="{session}",
    retries=SESSION_RETRIES,
    retry_delay_seconds=1,
    retry_condition_fn=retry_only_renderer_failures,
    **NOT_CACHED,
)
def session_task(folder: str, session: str, settings: BatchSettings) -> lib.BuildResult | State:
    """Build one session; a failed session is a Failed task run whose message gives its problems.

    One task run per session, stages included: each task run costs the embedded server and this
    process CPU time that the renderers need (measurements: ``bench/README.md``).
    """
    ctx = TaskRunContext.get()
    attempt = ctx.task_run.run_count if ctx is not None else 1
    result = build_one(folder, settings, last_attempt=attempt > SESSION_RETRIES)
    # An unchanged session keeps the summary of its last build as the latest; the run table records it.
    if result.status != "unchanged":
        _best_effort(artifacts.publish_session, result, settings.today)
    if result.status == "failed":
        for error in result.errors:
            get_run_logger().error("%s", error)
        return Failed(message="; ".join(result.errors)[:1000], data=SessionFailed(result))
    return result


# ---------------------------------------------------------------- progress listeners (the CLI's bar)

Listener = Callable[[lib.BuildResult, int, int], None]
_listeners: list[Listener] = []
_listeners_lock = threading.Lock()


@contextlib.contextmanager
def progress_listener(listener: Listener) -> Iterator[None]:
    """Call ``listener(result, done, total)`` in this process as each session finishes."""
    with _listeners_lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _listeners_lock:
            _listeners.remove(listener)


def _notify(result: lib.BuildResult, done: int, total: int) -> None:
    for listener in list(_listeners):
        listener(result, done, total)


_collectors: list[list[lib.BuildResult]] = []
_run_listeners: list[Callable[[str], None]] = []


@contextlib.contextmanager
def collecting() -> Iterator[list[lib.BuildResult]]:
    """The results of the batches this process runs in the block, in batch order, failed ones included."""
    results: list[lib.BuildResult] = []
    with _listeners_lock:
        _collectors.append(results)
    try:
        yield results
    finally:
        with _listeners_lock:
            _collectors.remove(results)


@contextlib.contextmanager
def run_listener(listener: Callable[[str], None] | None) -> Iterator[None]:
    """Call ``listener(ui_address)`` in this process when a batch's flow run starts."""
    if listener is None:
        yield
        return
    with _listeners_lock:
        _run_listeners.append(listener)
    try:
        yield
    finally:
        with _listeners_lock:
            _run_listeners.remove(listener)


def _announce_run() -> None:
    ctx = FlowRunContext.get()
    if not _run_listeners or ctx is None or ctx.flow_run is None:
        return
    from prefect.utilities.urls import url_for

    address = url_for("flow-run", obj_id=ctx.flow_run.id)
    if address:
        for listener in list(_run_listeners):
            listener(address)


SHARE_API_SERVER = True  # the measurements switch it off to time the stock behaviour


@contextlib.contextmanager
def _share_api_server() -> Iterator[None]:
    """Point worker processes (process pool, Dask) at this run's API server.

    On the embedded default the API is a temporary server that only this process knows about;
    without this, every worker process would start a server of its own.
    """
    ctx = FlowRunContext.get()
    api_url = getattr(getattr(ctx, "client", None), "api_url", None)
    if (
        not SHARE_API_SERVER
        or ctx is None
        or api_url is None
        or isinstance(ctx.task_runner, ThreadPoolTaskRunner)
    ):
        yield
        return
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: str(api_url).rstrip("/")}):
        yield


def run_batch(folders: list[str], settings: BatchSettings) -> list[lib.BuildResult]:
    """Submit one session task per folder (inside a flow); collect every result, failed or not."""
    _announce_run()
    logger = get_run_logger()
    clashes = lib.clashing(folders)  # folders claiming one session id: neither is built
    results: dict[int, lib.BuildResult] = {i: clashes[f] for i, f in enumerate(folders) if f in clashes}
    progress = _best_effort(artifacts.Progress, len(folders)) if len(folders) > 1 else None
    try:
        with _share_api_server():
            futures = {
                session_task.submit(folder, lib.session_label(folder), settings): i
                for i, folder in enumerate(folders)
                if folder not in clashes
            }
            for future in as_completed(list(futures)):
                i = futures[future]
                result = future.result(raise_on_failure=False)
                if isinstance(result, SessionFailed):
                    result = result.result
                if not isinstance(result, lib.BuildResult):
                    # Not an input or render problem: a bug or a crash. Keep it, name it, go on.
                    message = f"{folders[i]}: {type(result).__name__}: {result}"
                    result = lib.failed(Path(folders[i]), message=message)
                    logger.error("session %s crashed: %s", result.session, result.errors[0])
                results[i] = result
                _notify(result, len(results), len(folders))
                if progress is not None:
                    _best_effort(progress.advance)
    finally:
        # The renderers end while the flow run ends (join_closed, or at exit, waits for them).
        RenderPool.shutdown_shared(wait=False)
        pandoc_reader.close_shared()
    ordered = [results[i] for i in range(len(folders))]
    _best_effort(artifacts.publish_run, ordered, settings.today)
    with _listeners_lock:
        for collector in _collectors:
            collector.extend(ordered)
    return ordered


def _best_effort(fn: Callable[..., Any], *args: Any) -> Any:
    """Artifacts report on the build; failing to publish one must not fail it."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - logged, and the build goes on
        get_run_logger().warning("could not publish an artifact: %s: %s", type(exc).__name__, exc)
        return None


def final_state(
    results: list[lib.BuildResult], attention: list[str] | None = None, summary: str | None = None
) -> State | list[State]:
    """Completed when every session built (or was unchanged); else one state per session, Failed if it
    failed (its message: the session and its located problems), and one Failed per ``attention`` line.

    Prefect 3.9.1's engine raises a Failed state that a flow run returns, once the run has ended, and
    logs it with a traceback ("Engine execution exited with unexpected exception"); a list of states
    gives the flow run a Failed state too ("1/3 states failed.") without that. The results are the
    run's artifacts; the summary, with every failed session's first problem, is logged.
    """
    summary = summary or artifacts.run_message(results)
    failed = [r for r in results if r.status == "failed"]
    if not failed and not attention:
        get_run_logger().info(summary)
        return Completed(message=summary)
    get_run_logger().error(summary if failed else f"{summary}: {'; '.join(attention or [])}")
    states: list[State] = [
        Failed(message=f"{r.session}: {'; '.join(r.errors)}"[:1000])
        if r.status == "failed"
        else Completed(message=f"{r.session}: {r.status}")
        for r in results
    ]
    return states + [Failed(message=line[:1000]) for line in attention or []]


def batch_run_name() -> str:
    """A flow run's name from the sessions it builds (the UI's Runs list shows it)."""
    from prefect.runtime import flow_run

    names = [Path(f).name for f in flow_run.parameters.get("folders") or []]
    if len(names) > 3:
        return f"build {', '.join(names[:2])} and {len(names) - 2} more"
    return "build " + (", ".join(names) or "nothing")


@flow(
    name="build-sessions",
    flow_run_name=batch_run_name,
    task_runner=ThreadPoolTaskRunner(max_workers=2 * default_workers() + 2),
    log_prints=True,
    persist_result=False,
)
def build_sessions(
    folders: list[str],
    out: str = "outputs",
    documents: list[str] | None = None,
    formats: list[str] | None = None,
    templates: str | None = None,
    force: bool = False,
    renderer: Renderer = "pool",
    render_workers: int = 0,
    render_timeout: float = RENDER_TIMEOUT_S,
) -> State | list[State]:
    """Build every session folder given; one failing session never stops the others."""
    settings = BatchSettings.from_parameters(
        out,
        documents,
        formats,
        templates,
        force,
        renderer=renderer,
        render_workers=render_workers,
        render_timeout=render_timeout,
    )
    return final_state(run_batch(list(folders), settings))


def check_ran(state: State, results: list[lib.BuildResult], expected: int) -> None:
    """Raise the flow run's own failure if it ended without reporting on every session."""
    if len(results) == expected:
        return
    if state.is_failed() or state.is_crashed():
        state.result()  # raises what ended the run
    raise RuntimeError(f"the flow run ended {state.name} without a result for every session")
