"""The pandoc binary (pypandoc-binary's pandoc 3, not the system's) and how every run of it starts."""

from __future__ import annotations

import subprocess
from functools import cache

ALLOCATION_AREA = "-A64m"
"""GHC's allocation area for every pandoc run. With pandoc's small default it spends much of its
time collecting garbage on a Word file; with 64 MB it reads a Word note or writes a report faster
and with less resident memory (measured: bench/README.md)."""


@cache
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split("\n", 1)[0].split()[-1]


def pandoc_command(args: list[str], rts: tuple[str, ...] = ()) -> list[str]:
    """A sandboxed pandoc command line with our runtime options (and ``rts``, such as a heap cap)."""
    return [pandoc_path(), "--sandbox", *args, "+RTS", ALLOCATION_AREA, *rts, "-RTS"]
