"""The daily deadline sweep: build every session due within N days, report the late and the incomplete."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import Completed, Failed, State

from flows.build import RENDER_TIMEOUT_S, BatchSettings, build_sessions, run_batch
from outcomes import artifacts
from outcomes.programme import plan_sweep


@flow(name="deadline-sweep", task_runner=build_sessions.task_runner, persist_result=False)
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
) -> State:
    """Build the sessions due within ``within_days`` (and overdue ones without outputs)."""
    logger = get_run_logger()
    today = today or dt.date.today()
    sweep = plan_sweep(Path(inputs), Path(out), today, within_days, include_overdue)
    artifacts.publish_sweep(sweep)
    for s in sweep.overdue:
        logger.warning(
            "overdue: %s (deadline %s, %d day(s) late)", s.session, s.deadline, -(s.days_left or 0)
        )
    for s in sweep.missing_inputs:
        logger.warning("missing inputs: %s: %s", s.session, "; ".join(s.missing))
    settings = BatchSettings.from_parameters(
        out, documents, formats, templates, force, render_timeout=render_timeout, today=today
    )
    results = run_batch([s.folder for s in sweep.to_build], settings)
    failed = [r.session for r in results if r.status == "failed"]
    summary = (
        f"{len(results)} built or checked, {len(failed)} failed, {len(sweep.overdue)} overdue, "
        f"{len(sweep.missing_inputs)} missing inputs"
    )
    data = {"sweep": sweep, "results": results}
    if failed:
        logger.error("%s: %s", summary, ", ".join(failed))
        return Failed(message=f"{summary}: {', '.join(failed)}", data=data)
    logger.info(summary)
    return Completed(message=summary, data=data)
