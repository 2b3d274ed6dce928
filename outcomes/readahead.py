"""Read, merge and render sessions ahead of their tasks, while a build waits for Prefect's server.

On the embedded default, ``outcomes build`` waits about 3 s for Prefect's temporary server to
answer before the flow run, and with it the first session task, can begin; one core does little in
that time. :class:`ReadAhead` reads and merges the batch's sessions in a background thread, in the
batch's order, starting in that wait and going on ahead of the session tasks (so that the notes are
all read early and pandoc's note reader, idle, is stopped instead of holding its memory through the
batch). Given the build's renderer (the pool of renderer processes), it also keeps the renderers
busy until the server answers (:meth:`ReadAhead.stop_rendering`): whenever no document is waiting
for a renderer, it queues every document of the next session read, into staged files in that
session's output folder, holding the folder's lock so that no other build touches them.

A session task takes what was done ahead (:func:`take`, through :func:`outcomes.build.build_session`)
only if it still holds:

- the same build options (output folder, documents, formats, template folders, ``--force``);
- the same inputs: every input file hashes as it did when it was read;
- the same templates (their digest).

Anything else, and the task reads the session itself; documents rendered ahead for it are then
removed. The task commits documents rendered ahead exactly as it would its own (``finish``: all
outputs renamed into place together, under the lock). If rendering ahead failed in any way (a
renderer crash, a time limit, a template error), the task renders the session itself, so every
failure is met and reported, and retried, in the task's own run. A session that is up to date is not
read ahead (its task skips it on hashes alone), and an input error is kept and raised in the task
that takes it, so it is reported where it would have been. Nothing is written in place before a
task commits it: if the flow never runs (the server does not start), the staged files are removed.
Measurements: ``bench/README.md``.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from outcomes.errors import InputError, OutcomesError
from outcomes.inputs import hash_inputs
from outcomes.outputs import SessionLock, clean_stale_parts

if TYPE_CHECKING:
    from outcomes.build import BuildOptions, Plan, Rendered
    from outcomes.pool import PooledRenderer

MAX_AHEAD = 64
"""Most sessions held read ahead at once (each is its merged report and inputs: tens of KB)."""
FEED_INTERVAL_S = 0.02
"""How often the renderers are looked at, once every session is read, for room to render ahead."""


def _key(folder: Path | str) -> str:
    return os.path.abspath(folder)


def _same_options(a: BuildOptions, b: BuildOptions) -> bool:
    return (a.out, a.documents, tuple(a.formats), a.force, a.templates.roots) == (
        b.out,
        b.documents,
        tuple(b.formats),
        b.force,
        b.templates.roots,
    )


@dataclass
class RenderingAhead:
    """A session's documents queued or rendering ahead, and the lock on its output folder."""

    lock: SessionLock
    futures: list[cf.Future[Rendered]]

    def result(self) -> list[Rendered]:
        """Every document, staged; raise the first failure (the others' staged files removed)."""
        from outcomes.pool import collect

        return collect(self.futures)

    def discard(self) -> None:
        """Cancel what has not started, remove what was staged, then release the lock."""
        from outcomes.pool import discard

        discard(self.futures, then=self.lock.release)


@dataclass
class Taken:
    """What a session task takes: the session read and merged, its documents perhaps rendering."""

    plan: Plan
    rendering: RenderingAhead | None = None


@dataclass
class _Ahead:
    hashes: dict[str, str]
    outcome: Plan | InputError
    rendering: RenderingAhead | None = None
    render: bool = True  # still to be rendered ahead, when the renderers have room


