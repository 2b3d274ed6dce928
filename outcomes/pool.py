"""A pool of warm worker processes that run jobs, with a time limit on every job.

WeasyPrint holds the GIL, so threads cannot render two documents at once. Each worker is a fresh
interpreter (``python -m outcomes.pool MODULE...``, started with :mod:`subprocess`, so it also works
inside a daemonic Dask worker) that imports the given modules once (the renderers) and then runs one
job at a time: a module-level function and its arguments, sent over its stdin in length-prefixed
pickles, answered on its stdout. One dispatcher thread per worker hands it the next job and waits
for the answer with the job's own deadline, so the limit counts the job alone, never the time spent
queueing. A worker that passes the deadline is killed and replaced, reported as a
:class:`RenderError` that is not retried (the job would take as long again); one that dies is
replaced, reported as a retryable one; :meth:`RenderPool.terminate` kills them all at once (a render
made obsolete by a newer one), and its jobs fail as stopped. Errors raised in a worker (a located
:class:`TemplateError`, say) come back as the same exception. A worker ends with the process that
started it, however that ends: an idle one when its input closes, a busy one by the kernel's
parent-death signal (:func:`outcomes.children.end_with`), so a build killed with SIGKILL leaves no
renderer working on.

The pool knows nothing of sessions or documents: the build (``outcomes.renderers``) gives it jobs.
"""

from __future__ import annotations

import atexit
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

from outcomes.children import end_with
from outcomes.errors import RenderError

RENDER_TIMEOUT_S = float(os.environ.get("OUTCOMES_RENDER_TIMEOUT", "300"))
START_TIMEOUT_S = 120.0  # a cold start on a loaded machine imports WeasyPrint slowly
_HEADER = struct.Struct("!Q")
_READY = "ready"
_PARENT_ENV = "OUTCOMES_POOL_PARENT"  # the pool's process id, for the worker's end_with


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)))


