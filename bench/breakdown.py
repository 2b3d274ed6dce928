"""Where a session's CPU time goes, stage by stage, against the bare renderers: one process, in turn.

    .venv/bin/python -m bench.breakdown [SESSIONS_DIR] [--sessions N] [--rounds N] [--doc TYPE]

For each session (default: the first 8 of ``bench/work/sessions-session_report``, written by
``make bench``, or generated here if missing) and each round, it measures in this process, in CPU
seconds (this process's own, plus its children's for pandoc):

- ``bare_pdf`` and ``bare_docx``: what the floor of ``make bench`` times, the pipeline's HTML rendered by
  bare ``weasyprint.HTML(string=...).write_pdf()`` and bare pandoc;
- ``read_merge``: reading every input (pandoc's note reader included) and merging them;
- ``html_pdf`` and ``html_docx``: the templates (with the poll charts: SVG for the PDF, PNG for DOCX);
- ``write_pdf``: the pipeline's PDF writer (its confined fetcher, metadata, the /Scope finisher);
- ``check_pdf``: the PDF/UA-1 check (pdfua) that build.json records for every PDF;
- ``write_docx``: pandoc with the pipeline's settings and the DOCX post-processing;
- ``check_docx``: the DOCX accessibility check.

It prints the mean per session of each, and each stage's share of the floor (``bare_pdf + bare_docx``).
A rough guide to what the pipeline adds before Prefect and parallelism; not a test, and the first
round of each stage is included (run with ``--rounds 2`` or more to see the warm figures).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "bench" / "work" / "sessions-session_report"


def cpu() -> float:
    """This process's CPU seconds and those of its waited-for children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(folders: list[Path], rounds: int, doc_type: str) -> dict[str, list[float]]:
    import weasyprint

    from bench.run import PDF_OPTIONS  # the floor's renderer settings
    from outcomes.build import BuildOptions, document_title, docx_settings, plan_from, read
    from outcomes.ingest import pandoc_reader
    from outcomes.pandoc import pandoc_command
    from outcomes.render.accessibility import check_docx, check_pdf
    from outcomes.render.docx import docx_args, write_docx
    from outcomes.render.pdf import write_pdf
    from outcomes.render.templates import TemplateSet, render_html

    templates = TemplateSet()
    scratch = Path(tempfile.mkdtemp(prefix="breakdown-"))
    options = BuildOptions(out=scratch / "out", force=True)
    times: dict[str, list[float]] = {}

    def bare_pdf(html: str, folder: Path, target: Path) -> None:
        weasyprint.HTML(string=html, base_url=f"{folder}/").write_pdf(target, **PDF_OPTIONS)

    def timed(name: str, fn, *args, **kwargs):
        started = cpu()
        value = fn(*args, **kwargs)
        times.setdefault(name, []).append(cpu() - started)
        return value

    for _ in range(rounds):
        for folder in folders:
            started = cpu()
            p = plan_from(read(folder), options)
            pandoc_reader.close_shared()  # the reader's CPU time is counted once it has ended
            times.setdefault("read_merge", []).append(cpu() - started)
            session = p.report.session
            html_pdf = timed("html_pdf", render_html, p.report, doc_type, "pdf", templates)
            html_docx = timed("html_docx", render_html, p.report, doc_type, "docx", templates)
            pdf, docx = scratch / "doc.pdf", scratch / "doc.docx"
            timed("bare_pdf", bare_pdf, html_pdf, folder, pdf)
            settings = docx_settings(p, doc_type, templates)
            timed(
                "bare_docx",
                subprocess.run,
                [*pandoc_command(docx_args(**settings)), f"--output={docx}"],
                input=html_docx.encode("utf-8"),
                check=True,
                capture_output=True,
            )
            timed(
                "write_pdf",
                write_pdf,
                html_pdf,
                folder,
                list(templates.roots),
                pdf,
                title=document_title(p),
                lang=session.language,
                created=session.date,
            )
            timed("check_pdf", check_pdf, pdf)
            timed("write_docx", write_docx, html_docx, docx, created=session.date, **settings)
            timed("check_docx", check_docx, docx)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sessions_dir", nargs="?", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--doc", default="session_report")
    args = parser.parse_args(argv)
    if not args.sessions_dir.is_dir():
        from bench import synth

        synth.generate(args.sessions_dir, args.sessions, synth.SEED, ["session_report"])
    folders = sorted(p for p in args.sessions_dir.iterdir() if (p / "session.yaml").is_file())
    folders = folders[: args.sessions]
    started = time.perf_counter()
    times = measure(folders, args.rounds, args.doc)
    floor = statistics.mean(times["bare_pdf"]) + statistics.mean(times["bare_docx"])
    print(f"{len(folders)} sessions x {args.rounds} rounds, {args.doc}, CPU seconds per session")
    print(f"{'stage':<12} {'mean':>7} {'of floor':>9}")
    for name, values in times.items():
        mean = statistics.mean(values)
        print(f"{name:<12} {mean:7.3f} {mean / floor:9.0%}")
    print(f"floor (bare_pdf + bare_docx): {floor:.3f} s; took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
