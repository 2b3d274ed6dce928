"""How large each input file may be, on disk: looked at before a file is hashed or read.

The readers refuse the same sizes (their own constants must equal these: tests/test_inputs.py checks
it), and :mod:`outcomes.inputs` refuses them before hashing anything, so that a sparse file of a
terabyte costs a ``stat``, not an hour of reading.
"""

from __future__ import annotations

MIB = 1024 * 1024

MAX_NOTE_BYTES = 5 * MIB
"""Word and ODT notes (a note with photos is about 2 MB)."""
MAX_TEXT_NOTE_BYTES = 512 * 1024
"""Markdown and text notes."""
MAX_POLL_BYTES = 20 * MIB
"""Poll exports, CSV or XLSX."""
MAX_WORKSHEET_BYTES = 50 * MIB
"""worksheet.xlsx on disk: no larger than the reader lets it unpack to."""
MAX_ASSET_BYTES = 20 * MIB
"""An image in assets/: the most the PDF renderer's URL gate serves."""
MAX_ASSET_FILES = 10_000
"""Files in assets/ looked at; the rest are ignored with a warning."""
MAX_FOLDER_DEPTH = 32
"""Folder levels under assets/ looked at (a session's images sit one or two levels deep)."""
