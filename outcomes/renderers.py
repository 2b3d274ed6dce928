"""A session's documents rendered in parallel by the process's pool of warm renderer processes.

The build's :class:`outcomes.build.Renderer` for the Prefect flow: every (document, format) of a plan
becomes one job of :class:`outcomes.pool.RenderPool`, which enforces the per-document time limit.
"""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass
from pathlib import Path

from outcomes.build import Plan, Rendered, jobs, render
from outcomes.pool import RenderPool
from outcomes.render.templates import TemplateSet

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
        return collect(
            [
                pool.submit(
                    render_job, (p, doc, fmt, self.templates_dir), f"{session}: {doc}.{fmt}", self.timeout
                )
                for doc, fmt in jobs(p)
            ]
        )
