"""Python's cyclic garbage collector around the large imports (Prefect, its server, WeasyPrint).

Importing Prefect leaves about 140,000 objects that the collector tracks (its server: 280,000). Left
on, the collector runs full collections during the import that traverse all of them, then goes on
traversing them in every full collection for as long as the process lives. Measured on this
project's machine:

- ``import prefect.server.api.server``: 3.0-3.7 CPU-s with the collector on, 2.15-2.3 without;
- reading and merging the 60 bench sessions in a process that has imported the flow: 3.8-4.3 CPU-s,
  against 2.3-2.7 once the import-time objects are frozen.

:func:`imports_frozen` pauses the collector for a block of imports, then freezes (``gc.freeze``)
everything alive, so that the collector never traverses those objects again. Reference counting
frees objects as before; only reference cycles among objects alive at the freeze are never freed,
and imports leave few of those.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def imports_frozen() -> Iterator[None]:
    """Run the block with the collector paused; then freeze every object alive and resume it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def freeze() -> None:
    """Freeze every object alive now (the modules a library imported on first use, say)."""
    gc.freeze()
