"""Shared test set-up: Prefect offline and quiet, with its own home; an embedding cache of the tests' own;
paths to fixtures and examples.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import psutil

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".cache" / "prefect-test"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# The embedding cache of the tests is theirs: a test never reads or fills the user's own.
os.environ.setdefault("OUTCOMES_CACHE_DIR", str(ROOT / ".cache" / "embeddings-test"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
INPUTS = ROOT / "inputs"


def left_behind(marker: str) -> list[psutil.Process]:
    """Processes still running that were started by a command run with ``marker`` in its environment
    (``OUTCOMES_TEST_MARKER``), whatever else runs on the machine."""
    import psutil

    left = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("OUTCOMES_TEST_MARKER") == marker:
                left.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            pass
    return left


@pytest.fixture(autouse=True)
def _no_template_timed_out_yet():
    """Each test starts with no template known to have timed out in this process (outcomes.build)."""
    import sys

    build = sys.modules.get("outcomes.build")
    if build is not None:
        build._timed_out.clear()
    yield


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def inputs_dir() -> Path:
    return INPUTS


def pdf_outline(path: Path) -> list[str]:
    """Every bookmark title of a PDF, depth first."""
    from pypdf import PdfReader

    titles: list[str] = []

    def walk(items) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(PdfReader(path).outline)
    return titles


def libreoffice_to_pdf(files: list[Path], outdir: Path) -> subprocess.CompletedProcess[str]:
    """Convert documents with headless LibreOffice (its own profile in ``outdir``)."""
    return subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{outdir}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(outdir),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
