"""A session's documents rendered in parallel by the process's pool of warm renderer processes.

The build's :class:`outcomes.build.Renderer` for the Prefect flow: every (document, format) of a plan
becomes one job of :class:`outcomes.pool.RenderPool`, which enforces the per-document time limit.

A document that passes the limit (a stylesheet WeasyPrint lays out for minutes, say) would cost every
later session of a programme the whole limit again. Once a (document, format) has passed it in this
process, later sessions get :data:`REPEAT_LIMIT_S` for it while the template set is the same: a
session whose own content made it slow costs the others nothing (they render in seconds), and a
slow template costs a programme minutes instead of hours. An edited template set gets the full limit.
"""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from outcomes.build import Plan, Rendered, jobs, render
from outcomes.errors import RenderError
from outcomes.pool import RenderPool
from outcomes.render.templates import TemplateSet

REPEAT_LIMIT_S = 30.0
"""The time limit of a (document, format) that passed the full limit earlier in this process with the
same templates (about ten times what a large session report takes on two cores)."""

_over_limit: dict[tuple[str, str, str], tuple[str, float]] = {}
"""(template set digest, document type, format) that passed its time limit in this process, with the
session it did it for and the limit it passed."""

# Imported once by every renderer process, before its first job (pdfua: the PDF/UA check after each PDF).
RENDERER_MODULES = ("weasyprint", "outcomes.build", "outcomes.render.pdf", "outcomes.render.docx", "pdfua")

_template_sets: dict[str | None, TemplateSet] = {}


def render_job(p: Plan, doc_type: str, fmt: str, templates_dir: str | None) -> Rendered:
    """Render one document in a renderer process, with one template set per folder and process."""
    templates = _template_sets.get(templates_dir)
    if templates is None:
        templates = _template_sets[templates_dir] = TemplateSet(
            Path(templates_dir) if templates_dir else None
        )
    return render(p, doc_type, fmt, templates)


def collect(futures: list[cf.Future[Rendered]]) -> list[Rendered]:
    """Wait for every document; on any failure, remove what the others staged and raise it."""
    cf.wait(futures)
    failure = next((f.exception() for f in futures if f.exception() is not None), None)
    if failure is not None:
        for f in futures:
            if f.exception() is None:
                f.result().staged.unlink(missing_ok=True)
        raise failure
    return [f.result() for f in futures]


@dataclass
class PooledRenderer:
    """A session's documents rendered in parallel by this process's shared pool (a build's renderer)."""

    workers: int | None = None
    timeout: float | None = None
    templates_dir: str | None = None

    def _pool(self) -> RenderPool:
        return RenderPool.shared(self.workers, self.timeout, RENDERER_MODULES)

    def prepare(self) -> None:
        self._pool().warm()  # renderers import WeasyPrint while the session is read

    def render_all(self, p: Plan) -> list[Rendered]:
        pool = self._pool()
        session = p.report.session.id
        futures = []
        for doc, fmt in jobs(p):
            key = (p.templates_digest, doc, fmt)
            timeout, source = time_limit(key, self.timeout or pool.timeout)
            future = pool.submit(
                render_job, (p, doc, fmt, self.templates_dir), f"{session}: {doc}.{fmt}", timeout, source
            )
            future.add_done_callback(partial(_remember_over_limit, key, session, timeout))
            futures.append(future)
        return collect(futures)


def time_limit(key: tuple[str, str, str], full: float) -> tuple[float, str | None]:
    """The time limit for a (template digest, document, format), and why, if it is not the full one."""
    earlier = _over_limit.get(key)
    if earlier is None or full <= REPEAT_LIMIT_S:
        return full, None
    session, passed = earlier
    _, doc, fmt = key
    return REPEAT_LIMIT_S, (
        f"{doc}.{fmt} of {session} took longer than {passed:g} s with these templates, so later sessions "
        f"get {REPEAT_LIMIT_S:g} s for it until the templates change"
    )


def _remember_over_limit(key: tuple[str, str, str], session: str, timeout: float, future: cf.Future) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if isinstance(exc, RenderError) and exc.timed_out and timeout > REPEAT_LIMIT_S:
        _over_limit.setdefault(key, (session, timeout))
