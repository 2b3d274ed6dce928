"""Write outputs whole or not at all, one build of a session at a time.

A session's output folder holds its documents, report.json and build.json, and nothing else: users
zip it and send it on. Files being written are staged in a hidden sibling folder (``.ID.partial``,
on the same file system, so a rename puts them in place), and the lock is taken on the output folder
itself, so that neither a failed nor a killed build leaves anything in it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

from outcomes.errors import OutcomesError, UsageError

LEFTOVER_PATTERNS = (".*.part", ".*.part.tmp", ".lock")
"""What builds before staging moved out of the output folder left in it (removed by the next build)."""


def staging_folder(folder: Path) -> Path:
    """Where the files of ``folder`` are staged: a hidden sibling (``outputs/.ID.partial``)."""
    return folder.parent / f".{folder.name}.partial"


class Staging:
    """Files written to temporary names beside the output folder, renamed into place together on commit.

    A failed build removes its temporary files; a killed one leaves them in the staging folder (never
    in the output folder), and the next build removes them. The last good outputs stay in place.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self.pending: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        """A temporary path whose content will become ``folder/name`` on commit."""
        staging = staging_folder(self.folder)
        staging.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=staging)
        os.close(fd)
        os.chmod(tmp, 0o644)
        self.pending.append((Path(tmp), self.folder / name))
        return Path(tmp)

    def write_text(self, name: str, text: str) -> None:
        self.path(name).write_text(text, encoding="utf-8")

    def commit(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for tmp, final in self.pending:
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        self.pending.clear()
        _remove_if_empty(staging_folder(self.folder))

    def discard(self) -> None:
        for tmp, _final in self.pending:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".tmp").unlink(missing_ok=True)  # a writer's own temporary file
        self.pending.clear()
        _remove_if_empty(staging_folder(self.folder))


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (another document of the build is still staged), or already gone


def clean_stale_parts(folder: Path) -> None:
    """Remove whatever a killed or failed build left: its staging folder, and old builds' leftovers."""
    shutil.rmtree(staging_folder(folder), ignore_errors=True)
    if folder.is_dir():
        for pattern in LEFTOVER_PATTERNS:
            for leftover in folder.glob(pattern):
                if leftover.is_file() and not leftover.is_symlink():
                    leftover.unlink(missing_ok=True)


def check_out_folder(out: Path) -> None:
    """Refuse an output folder that is a file or cannot be written, before any work (a usage error)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot be written ({exc.strerror or exc})") from None


class SessionLocked(OutcomesError):
    """Another build of the same session is running."""


class SessionLock:
    """An exclusive lock on a session's output folder for the length of a build.

    The lock is taken on the folder itself (``flock`` on a descriptor of the directory), so the
    folder holds no lock file. It belongs to the open descriptor, not to a thread.
    """

    def __init__(self, folder: Path):
        self.folder = folder
        self._fd: int | None = None

    def acquire(self, wait: bool = True) -> SessionLock:
        """Take the lock, waiting for another build unless ``wait`` is false (then raise)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError as exc:
            os.close(fd)
            raise SessionLocked(f"{self.folder}: another build of this session is running") from exc
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> SessionLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def session_lock(folder: Path, wait: bool = True) -> SessionLock:
    """The session's lock, taken (``with session_lock(folder):`` holds it for the block)."""
    return SessionLock(folder).acquire(wait)
