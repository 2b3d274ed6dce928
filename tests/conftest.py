"""Shared test set-up: Prefect offline and quiet, with its own home; paths to fixtures and examples."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".cache" / "prefect-test"))
Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import pytest  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
INPUTS = ROOT / "inputs"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def inputs_dir() -> Path:
    return INPUTS
