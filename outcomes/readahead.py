"""Read and merge sessions ahead, while a build waits for something else (Prefect's temporary server).

On the embedded default, ``outcomes build`` waits about 3.5 s for Prefect's temporary server to
answer before the flow run, and with it the first session task, can begin; one core does little in
that time. :class:`ReadAhead` reads and merges the batch's sessions in a background thread during
that wait, in the batch's order, and :func:`outcomes.build.plan` takes the result instead of reading
the session again, but only if it still holds:

- the same build options (output folder, documents, formats, template folders, ``--force``);
- the same inputs: every input file hashes as it did when it was read;
- the same templates (their digest).

Anything else, and the task reads the session itself. A session that is up to date is not read
ahead (its task skips it on hashes alone), an input error is kept and raised in the task that takes
it, so it is reported where it would have been, and any other failure is left to the task to meet
and report in its own run. Measurements: ``bench/README.md``.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from outcomes.errors import InputError
from outcomes.inputs import hash_inputs

if TYPE_CHECKING:
    from outcomes.build import BuildOptions, Plan

MAX_AHEAD = 64
"""Most sessions held read ahead at once (each is its merged report and inputs: tens of KB)."""


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
class _Ahead:
    hashes: dict[str, str]
    outcome: Plan | InputError


class ReadAhead:
    """Sessions read and merged in a background thread, for :func:`outcomes.build.plan` to take."""

    def __init__(self, folders: list[Path], options: BuildOptions, limit: int = MAX_AHEAD):
        self.folders = list(folders)
        self.options = options
        self.limit = limit
        self._done: dict[str, _Ahead] = {}
        self._current: str | None = None
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Start no other session; the one being read is finished and can still be taken."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> None:
        """Wait until every session is read ahead, or the reading has stopped."""
        self._thread.join(timeout)

    def close(self) -> None:
        """Stop, wait for the session being read, and forget what was not taken."""
        self.stop()
        if self._thread.is_alive():
            self._thread.join()
        with self._changed:
            self._done.clear()

    @property
    def read(self) -> int:
        """Sessions read ahead and not taken yet."""
        with self._changed:
            return len(self._done)

    def _run(self) -> None:
        from outcomes.build import plan_from, read, skip_if_unchanged

        for folder in self.folders:
            if self._stop.is_set() or len(self._done) >= self.limit:
                return
            key = _key(folder)
            with self._changed:
                if key in self._done:  # the same folder twice in one batch
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

    def take(self, folder: Path, options: BuildOptions) -> Plan | None:
        """The session as read ahead, if it still holds; raise its input error if it had one."""
        key = _key(folder)
        with self._changed:
            while self._current == key:
                self._changed.wait()
            ahead = self._done.pop(key, None)
        if ahead is None or not _same_options(self.options, options) or hash_inputs(folder) != ahead.hashes:
            return None
        if isinstance(ahead.outcome, InputError):
            raise ahead.outcome
        if ahead.outcome.templates_digest != options.templates.digest():
            return None
        return ahead.outcome


_active: ReadAhead | None = None
_active_lock = threading.Lock()


@contextlib.contextmanager
def reading_ahead(folders: list[Path], options: BuildOptions) -> Iterator[ReadAhead]:
    """Read ``folders`` ahead for this process's builds until the block ends; ``stop()`` to pause."""
    global _active
    ahead = ReadAhead(folders, options)
    with _active_lock:
        previous, _active = _active, ahead
    ahead.start()
    try:
        yield ahead
    finally:
        ahead.close()
        with _active_lock:
            _active = previous


def take(folder: Path, options: BuildOptions) -> Plan | None:
    """What the active read-ahead holds for ``folder`` (see :meth:`ReadAhead.take`), if anything."""
    ahead = _active
    return ahead.take(folder, options) if ahead is not None else None
