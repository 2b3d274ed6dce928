"""``make bench``: measure the pipeline against the bare renderers in one run, as ratios.

Generates a synthetic programme (:mod:`bench.synth`) in ``bench/work/sessions`` and measures, in this order:

1. ``floor``: in this (warm) process, every document the batch renders, rendered by bare WeasyPrint
   (``HTML(string=...).write_pdf()``) and bare pandoc (html → docx subprocess) from the HTML the
   pipeline's own ``render_html`` produces; total seconds / the cores the batch uses.
2. ``batch_vs_floor``: wall time of ``outcomes build --all SESSIONS --out <fresh> --force`` / ``floor``.
3. ``rebuild_vs_full``: the same command again without ``--force`` on unchanged inputs / the full build.
   Then ``peak_rss_mb``: the full build once more, with the resident memory of the whole process tree
   sampled every 50 ms (the sampler's CPU time is kept out of the timed build, as out of the floor).
4. ``single_vs_floor``: ``outcomes build <one typical session>`` as a whole process / a whole-process bare
   render of that session (``python -c``: import WeasyPrint, render its pre-rendered HTML, run pandoc).
5. ``preview_ms``: from writing a template file in a ``--templates`` folder to ``outcomes preview``
   rewriting ``<out>/<id>/session_report.html`` (null with a note while the command does not exist).

Every timing is the median of ``--runs`` runs (at least 3 by default). ``bench/results.json`` holds exactly
the metrics, ``sessions``, ``cores`` and ``versions``; raw runs and notes go to ``bench/work/details.json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results.json"
DETAILS = WORK / "details.json"
VENV_BIN = Path(sys.executable).parent
OUTCOMES = VENV_BIN / "outcomes"

# The same PDF options as outcomes/render/pdf.py, so that the floor renders the same documents.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "uncompressed_pdf": False}
SAMPLE_S = 0.05
PREVIEW_TIMEOUT_S = 120.0

GOALS = {  # metric: (goal, "le" = at most)
    "batch_vs_floor": 1.3,
    "rebuild_vs_full": 0.10,
    "single_vs_floor": 2.0,
    "peak_rss_mb": 1024,
}


class BenchError(Exception):
    """A step could not be measured (the command failed, an output is missing)."""


@dataclass
class Doc:
    """One document the batch renders: its HTML and how the pipeline would render it."""

    session: str
    folder: Path
    name: str  # e.g. session_report.pdf
    fmt: str
    html: str
    pandoc_args: list[str] = field(default_factory=list)


@dataclass
class Details:
    notes: list[str] = field(default_factory=list)
    runs: dict[str, list[float]] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.runs.setdefault(key, []).append(value)


# --------------------------------------------------------------------------------------------------
# Environment


def child_env(work: Path) -> dict[str, str]:
    """The embedded Prefect default, quiet and offline, in a Prefect home of its own."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # measure the embedded default, never a configured server
    env.setdefault("PREFECT_HOME", str(work / "prefect-home"))
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env


def cores_used() -> int:
    """Renderer processes the batch runs in parallel: one per core it may use (the pool's default)."""
    try:
        from outcomes.pool import default_workers

        return default_workers()
    except (ImportError, AttributeError):
        return max(1, len(os.sched_getaffinity(0)))


