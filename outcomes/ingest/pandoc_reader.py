"""Long-lived pandoc processes that read notes one after another (``pandoc lua``).

Starting pandoc costs more CPU than parsing a typical Markdown note. A reader here is one
``pandoc lua outcomes/data/read_note.lua`` process that reads note after note, which halved the
pandoc CPU time of a batch (measured: bench/README.md).

Every limit of a one-shot pandoc holds per note:

- time: a note that takes longer than its limit stops the reader (the next note gets a new one);
- memory: the reader runs with GHC's heap cap; a note that exhausts it ends the reader, and that
  note is the one that is refused;
- output: the document tree is sent only when it is within the size asked for;
- the reader's file system is empty (pandoc's sandbox), as with ``pandoc --sandbox``.

A reader keeps the memory its largest note needed (GHC keeps its heap; a Word note needs most);
that is what a one-shot pandoc needs for the same note, held between notes. A reader above
:data:`RECYCLE_RSS_BYTES` after a note (a note near the heap cap) is stopped. Stopping every reader
after each Word note would keep that memory down but lose most of the gain: a new pandoc pays
first-use costs on its first note (bench/README.md has the figures). A reader
left idle for :data:`IDLE_STOP_S` is stopped: once a batch's sessions are read, it would otherwise
hold its memory through all the rendering. Each reader has a temporary folder of its own, removed
when it is stopped, however it is stopped.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import shutil
import subprocess
import tempfile
import threading
import time
from importlib import resources

from outcomes.pandoc import ALLOCATION_AREA, pandoc_path

RECYCLE_RSS_BYTES = 256 * 1024 * 1024
"""A reader whose resident memory is above this after a note is stopped instead of kept (a normal
Word note leaves it below)."""
IDLE_STOP_S = 2.0
"""A reader that has had no note for this long is stopped (the next note starts a new one)."""
MAX_STDERR_BYTES = 1024 * 1024
"""A reader whose warnings (stderr, kept in a file) pass this is replaced by a fresh one."""
_STATUS_LINE_BYTES = 64 * 1024


class ReadFailed(Exception):
    """Pandoc reported an error for this input (a parse error): ``message`` is its text."""


class ReaderStopped(Exception):
    """The reader process ended during the request; ``returncode`` and ``stderr`` say how."""

    def __init__(self, returncode: int | None, stderr: str):
        super().__init__(f"pandoc reader ended (exit status {returncode}): {stderr[-300:]}")
        self.returncode = returncode
        self.stderr = stderr


class ReadTimeout(Exception):
    """The input took longer than its time limit; the reader was stopped."""


class TreeTooLarge(Exception):
    """The document tree is larger than the size asked for."""


def lua_script() -> str:
    return str(resources.files("outcomes.data") / "read_note.lua")


class _Reader:
    """One ``pandoc lua`` process and its pipes."""

    def __init__(self, max_heap: str):
        self._stderr = tempfile.TemporaryFile()
        # `pandoc lua` keeps a (REPL history) file in TMPDIR that it removes only when it ends by
        # itself; a reader that is stopped would leave it behind, so each gets a folder of its own.
        self._tmp = tempfile.mkdtemp(prefix="igf-note-reader-")
        command = [pandoc_path(), "lua", lua_script(), "+RTS", ALLOCATION_AREA, f"-M{max_heap}", "-RTS"]
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                bufsize=0,
                env={**os.environ, "TMPDIR": self._tmp},
            )
        except OSError:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._stderr.close()
            raise
        self._buffer = bytearray()

    def request(self, request: dict, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        assert self.proc.stdin is not None
        line = json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n"
        try:
            self.proc.stdin.write(line)
        except (BrokenPipeError, OSError):
            raise self._stopped() from None
        status_line = self._read_line(deadline)
        try:
            status = json.loads(status_line)
        except ValueError:
            raise self._stopped() from None
        if status.get("ok"):
            return self._read_exact(int(status["size"]), deadline)
        if status.get("too_large"):
            raise TreeTooLarge()
        raise ReadFailed(str(status.get("error", "")))

    def _read_line(self, deadline: float) -> bytes:
        while (end := self._buffer.find(b"\n")) < 0:
            if len(self._buffer) > _STATUS_LINE_BYTES:
                raise self._stopped()
            self._fill(deadline)
        line = bytes(self._buffer[:end])
        del self._buffer[: end + 1]
        return line

    def _read_exact(self, size: int, deadline: float) -> bytes:
        while len(self._buffer) < size:
            self._fill(deadline, size - len(self._buffer))
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def _fill(self, deadline: float, wanted: int = 65536) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise ReadTimeout()  # the pool stops this reader
        chunk = os.read(fd, max(65536, min(wanted, 8 * 1024 * 1024)))
        if not chunk:
            raise self._stopped()
        self._buffer += chunk

    def _stopped(self) -> ReaderStopped:
        try:
            returncode = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            returncode = None
        size = self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, size - 64 * 1024))
        stderr = self._stderr.read().decode("utf-8", "replace")
        self.close()
        return ReaderStopped(returncode, stderr)

    def reusable(self) -> bool:
        """Still running, small enough to keep, and not filling its warnings file."""
        if self.proc.poll() is not None or self._buffer:
            return False
        try:
            with open(f"/proc/{self.proc.pid}/statm") as statm:
                rss = int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            rss = 0  # no /proc: keep it; the heap cap still bounds it
        warnings = os.fstat(self._stderr.fileno()).st_size
        return rss <= RECYCLE_RSS_BYTES and warnings <= MAX_STDERR_BYTES

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout, self._stderr):
            if pipe is not None:
                pipe.close()
        shutil.rmtree(self._tmp, ignore_errors=True)


class ReaderPool:
    """At most ``size`` readers at once; idle ones are kept for the next note."""

    def __init__(self, size: int, max_heap: str):
        self.size, self.max_heap = size, max_heap
        self._slots = threading.BoundedSemaphore(size)
        self._idle: list[tuple[float, _Reader]] = []  # (idle since, reader)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._reaper: threading.Thread | None = None

    def read(self, request: dict, timeout: float) -> bytes:
        """The document tree (pandoc's JSON) for one request; see the module for the errors."""
        with self._slots:
            reader, fresh = self._take()
            while True:
                try:
                    tree = reader.request(request, timeout)
                except (ReadFailed, TreeTooLarge):
                    self._give_back(reader)  # the reader answered; it can read the next note
                    raise
                except ReaderStopped:
                    reader.close()
                    if fresh:
                        raise
                    # A kept reader that ended since its last note (a heap cap reached after
                    # answering, a kill) says nothing about this note: read it with a new one.
                    reader, fresh = _Reader(self.max_heap), True
                    continue
                except BaseException:
                    reader.close()
                    raise
                self._give_back(reader)
                return tree

    def _own_idle(self) -> list[tuple[float, _Reader]]:
        """The idle readers, under the lock; in a forked child, none: they are its parent's."""
        if os.getpid() != self._pid:
            self._idle, self._pid, self._reaper = [], os.getpid(), None
        return self._idle

    def _take(self) -> tuple[_Reader, bool]:
        """An idle reader (the one used last), or a new one (``True``: new)."""
        with self._lock:
            idle = self._own_idle()
            if idle:
                return idle.pop()[1], False
        return _Reader(self.max_heap), True

    def _give_back(self, reader: _Reader) -> None:
        if reader.reusable():
            with self._lock:
                self._own_idle().append((time.monotonic(), reader))
                if self._reaper is None:
                    self._reaper = threading.Thread(target=self._reap, name="pandoc-reaper", daemon=True)
                    self._reaper.start()
                return
        reader.close()

    def _reap(self) -> None:
        """Stop readers idle for :data:`IDLE_STOP_S`; end when none is left idle."""
        while True:
            time.sleep(IDLE_STOP_S / 4)
            with self._lock:
                if threading.current_thread() is not self._reaper:
                    return  # a forked child's copy, or replaced
                cutoff = time.monotonic() - IDLE_STOP_S
                idle = self._own_idle()
                stale = [reader for since, reader in idle if since <= cutoff]
                self._idle = [(since, reader) for since, reader in idle if since > cutoff]
                done = not self._idle
                if done:
                    self._reaper = None
            for reader in stale:
                reader.close()
            if done:
                return

    def close(self) -> None:
        """Stop the idle readers (a later read starts new ones)."""
        with self._lock:
            idle, self._idle = self._own_idle(), []
        for _since, reader in idle:
            reader.close()


_pools: dict[tuple[int, str], ReaderPool] = {}
_pools_lock = threading.Lock()


def shared(size: int, max_heap: str) -> ReaderPool:
    """The process's reader pool of that size and heap cap."""
    with _pools_lock:
        pool = _pools.get((size, max_heap))
        if pool is None:
            pool = _pools[(size, max_heap)] = ReaderPool(size, max_heap)
        return pool


def close_shared() -> None:
    """Stop the idle readers; called at the end of a build and at exit."""
    with _pools_lock:
        pools = list(_pools.values())
    for pool in pools:
        pool.close()


atexit.register(close_shared)
