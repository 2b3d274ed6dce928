"""The Prefect flows end to end on the embedded server: batches, failures, incremental builds, artifacts,
retries and the render time limit."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from pathlib import Path

import psutil
import pytest
from conftest import INPUTS
from prefect.exceptions import FailedRun

from flows import build as fb
from outcomes import build as lib
from outcomes import renderers
from outcomes.errors import InputError, RenderError, TemplateError
from outcomes.pool import RenderPool
from outcomes.render.templates import TemplateSet
from outcomes.renderers import RENDERER_MODULES, PooledRenderer, render_job

GOOD = ("igf2023-ws285", "igf2025-ws106")


def copy_session(src: str, dest: Path, sid: str | None = None, deadline: dt.date | None = None) -> Path:
    """A copy of an example session that builds only the session report."""
    target = dest / (sid or src)
    shutil.copytree(INPUTS / src, target)
    text = (target / "session.yaml").read_text("utf-8")
    text = re.sub(r"(?m)^id:.*$", f"id: {sid or src}", text)
    text = re.sub(r"(?m)^documents:.*$", "documents: [session_report]", text)
    if deadline is not None:
        text = re.sub(r"(?m)^deadline:.*$", f"deadline: {deadline.isoformat()}", text)
    (target / "session.yaml").write_text(text, "utf-8")
    return target


def broken_session(dest: Path, name: str = "broken-ws000") -> Path:
    folder = dest / name
    (folder / "notes").mkdir(parents=True)
    (folder / "session.yaml").write_text("title: A session\ndate: 24 June 2025\npeople: nobody\n", "utf-8")
    (folder / "notes" / "note.md").write_text("# Key takeaways\n\n- one\n", "utf-8")
    return folder


def run(folders: list[Path], out: Path, **kwargs) -> list[lib.BuildResult]:
    kwargs.setdefault("formats", ["html"])
    with fb.collecting() as results:
        state = fb.build_sessions(
            folders=[str(f) for f in folders], out=str(out), return_state=True, **kwargs
        )
    fb.check_ran(state, results, len(folders))
    return results


def by_session(results: list[lib.BuildResult]) -> dict[str, str]:
    return {r.session: r.status for r in results}


@pytest.fixture
def programme(tmp_path: Path) -> Path:
    inputs = tmp_path / "inputs"
    for name in GOOD:
        copy_session(name, inputs)
    return inputs


def test_batch_with_a_broken_session_builds_the_others_and_exits_1(programme, tmp_path, capsys):
    from outcomes.cli import main

    broken_session(programme)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["build", "--all", str(programme), "--out", str(out)])
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "3 session(s): 2 built, 0 unchanged, 1 failed" in captured.out
    assert "failed: broken-ws000" in captured.err
    # Located problems, every one, and no traceback.
    assert "session.yaml:2: 'date' must be a date" in captured.err
    assert "session.yaml:3:" in captured.err
    assert "Traceback" not in captured.err + captured.out
    for name in GOOD:
        for file in ("session_report.pdf", "session_report.docx", "session_report.html", "report.json"):
            assert (out / name / file).stat().st_size > 0
        record = json.loads((out / name / "build.json").read_text("utf-8"))
        assert record["key"] and record["inputs"]
    assert not (out / "broken-ws000").exists()


def test_incremental_unchanged_then_one_note_then_force(programme, tmp_path):
    out = tmp_path / "out"
    folders = sorted(programme.iterdir())
    assert set(by_session(run(folders, out)).values()) == {"built"}
    html = out / GOOD[0] / "session_report.html"
    first_mtime = html.stat().st_mtime_ns

    assert set(by_session(run(folders, out)).values()) == {"unchanged"}
    assert html.stat().st_mtime_ns == first_mtime

    note = next((programme / GOOD[1] / "notes").iterdir())
    note.write_text(note.read_text("utf-8") + "\nOne more line from the rapporteur.\n", "utf-8")
    assert by_session(run(folders, out)) == {GOOD[0]: "unchanged", GOOD[1]: "built"}

    assert set(by_session(run(folders, out, force=True)).values()) == {"built"}
    assert html.stat().st_mtime_ns != first_mtime


def test_changing_the_templates_or_formats_rebuilds(programme, tmp_path):
    out = tmp_path / "out"
    folders = sorted(programme.iterdir())
    run(folders, out)
    templates = tmp_path / "templates"
    (templates / "_labels").mkdir(parents=True)
    shutil.copy(TemplateSet().require("_labels/en.yaml"), templates / "_labels" / "en.yaml")
    with (templates / "_labels" / "en.yaml").open("a", encoding="utf-8") as fh:
        fh.write("\n# an editor's change\n")
    assert set(by_session(run(folders, out, templates=str(templates))).values()) == {"built"}
    assert set(by_session(run(folders, out, formats=["html", "docx"])).values()) == {"built"}


def test_artifacts_table_per_session_summary_and_progress(programme, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    broken_session(programme)
    folders = sorted(programme.iterdir())
    state = fb.build_sessions(
        folders=[str(f) for f in folders], out=str(tmp_path / "out"), formats=["html"], return_state=True
    )
    assert state.is_failed()
    assert state.message == "1/3 states failed."  # one state per session
    # What a worker's engine does with the final state: one clear exception, the located error in it.
    with pytest.raises(FailedRun, match=r"^broken-ws000: .*session\.yaml:2:"):
        state.result()
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    by_type: dict[str, list] = {}
    for a in arts:
        by_type.setdefault(a.type, []).append(a)
    table = next(a for a in by_type["table"] if a.key == "build-sessions")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert {r["session"]: r["status"] for r in rows} == {
        GOOD[0]: "built",
        GOOD[1]: "built",
        "broken-ws000": "failed",
    }
    row = next(r for r in rows if r["session"] == GOOD[0])
    assert row["deadline"] == "2023-10-25"
    assert row["days left"] == (dt.date(2023, 10, 25) - dt.date.today()).days
    assert row["documents"] == "session_report"
    keys = {a.key for a in by_type["markdown"]}
    assert {"session-igf2023-ws285", "session-igf2025-ws106", "session-broken-ws000"} <= keys
    broken = next(a for a in by_type["markdown"] if a.key == "session-broken-ws000")
    assert "## Errors" in broken.data and "session.yaml:2" in broken.data
    progress = by_type["progress"]
    assert progress and progress[0].data == 100.0


def test_an_unchanged_session_keeps_its_last_summary(programme, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    folders = [str(f) for f in sorted(programme.iterdir())]
    out = str(tmp_path / "out")
    fb.build_sessions(folders=folders, out=out, formats=["html"])
    state = fb.build_sessions(folders=folders, out=out, formats=["html"], return_state=True)
    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])
            )
        )
    # The run table says "unchanged"; the summaries of the last builds stay the latest ones.
    assert {a.key for a in arts if a.type == "markdown"} == set()
    table = next(a for a in arts if a.key == "build-sessions")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert {r["status"] for r in rows} == {"unchanged"}


def test_session_task_runs_are_tracked_with_failed_state(programme, tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    broken_session(programme)
    state = fb.build_sessions(
        folders=[str(f) for f in sorted(programme.iterdir())],
        out=str(tmp_path / "out"),
        formats=["html"],
        return_state=True,
    )
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id]))
        )
        flow_run = client.read_flow_run(state.state_details.flow_run_id)
    sessions = {r.name: r.state_type.value for r in runs if r.task_key.startswith("session_task")}
    assert sessions == {GOOD[0]: "COMPLETED", GOOD[1]: "COMPLETED", "broken-ws000": "FAILED"}
    # The Runs list names the sessions, not a random name.
    assert flow_run.name == f"build broken-ws000, {GOOD[0]}, {GOOD[1]}"
    # One task run per session: the stages run inside it, and no other task runs are recorded.
    assert len(runs) == 3


# ---------------------------------------------------------------- retries and the time limit


def failed_state(exc: Exception):
    from prefect.states import Failed

    return Failed(data=exc)


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (RenderError("renderer crashed"), True),
        (RenderError("rendering took longer than 300 s", retryable=False), False),
        (InputError([]), False),
        (TemplateError("base.html", 3, "oops"), False),
        (ValueError("a bug"), False),
    ],
)
def test_retry_condition(exc, retry):
    assert fb.retry_only_renderer_failures(None, None, failed_state(exc)) is retry


def test_render_error_is_retried_once_input_error_never(programme, tmp_path, monkeypatch):
    calls: list[str] = []
    real_render = lib.render

    def flaky(p, doc, fmt, templates):
        calls.append(p.report.session.id)
        if p.report.session.id == GOOD[0] and calls.count(GOOD[0]) == 1:
            raise RenderError("the renderer crashed")
        if p.report.session.id == GOOD[1]:
            raise InputError([])
        return real_render(p, doc, fmt, templates)

    monkeypatch.setattr(lib, "render", flaky)
    results = run(sorted(programme.iterdir()), tmp_path / "out", renderer="inline")
    assert by_session(results) == {GOOD[0]: "built", GOOD[1]: "failed"}
    assert calls.count(GOOD[0]) == 2  # failed once, retried once
    assert calls.count(GOOD[1]) == 1  # an input error is never retried


def test_render_time_limit_fails_the_session_and_keeps_the_last_good_outputs(
    programme, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    folders = [programme / GOOD[0]]
    run(folders, out, formats=["pdf"])
    pdf = out / GOOD[0] / "session_report.pdf"
    good = pdf.read_bytes()
    attempts = []
    real = PooledRenderer.render_all
    monkeypatch.setattr(PooledRenderer, "render_all", lambda self, p: attempts.append(1) or real(self, p))
    results = run(folders, out, formats=["pdf"], force=True, render_timeout=0.05)
    assert by_session(results) == {GOOD[0]: "failed"}
    assert "rendering took longer than 0.05 s" in results[0].errors[0]
    assert len(attempts) == 1  # not retried: it would take as long again
    assert pdf.read_bytes() == good
    assert not list((out / GOOD[0]).glob(".*.part"))


def test_a_document_over_its_limit_gets_a_shorter_one_in_later_sessions(tmp_path, monkeypatch):
    """A stylesheet WeasyPrint lays out for minutes costs a programme the full limit once, not per session."""
    monkeypatch.setattr(renderers, "_over_limit", {})
    monkeypatch.setattr(renderers, "REPEAT_LIMIT_S", 1.0)
    style = tmp_path / "templates" / "session_report" / "style.css"
    style.parent.mkdir(parents=True)
    # About 30 s of layout for the small session below (a minute for the README's example).
    style.write_text("* { display: flex !important; flex-wrap: wrap; }\n", "utf-8")
    first, second, third = (
        copy_session(GOOD[0], tmp_path / "programme", f"igf2023-ws90{n}") for n in range(3)
    )
    options = lib.BuildOptions(
        out=tmp_path / "out", templates=TemplateSet(style.parents[1]), formats=("pdf",)
    )
    renderer = PooledRenderer(timeout=3.0, templates_dir=str(style.parents[1]))

    paid = lib.build_session(first, options, renderer, retry_left=False)
    assert paid.errors == [
        "igf2023-ws900: session_report.pdf: rendering took longer than 3 s (OUTCOMES_RENDER_TIMEOUT)"
    ]
    spared = lib.build_session(second, options, renderer, retry_left=False)
    assert spared.errors == [
        "igf2023-ws901: session_report.pdf: rendering took longer than 1 s (session_report.pdf of "
        "igf2023-ws900 took longer than 3 s with these templates, so later sessions get 1 s for it "
        "until the templates change)"
    ]
    style.write_text("p { color: #222; }\n", "utf-8")  # the editor fixes it: the full limit again
    options.templates = TemplateSet(style.parents[1])
    fixed = lib.build_session(
        third, options, PooledRenderer(timeout=120.0, templates_dir=str(style.parents[1]))
    )
    assert fixed.status == "built", fixed.errors


def test_pool_survives_a_timeout_and_a_crashed_renderer(tmp_path):
    p = lib.plan(INPUTS / GOOD[0], lib.BuildOptions(out=tmp_path, documents=["session_report"], force=True))
    with RenderPool(workers=1, preload=RENDERER_MODULES) as pool:
        with pytest.raises(RenderError, match="longer than"):
            pool.submit(render_job, (p, "session_report", "pdf", None), "pdf", timeout=0.05).result()

        class Crash:
            def __reduce__(self):
                return (os._exit, (3,))  # runs in the renderer as it unpickles the job

        with pytest.raises(RenderError, match=r"crashed \(exit code 3\)"):
            pool.submit(render_job, (Crash(), "session_report", "html", None), "crash").result()
        html = pool.submit(render_job, (p, "session_report", "html", None), "html").result()
        assert html.staged.read_text("utf-8").startswith("<!")
        assert pool.started == 3  # the first, and one replacement after each failure


def test_terminate_ends_a_busy_pool_at_once():
    pool = RenderPool(workers=1)
    busy = pool.submit(time.sleep, (120,), "busy")
    queued = pool.submit(time.sleep, (0,), "queued")
    deadline = time.monotonic() + 60
    while not (pool.busy and pool._renderers[0].proc) and time.monotonic() < deadline:
        time.sleep(0.01)  # its process started, and running the job
    pids = [w.proc.pid for w in pool._renderers if w.proc is not None]
    assert pool.busy and pids
    started = time.monotonic()
    pool.terminate()
    assert time.monotonic() - started < 10
    with pytest.raises(RenderError, match="busy: stopped before it was done") as stopped:
        busy.result(0)
    assert not stopped.value.retryable
    with pytest.raises(RenderError, match="queued: stopped before it began"):
        queued.result(0)
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE for pid in pids
    )
    assert pool.started == 1 and not pool.busy  # no renderer started for the queued job


def test_template_errors_come_back_located_from_the_renderer(tmp_path):
    p = lib.plan(INPUTS / GOOD[0], lib.BuildOptions(out=tmp_path, documents=["session_report"], force=True))
    templates = tmp_path / "templates" / "session_report"
    templates.mkdir(parents=True)
    (templates / "document.html").write_text("<p>\n{{ report.no_such_field.x }}</p>\n", "utf-8")
    with RenderPool(workers=1) as pool, pytest.raises(TemplateError) as caught:
        pool.submit(render_job, (p, "session_report", "html", str(tmp_path / "templates")), "html").result()
    assert str(caught.value).startswith(str(templates / "document.html"))


def test_jobs_give_the_renderers_the_slowest_documents_first(tmp_path):
    p = lib.plan(INPUTS / GOOD[0], lib.BuildOptions(out=tmp_path, formats=("docx", "pdf"), force=True))
    order = lib.jobs(p)
    assert sorted(order) == sorted((d, f) for d in p.documents for f in ("pdf", "docx", "html"))
    formats = [f for _, f in order]
    assert formats == sorted(formats, key=lib.SLOWEST_FORMATS.index)  # every PDF, then DOCX, then HTML
    if "session_report" in p.documents:
        assert order[0] == ("session_report", "pdf")


def test_a_pool_shut_down_without_waiting_ends_its_processes_when_joined():
    pool = RenderPool(workers=1)
    assert pool.submit(sum, ([1, 2],), "sum").result() == 3
    proc = pool._renderers[0].proc
    assert proc is not None
    pool.shutdown(wait=False)
    pool.join()
    assert proc.returncode is not None  # ended and reaped
    with pytest.raises(RuntimeError, match="shut down"):
        pool.submit(sum, ([1],), "late")


# ---------------------------------------------------------------- the deployments' flows


def run_name(state) -> str:
    from prefect import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(state.state_details.flow_run_id).name


def programme_table(flow_run_id) -> dict[str, dict]:
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        arts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    table = next(a for a in arts if a.key == "programme")
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    return {r["session"]: r for r in rows}


def test_deadline_sweep_builds_what_is_due_and_reports_the_rest(tmp_path):
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    from flows.sweep import deadline_sweep

    today = dt.date(2025, 7, 1)
    inputs = tmp_path / "inputs"
    copy_session(GOOD[0], inputs, "due-ws001", today + dt.timedelta(days=3))
    copy_session(GOOD[0], inputs, "later-ws002", today + dt.timedelta(days=30))
    copy_session(GOOD[1], inputs, "overdue-ws003", today - dt.timedelta(days=2))
    out = tmp_path / "out"
    with fb.collecting() as results:
        state = deadline_sweep(
            inputs=str(inputs), out=str(out), within_days=7, today=today, formats=["html"], return_state=True
        )
    assert state.is_completed(), state.message
    assert {r.session: r.status for r in results} == {"due-ws001": "built", "overdue-ws003": "built"}
    assert not (out / "later-ws002").exists()
    assert "2 built or checked, 0 failed, 0 overdue" in state.message
    assert state.result() is None  # the results are artifacts
    assert run_name(state) == "deadline-sweep-2025-07-01"
    # Built today, two days after its deadline: it stays visible as late.
    rows = programme_table(state.state_details.flow_run_id)
    assert rows["overdue-ws003"]["status"] == "late" and rows["overdue-ws003"]["days late"] == 2
    assert rows["overdue-ws003"]["outputs"] == str((out / "overdue-ws003").resolve())
    assert rows["due-ws001"]["status"] == "due" and rows["due-ws001"]["days left"] == 3
    assert rows["later-ws002"]["status"] == "later" and rows["later-ws002"]["outputs"] == ""
    with get_client(sync_client=True) as client:
        # This run's report: the test Prefect home keeps the runs of earlier test sessions too.
        (report,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                key=ArtifactFilterKey(any_=["deadline-sweep"]),
                flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id]),
            )
        )
    assert "overdue-ws003" in report.data


def test_a_sweep_with_an_invalid_session_yaml_needs_attention(tmp_path):
    from flows.sweep import deadline_sweep

    today = dt.date(2025, 7, 1)
    inputs = tmp_path / "inputs"
    copy_session(GOOD[0], inputs, "due-ws001", today + dt.timedelta(days=3))
    bad = copy_session(GOOD[0], inputs, "invalid-ws005", today - dt.timedelta(days=4))
    with (bad / "session.yaml").open("a", encoding="utf-8") as fh:
        fh.write("sdgs: [42]\n")  # no such SDG: the file is invalid, its deadline still stands
    (inputs / "empty-ws004").mkdir()
    state = deadline_sweep(
        inputs=str(inputs),
        out=str(tmp_path / "out"),
        within_days=7,
        today=today,
        formats=["html"],
        return_state=True,
    )
    assert state.is_failed()
    assert state.message == "2/3 states failed."  # the session built, and the two that need attention
    with pytest.raises(FailedRun, match=r"^invalid-ws005 needs attention \(invalid\): .*session\.yaml:"):
        state.result()
    rows = programme_table(state.state_details.flow_run_id)
    invalid = rows["invalid-ws005"]
    assert invalid["status"] == "invalid"
    assert invalid["deadline"] == (today - dt.timedelta(days=4)).isoformat() and invalid["days late"] == 4
    assert "session.yaml:" in invalid["problems"]
    assert rows["empty-ws004"]["status"] == "missing-inputs"
    assert rows["due-ws001"]["status"] == "due" and rows["due-ws001"]["outputs"]


def test_build_session_flow_by_id(tmp_path):
    from flows.session import build_session

    inputs = tmp_path / "inputs"
    copy_session(GOOD[0], inputs, "folder-name")
    (inputs / "folder-name" / "session.yaml").write_text(
        (inputs / "folder-name" / "session.yaml").read_text("utf-8").replace("id: folder-name", "id: the-id"),
        "utf-8",
    )
    state = build_session(
        session="the-id", inputs=str(inputs), out=str(tmp_path / "out"), formats=["html"], return_state=True
    )
    assert state.is_completed()
    assert run_name(state) == "build-session-the-id"
    assert (tmp_path / "out" / "the-id" / "session_report.html").is_file()
    bad = build_session(session="nope", inputs=str(inputs), out=str(tmp_path / "out"), return_state=True)
    assert bad.is_failed() and bad.message == "1/1 states failed."
    with pytest.raises(FailedRun, match="no session 'nope'"):  # what a worker's engine does with it
        bad.result()


def test_terminal_progress_bar_on_batches(monkeypatch):
    import io

    from rich.console import Console

    from outcomes import cli

    buffer = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=buffer, force_terminal=True, width=100))
    result = lib.BuildResult(session="ws-1", folder="in/ws-1", status="failed", errors=["x"])
    with cli._progress(cli.PROGRESS_FROM) as on_result, fb.progress_listener(on_result):
        for done in range(1, cli.PROGRESS_FROM + 1):
            fb._notify(result, done, cli.PROGRESS_FROM)
    assert f"{cli.PROGRESS_FROM}/{cli.PROGRESS_FROM}" in buffer.getvalue()
    assert "failed" in buffer.getvalue()
    assert fb._listeners == []
    quiet = io.StringIO()
    monkeypatch.setattr(cli, "err", Console(file=quiet, force_terminal=False))
    with cli._progress(50) as on_result:
        on_result(result, 1, 50)
    assert quiet.getvalue() == ""
