"""Write outputs whole or not at all, one build of a session at a time."""

from __future__ import annotations

import fcntl
import os
import tempfile
from pathlib import Path
from typing import IO

from outcomes.errors import OutcomesError


class Staging:
    """Files written to temporary names beside their targets, renamed into place together on commit.

    A failed or killed build leaves only temporary files (removed on the next build), never a
    half-written output, and the last good outputs stay in place.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.pending: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        """A temporary path whose content will become ``folder/name`` on commit."""
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=self.folder)
        os.close(fd)
        os.chmod(tmp, 0o644)
        self.pending.append((Path(tmp), self.folder / name))
        return Path(tmp)

    def write_text(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        for tmp, final in self.pending:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        self.pending.clear()

    def discard(self) -> None:
        for tmp, _final in self.pending:
            tmp.unlink(missing_ok=True)
        self.pending.clear()


def clean_stale_parts(folder: Path) -> None:
    """Remove temporary files a killed build left behind."""
    for part in folder.glob(".*.part"):
        part.unlink(missing_ok=True)


class SessionLocked(OutcomesError):
    """Another build of the same session is running."""


class SessionLock:
    """An exclusive lock on a session's output folder for the length of a build.

    The lock belongs to the open file, not to a thread: a build read and rendered ahead takes it in
    one thread and the session's task releases it in another (``outcomes.readahead``).
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._fh: IO[str] | None = None

    def acquire(self, wait: bool = True) -> SessionLock:
        """Take the lock, waiting for another build unless ``wait`` is false (then raise)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fh = open(self.folder / ".lock", "w")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            fh.close()
            raise SessionLocked(f"{self.folder}: another build of this session is running") from exc
        except BaseException:
            fh.close()
            raise
        self._fh = fh
        return self

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is not None:
            fcntl.flock(fh, fcntl.LOCK_UN)
            fh.close()

    def __enter__(self) -> SessionLock:
        if self._fh is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def session_lock(folder: Path, wait: bool = True) -> SessionLock:
    """The session's lock, taken (``with session_lock(folder):`` holds it for the block)."""
    return SessionLock(folder).acquire(wait)