class ReadAhead:
    """Sessions read, merged and (given a renderer) rendered in a background thread, for the
    session tasks to take (:func:`outcomes.build.build_session`)."""

    def __init__(
        self,
        folders: list[Path],
        options: BuildOptions,
        renderer: PooledRenderer | None = None,
        limit: int = MAX_AHEAD,
    ):
        self.folders = list(folders)
        self.options = options
        self.renderer = renderer
        self.limit = limit
        self._done: dict[str, _Ahead] = {}
        self._current: str | None = None
        self._claimed: set[str] = set()  # taken by a task, or being waited for: never read here
        self._stop = threading.Event()
        self._stop_rendering = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Read and render no other session; the one being read is finished and can still be taken."""
        self._stop.set()
        self._stop_rendering.set()
        with self._changed:
            self._changed.notify_all()

    def stop_rendering(self) -> None:
        """Queue no other document (the session tasks render for themselves); reading goes on."""
        self._stop_rendering.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every session is read ahead, or the reading has stopped.

        With a renderer, the thread goes on queueing documents until :meth:`stop_rendering`.
        """
        self._thread.join(timeout)

    def close(self) -> None:
        """Stop, wait for the session being read, and forget what was not taken."""
        self.stop()
        if self._thread.is_alive():
            self._thread.join()
        with self._changed:
            left, self._done = list(self._done.values()), {}
        for ahead in left:
            if ahead.rendering is not None:
                ahead.rendering.discard()

    @property
    def rendering(self) -> int:
        """Sessions rendering (or rendered) ahead and not taken yet."""
        with self._changed:
            return sum(a.rendering is not None for a in self._done.values())

    @property
    def read(self) -> int:
        """Sessions read ahead and not taken yet."""
        with self._changed:
            return len(self._done)

    def _run(self) -> None:
        from outcomes.build import plan_from, read, skip_if_unchanged

        for folder in self.folders:
            key = _key(folder)
            with self._changed:
                while len(self._done) >= self.limit and not self._stop.is_set():
                    self._changed.wait()  # until a task takes a session
                if self._stop.is_set():
                    break
                if key in self._done or key in self._claimed:  # twice in one batch, or its task has it
                    continue
                self._current = key
            ahead: _Ahead | None = None
            try:
                if skip_if_unchanged(folder, self.options) is None:
                    hashes = hash_inputs(folder)
                    try:
                        ahead = _Ahead(hashes, plan_from(read(folder), self.options))
                    except InputError as exc:
                        ahead = _Ahead(hashes, exc)
            except Exception:  # noqa: BLE001 - the session's task meets it again and reports it
                ahead = None
            finally:
                with self._changed:
                    if ahead is not None:
                        self._done[key] = ahead
                    self._current = None
                    self._changed.notify_all()
            self._feed()
        while self.renderer is not None and not self._stop_rendering.wait(FEED_INTERVAL_S):
            self._feed()

    def _feed(self) -> None:
        """Queue the next session's documents, in batch order, if no document waits for a renderer."""
        if self.renderer is None or self._stop_rendering.is_set() or self.renderer.busy():
            return
        with self._changed:
            for ahead in self._done.values():
                if not ahead.render:
                    continue
                ahead.render = False
                if isinstance(ahead.outcome, InputError) or ahead.outcome.up_to_date:
                    continue
                try:
                    ahead.rendering = self._start_rendering(ahead.outcome)
                except (OutcomesError, RuntimeError):
                    pass  # another build holds the folder, or the pool is closed: the task renders
                return

    def _start_rendering(self, p: Plan) -> RenderingAhead:
        assert self.renderer is not None
        lock = SessionLock(p.out_dir).acquire(wait=False)
        try:
            clean_stale_parts(p.out_dir)
            return RenderingAhead(lock, self.renderer.submit_all(p))
        except BaseException:
            lock.release()
            raise

    def take(self, folder: Path, options: BuildOptions) -> Taken | None:
        """The session as read (and perhaps rendering) ahead, if it still holds; raise its input error
        if it had one. Documents rendered ahead for a session that no longer holds are removed.
        """
        key = _key(folder)
        with self._changed:
            self._claimed.add(key)
            while self._current == key:
                self._changed.wait()
            ahead = self._done.pop(key, None)
            self._changed.notify_all()  # room for one more
        if ahead is None:
            return None
        holds = _same_options(self.options, options) and hash_inputs(folder) == ahead.hashes
        if holds and isinstance(ahead.outcome, InputError):
            raise ahead.outcome
        if not holds or ahead.outcome.templates_digest != options.templates.digest():
            if ahead.rendering is not None:
                ahead.rendering.discard()
            return None
        return Taken(ahead.outcome, ahead.rendering)


_active: ReadAhead | None = None
_active_lock = threading.Lock()


@contextlib.contextmanager
def reading_ahead(
    folders: list[Path], options: BuildOptions, renderer: PooledRenderer | None = None
) -> Iterator[ReadAhead]:
    """Read ``folders`` ahead (and render them, given the build's renderer) for this process's builds
    until the block ends; ``stop()`` to read and render no more.
    """
    global _active
    ahead = ReadAhead(folders, options, renderer)
    with _active_lock:
        previous, _active = _active, ahead
    ahead.start()
    try:
        yield ahead
    finally:
        ahead.close()
        with _active_lock:
            _active = previous


def take(folder: Path, options: BuildOptions) -> Taken | None:
    """What the active read-ahead holds for ``folder`` (see :meth:`ReadAhead.take`), if anything."""
    ahead = _active
    return ahead.take(folder, options) if ahead is not None else None
