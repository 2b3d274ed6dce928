"""Text from the inputs, made fit for the documents.

Every output (the DOCX's XML parts, report.json read back by tools, the HTML) must hold only characters
that XML 1.0 allows: tab, line feed, carriage return, U+0020 to U+D7FF, U+E000 to U+FFFD and U+10000 up.
Everything else (the C0 controls such as U+0001, lone surrogates, U+FFFE and U+FFFF) makes pandoc's
DOCX writer fail with "PCDATA invalid Char value", so readers remove it at ingest with a located warning,
and ``check`` and ``build`` then agree.
"""

from __future__ import annotations

import re

_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean_text(text: str) -> tuple[str, bool]:
    """Remove the characters XML cannot hold; return the text and whether anything was removed."""
    if _XML_ILLEGAL.search(text) is None:
        return text, False
    return _XML_ILLEGAL.sub("", text), True


def first_illegal(text: str) -> str | None:
    """Name the first character XML cannot hold (``U+0001``), or None when there is none."""
    found = _XML_ILLEGAL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None
