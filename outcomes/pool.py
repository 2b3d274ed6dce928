"""A pool of warm renderer processes, with a time limit on every document.

WeasyPrint holds the GIL, so threads cannot render two documents at once. Each renderer is a fresh
interpreter (``python -m outcomes.pool``, started with :mod:`subprocess`, so it also works inside a
daemonic Dask worker) that imports the renderers once and then renders one job at a time, talking
to the pool over its stdin and stdout in length-prefixed pickles. One dispatcher thread per renderer
hands it the next job and waits for the answer with the job's own deadline, so the limit counts the
render alone, never the time spent queueing. A renderer that passes the deadline is killed and
replaced; one that dies is replaced; both are reported as a retryable :class:`RenderError`.
Errors raised in a renderer (a located :class:`TemplateError`, say) come back as the same exception.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from outcomes.build import Plan, Rendered, jobs, render
from outcomes.errors import RenderError
from outcomes.render.templates import TemplateSet

RENDER_TIMEOUT_S = float(os.environ.get("OUTCOMES_RENDER_TIMEOUT", "300"))
START_TIMEOUT_S = 120.0  # a cold start on a loaded machine imports WeasyPrint slowly
_HEADER = struct.Struct("!Q")
_READY = "ready"


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


@dataclass
class RenderJob:
    """One document in one format, for one session plan."""

    plan: Plan
    doc_type: str
    fmt: str
    templates_dir: str | None
    timeout: float = RENDER_TIMEOUT_S
    future: cf.Future[Rendered] = field(default_factory=cf.Future, compare=False, repr=False)
    # Another task under the same limit (``templates check``): a module-level function and its arguments.
    task: tuple[Callable[..., Any], tuple] | None = field(default=None, compare=False)

    @property
    def label(self) -> str:
        if self.task is not None:
            return self.doc_type
        session = getattr(getattr(getattr(self.plan, "report", None), "session", None), "id", "?")
        return f"{session}: {self.doc_type}.{self.fmt}"


# ---------------------------------------------------------------- wire format


def _write_frame(out: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(data)) + data)
    out.flush()


def _read_exact_blocking(src: IO[bytes], n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = src.read(n - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_frame_blocking(src: IO[bytes]) -> Any:
    head = _read_exact_blocking(src, _HEADER.size)
    if head is None:
        raise EOFError
    body = _read_exact_blocking(src, _HEADER.unpack(head)[0])
    if body is None:
        raise EOFError
    return pickle.loads(body)


class _Deadline(Exception):
    pass


def _read_exact_until(fd: int, n: int, deadline: float) -> bytes:
    chunks, got = [], 0
    while got < n:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise _Deadline
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _read_frame_until(fd: int, deadline: float) -> Any:
    size = _HEADER.unpack(_read_exact_until(fd, _HEADER.size, deadline))[0]
    # Once an answer has started, a slow pipe is not the renderer's fault: allow it time to arrive.
    return pickle.loads(_read_exact_until(fd, size, max(deadline, time.monotonic() + 30)))


def _error_payload(exc: BaseException) -> tuple:
    """An exception as plain data: the class by name, its message and attributes, the traceback."""
    cls = type(exc)
    state = {}
    for key, value in getattr(exc, "__dict__", {}).items():
        try:
            pickle.dumps(value)
        except Exception:  # noqa: BLE001 - whatever cannot travel is left out
            continue
        state[key] = value
    text = "".join(traceback.format_exception(exc))
    return ("error", cls.__module__, cls.__qualname__, str(exc), state, text)


class RemoteTraceback(Exception):
    """The traceback of an exception raised in a renderer process."""


def _rebuild_error(module: str, qualname: str, message: str, state: dict, text: str) -> BaseException:
    try:
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        if not (isinstance(cls, type) and issubclass(cls, Exception)):
            raise TypeError(qualname)
        # Not through __init__: exceptions with their own signature (TemplateError) rebuild as they were.
        exc = cls.__new__(cls)
        Exception.__init__(exc, message)
        exc.__dict__.update(state)
    except Exception:  # noqa: BLE001 - an exception we cannot rebuild is still a render failure
        exc = RenderError(f"{qualname}: {message}")
    exc.__cause__ = RemoteTraceback(text)
    return exc


# ---------------------------------------------------------------- the renderer process

_TEMPLATES: dict[str | None, TemplateSet] = {}


def _render_job(p: Plan, doc_type: str, fmt: str, templates_dir: str | None) -> Rendered:
    templates = _TEMPLATES.get(templates_dir)
    if templates is None:
        templates = _TEMPLATES[templates_dir] = TemplateSet(Path(templates_dir) if templates_dir else None)
    return render(p, doc_type, fmt, templates)


def _warm() -> None:
    from outcomes.heap import imports_frozen
    from outcomes.render.pdf import load_weasyprint

    with imports_frozen():
        load_weasyprint()  # once per renderer, not per job

    from outcomes.pandoc import pandoc_version

    pandoc_version()


def serve(inp: IO[bytes], out: IO[bytes]) -> None:
    """Render jobs read from ``inp`` until it closes, answering each on ``out``."""
    _warm()
    _write_frame(out, (_READY, os.getpid()))
    while True:
        try:
            job = _read_frame_blocking(inp)
        except EOFError:
            return
        task, args = job
        try:
            answer: tuple = ("ok", task(*args))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the pool, classified there
            answer = _error_payload(exc)
        _write_frame(out, answer)


def main() -> None:
    # The pool owns this process: Ctrl-C goes to the parent, which closes our stdin or kills us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Keep stdout for the protocol; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, out)
    # Every answer is written and every staged file closed: end without the interpreter's teardown
    # of WeasyPrint's objects (about 60 ms, which the end of every build waits for).
    sys.stderr.flush()
    os._exit(0)


# ---------------------------------------------------------------- the pool side


class _Renderer:
    """One renderer process and the thread that feeds it."""

    def __init__(self, pool: RenderPool, index: int):
        self.pool = pool
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.thread = threading.Thread(target=self._loop, name=f"renderer-{index}", daemon=True)

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        proc = subprocess.Popen(
            [sys.executable, "-m", "outcomes.pool"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        assert proc.stdout is not None
        try:
            kind, _pid = _read_frame_until(proc.stdout.fileno(), time.monotonic() + START_TIMEOUT_S)
            if kind != _READY:
                raise EOFError
        except (EOFError, _Deadline, pickle.UnpicklingError) as exc:
            self._kill(proc)
            raise RenderError("a renderer process could not start") from exc
        self.pool.started += 1
        return proc

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        proc.kill()
        proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None:
                pipe.close()

    def _loop(self) -> None:
        if self.pool.eager and self.proc is None:
            try:
                self.proc = self._start()
            except RenderError:
                pass  # the first job starts it again and reports the failure
        while True:
            job = self.pool._jobs.get()
            if job is None:
                break
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._run(job))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the job
                job.future.set_exception(exc)
        self.stop()

    def _run(self, job: RenderJob) -> Rendered:
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self._kill(self.proc)
            self.proc = None
            self.proc = self._start()
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            task = job.task or (_render_job, (job.plan, job.doc_type, job.fmt, job.templates_dir))
            _write_frame(proc.stdin, task)
            answer = _read_frame_until(proc.stdout.fileno(), time.monotonic() + job.timeout)
        except _Deadline:
            self._kill(proc)
            self.proc = None
            raise RenderError(f"{job.label}: rendering took longer than {job.timeout:g} s") from None
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            self._kill(proc)
            self.proc = None
            how = f" (exit code {code})" if code is not None else ""
            raise RenderError(f"{job.label}: the renderer process crashed{how}") from None
        if answer[0] == "ok":
            return answer[1]
        raise _rebuild_error(*answer[1:])

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()  # the renderer exits when its input closes
            proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self._kill(proc)


class RenderPool:
    """Warm renderer processes shared by every render task of a run in this process."""

    _shared: RenderPool | None = None
    _lock = threading.Lock()

    def __init__(self, workers: int | None = None, timeout: float | None = None):
        self.workers = max(1, workers or default_workers())
        self.timeout = timeout or RENDER_TIMEOUT_S
        self.started = 0  # renderer processes started, replacements included
        self._jobs: queue.SimpleQueue[RenderJob | None] = queue.SimpleQueue()
        self._renderers: list[_Renderer] = []
        self._closed = False
        self._start_lock = threading.Lock()
        self.eager = False  # start renderer processes before the first job (see warm())
        self._allowed = self.workers  # renderers that may run for now (see allow())

    @classmethod
    def shared(cls, workers: int | None = None, timeout: float | None = None) -> RenderPool:
        """The pool of this process, created on first use."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = RenderPool(workers, timeout)
            return cls._shared

    @classmethod
    def shutdown_shared(cls) -> None:
        with cls._lock:
            pool, cls._shared = cls._shared, None
        if pool is not None:
            pool.shutdown()

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the render pool is shut down")
            while len(self._renderers) < self._allowed:
                renderer = _Renderer(self, len(self._renderers))
                self._renderers.append(renderer)
                renderer.thread.start()

    def allow(self, renderers: int | None) -> None:
        """Run at most ``renderers`` for now (None: one per worker); more start with the next job.

        While Prefect's temporary server starts, it needs a core of its own: a single session built
        with one renderer ahead of the flow run ends about 0.5 s sooner than with two (bench/README.md).
        """
        with self._start_lock:
            self._allowed = self.workers if renderers is None else max(1, min(renderers, self.workers))

    def warm(self) -> RenderPool:
        """Start the renderers now, so that their imports overlap other work instead of the first job."""
        self.eager = True
        self._ensure_started()
        return self

    def submit(
        self, p: Plan, doc_type: str, fmt: str, templates_dir: str | None, timeout: float | None = None
    ) -> cf.Future[Rendered]:
        """Queue one document; its future fails with :class:`RenderError` on a crash or timeout."""
        self._ensure_started()
        job = RenderJob(p, doc_type, fmt, templates_dir, timeout or self.timeout)
        self._jobs.put(job)
        return job.future

    def run(
        self, label: str, task: Callable[..., Any], *args: Any, timeout: float | None = None
    ) -> cf.Future:
        """Run ``task(*args)`` (a module-level function) in a renderer, under a document's time limit."""
        self._ensure_started()
        job = RenderJob(None, label, "", None, timeout or self.timeout, task=(task, args))  # type: ignore[arg-type]
        self._jobs.put(job)
        return job.future

    def render_all(
        self, p: Plan, jobs: list[tuple[str, str]], templates_dir: str | None, timeout: float | None = None
    ) -> list[Rendered]:
        """Render jobs in parallel; on any failure, remove what the others staged and raise it."""
        return collect([self.submit(p, doc, fmt, templates_dir, timeout) for doc, fmt in jobs])

    def shutdown(self) -> None:
        """Let the renderers finish their current job, then stop them."""
        with self._start_lock:
            self._closed = True
            renderers = list(self._renderers)
        for _ in renderers:
            self._jobs.put(None)
        for renderer in renderers:
            renderer.thread.join()

    def queued(self) -> int:
        """Jobs waiting for a renderer (not counting those being rendered)."""
        return self._jobs.qsize()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def collect(futures: list[cf.Future[Rendered]]) -> list[Rendered]:
    """Wait for every document; on any failure, remove what the others staged and raise it."""
    cf.wait(futures)
    failure = next((f.exception() for f in futures if f.exception() is not None), None)
    if failure is not None:
        for f in futures:
            if f.exception() is None:
                f.result().staged.unlink(missing_ok=True)
        raise failure
    return [f.result() for f in futures]


