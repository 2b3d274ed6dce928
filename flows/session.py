"""One session, by id or folder: the deployment organisers run from the UI or ``prefect deployment run``."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.states import Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from flows.build import RENDER_TIMEOUT_S, BatchSettings, final_state, run_batch
from outcomes.errors import OutcomesError
from outcomes.programme import find_session


@flow(
    name="build-session",
    flow_run_name="build-session-{session}",
    task_runner=ThreadPoolTaskRunner(max_workers=2),
    persist_result=False,
)
def build_session(
    session: str,
    inputs: str = "inputs",
    out: str = "outputs",
    documents: list[str] | None = None,
    formats: list[str] | None = None,
    templates: str | None = None,
    force: bool = False,
    render_timeout: float = RENDER_TIMEOUT_S,
) -> State | list[State]:
    """Build one session (its id, its folder name under ``inputs``, or a path to its folder)."""
    try:
        folder = find_session(Path(inputs), session)
    except OutcomesError as exc:  # an unknown session is the caller's mistake, not a crash
        get_run_logger().error("%s", exc)
        return [Failed(message=str(exc))]  # a list: see flows.build.final_state
    settings = BatchSettings.from_parameters(
        out, documents, formats, templates, force, render_timeout=render_timeout
    )
    return final_state(run_batch([str(folder)], settings))
