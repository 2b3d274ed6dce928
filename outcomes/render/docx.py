"""DOCX through pandoc (the pypandoc-binary build), styled by the template set's reference.docx.

pandoc runs with ``--sandbox``, so it reads nothing but its input and the reference document, and
with ``SOURCE_DATE_EPOCH`` so that the same inputs give the same file.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from functools import cache
from pathlib import Path

from outcomes.errors import RenderError

PANDOC_TIMEOUT_S = 120


@cache
def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


@cache
def pandoc_version() -> str:
    out = subprocess.run([pandoc_path(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split("\n", 1)[0].split()[-1]


def run_pandoc(args: list[str], stdin: str, *, epoch: int | None = None, timeout: float = PANDOC_TIMEOUT_S) -> str:
    """Run pandoc; a crash or timeout is a retryable :class:`RenderError`."""
    env = dict(os.environ)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        done = subprocess.run(
            [pandoc_path(), "--sandbox", *args],
            input=stdin.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"pandoc took longer than {timeout:.0f} s") from exc
    if done.returncode != 0:
        raise RenderError(f"pandoc failed: {done.stderr.decode('utf-8', 'replace').strip()[:500]}")
    return done.stdout.decode("utf-8", "replace")


def write_docx(html: str, target: Path, reference: Path, *, title: str, lang: str, rtl: bool,
               created: dt.date | None, toc_title: str) -> None:
    """Convert the document's HTML to DOCX at ``target``."""
    epoch = int(dt.datetime.combine(created or dt.date(2000, 1, 1), dt.time(), tzinfo=dt.UTC).timestamp())
    args = [
        "--from=html",
        "--to=docx",
        f"--reference-doc={reference}",
        f"--output={target}",
        "--toc",
        "--toc-depth=2",
        f"--metadata=title:{title}",
        f"--metadata=lang:{lang}",
        f"--metadata=toc-title:{toc_title}",
    ]
    if rtl:
        args.append("--metadata=dir:rtl")
    run_pandoc(args, html, epoch=epoch)
