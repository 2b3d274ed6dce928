"""Prefect flows: thin wrappers whose tasks call the library stages.

``build_sessions`` builds one or many session folders. Each session is a task (a task, not a
subflow: a sync subflow costs about a second at exit); inside it, nested tasks read the inputs,
merge them, render each format and write the outputs. Rendering is CPU-bound and WeasyPrint holds the
GIL, so the render tasks hand their documents to a pool of warm worker processes
(:class:`outcomes.pool.RenderPool`): Prefect tracks every task in the flow process while the renderers
run in parallel, without the temporary API server per worker that ``ProcessPoolTaskRunner`` starts on
the embedded default.
"""

from __future__ import annotations

import os

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from pathlib import Path  # noqa: E402

from prefect import flow, task  # noqa: E402
from prefect.task_runners import ThreadPoolTaskRunner  # noqa: E402

from outcomes import build as lib  # noqa: E402
from outcomes.errors import InputError, OutcomesError  # noqa: E402
from outcomes.outputs import clean_stale_parts, session_lock  # noqa: E402
from outcomes.pool import RenderPool  # noqa: E402
from outcomes.render.templates import TemplateSet  # noqa: E402


def retry_only_renderer_failures(task, task_run, state) -> bool:
    """Retry failures that can pass on a second try (renderer crash or timeout), never input errors."""
    try:
        state.result()
    except InputError:
        return False
    except Exception as exc:  # noqa: BLE001 - classifying the failure; the state keeps it
        return bool(getattr(exc, "retryable", False))
    return False


@task(name="read", task_run_name="read {folder}")
def read_task(folder: str) -> lib.SessionInputs:
    return lib.read(Path(folder))


@task(name="merge", task_run_name="merge {inputs.folder.name}")
def merge_task(inputs: lib.SessionInputs, options: lib.BuildOptions) -> lib.Plan:
    return lib.plan_from(inputs, options)


@task(name="render", task_run_name="render {fmt}: {p.report.session.id}", retries=1,
      retry_condition_fn=retry_only_renderer_failures)
def render_task(p: lib.Plan, fmt: str, templates_dir: str | None) -> list[lib.Rendered]:
    jobs = [(doc, f) for doc, f in lib.jobs(p) if f == fmt]
    return RenderPool.shared().render_all(p, jobs, templates_dir)


@task(name="write", task_run_name="write {p.report.session.id}")
def write_task(p: lib.Plan, rendered: list[lib.Rendered]) -> lib.BuildResult:
    return lib.finish(p, rendered)


@task(name="session", task_run_name="session {folder}")
def session_task(folder: str, options: lib.BuildOptions, templates_dir: str | None) -> lib.BuildResult:
    """Build one session; input errors become a failed result so the other sessions still build."""
    try:
        inputs = read_task(folder)
        p = merge_task(inputs, options)
    except InputError as exc:
        return lib.failed(Path(folder), exc.problems)
    with session_lock(p.out_dir):
        clean_stale_parts(p.out_dir)
        if p.up_to_date:
            return lib.unchanged(p)
        rendered: list[lib.Rendered] = []
        try:
            for fmt in dict.fromkeys(f for _doc, f in lib.jobs(p)):
                rendered += render_task(p, fmt, templates_dir)
        except OutcomesError as exc:
            for r in rendered:
                r.staged.unlink(missing_ok=True)
            return lib.failed(Path(folder), message=f"{folder}: {exc}")
        return write_task(p, rendered)


@flow(name="build-sessions", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def build_sessions(
    folders: list[str],
    out: str = "outputs",
    documents: list[str] | None = None,
    formats: list[str] | None = None,
    templates: str | None = None,
    force: bool = False,
) -> list[lib.BuildResult]:
    """Build every session folder given; one failing session never stops the others."""
    options = lib.BuildOptions(
        out=Path(out),
        documents=documents or None,
        formats=tuple(formats or lib.DEFAULT_FORMATS),
        templates=TemplateSet(Path(templates) if templates else None),
        force=force,
    )
    try:
        futures = [session_task.submit(folder, options, templates) for folder in folders]
        results = []
        for folder, future in zip(folders, futures, strict=True):
            result = future.result(raise_on_failure=False)
            if isinstance(result, BaseException):
                result = lib.failed(Path(folder), message=f"{folder}: {type(result).__name__}: {result}")
            results.append(result)
        return results
    finally:
        RenderPool.shutdown_shared()
