"""A pool of warm worker processes for rendering.

WeasyPrint holds the GIL, so threads cannot render two documents at once. Workers are started with
``spawn`` (forking a process that runs Prefect's threads is unsafe), import the renderers once, and
then serve render jobs; the template set is rebuilt per job from its folder, which is cheap.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import threading
from pathlib import Path

from outcomes.build import Plan, Rendered, render
from outcomes.errors import RenderError
from outcomes.render.templates import TemplateSet

RENDER_TIMEOUT_S = float(os.environ.get("OUTCOMES_RENDER_TIMEOUT", "300"))


def _warm() -> None:
    import weasyprint  # noqa: F401 - import once per worker, not per job

    from outcomes.render.docx import pandoc_version

    pandoc_version()


_TEMPLATES: dict[str | None, TemplateSet] = {}


def _render_job(p: Plan, doc_type: str, fmt: str, templates_dir: str | None) -> Rendered:
    templates = _TEMPLATES.get(templates_dir)
    if templates is None:
        templates = _TEMPLATES[templates_dir] = TemplateSet(Path(templates_dir) if templates_dir else None)
    return render(p, doc_type, fmt, templates)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


class RenderPool:
    """Process pool shared by every render task of a run."""

    _shared: RenderPool | None = None
    _lock = threading.Lock()

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._executor: cf.ProcessPoolExecutor | None = None

    @classmethod
    def shared(cls) -> RenderPool:
        with cls._lock:
            if cls._shared is None:
                cls._shared = RenderPool()
            return cls._shared

    @classmethod
    def shutdown_shared(cls) -> None:
        with cls._lock:
            if cls._shared is not None:
                cls._shared.shutdown()
                cls._shared = None

    def executor(self) -> cf.ProcessPoolExecutor:
        if self._executor is None:
            self._executor = cf.ProcessPoolExecutor(
                max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=_warm
            )
        return self._executor

    def submit(self, p: Plan, doc_type: str, fmt: str, templates_dir: str | None) -> cf.Future[Rendered]:
        return self.executor().submit(_render_job, p, doc_type, fmt, templates_dir)

    def render_all(self, p: Plan, jobs: list[tuple[str, str]], templates_dir: str | None) -> list[Rendered]:
        """Render jobs in parallel; a crashed worker or a timeout is a retryable RenderError."""
        futures = [self.submit(p, doc, fmt, templates_dir) for doc, fmt in jobs]
        done: list[Rendered] = []
        try:
            for future in futures:
                done.append(future.result(timeout=RENDER_TIMEOUT_S))
        except cf.TimeoutError as exc:
            self._restart()
            raise RenderError(f"rendering took longer than {RENDER_TIMEOUT_S:.0f} s") from exc
        except cf.process.BrokenProcessPool as exc:
            self._restart()
            raise RenderError("a renderer process crashed") from exc
        except BaseException:
            for future in futures:
                future.cancel()
            for future in futures:
                if future.done() and not future.cancelled() and future.exception() is None:
                    future.result().staged.unlink(missing_ok=True)
            raise
        return done

    def _restart(self) -> None:
        if self._executor is not None:
            for proc in list(getattr(self._executor, "_processes", {}).values()):
                proc.kill()
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
