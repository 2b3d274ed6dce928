"""The daily deadline sweep: build every session due within N days, report the late and the incomplete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import State

from flows.build import RENDER_TIMEOUT_S, BatchSettings, build_sessions, final_state, run_batch
from outcomes import artifacts
from outcomes.programme import plan_sweep


def sweep_run_name() -> str:
    """``deadline-sweep-2025-07-01``: the day the sweep is for."""
    from prefect.runtime import flow_run

    today = flow_run.parameters.get("today") or dt.date.today()
    return f"deadline-sweep-{today}"


@flow(
    name="deadline-sweep",
    flow_run_name=sweep_run_name,
    task_runner=build_sessions.task_runner,
    persist_result=False,
)
def deadline_sweep(
    inputs: str = "inputs",
    out: str = "outputs",
    within_days: int = 7,
    today: dt.date | None = None,
    include_overdue: bool = True,
    documents: list[str] | None = None,
    formats: list[str] | None = None,
    templates: str | None = None,
    force: bool = False,
    render_timeout: float = RENDER_TIMEOUT_S,
) -> State | list[State]:
    """Build the sessions due within ``within_days`` (and overdue ones without outputs).

    The run ends Failed when a session failed to build or needs attention (an invalid session.yaml,
    or a session due or overdue that cannot be built), so that it shows red in the UI; the Failed
    states name each of them (see :func:`flows.build.final_state`).
    """
    logger = get_run_logger()
    today = today or dt.date.today()
    sweep = plan_sweep(Path(inputs), Path(out), today, within_days, include_overdue)
    artifacts.publish_sweep(sweep)
    for s in sweep.overdue:
        logger.warning("overdue: %s (deadline %s, %d day(s) late)", s.session, s.deadline, s.days_late or 0)
    for s in sweep.missing_inputs:
        logger.warning("missing inputs: %s: %s", s.session, "; ".join(s.missing))
    settings = BatchSettings.from_parameters(
        out, documents, formats, templates, force, render_timeout=render_timeout, today=today
    )
    results = run_batch([s.folder for s in sweep.to_build], settings)
    # After the batch: the sessions it built now have outputs, and their build dates.
    after = plan_sweep(Path(inputs), Path(out), today, within_days, include_overdue)
    artifacts.publish_programme(after)
    failed = [r.session for r in results if r.status == "failed"]
    attention = after.needs_attention
    summary = (
        f"{len(results)} built or checked, {len(failed)} failed, {len(after.overdue)} overdue, "
        f"{len(after.late)} built late, {len(attention)} need attention"
    )
    lines = [f"{s.session} needs attention ({s.status}): {'; '.join(s.missing)}" for s in attention]
    return final_state(results, lines, summary)
