"""Measure the batch designs and the bare renderers on the same documents.

    .venv/bin/python tests/scale/bench.py bare SESSIONS_DIR [--templates DIR]
    .venv/bin/python tests/scale/bench.py flow MODE SESSIONS_DIR OUT [--templates DIR] [--force]

MODE is one of: pool (threads + warm renderer processes, the default design), threads (everything on
threads in one process), processes (ProcessPoolTaskRunner, stock: a temporary API server per
worker), processes-shared (ProcessPoolTaskRunner pointed at the flow's server), dask (LocalCluster).
``bare`` times WeasyPrint's render + write_pdf and pandoc's HTML→DOCX for every document of every
session, one after the other, after reading and merging (not timed); it prints the sum.
Run each ``flow`` in a fresh process: the time printed is the whole call, server start included.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
STARTED = time.perf_counter()


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bare(sessions: Path, templates: str | None) -> None:
    from outcomes import build as lib
    from outcomes.inputs import ASSETS_DIR
    from outcomes.programme import discover
    from outcomes.render.docx import write_docx
    from outcomes.render.pdf import write_pdf
    from outcomes.render.templates import RTL_LANGUAGES, TemplateSet, render_html

    ts = TemplateSet(Path(templates) if templates else None)
    tmp = Path("/tmp/outcomes-bench-bare")
    tmp.mkdir(exist_ok=True)
    pdf_s = docx_s = pdf_cpu = docx_cpu = 0.0
    n = 0
    write_pdf("<p>warm</p>", tmp, [tmp], tmp / "warm.pdf", title="t", lang="en", created=None)  # imports
    for folder in discover(sessions):
        p = lib.plan(folder, lib.BuildOptions(out=tmp, templates=ts, force=True))
        s = p.report.session
        title = " ".join(x for x in (s.code, s.title) if x) or s.id
        for doc in p.documents:
            html_pdf = render_html(p.report, doc, "pdf", ts)
            html_docx = render_html(p.report, doc, "docx", ts)
            t, c = time.perf_counter(), time.process_time()
            write_pdf(
                html_pdf,
                folder,
                [*ts.roots, folder / ASSETS_DIR],
                tmp / "x.pdf",
                title=title,
                lang=s.language,
                created=s.date,
            )
            pdf_s += time.perf_counter() - t
            pdf_cpu += time.process_time() - c
            t, c = time.perf_counter(), _children_cpu()
            reference = ts.find(f"{doc}/reference.docx") or ts.require("_shared/reference.docx")
            write_docx(
                html_docx,
                tmp / "x.docx",
                reference,
                lang=s.language,
                rtl=s.language in RTL_LANGUAGES,
                created=s.date,
                toc_title=ts.labels(s.language)["contents"],
            )
            docx_s += time.perf_counter() - t
            docx_cpu += _children_cpu() - c
            n += 1
    print(
        json.dumps(
            {
                "mode": "bare",
                "documents": n,
                "pdf_s": round(pdf_s, 1),
                "docx_s": round(docx_s, 1),
                "sum_s": round(pdf_s + docx_s, 1),
                "cpu_s": round(pdf_cpu + docx_cpu, 1),
            }
        )
    )


def run_flow(mode: str, sessions: Path, out: str, templates: str | None, force: bool) -> None:
    import flows.build as fb
    from outcomes.programme import discover

    folders = [str(f) for f in discover(sessions)]
    kwargs = dict(folders=folders, out=out, templates=templates, force=force, return_state=True)
    collecting = fb.collecting()
    results = collecting.__enter__()
    if mode == "pool":
        state = fb.build_sessions(**kwargs)
    elif mode == "threads":
        from prefect.task_runners import ThreadPoolTaskRunner

        state = fb.build_sessions.with_options(task_runner=ThreadPoolTaskRunner(max_workers=4))(
            renderer="inline", **kwargs
        )
    elif mode in ("processes", "processes-shared"):
        from prefect.task_runners import ProcessPoolTaskRunner

        fb.SHARE_API_SERVER = mode == "processes-shared"
        state = fb.build_sessions.with_options(task_runner=ProcessPoolTaskRunner(max_workers=2))(
            renderer="inline", **kwargs
        )
    elif mode == "dask":
        from flows.cluster import build_sessions_dask

        state = build_sessions_dask(**kwargs)
    else:
        raise SystemExit(f"unknown mode {mode}")
    collecting.__exit__(None, None, None)
    counts = {k: sum(r.status == k for r in results) for k in ("built", "unchanged", "failed")}
    failed = [f"{r.session}: {r.errors[:1]}" for r in results if r.status == "failed"]
    seconds = round(time.perf_counter() - STARTED, 1)
    cpu = cpu_split()
    print(
        json.dumps(
            {
                "mode": mode,
                "sessions": len(results),
                **counts,
                "seconds": seconds,
                "failed": failed[:3],
                "cpu": cpu,
                "tracked": tracked(state),
            }
        )
    )


def cpu_split() -> dict[str, float]:
    """CPU seconds of this process, of its finished children (renderers), and of the temporary server."""
    import resource

    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    split = {
        "flow_process": round(me.ru_utime + me.ru_stime, 1),
        "children": round(kids.ru_utime + kids.ru_stime, 1),
    }
    try:
        from prefect.server.api.server import SubprocessASGIServer

        proc = SubprocessASGIServer._instances[None].server_process
        fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        split["server"] = round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 1)
    except (KeyError, AttributeError, OSError, IndexError):
        pass
    return split


def tracked(state) -> dict[str, int]:
    """Task runs the API recorded for this flow run, by task name and final state."""
    from prefect import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter

    runs = []
    with get_client(sync_client=True) as client:
        while True:
            page = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])),
                task_run_filter=TaskRunFilter(),
                limit=200,
                offset=len(runs),
            )
            runs += page
            if len(page) < 200:
                break
    counts: dict[str, int] = {}
    for run in runs:
        key = f"{run.task_key.split('-')[0]}:{run.state_type.value if run.state_type else None}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bare")
    b.add_argument("sessions", type=Path)
    b.add_argument("--templates")
    f = sub.add_parser("flow")
    f.add_argument("mode")
    f.add_argument("sessions", type=Path)
    f.add_argument("out")
    f.add_argument("--templates")
    f.add_argument("--force", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    if args.cmd == "bare":
        bare(args.sessions, args.templates)
    else:
        run_flow(args.mode, args.sessions, args.out, args.templates, args.force)


if __name__ == "__main__":
    main()
