"""The scale test's Python side: wait for flow runs on the real server, then check every output.

check.py wait RUN_ID... [--timeout S]        wait until every flow run is final; fail unless Completed
check.py outputs OUT SESSION...              every output of every session is there and readable
check.py server RUN_ID --sessions N          task runs and artifacts of a batch run, as the API sees them
check.py statuses RUN_ID STATUS              every session of the run ended with this status
check.py scheduled FLOW/DEPLOYMENT           the server's scheduler created the deployment's next runs
check.py failed RUN_ID --expect TEXT         the run ends Failed, an ERROR line has TEXT, its logs no traceback
check.py clean RUN_ID...                     the runs' logs hold no traceback and no ERROR line
check.py kill RUN_ID --what worker|both      once the run is Running, kill -9 its worker (and its process)
check.py ends RUN_ID STATE [--timeout S]     wait until the run's state type is STATE (COMPLETED, CRASHED)
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


CRASH_SIGNS = (
    "Traceback (most recent call last)",
    "Unexpected result for failed state",
    "cannot be resolved",
)


def _final(client, run_id: UUID, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        run = client.read_flow_run(run_id)
        if run.state is not None and run.state.is_final():
            return run
        if time.monotonic() > deadline:
            fail(
                f"flow run {run.name} still {run.state.type.value if run.state else '?'} after {timeout:.0f} s"
            )
        time.sleep(2)


def _logs(client, run_id: UUID) -> list:
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    logs: list = []
    while True:
        page = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])), limit=200, offset=len(logs)
        )
        logs += page
        if len(page) < 200:
            return logs


def _no_crash_in_logs(client, run_id: UUID, name: str) -> list:
    time.sleep(3)  # the run's last log lines arrive after its final state
    logs = _logs(client, run_id)
    bad = [log.message for log in logs if any(sign in log.message for sign in CRASH_SIGNS)]
    if bad:
        fail(f"flow run {name} logged what reads like a crash: {bad[0][:600]}")
    return logs


def failed(run_id: str, expect: str, timeout: float) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = _final(client, UUID(run_id), timeout)
        if not run.state.is_failed():
            fail(f"flow run {run.name} ended {run.state.type.value}, not FAILED: {run.state.message}")
        logs = _no_crash_in_logs(client, UUID(run_id), run.name)
    errors = [log.message for log in logs if log.level >= 40]
    if not any(expect in e for e in errors):
        fail(f"flow run {run.name}: no ERROR line has {expect!r}: {errors[:3]}")
    print(f"{run.name}: FAILED ({run.state.message}); {len(errors)} ERROR line(s), located, no traceback")


def clean(run_ids: list[str]) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            run = client.read_flow_run(UUID(run_id))
            logs = _no_crash_in_logs(client, UUID(run_id), run.name)
            errors = [log.message for log in logs if log.level >= 40]
            if errors:
                fail(f"flow run {run.name} logged errors: {errors[0][:600]}")
    print(f"logs of {len(run_ids)} run(s): no traceback, no ERROR line")


def _engine_process(run_id: str):
    import psutil

    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("PREFECT__FLOW_RUN_ID") == run_id and "prefect.engine" in " ".join(
                proc.cmdline()
            ):
                return proc
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return None


def kill(run_id: str, what: str, timeout: float) -> None:
    """Kill -9 the worker that runs the flow run (and, with ``both``, the flow run's own process)."""
    import psutil
    from prefect import get_client

    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        while True:
            run = client.read_flow_run(UUID(run_id))
            engine = _engine_process(run_id)
            if run.state is not None and run.state.is_running() and engine is not None:
                break
            if time.monotonic() > deadline:
                fail(f"flow run {run.name} was not running after {timeout:.0f} s")
            time.sleep(0.5)
    worker = next((p for p in engine.parents() if "worker start" in " ".join(p.cmdline())), None)
    if worker is None:
        fail(f"no worker process above the flow run's process {engine.pid}")
    time.sleep(3)  # into its sessions
    worker.kill()
    killed = [f"worker {worker.pid}"]
    if what == "both":
        engine.kill()
        killed.append(f"flow-run process {engine.pid}")
    psutil.wait_procs([worker], timeout=10)
    print(f"{run.name}: killed {' and '.join(killed)} with SIGKILL")


def ends(run_id: str, state: str, timeout: float) -> None:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        run = _final(client, UUID(run_id), timeout)
    if run.state.type.value != state:
        fail(f"flow run {run.name} ended {run.state.type.value}, not {state}: {run.state.message}")
    print(f"{run.name}: {run.state.type.value} ({run.state.message})")


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
    f = sub.add_parser("failed")
    f.add_argument("run")
    f.add_argument("--expect", required=True)
    f.add_argument("--timeout", type=float, default=240)
    c2 = sub.add_parser("clean")
    c2.add_argument("runs", nargs="+")
    k = sub.add_parser("kill")
    k.add_argument("run")
    k.add_argument("--what", choices=("worker", "both"), required=True)
    k.add_argument("--timeout", type=float, default=180)
    e = sub.add_parser("ends")
    e.add_argument("run")
    e.add_argument("state")
    e.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args()
    if args.cmd == "failed":
        failed(args.run, args.expect, args.timeout)
    elif args.cmd == "clean":
        clean(args.runs)
    elif args.cmd == "kill":
        kill(args.run, args.what, args.timeout)
    elif args.cmd == "ends":
        ends(args.run, args.state, args.timeout)
    elif args.cmd == "wait":
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