def discard(futures: list[cf.Future[Rendered]], then: Callable[[], None] | None = None) -> None:
    """Give up on documents queued or rendering: cancel what has not started, remove what is staged.

    Returns at once; ``then`` is called once every document has finished or been cancelled.
    """
    left = [len(futures)]
    lock = threading.Lock()

    def done(f: cf.Future[Rendered]) -> None:
        if not f.cancelled() and f.exception() is None:
            f.result().staged.unlink(missing_ok=True)
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last and then is not None:
            then()

    if not futures and then is not None:
        then()
    for f in futures:
        f.cancel()
        f.add_done_callback(done)


@dataclass
class PooledRenderer:
    """A session's documents rendered in parallel by this process's shared pool (a build's renderer)."""

    workers: int | None = None
    timeout: float | None = None
    templates_dir: str | None = None

    def _pool(self) -> RenderPool:
        return RenderPool.shared(self.workers, self.timeout)

    def prepare(self) -> None:
        self._pool().warm()  # renderers import WeasyPrint while the session is read

    def render_all(self, p: Plan) -> list[Rendered]:
        return self._pool().render_all(p, jobs(p), self.templates_dir, self.timeout)

    def submit_all(self, p: Plan) -> list[cf.Future[Rendered]]:
        """Queue every document of ``p`` and return at once (rendering ahead: ``outcomes.readahead``)."""
        pool = self._pool()
        return [pool.submit(p, doc, fmt, self.templates_dir, self.timeout) for doc, fmt in jobs(p)]

    def busy(self) -> bool:
        """Whether documents are waiting for a renderer (rendering ahead queues no more then)."""
        return self._pool().queued() > 0


if __name__ == "__main__":
    main()
