"""Build sessions on a Dask cluster (prefect-dask): one session task per Dask worker slot.

Without ``OUTCOMES_DASK_ADDRESS`` the flow starts a LocalCluster of one single-threaded worker process
per core; with it (``tcp://scheduler:8786``), it uses that cluster, whose workers must see the inputs
and outputs at the same paths (shared storage). Each Dask worker renders through a render pool of one
warm renderer process, so the per-document time limit holds there too.
"""

from __future__ import annotations

import logging
import os

from prefect import flow
from prefect.states import State
from prefect_dask import DaskTaskRunner

from flows.build import RENDER_TIMEOUT_S, BatchSettings, batch_run_name, final_state, run_batch
from outcomes.pool import default_workers


def dask_runner() -> DaskTaskRunner:
    """The task runner for this process's environment: a given cluster, or a LocalCluster."""
    address = os.environ.get("OUTCOMES_DASK_ADDRESS")
    if address:
        return DaskTaskRunner(address=address)
    workers = int(os.environ.get("OUTCOMES_DASK_WORKERS") or default_workers())
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": workers,
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
            "silence_logs": logging.ERROR,
        }
    )


@flow(
    name="build-sessions-dask", flow_run_name=batch_run_name, task_runner=dask_runner(), persist_result=False
)
def build_sessions_dask(
    folders: list[str],
    out: str = "outputs",
    documents: list[str] | None = None,
    formats: list[str] | None = None,
    templates: str | None = None,
    force: bool = False,
    render_timeout: float = RENDER_TIMEOUT_S,
) -> State | list[State]:
    """Build every session folder given, spread over the Dask cluster's workers."""
    settings = BatchSettings.from_parameters(
        out, documents, formats, templates, force, render_workers=1, render_timeout=render_timeout
    )
    return final_state(run_batch(list(folders), settings))