@dataclass
class Job:
    """A module-level function and its arguments, run in a worker; ``label`` names it in errors."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    label: str
    timeout: float = RENDER_TIMEOUT_S
    limit_source: str = "OUTCOMES_RENDER_TIMEOUT"  # where the time limit comes from, for its error
    future: cf.Future[Any] = field(default_factory=cf.Future, compare=False, repr=False)


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


# ---------------------------------------------------------------- the worker process


def serve(inp: IO[bytes], out: IO[bytes], preload: list[str]) -> None:
    """Import ``preload``, then run jobs read from ``inp`` until it closes, answering each on ``out``."""
    for module in preload:
        importlib.import_module(module)  # once per worker, not per job
    _write_frame(out, (_READY, os.getpid()))
    while True:
        try:
            fn, args = _read_frame_blocking(inp)
        except EOFError:
            return
        try:
            answer: tuple = ("ok", fn(*args))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the pool, classified there
            answer = _error_payload(exc)
        _write_frame(out, answer)


def main() -> None:
    # The pool owns this process: Ctrl-C goes to the parent, which closes our stdin or kills us; if
    # the parent is killed, the kernel ends us too, even in the middle of a job.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(int(os.environ.pop(_PARENT_ENV, os.getppid())))
    # Keep stdout for the protocol; anything a library prints goes to stderr instead.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    serve(sys.stdin.buffer, out, sys.argv[1:])


# ---------------------------------------------------------------- the pool side


def _stopped(job: Job, before: str) -> RenderError:
    """The error of a job ended by :meth:`RenderPool.terminate` (not retried: it was not wanted)."""
    return RenderError(f"{job.label}: stopped before it {before}", retryable=False)


class _Worker:
    """One worker process and the thread that feeds it."""

    def __init__(self, pool: RenderPool, index: int):
        self.pool = pool
        self.index = index
        self.proc: subprocess.Popen[bytes] | None = None
        self.job: Job | None = None  # the job its process is running
        self.thread = threading.Thread(target=self._loop, name=f"renderer-{index}", daemon=True)

    def _start(self) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env[_PARENT_ENV] = str(os.getpid())
        proc = subprocess.Popen(
            [sys.executable, "-m", "outcomes.pool", *self.pool.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
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
            self.job = job
            try:
                job.future.set_result(self._run(job))
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the job
                job.future.set_exception(exc)
            finally:
                self.job = None
        self.stop()

    def _run(self, job: Job) -> Any:
        if self.pool.terminated:
            raise _stopped(job, "began")
        if self.proc is None or self.proc.poll() is not None:
            if self.proc is not None:
                self._kill(self.proc)
            self.proc = None
            self.proc = self._start()
            if self.pool.terminated:  # while it started
                raise _stopped(job, "began")
        proc = self.proc
        assert proc.stdin is not None and proc.stdout is not None
        try:
            _write_frame(proc.stdin, (job.fn, job.args))
            answer = _read_frame_until(proc.stdout.fileno(), time.monotonic() + job.timeout)
        except _Deadline:
            self._kill(proc)
            self.proc = None
            # The same document takes as long again: a second try would only double the wait.
            raise RenderError(
                f"{job.label}: rendering took longer than {job.timeout:g} s ({job.limit_source})",
                retryable=False,
                timed_out=True,
            ) from None
        except (EOFError, BrokenPipeError, pickle.UnpicklingError):
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            self._kill(proc)
            self.proc = None
            if self.pool.terminated:
                raise _stopped(job, "was done") from None
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
    """Warm worker processes shared by every render task of a run in this process."""

    _shared: RenderPool | None = None
    _closing: list[RenderPool] = []
    _lock = threading.Lock()

    def __init__(
        self, workers: int | None = None, timeout: float | None = None, preload: tuple[str, ...] = ()
    ):
        self.workers = max(1, workers or default_workers())
        self.timeout = timeout or RENDER_TIMEOUT_S
        self.preload = tuple(preload)
        self.started = 0  # worker processes started, replacements included
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._renderers: list[_Worker] = []
        self._closed = False
        self.terminated = False  # stopped by terminate(): its jobs were ended, not crashed
        self._start_lock = threading.Lock()
        self.eager = False  # start worker processes before the first job (see warm())

    @classmethod
    def shared(
        cls, workers: int | None = None, timeout: float | None = None, preload: tuple[str, ...] = ()
    ) -> RenderPool:
        """The pool of this process, created on first use."""
        with cls._lock:
            if cls._shared is None:
                cls._shared = RenderPool(workers, timeout, preload)
            return cls._shared

    @classmethod
    def shutdown_shared(cls, wait: bool = True) -> None:
        """Shut the pool of this process down; with ``wait=False``, :meth:`join_closed` waits for it."""
        with cls._lock:
            pool, cls._shared = cls._shared, None
            if pool is not None and not wait:
                cls._closing.append(pool)
        if pool is not None:
            pool.shutdown(wait)

    @classmethod
    def join_closed(cls) -> None:
        """Wait until the processes of every pool shut down without waiting have ended (also at exit)."""
        with cls._lock:
            pools, cls._closing = cls._closing, []
        for pool in pools:
            pool.join()

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._closed:
                raise RuntimeError("the render pool is shut down")
            while len(self._renderers) < self.workers:
                worker = _Worker(self, len(self._renderers))
                self._renderers.append(worker)
                worker.thread.start()

    def warm(self) -> RenderPool:
        """Start the workers now, so that their imports overlap other work instead of the first job."""
        self.eager = True
        self._ensure_started()
        return self

    def submit(
        self,
        fn: Callable[..., Any],
        args: tuple[Any, ...],
        label: str,
        timeout: float | None = None,
        limit_source: str | None = None,
    ) -> cf.Future[Any]:
        """Queue ``fn(*args)``; its future fails with :class:`RenderError` on a crash or timeout.

        ``limit_source`` says where ``timeout`` comes from, in the error of a job that passes it.
        """
        self._ensure_started()
        job = Job(fn, args, label, timeout or self.timeout)
        if limit_source:
            job.limit_source = limit_source
        self._jobs.put(job)
        return job.future

    def shutdown(self, wait: bool = True) -> None:
        """Let the workers finish their current job, then stop them; ``wait`` for them to end.

        Without waiting, the processes end on their own while the caller goes on; :meth:`join` waits for them.
        """
        with self._start_lock:
            self._closed = True
            workers = list(self._renderers)
        for _ in workers:
            self._jobs.put(None)
        if wait:
            self.join()

    @property
    def busy(self) -> bool:
        """Whether a worker process is running a job now."""
        return any(worker.job is not None for worker in self._renderers)

    def terminate(self) -> None:
        """Stop now: kill the worker processes, busy or not, and end every job not done.

        Each such job fails with a :class:`RenderError` that says it was stopped (not retried). For a
        render made obsolete by a newer one (the preview's PDF after another save).
        """
        with self._start_lock:
            self._closed = True
            self.terminated = True
            workers = list(self._renderers)
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None and job.future.set_running_or_notify_cancel():
                job.future.set_exception(_stopped(job, "began"))
        for _ in workers:
            self._jobs.put(None)
        for worker in workers:
            proc = worker.proc
            if proc is not None and proc.poll() is None:
                proc.kill()  # its dispatcher sees the end of its answer and fails the job
        self.join()

    def join(self) -> None:
        """Wait until every worker process of a shut-down pool has ended."""
        for worker in list(self._renderers):
            worker.thread.join()

    def __enter__(self) -> RenderPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


atexit.register(RenderPool.join_closed)

if __name__ == "__main__":
    main()
