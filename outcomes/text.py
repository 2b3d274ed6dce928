"""Text from the inputs made safe for XML documents."""

from __future__ import annotations

import re

# What XML 1.0 cannot hold: C0 controls but tab, newline and carriage return; lone surrogates;
# U+FFFE and U+FFFF. pandoc and lxml refuse a document holding any of them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> tuple[str, bool]:
    """Remove the characters no XML document may hold; say whether any was removed."""
    cleaned = _XML_ILLEGAL.sub("", text)
    return cleaned, cleaned != text
