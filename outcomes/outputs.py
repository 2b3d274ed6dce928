"""Write outputs whole or not at all, one build of a session at a time."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


@contextlib.contextmanager
def session_lock(folder: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on a session's output folder for the length of a build."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "w") as fh:
        flags = fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fh, flags)
        except BlockingIOError as exc:
            raise SessionLocked(f"{folder}: another build of this session is running") from exc
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
