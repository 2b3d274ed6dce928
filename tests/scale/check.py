"""The scale test's Python side: wait for flow runs on the real server, then check every output.

check.py wait RUN_ID... [--timeout S]        wait until every flow run is final; fail unless Completed
check.py outputs OUT SESSION...              every output of every session is there and readable
check.py server RUN_ID --sessions N          task runs and artifacts of a batch run, as the API sees them
check.py statuses RUN_ID STATUS              every session of the run ended with this status
check.py scheduled FLOW/DEPLOYMENT           the server's scheduler created the deployment's next runs
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zipfile
from pathlib import Path
from uuid import UUID


def fail(message: str) -> None:
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def wait(run_ids: list[str], timeout: float) -> None:
    from prefect import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        pending = set(run_ids)
        while pending:
            for run_id in sorted(pending):
                run = client.read_flow_run(UUID(run_id))
                if run.state is not None and run.state.is_final():
                    pending.discard(run_id)
                    print(f"{run.name} ({run_id}): {run.state.type.value} {run.state.message or ''}")
                    if not run.state.is_completed():
                        fail(f"flow run {run.name} ended {run.state.type.value}: {run.state.message}")
            if pending and time.monotonic() > deadline:
                fail(f"flow runs still not finished after {timeout:.0f} s: {', '.join(sorted(pending))}")
            time.sleep(2)


def outputs(out: Path, sessions: list[str]) -> None:
    for sid in sessions:
        folder = out / sid
        record = json.loads((folder / "build.json").read_text("utf-8"))
        if record.get("session") != sid or not record.get("key"):
            fail(f"{folder}/build.json does not record session {sid}")
        report = json.loads((folder / "report.json").read_text("utf-8"))
        if report["session"]["id"] != sid:
            fail(f"{folder}/report.json is about {report['session']['id']}, not {sid}")
        for doc in record["documents"]:
            pdf = (folder / f"{doc}.pdf").read_bytes()
            if not pdf.startswith(b"%PDF") or b"%%EOF" not in pdf[-1024:]:
                fail(f"{folder}/{doc}.pdf is not a whole PDF")
            with zipfile.ZipFile(folder / f"{doc}.docx") as docx:
                if "word/document.xml" not in docx.namelist() or docx.testzip() is not None:
                    fail(f"{folder}/{doc}.docx is not a whole DOCX")
            html = (folder / f"{doc}.html").read_text("utf-8")
            if "</html>" not in html:
                fail(f"{folder}/{doc}.html is cut short")
        if list(folder.glob(".*.part")):
            fail(f"{folder}: staged files left behind")
    print(f"outputs: {len(sessions)} session(s) complete in {out}")


def _task_runs(client, run_id: UUID) -> list:
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    runs: list = []
    while True:
        page = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])), limit=200, offset=len(runs)
        )
        runs += page
        if len(page) < 200:
            return runs


def server(run_id: str, sessions: int) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        runs = _task_runs(client, UUID(run_id))
        session_runs = [r for r in runs if r.task_key.startswith("session_task")]
        done = [r for r in session_runs if r.state_type and r.state_type.value == "COMPLETED"]
        if len(done) != sessions or len(session_runs) != sessions:
            fail(
                f"expected {sessions} completed session task runs, the server has {len(done)}/{len(session_runs)}"
            )
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[UUID(run_id)])),
            limit=200,
        )
        kinds = [a.type for a in arts]
        if kinds.count("markdown") < sessions or "table" not in kinds or "progress" not in kinds:
            fail(f"artifacts of the run: {sorted(kinds)}")
    print(f"server: {len(runs)} task runs ({sessions} sessions) and {len(arts)} artifacts recorded")


def statuses(run_id: str, status: str) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        table = next(
            a
            for a in client.read_artifacts(limit=200)
            if a.type == "table" and a.flow_run_id == UUID(run_id) and a.key == "build-sessions"
        )
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    other = [f"{r['session']}={r['status']}" for r in rows if r["status"] != status]
    if other:
        fail(f"expected every session {status}: {', '.join(other)}")
    print(f"statuses: {len(rows)} session(s) {status}")


def scheduled(name: str, timeout: float) -> None:
    from prefect import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name(name)
        while True:
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                flow_run_filter=FlowRunFilter(
                    state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))
                ),
                limit=10,
            )
            if runs:
                when = min(r.expected_start_time for r in runs if r.expected_start_time)
                print(f"scheduled: {len(runs)} upcoming run(s) of {name}, the next at {when.isoformat()}")
                return
            if time.monotonic() > deadline:
                fail(f"the scheduler created no run of {name} within {timeout:.0f} s (see the server log)")
            time.sleep(2)


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("runs", nargs="+")
    w.add_argument("--timeout", type=float, default=480)
    o = sub.add_parser("outputs")
    o.add_argument("out", type=Path)
    o.add_argument("sessions", nargs="+")
    s = sub.add_parser("server")
    s.add_argument("run")
    s.add_argument("--sessions", type=int, required=True)
    t = sub.add_parser("statuses")
    t.add_argument("run")
    t.add_argument("status")
    c = sub.add_parser("scheduled")
    c.add_argument("deployment")
    c.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()
    if args.cmd == "wait":
        wait(args.runs, args.timeout)
    elif args.cmd == "outputs":
        outputs(args.out, args.sessions)
    elif args.cmd == "server":
        server(args.run, args.sessions)
    elif args.cmd == "scheduled":
        scheduled(args.deployment, args.timeout)
    else:
        statuses(args.run, args.status)


if __name__ == "__main__":
    main()
