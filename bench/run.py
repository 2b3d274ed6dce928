"""``make bench``: measure the pipeline against the bare renderers in one run, as ratios.

For each workload (every session asks for the session report only, or for all four documents) it
generates a synthetic programme (:mod:`bench.synth`) and measures the floor (the bare renderers over
every document the batch renders, from the pipeline's own HTML, with the product's PDF settings), then,
on each Prefect mode (the embedded default, and a running server the bench starts with telemetry off),
the batch, the unchanged rebuild, the peak memory and a single session from the shell, each as a ratio.
What each metric is, and the measurements: ``bench/README.md``.
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
README_EXAMPLE = ROOT / "inputs" / "igf2025-ws106"
"""The README's walk-through session: the all-documents workload's single build is this one."""

# The same PDF options as outcomes/render/pdf.py, so that the floor renders the same documents.
PDF_OPTIONS = {"pdf_variant": "pdf/ua-1", "pdf_tags": True, "uncompressed_pdf": False}
SAMPLE_S = 0.05
PREVIEW_TIMEOUT_S = 120.0

GOALS: dict = {  # metric, or (metric, mode): at most this (issue 17)
    "batch_vs_floor": 1.3,
    "rebuild_vs_full": 0.10,
    ("single_vs_floor", "server"): 1.5,
    ("single_vs_floor", "embedded"): 2.5,
    "peak_pss_mb": 1024,
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


MODES = ("embedded", "server")


def child_env(work: Path, api_url: str | None = None) -> dict[str, str]:
    """Prefect quiet and offline, in a Prefect home of its own: the embedded default, or ``api_url``."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)  # never a server configured outside the bench
    if api_url:
        env["PREFECT_API_URL"] = api_url
    env.setdefault("PREFECT_HOME", str(work / "prefect-home"))
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env


