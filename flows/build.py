"""Prefect flows: thin wrappers whose tasks call the library stages.

``build_sessions`` builds one or many session folders. Each session is a task (a task, not a
subflow: a sync subflow costs about a second at exit) that reads the inputs, merges them, renders
every document and writes the outputs: one task run per session, because every task run costs CPU
time in this process and in the API server that the renderers need. A session that fails ends in a
Failed task run carrying its :class:`BuildResult`, so Prefect shows it red while the other sessions go
on, and the flow run ends Failed naming the sessions that failed. A renderer crash or timeout fails
the attempt instead, and Prefect retries the session once.

Rendering is CPU-bound and WeasyPrint holds the GIL, so the session tasks run on threads in the flow
process (where Prefect tracks them cheaply, over one API connection) and hand each document to a
pool of warm renderer processes (:class:`outcomes.pool.RenderPool`), which also enforces the
per-document time limit. ``ProcessPoolTaskRunner`` or Dask work too (``renderer="inline"`` renders
in the task's own process); the flow then points their worker processes at this run's API server, so
that they do not each start a temporary one. Measurements: ``docs/prefect.md``.
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

# Prefect imports these at a flow's first call (parameters are serialised with FastAPI's encoder;
# the flow module's visualisation brings graphviz): about 0.25 s that would otherwise come after the
# API server answers, when nothing else can run, instead of while it starts.
import fastapi.encoders  # noqa: E402, F401
import prefect.utilities.visualization  # noqa: E402, F401
from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.context import FlowRunContext, TaskRunContext  # noqa: E402
from prefect.futures import as_completed  # noqa: E402
from prefect.states import Completed, Failed, State  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from outcomes import artifacts, heap  # noqa: E402
from outcomes import build as lib  # noqa: E402
from outcomes.errors import InputError  # noqa: E402
from outcomes.ingest import pandoc_reader  # noqa: E402
from outcomes.pool import RENDER_TIMEOUT_S, PooledRenderer, RenderPool, default_workers  # noqa: E402
from outcomes.render.templates import TemplateSet  # noqa: E402

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
    """Retry failures that can pass on a second try (renderer crash or timeout), never input errors."""
    try:
        state.result()
    except InputError:
        return False
    except Exception as exc:  # noqa: BLE001 - classifying the failure; the state keeps it
        return bool(getattr(exc, "retryable", False))
    return False


SESSION_RETRIES = 1  # once more after a renderer crash or timeout; never after an input error


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
    """Build one session; a failed session is a Failed task run that still carries its result.

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
        return Failed(message="; ".join(result.errors)[:1000], data=result)
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
    # What Prefect imported to start this run is never traversed by the collector again (outcomes.heap).
    heap.freeze()
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
        RenderPool.shutdown_shared()
        pandoc_reader.close_shared()
    ordered = [results[i] for i in range(len(folders))]
    _best_effort(artifacts.publish_run, ordered, settings.today)
    return ordered


def _best_effort(fn: Callable[..., Any], *args: Any) -> Any:
    """Artifacts report on the build; failing to publish one must not fail it."""
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - logged, and the build goes on
        get_run_logger().warning("could not publish an artifact: %s: %s", type(exc).__name__, exc)
        return None


def final_state(results: list[lib.BuildResult]) -> State:
    """Completed when every session built (or was unchanged), else Failed naming the sessions."""
    failed = [r.session for r in results if r.status == "failed"]
    summary = artifacts.run_description(results)
    if failed:
        get_run_logger().error(summary)
        return Failed(message=summary, data=results)
    get_run_logger().info(summary)
    return Completed(message=summary, data=results)


@flow(
    name="build-sessions",
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
) -> State:
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


def results_of(state: State) -> list[lib.BuildResult]:
    """The results a build flow run carries, failed sessions included; re-raise if the run crashed."""
    data = state.result(raise_on_failure=False)
    if isinstance(data, BaseException):
        raise data
    return list(data)