def versions() -> dict[str, str]:
    from outcomes.build import tool_versions

    found = dict(tool_versions())
    for pkg in ("pydyf", "jinja2", "psutil"):
        try:
            found[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return found


def available_documents() -> list[str]:
    """Document types the built-in template set can render (others may still be being written)."""
    from outcomes.render.templates import DOCUMENT_TYPES, TemplateSet

    ts = TemplateSet()
    return [d for d in DOCUMENT_TYPES if ts.find(f"{d}/document.html") is not None]


# --------------------------------------------------------------------------------------------------
# Floor: bare renderers, one warm process


def collect_documents(folders: list[Path], scratch: Path) -> list[Doc]:
    """The HTML of every PDF and DOCX the batch renders, from the pipeline's own merge and templates."""
    from outcomes.build import BuildOptions, docx_settings, plan
    from outcomes.pandoc import pandoc_command
    from outcomes.render.docx import docx_args
    from outcomes.render.templates import TemplateSet, render_html

    templates = TemplateSet()
    options = BuildOptions(out=scratch / "plan-out", force=True)
    docs = []
    for folder in folders:
        p = plan(folder, options)
        for doc_type in p.documents:
            for fmt in p.formats:
                html = render_html(p.report, doc_type, fmt, templates)
                d = Doc(p.report.session.id, folder, f"{doc_type}.{fmt}", fmt, html)
                if fmt == "docx":
                    # The pipeline's own pandoc command line (runtime options included).
                    d.pandoc_args = pandoc_command(docx_args(**docx_settings(p, doc_type, templates)))
                docs.append(d)
    return docs


def render_bare(doc: Doc, target: Path) -> float:
    """Render one document with the bare renderer; return the seconds it took."""
    import weasyprint

    started = time.perf_counter()
    if doc.fmt == "pdf":
        weasyprint.HTML(string=doc.html, base_url=str(doc.folder) + "/").write_pdf(target, **PDF_OPTIONS)
    elif doc.fmt == "docx":
        subprocess.run(
            [*doc.pandoc_args, f"--output={target}"],
            input=doc.html.encode("utf-8"),
            check=True,
            capture_output=True,
        )
    else:
        target.write_text(doc.html, "utf-8")
    return time.perf_counter() - started


class Floor:
    """The bare renderers over every document, one run at a time (so runs can alternate with the batch)."""

    def __init__(self, docs: list[Doc], runs: int, scratch: Path, details: Details):
        self.docs, self.runs, self.details = docs, runs, details
        self.out = scratch / "floor"
        self.out.mkdir(parents=True, exist_ok=True)
        self.per_doc: dict[str, list[float]] = {}
        # Warm: imports, fontconfig and the first layout are paid once, as in a warm renderer process.
        for fmt in ("pdf", "docx"):
            first = next((d for d in docs if d.fmt == fmt), None)
            if first is not None:
                render_bare(first, self.out / f"warm.{fmt}")

    def run_once(self, run: int) -> None:
        total = 0.0
        cpu_before = time.process_time() + _children_cpu()
        for i, d in enumerate(self.docs):
            seconds = render_bare(d, self.out / f"{i:04d}-{d.session}-{d.name}")
            self.per_doc.setdefault(f"{d.session}/{d.name}", []).append(seconds)
            total += seconds
        self.details.add("floor_total_s", total)
        self.details.add("floor_cpu_s", time.process_time() + _children_cpu() - cpu_before)
        print(f"  floor run {run + 1}/{self.runs}: {total:.1f} s for {len(self.docs)} documents")

    def result(self, cores: int) -> float:
        """The median run's total over the cores used."""
        medians = {k: statistics.median(v) for k, v in self.per_doc.items()}
        self.details.extra["floor_by_format_s"] = {
            fmt: round(sum(v for k, v in medians.items() if k.endswith("." + fmt)), 3)
            for fmt in ("pdf", "docx")
        }
        self.details.extra["floor_per_document_s"] = {k: round(v, 4) for k, v in sorted(medians.items())}
        shutil.rmtree(self.out, ignore_errors=True)
        return statistics.median(self.details.runs["floor_total_s"]) / cores


# --------------------------------------------------------------------------------------------------
# Whole processes, timed and sampled


class TreeSampler(threading.Thread):
    """Sum the resident memory of a process and all its descendants every 50 ms; keep the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_bytes = 0
        self.peak_procs = 0
        self.peak_breakdown: list[tuple[str, float]] = []
        self.samples = 0
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        # What each process runs is looked up once, after its exec: the sampler takes CPU time from
        # the batch it measures (about 9 % of a core when it looked every process up every time).
        described: dict[int, str] = {}
        while not self._halt.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            total = 0
            breakdown = []
            for proc in procs:
                try:
                    name = described.get(proc.pid)
                    if name is None:
                        if _forking(proc):
                            continue
                        name = described[proc.pid] = _describe(proc)
                    rss = proc.memory_info().rss
                    breakdown.append((name, round(rss / 2**20, 1)))
                    total += rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.samples += 1
            if total > self.peak_bytes:
                self.peak_bytes = total
                self.peak_breakdown = sorted(breakdown, key=lambda x: -x[1])
            self.peak_procs = max(self.peak_procs, len(procs))
            self._halt.wait(SAMPLE_S)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _forking(proc) -> bool:
    """A child caught between fork and exec: it shares every page with its parent, so it is not counted."""
    try:
        parent = proc.parent()
        return parent is not None and proc.cmdline() == parent.cmdline()
    except Exception:  # noqa: BLE001 - gone already: nothing to count either way
        return False


def _describe(proc) -> str:
    """A short name for a process in the memory breakdown: what it runs, not its full command line."""
    try:
        cmd = proc.cmdline()
    except Exception:  # noqa: BLE001 - a process that vanished is still counted by its name
        return proc.name()
    text = " ".join(cmd)
    for needle, name in (
        ("uvicorn", "prefect server (uvicorn)"),
        ("outcomes.pool", "renderer (outcomes.pool)"),
        ("pandoc", "pandoc"),
        ("outcomes", "outcomes (flow)"),
    ):
        if needle in text:
            return name
    return " ".join(Path(c).name for c in cmd[:3])[:60]


def _children_cpu() -> float:
    """CPU seconds of every finished descendant (renderers, pandoc, Prefect's server included)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Timed:
    seconds: float
    stdout: str
    stderr: str
    cpu: float = 0.0
    peak_rss_mb: float | None = None
    peak_procs: int = 0
    peak_breakdown: list[tuple[str, float]] = field(default_factory=list)


def run_timed(cmd: list[str], env: dict[str, str], *, sample: bool = False, cwd: Path = ROOT) -> Timed:
    """Run a command to completion; its wall time, output and (optionally) peak tree RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cpu_before = _children_cpu()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid) if sample else None
        if sampler:
            sampler.start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        cpu = _children_cpu() - cpu_before
        if sampler:
            sampler.stop()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if code != 0:
        raise BenchError(f"{' '.join(cmd)} exited with {code}:\n{stdout[-2000:]}\n{stderr[-2000:]}")
    timed = Timed(seconds, stdout, stderr, cpu)
    if sampler:
        timed.peak_rss_mb = sampler.peak_bytes / 2**20
        timed.peak_procs = sampler.peak_procs
        timed.peak_breakdown = sampler.peak_breakdown
    return timed


def expect_summary(timed: Timed, n: int, status: str) -> None:
    """The CLI's last line says how many sessions were built or unchanged; all of them must be."""
    line = next((ln for ln in reversed(timed.stdout.splitlines()) if "session(s):" in ln), "")
    if f"{n} session(s)" not in line or f"{n} {status}" not in line:
        raise BenchError(f"expected all {n} sessions {status}, got: {line or timed.stdout[-1000:]}")


def templates_digest() -> str:
    from outcomes.render.templates import TemplateSet

    return TemplateSet().digest()


def batch_run(
    sessions_dir: Path, n: int, run: int, runs: int, env: dict[str, str], scratch: Path, details: Details
) -> None:
    """One timed full build, one unchanged rebuild, and one more full build whose memory is sampled.

    The memory sampler takes about 3 % of a core from what it samples (psutil walks every process
    each 50 ms), and the floor runs unsampled, so the timed build is not sampled either.
    """
    retries = 0
    while True:
        out = scratch / f"batch-{run}"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [str(OUTCOMES), "build", "--all", str(sessions_dir), "--out", str(out)]
        digest = templates_digest()
        details.add("loadavg_1m_at_batch", os.getloadavg()[0])
        full = run_timed([*cmd, "--force"], env)
        expect_summary(full, n, "built")
        rebuild = run_timed(cmd, env)
        sampled = run_timed([*cmd, "--force"], env, sample=True)
        expect_summary(sampled, n, "built")
        shutil.rmtree(out, ignore_errors=True)
        try:
            expect_summary(rebuild, n, "unchanged")
        except BenchError:
            # Someone edited the built-in templates between the two builds: the rebuild had real work.
            if templates_digest() == digest or retries >= 3:
                raise
            retries += 1
            details.notes.append(f"batch run {run + 1}: templates changed during the run; measured again")
            print("  templates changed during the run; measuring it again")
            continue
        break
    details.add("batch_s", full.seconds)
    details.add("batch_cpu_s", full.cpu)
    details.add("rebuild_s", rebuild.seconds)
    details.add("rebuild_cpu_s", rebuild.cpu)
    details.add("batch_sampled_s", sampled.seconds)
    details.add("batch_peak_rss_mb", sampled.peak_rss_mb or 0.0)
    details.add("batch_peak_processes", sampled.peak_procs)
    details.extra.setdefault("batch_peak_rss_breakdown_mb", []).append(sampled.peak_breakdown)
    print(
        f"  batch run {run + 1}/{runs}: full {full.seconds:.1f} s, rebuild {rebuild.seconds:.1f} s; "
        f"sampled full {sampled.seconds:.1f} s (peak {sampled.peak_rss_mb:.0f} MB, "
        f"{sampled.peak_procs} processes)"
    )


BARE_SCRIPT = """
import json, subprocess, sys
import weasyprint
spec = json.load(open(sys.argv[1], encoding="utf-8"))
for job in spec["jobs"]:
    html = open(job["html"], encoding="utf-8").read()
    if job["fmt"] == "pdf":
        weasyprint.HTML(string=html, base_url=job["base"]).write_pdf(job["target"], **spec["pdf_options"])
    else:
        subprocess.run(job["pandoc"] + ["--output=" + job["target"]], input=html.encode("utf-8"),
                       check=True, capture_output=True)
"""


def typical_session(docs: list[Doc], details: Details) -> str:
    """The session whose bare render time is the median of all sessions'."""
    per_doc = details.extra["floor_per_document_s"]
    totals: dict[str, float] = {}
    for d in docs:
        totals[d.session] = totals.get(d.session, 0.0) + per_doc[f"{d.session}/{d.name}"]
    ranked = sorted(totals, key=lambda s: (totals[s], s))
    return ranked[(len(ranked) - 1) // 2]


def measure_single(
    session: str, docs: list[Doc], runs: int, env: dict[str, str], scratch: Path, details: Details
) -> float:
    """One session as a whole process through the pipeline, over a whole-process bare render of it."""
    mine = [d for d in docs if d.session == session]
    folder = mine[0].folder
    bare_dir = scratch / "single-bare"
    shutil.rmtree(bare_dir, ignore_errors=True)
    bare_dir.mkdir(parents=True)
    jobs = []
    for i, d in enumerate(mine):
        html = bare_dir / f"{i}-{d.name}.html"
        html.write_text(d.html, "utf-8")
        jobs.append(
            {
                "fmt": d.fmt,
                "html": str(html),
                "base": str(d.folder) + "/",
                "pandoc": d.pandoc_args,
                "target": str(bare_dir / d.name),
            }
        )
    spec = bare_dir / "spec.json"
    spec.write_text(json.dumps({"jobs": jobs, "pdf_options": PDF_OPTIONS}), "utf-8")
    bare_cmd = [sys.executable, "-c", BARE_SCRIPT, str(spec)]
    for run in range(runs):
        bare = run_timed(bare_cmd, env)
        out = scratch / f"single-{run}"
        shutil.rmtree(out, ignore_errors=True)
        built = run_timed([str(OUTCOMES), "build", str(folder), "--out", str(out), "--force"], env)
        expect_summary(built, 1, "built")
        shutil.rmtree(out, ignore_errors=True)
        details.add("single_bare_s", bare.seconds)
        details.add("single_bare_cpu_s", bare.cpu)
        details.add("single_build_s", built.seconds)
        details.add("single_build_cpu_s", built.cpu)
        print(f"  single run {run + 1}/{runs}: build {built.seconds:.1f} s, bare {bare.seconds:.1f} s")
    details.extra["single_session"] = session
    details.extra["single_documents"] = [d.name for d in mine]
    return statistics.median(details.runs["single_build_s"]) / statistics.median(
        details.runs["single_bare_s"]
    )


# --------------------------------------------------------------------------------------------------
# Preview


def measure_preview(
    folder: Path, session: str, runs: int, env: dict[str, str], scratch: Path, details: Details
) -> float | None:
    """Milliseconds from a template write to the refreshed HTML, or None (with a note) if unavailable."""
    if importlib.util.find_spec("outcomes.preview") is None:
        details.notes.append("preview_ms: outcomes/preview.py does not exist yet; skipped (null)")
        return None
    from outcomes.render.templates import TemplateSet

    override = scratch / "preview-templates"
    shutil.rmtree(override, ignore_errors=True)
    css = override / "_shared" / "print.css"
    css.parent.mkdir(parents=True)
    original = TemplateSet().require("_shared/print.css").read_text("utf-8")
    css.write_text(original, "utf-8")
    out = scratch / "preview-out"
    shutil.rmtree(out, ignore_errors=True)
    # Where the preview writes: <out>/<id>/preview/ in the current command, <out>/<id>/ in the issue.
    candidates = [out / session / "preview" / "session_report.html", out / session / "session_report.html"]
    cmd = [
        str(OUTCOMES),
        "preview",
        str(folder),
        "--doc",
        "session_report",
        "--templates",
        str(override),
        "--out",
        str(out),
    ]
    log = (scratch / "preview.log").open("wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        first = _wait(
            lambda: _first_file(candidates) is not None or proc.poll() is not None, PREVIEW_TIMEOUT_S
        )
        html = _first_file(candidates)
        if not first or html is None or proc.poll() is not None:
            log.flush()
            tail = (scratch / "preview.log").read_text("utf-8", "replace")[-500:]
            details.notes.append(
                f"preview_ms: 'outcomes preview' wrote no session_report.html ({tail.strip()!r})"
            )
            return None
        details.extra["preview_html"] = str(html.relative_to(out))
        time.sleep(1.0)  # let the watcher settle after the first render
        for run in range(runs):
            marker = f"bench-preview-{run}-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            css.write_text(original + f"\n/* {marker} */\n", "utf-8")
            if not _wait(lambda marker=marker: marker in _read(html), 30.0, step=0.002):
                details.notes.append(
                    f"preview_ms: no refresh within 30 s of a template change (run {run + 1})"
                )
                return None
            ms = (time.perf_counter() - started) * 1000
            details.add("preview_ms", ms)
            print(f"  preview run {run + 1}/{runs}: {ms:.0f} ms")
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
    return statistics.median(details.runs["preview_ms"])


def _first_file(paths: list[Path]) -> Path | None:
    return next((p for p in paths if p.is_file() and p.stat().st_size > 0), None)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except OSError:
        return ""


def _wait(predicate, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# --------------------------------------------------------------------------------------------------
# Report


def cpu_view(details: Details) -> dict[str, float]:
    """The same ratios in CPU seconds of the whole process tree: steadier than wall time on a busy machine.

    batch and single are divided by the floor's CPU seconds (not per core): 1.0 means no work beyond
    the renderers', whatever the parallelism.
    """
    med = {k: statistics.median(v) for k, v in details.runs.items() if v}
    pairs = {
        "batch_cpu_over_floor_cpu": ("batch_cpu_s", "floor_cpu_s"),
        "rebuild_cpu_over_full_cpu": ("rebuild_cpu_s", "batch_cpu_s"),
        "single_cpu_over_bare_cpu": ("single_build_cpu_s", "single_bare_cpu_s"),
    }
    return {name: round(med[a] / med[b], 3) for name, (a, b) in pairs.items() if med.get(a) and med.get(b)}


def print_table(results: dict, details: Details) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"make bench: {results['sessions']} sessions, {results['cores']} cores")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("goal", justify="right")
    table.add_column("", justify="center")
    fmt = {"floor": "{:.1f} s", "peak_rss_mb": "{:.0f} MB", "preview_ms": "{:.0f} ms"}
    for key in ("floor", "batch_vs_floor", "rebuild_vs_full", "single_vs_floor", "peak_rss_mb", "preview_ms"):
        value = results[key]
        shown = "n/a" if value is None else fmt.get(key, "{:.2f}").format(value)
        goal = GOALS.get(key)
        if goal is None or value is None:
            verdict = "—"
        else:
            verdict = "[green]pass[/green]" if value <= goal else "[red]fail[/red]"
        goal_text = "—" if goal is None else (f"≤ {goal:g} MB" if key == "peak_rss_mb" else f"≤ {goal:g}")
        table.add_row(key, shown, goal_text, verdict)
    console = Console()
    console.print(table)
    for key, values in details.runs.items():
        console.print(f"  {key}: " + ", ".join(f"{v:.2f}" for v in values), highlight=False)
    for key, value in details.extra.get("cpu_view", {}).items():
        console.print(f"  cpu view: {key} = {value:.2f}", highlight=False)
    for note in details.notes:
        console.print(f"  note: {note}", highlight=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure the pipeline against the bare renderers, as ratios."
    )
    parser.add_argument("--sessions", type=int, default=60, help="synthetic sessions (default 60)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per timing; the median is reported (default 3)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the synthetic programme")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["batch", "single", "preview"],
        help="leave a measurement out (null)",
    )
    args = parser.parse_args(argv)
    if args.runs < 3:
        print(f"note: --runs {args.runs}: fewer than 3 runs; fine for iterating, not for reporting")

    from bench import synth

    WORK.mkdir(parents=True, exist_ok=True)
    env = child_env(WORK)
    details = Details()
    details.extra["prefect_home"] = env["PREFECT_HOME"]
    details.extra["loadavg_before"] = os.getloadavg()
    cores = cores_used()
    documents = available_documents()
    missing = [d for d in synth.ALL_DOCUMENTS if d not in documents]
    if missing:
        details.notes.append(
            f"no template yet for {', '.join(missing)}: sessions list only {', '.join(documents)}"
        )

    sessions_dir = WORK / "sessions"
    print(f"generating {args.sessions} sessions in {sessions_dir.relative_to(ROOT)}")
    folders = synth.generate(
        sessions_dir, args.sessions, synth.SEED if args.seed is None else args.seed, documents
    )
    results: dict = {
        "floor": None,
        "batch_vs_floor": None,
        "rebuild_vs_full": None,
        "single_vs_floor": None,
        "peak_rss_mb": None,
        "preview_ms": None,
        "sessions": len(folders),
        "cores": cores,
        "versions": versions(),
    }
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    try:
        docs = collect_documents(folders, scratch)
        details.extra["documents"] = {fmt: sum(d.fmt == fmt for d in docs) for fmt in ("pdf", "docx")}
        batch = "batch" not in args.skip
        print(
            f"floor: {len(docs)} documents, bare renderers, one warm process"
            + ("; batch: outcomes build --all, full, unchanged, full sampled; in turn" if batch else "")
        )
        # Floor and batch runs alternate, so that each pair meets the same load on a shared machine.
        bare = Floor(docs, args.runs, scratch, details)
        for run in range(args.runs):
            bare.run_once(run)
            if batch:
                batch_run(sessions_dir, len(folders), run, args.runs, env, scratch, details)
        floor = bare.result(cores)
        results["floor"] = round(floor, 3)
        if batch:
            full = statistics.median(details.runs["batch_s"])
            results["batch_vs_floor"] = round(full / floor, 3)
            results["rebuild_vs_full"] = round(statistics.median(details.runs["rebuild_s"]) / full, 3)
            results["peak_rss_mb"] = round(max(details.runs["batch_peak_rss_mb"]), 1)
            details.extra["batch_vs_floor_per_pair"] = [
                round(b / (f / cores), 3)
                for b, f in zip(details.runs["batch_s"], details.runs["floor_total_s"], strict=True)
            ]
        session = typical_session(docs, details)
        folder = next(d.folder for d in docs if d.session == session)
        if "single" not in args.skip:
            print(f"single: outcomes build {folder.relative_to(ROOT)}")
            results["single_vs_floor"] = round(
                measure_single(session, docs, args.runs, env, scratch, details), 3
            )
        if "preview" not in args.skip:
            print("preview: template change → refreshed HTML")
            preview = measure_preview(folder, session, args.runs, env, scratch, details)
            results["preview_ms"] = None if preview is None else round(preview, 1)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    details.extra["loadavg_after"] = os.getloadavg()
    details.extra["cpu_view"] = cpu_view(details)
    args.results.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    DETAILS.write_text(
        json.dumps(
            {"results": results, "runs": details.runs, "notes": details.notes, **details.extra}, indent=2
        )
        + "\n",
        "utf-8",
    )
    print_table(results, details)
    print(f"wrote {args.results} and {DETAILS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
