"""outcomes.text: characters XML cannot hold are removed, everything else is kept as it is."""

import pytest

from outcomes.text import clean_text, first_illegal


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("Which\x01 layer?", "Which layer?"),
        ("".join(map(chr, range(0x20))), "\t\n\r"),  # of the C0 controls only tab, newline and CR stay
        ("a\ufffeb\uffffc", "abc"),
        ("lone \ud800 and \udfff surrogates", "lone  and  surrogates"),
        ("\x1b[2Jclear", "[2Jclear"),
    ],
)
def test_characters_xml_cannot_hold_are_removed(text, cleaned):
    assert clean_text(text) == (cleaned, True)


@pytest.mark.parametrize(
    "text", ["", "Plain text", "tab\tnew\nline\r", "é 中文 العربية 😀 \U0010fffd", "\x7f\x85"]
)
def test_text_xml_can_hold_is_returned_unchanged(text):
    assert clean_text(text) == (text, False)
    assert first_illegal(text) is None


def test_the_first_character_removed_is_named():
    assert first_illegal("ok\x07then\x01") == "U+0007"
    assert first_illegal("\ufffe") == "U+FFFE"
