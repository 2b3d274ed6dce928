"""``outcomes templates check``: render every document type against a built-in sample session.

The sample exercises everything a template can meet: a draft and a written summary, themes with action
lines, takeaways and a "who should adopt it" paragraph, themes that fit the recommendations' planned
sections and one that does not, actions with and without actors, choice and open-text poll questions,
speaker counts, and text that looks like Jinja or HTML (content is data: it prints as written). Each type is
rendered for every target (HTML, PDF, DOCX markup) in every language, and once in full to PDF and
DOCX, so a broken stylesheet or reference.docx shows up too.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from outcomes.errors import OutcomesError, TemplateError
from outcomes.model import (
    Action,
    Channel,
    ExecutiveSummary,
    GroupCount,
    Paragraph,
    PollOption,
    PollQuestion,
    Report,
    SessionMeta,
    Source,
    SpeakerStats,
    SummaryPart,
    Takeaway,
    Theme,
)
from outcomes.render.templates import (
    DOCUMENT_TYPES,
    LANGUAGES,
    RTL_LANGUAGES,
    OverLimit,
    TemplateSet,
    render_html,
)

SAMPLE_NOTE = "notes/sample.md"


def _src(line: int) -> list[Source]:
    return [Source(path=SAMPLE_NOTE, line=line)]


def sample_report(language: str = "en", *, draft: bool = False) -> Report:
    """A small, complete session report for checking templates."""
    session = SessionMeta(
        id="sample-session",
        event="IGF 2025",
        code="WS #000",
        title="Sample session: Engaging technical operators",
        date=dt.date(2025, 6, 24),
        format="Roundtable",
        duration_minutes=60,
        language=language,  # type: ignore[arg-type]
        documents=list(DOCUMENT_TYPES),
        deadline=dt.date(2025, 7, 6),
    )
    themes = [
        Theme(
            title="Definition of Internet infrastructure",
            action_lines=["C2", "C6"],
            narrative=[
                Paragraph(text="Participants described the layers of the Internet stack.", sources=_src(10))
            ],
            takeaways=[Takeaway(text="Infrastructure is more than the DNS.", sources=_src(12))],
            sources=_src(8),
        ),
        Theme(
            title="DNSSEC validation",
            action_lines=["C5"],
            narrative=[
                Paragraph(text="Signed zones are common; validating resolvers are not.", sources=_src(16)),
                Paragraph(text="Who should adopt it? ISPs and public resolver operators.", sources=_src(17)),
                Paragraph(text="A rapporteur wrote {{ 7 * 7 }} and <b>tags</b> literally.", sources=_src(18)),
            ],
            takeaways=[Takeaway(text="Validation is the weakest link.", sources=_src(20))],
            sources=_src(14),
        ),
        Theme(title="Additional outreach suggestions", action_lines=["C4", "C7.3"], sources=_src(22)),
    ]
    written = SummaryPart(
        group="Group 1",
        channel=Channel.ONSITE,
        paragraphs=[
            Paragraph(
                text="The session discussed how to bring technical operators into policy work.",
                sources=_src(3),
            ),
        ],
    )
    online = SummaryPart(
        group="Group 2",
        channel=Channel.ONLINE,
        paragraphs=[
            Paragraph(text="The online group focused on outreach.", sources=_src(5)),
        ],
    )
    return Report(
        session=session,
        executive_summary=ExecutiveSummary(parts=[written, online], draft=draft),
        themes=themes,
        takeaways=[Takeaway(text="Operators engage when policy affects their work.", sources=_src(24))],
        conclusion=[Paragraph(text="The organisers will publish the outcome.", sources=_src(26))],
        actions=[
            Action(
                text="Publish one-page operator profiles.",
                actors=["Session organisers"],
                action_lines=["C4"],
                sources=_src(28),
            ),
            Action(text="Hold policy office hours at operator meetings.", sources=_src(29)),
        ],
        polls=[
            PollQuestion(
                question="Which protocol first?",
                kind="choice",
                respondents=12,
                sources=_src(1),
                options=[PollOption(label="DNSSEC", votes=7), PollOption(label="RPKI", votes=5)],
            ),
            PollQuestion(
                question="What would help you take part?",
                kind="text",
                respondents=2,
                sources=_src(2),
                quotes=["Remote participation.", "Shorter sessions."],
            ),
        ],
        speakers=SpeakerStats(
            by_stakeholder=[GroupCount(label="Technical Community", count=2)],
            by_region=[
                GroupCount(label="African Group", count=1),
                GroupCount(label="Asia-Pacific Group", count=1),
            ],
            by_gender=[GroupCount(label="female", count=1), GroupCount(label="male", count=1)],
        ),
    )


def check_templates(
    templates_dir: Path | None = None, *, full: bool = True, timeout: float | None = None
) -> list[TemplateError]:
    """Render every document type with the sample session; return every template problem found.

    Each document type is checked in a renderer of the render pool, under the time limit a build
    gives one document (``timeout``, default ``OUTCOMES_RENDER_TIMEOUT``), with the sandbox's limits
    on size. ``full`` also renders one PDF and one DOCX per type (a second or so each), which catches
    a stylesheet WeasyPrint cannot use or a reference.docx pandoc cannot read.
    """
    from outcomes.errors import RenderError
    from outcomes.pool import RenderPool

    templates = TemplateSet(templates_dir.resolve() if templates_dir else None)
    problems: list[TemplateError] = []

    def record(error: TemplateError) -> None:
        if str(error) not in {str(p) for p in problems}:
            problems.append(error)

    for lang in LANGUAGES:
        try:
            templates.labels(lang)
        except TemplateError as exc:
            record(exc)
    folder = str(templates.override) if templates.override else None
    with RenderPool(timeout=timeout) as pool:
        futures = {
            doc_type: pool.submit(check_document, (folder, doc_type, full), doc_type)
            for doc_type in DOCUMENT_TYPES
        }
        for doc_type, future in futures.items():
            try:
                found = future.result()
            except RenderError as exc:  # the renderer was stopped at the time limit, or crashed
                found = [TemplateError(_where(templates, doc_type), None, str(exc))]
            for error in found:
                record(error)
    return problems


def check_document(templates_dir: str | None, doc_type: str, full: bool) -> list[TemplateError]:
    """Render one document type for every language, summary kind and target; then to PDF and DOCX."""
    templates = TemplateSet(Path(templates_dir) if templates_dir else None)
    problems: list[TemplateError] = []
    for lang in LANGUAGES:
        for draft in (False, True):
            report = sample_report(lang, draft=draft)
            for target in ("html", "pdf", "docx"):
                try:
                    render_html(report, doc_type, target, templates)  # type: ignore[arg-type]
                except OutcomesError as exc:
                    error = (
                        exc
                        if isinstance(exc, TemplateError)
                        else TemplateError(_where(templates, doc_type), None, str(exc))
                    )
                    if str(error) not in {str(p) for p in problems}:
                        problems.append(error)
                    if isinstance(exc.__cause__, OverLimit):
                        # As far past it in every language: waiting for (or holding) one is enough.
                        return problems
    # Files are rendered only from templates that render: one located error beats three vague ones.
    if full and not problems:
        problems += _render_files(templates, doc_type)
    return problems


def _where(templates: TemplateSet, doc_type: str) -> str:
    found = templates.find(f"{doc_type}/document.html")
    return str(found) if found else f"{doc_type}/document.html"


def _render_files(templates: TemplateSet, doc_type: str) -> list[TemplateError]:
    """Render one document type to PDF and DOCX (English and Arabic) and report what fails."""
    from outcomes.render.docx import write_docx
    from outcomes.render.pdf import write_pdf

    problems: list[TemplateError] = []
    with tempfile.TemporaryDirectory(prefix="outcomes-check-") as tmp:
        for lang in ("en", "ar"):
            report = sample_report(lang)
            labels = templates.labels(lang)
            title = f"{report.session.code} {report.session.title}"
            try:
                html = render_html(report, doc_type, "pdf", templates)
                write_pdf(
                    html,
                    Path(tmp),
                    templates.roots,
                    Path(tmp) / f"{doc_type}.pdf",
                    title=title,
                    lang=lang,
                    created=report.session.date,
                )
            except OutcomesError as exc:
                problems.append(TemplateError(_where(templates, doc_type), None, f"PDF: {exc}"))
            except Exception as exc:  # noqa: BLE001 - WeasyPrint failing on an editor's stylesheet
                problems.append(
                    TemplateError(_where(templates, doc_type), None, f"PDF: {type(exc).__name__}: {exc}")
                )
            reference = templates.find(f"{doc_type}/reference.docx") or templates.find(
                "_shared/reference.docx"
            )
            if reference is None:
                problems.append(TemplateError("_shared/reference.docx", None, "reference.docx not found"))
                continue
            try:
                html = render_html(report, doc_type, "docx", templates)
                write_docx(
                    html,
                    Path(tmp) / f"{doc_type}.docx",
                    reference,
                    lang=lang,
                    rtl=lang in RTL_LANGUAGES,
                    created=report.session.date,
                    toc_title=labels["contents"],
                )
            except OutcomesError as exc:
                problems.append(TemplateError(str(reference), None, f"DOCX: {exc}"))
            except Exception as exc:  # noqa: BLE001 - a broken reference.docx is the editor's to fix
                problems.append(TemplateError(str(reference), None, f"DOCX: {type(exc).__name__}: {exc}"))
    return problems