class RunningServer:
    """A long-lived Prefect server for the bench's "server" mode (``prefect server start``, telemetry off)."""

    def __init__(self, work: Path):
        self.env = child_env(work)
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = work / "prefect-server.log"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def start(self, timeout: float = 180.0) -> str:
        import socket
        import urllib.request

        from outcomes.children import end_with

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        cmd = [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)]
        parent = os.getpid()
        with self.log.open("wb") as log:
            # It ends with the bench, however the bench ends (a stopped bench left it running).
            self.proc = subprocess.Popen(
                [*cmd, "--no-ui", "--analytics-off"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: end_with(parent),  # noqa: PLW1509 - before the sampler thread starts
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"prefect server start exited: see {self.log}")
            try:
                with urllib.request.urlopen(self.api_url + "/health", timeout=2) as answer:
                    if answer.status == 200:
                        return self.api_url
            except OSError:
                time.sleep(0.5)
        raise BenchError(f"prefect server start did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


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
    """Sum the memory of a process and all its descendants every 50 ms; keep the peaks.

    Two sums: the proportional set size (PSS: a page shared by N processes counts 1/N in each, so
    the sum is the memory the tree takes) and the resident set size (RSS: every shared page counted
    in every process that maps it, pandoc's binary in each pandoc, so the sum overstates).
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_bytes = 0
        self.peak_rss_bytes = 0
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
            total = total_rss = 0
            breakdown = []
            for proc in procs:
                try:
                    name = described.get(proc.pid)
                    if name is None:
                        if _forking(proc):
                            continue
                        name = described[proc.pid] = _describe(proc)
                    memory = proc.memory_full_info()  # smaps_rollup: about 1 ms a process
                    breakdown.append((name, round(memory.pss / 2**20, 1)))
                    total += memory.pss
                    total_rss += memory.rss
                except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
                    pass
            self.samples += 1
            if total > self.peak_bytes:
                self.peak_bytes = total
                self.peak_breakdown = sorted(breakdown, key=lambda x: -x[1])
            self.peak_rss_bytes = max(self.peak_rss_bytes, total_rss)
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
    peak_pss_mb: float | None = None
    peak_rss_mb: float | None = None
    peak_procs: int = 0
    peak_breakdown: list[tuple[str, float]] = field(default_factory=list)


def run_timed(cmd: list[str], env: dict[str, str], *, sample: bool = False, cwd: Path = ROOT) -> Timed:
    """Run a command to completion; its wall time, output and (optionally) the tree's peak memory."""
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
        timed.peak_pss_mb = sampler.peak_bytes / 2**20
        timed.peak_rss_mb = sampler.peak_rss_bytes / 2**20
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
    details.add("batch_peak_pss_mb", sampled.peak_pss_mb or 0.0)
    details.add("batch_peak_rss_mb", sampled.peak_rss_mb or 0.0)
    details.add("batch_peak_processes", sampled.peak_procs)
    details.extra.setdefault("batch_peak_pss_breakdown_mb", []).append(sampled.peak_breakdown)
    print(
        f"  batch run {run + 1}/{runs}: full {full.seconds:.1f} s, rebuild {rebuild.seconds:.1f} s; "
        f"sampled full {sampled.seconds:.1f} s (peak {sampled.peak_pss_mb:.0f} MB PSS, "
        f"{sampled.peak_rss_mb:.0f} MB RSS, "
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
    # One build first, untimed: a running server has served runs before, and a first build in a fresh
    # Prefect home migrates its database.
    out = scratch / "single-warm-up"
    expect_summary(
        run_timed([str(OUTCOMES), "build", str(folder), "--out", str(out), "--force"], env), 1, "built"
    )
    shutil.rmtree(out, ignore_errors=True)
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


def print_table(results: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"make bench: {results['sessions']} sessions per workload, {results['cores']} cores")
    for column in ("workload", "mode", "metric", "value", "goal", ""):
        table.add_column(column, justify="right" if column in ("value", "goal") else "left")
    fmt = {"floor": "{:.1f} s", "preview_ms": "{:.0f} ms"}
    fmt |= dict.fromkeys(("peak_pss_mb", "peak_rss_mb"), "{:.0f} MB")
    for workload, found in results["workloads"].items():
        rows = [("", "floor", found.get("floor"))]
        for mode in MODES:
            for key, value in (found.get(mode) or {}).items():
                rows.append((mode, key, value))
        if "preview_ms" in found:
            rows.append(("", "preview_ms", found["preview_ms"]))
        for mode, key, value in rows:
            shown = "n/a" if value is None else fmt.get(key, "{:.2f}").format(value)
            goal = GOALS.get((key, mode), GOALS.get(key))
            verdict = "—" if goal is None or value is None else ("pass" if value <= goal else "fail")
            goal_text = "—" if goal is None else (f"≤ {goal:g} MB" if key.endswith("_mb") else f"≤ {goal:g}")
            table.add_row(workload, mode, key, shown, goal_text, verdict)
    Console().print(table)


def measure_workload(
    workload: str, args: argparse.Namespace, envs: dict[str, dict[str, str]], cores: int
) -> tuple[dict, dict]:
    """The floor of one workload, then every metric on each Prefect mode; results and raw details."""
    from bench import synth

    documents = [d for d in synth.WORKLOADS[workload] if d in available_documents()]
    sessions_dir = WORK / f"sessions-{workload}"
    print(f"[{workload}] generating {args.sessions} sessions in {sessions_dir.relative_to(ROOT)}")
    folders = synth.generate(
        sessions_dir, args.sessions, synth.SEED if args.seed is None else args.seed, documents
    )
    floor_details = Details()
    by_mode = {mode: Details() for mode in envs}
    result: dict = {"documents": documents, "floor": None}
    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=WORK))
    try:
        docs = collect_documents(folders, scratch)
        floor_details.extra["documents"] = {fmt: sum(d.fmt == fmt for d in docs) for fmt in ("pdf", "docx")}
        batch = "batch" not in args.skip
        print(f"[{workload}] floor: {len(docs)} documents; batch on {', '.join(envs)}, in turn")
        # Floor and batch runs alternate, so that each pair meets the same load on a shared machine.
        bare = Floor(docs, args.runs, scratch, floor_details)
        for run in range(args.runs):
            bare.run_once(run)
            if batch:
                for mode, env in envs.items():
                    print(f"  [{workload}, {mode}]")
                    batch_run(sessions_dir, len(folders), run, args.runs, env, scratch, by_mode[mode])
        floor = bare.result(cores)
        result["floor"] = round(floor, 3)
        session = typical_session(docs, floor_details)
        folder = next(d.folder for d in docs if d.session == session)
        # One session from the shell: the README's example with all its documents (issue 17), or, for
        # the session-report workload, the typical synthetic session's session report.
        single_docs, single = docs, session
        if workload == "all_documents" and README_EXAMPLE.is_dir():
            single_docs = collect_documents([README_EXAMPLE], scratch)
            single = single_docs[0].session
        single_folder = next(d.folder for d in single_docs if d.session == single)
        for mode, env in envs.items():
            details = by_mode[mode]
            metrics: dict = dict.fromkeys(
                ("batch_vs_floor", "rebuild_vs_full", "single_vs_floor", "peak_pss_mb", "peak_rss_mb")
            )
            if batch:
                details.runs["floor_total_s"] = floor_details.runs["floor_total_s"]
                details.runs["floor_cpu_s"] = floor_details.runs["floor_cpu_s"]
                full = statistics.median(details.runs["batch_s"])
                metrics["batch_vs_floor"] = round(full / floor, 3)
                metrics["rebuild_vs_full"] = round(statistics.median(details.runs["rebuild_s"]) / full, 3)
                metrics["peak_pss_mb"] = round(max(details.runs["batch_peak_pss_mb"]), 1)
                metrics["peak_rss_mb"] = round(max(details.runs["batch_peak_rss_mb"]), 1)
            if "single" not in args.skip:
                print(f"  [{workload}, {mode}] single: outcomes build {single_folder.relative_to(ROOT)}")
                metrics["single_vs_floor"] = round(
                    measure_single(single, single_docs, args.runs, env, scratch, details), 3
                )
            details.extra["cpu_view"] = cpu_view(details)
            result[mode] = metrics
        if "preview" not in args.skip and workload == "session_report":
            print("preview: template change → refreshed HTML")
            preview = measure_preview(folder, session, args.runs, envs["embedded"], scratch, floor_details)
            result["preview_ms"] = None if preview is None else round(preview, 1)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    raw = {
        "floor": {"runs": floor_details.runs, "notes": floor_details.notes, **floor_details.extra},
        **{m: {"runs": d.runs, "notes": d.notes, **d.extra} for m, d in by_mode.items()},
    }
    return result, raw


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Measure the pipeline against the bare renderers, as ratios."
    )
    parser.add_argument(
        "--sessions", type=int, default=60, help="synthetic sessions per workload (default 60)"
    )
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per timing; the median is reported (default 3)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the synthetic programme")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--workload", action="append", choices=["session_report", "all_documents"], help="default: both"
    )
    parser.add_argument("--mode", action="append", choices=MODES, help="Prefect mode (default: both)")
    parser.add_argument(
        "--skip",
        action="append",
        default=[],
        choices=["batch", "single", "preview"],
        help="leave a measurement out",
    )
    args = parser.parse_args(argv)
    if args.runs < 3:
        print(f"note: --runs {args.runs}: fewer than 3 runs; fine for iterating, not for reporting")
    WORK.mkdir(parents=True, exist_ok=True)
    cores = cores_used()
    results: dict = {"sessions": args.sessions, "cores": cores, "versions": versions(), "workloads": {}}
    raw: dict = {"loadavg_before": os.getloadavg()}
    server = RunningServer(WORK) if "server" in (args.mode or MODES) else None
    try:
        envs = {}
        for mode in args.mode or MODES:
            if mode == "server":
                assert server is not None
                envs[mode] = child_env(WORK, server.start())
                print(f"server mode: prefect server start on {server.api_url} (telemetry off)")
            else:
                envs[mode] = child_env(WORK)
        for workload in args.workload or ("session_report", "all_documents"):
            results["workloads"][workload], raw[workload] = measure_workload(workload, args, envs, cores)
    except BenchError as exc:
        print(f"bench failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if server is not None:
            server.stop()
    raw["loadavg_after"] = os.getloadavg()
    args.results.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    DETAILS.write_text(json.dumps({"results": results, **raw}, indent=2) + "\n", "utf-8")
    print_table(results)
    print(f"wrote {args.results} and {DETAILS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
