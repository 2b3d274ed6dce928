"""Text that every output format can hold."""

from __future__ import annotations

import re

# C0 controls other than tab, line feed and carriage return; the two non-characters U+FFFE and
# U+FFFF; and lone surrogates (which Python strings can carry but no encoder writes).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> tuple[str, bool]:
    """Remove characters XML (and so DOCX, ODT, HTML) cannot hold; say whether any were removed."""
    cleaned = _ILLEGAL.sub("", text)
    return cleaned, cleaned != text
