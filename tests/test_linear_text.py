"""Text shaped to make a pattern backtrack is read in one pass: a line of what the readers look for
(an unclosed bracket, a dash, an address-like word, a heading tag) once cost its length squared.

Each case below took minutes (measured before the change: 60,000 " -" in a pasted line cost 115 s in
``outcomes check``; 20,000 "<svg" 6 s; 150,000 unclosed footnote marks 213 s; the cost grows with the
square of the size) and takes milliseconds now. The time limit only stops a run that went back to
the old cost.
"""

from __future__ import annotations

import pytest

from outcomes.catalog import parse_action_lines
from outcomes.ingest.notes import _BYLINE, _footnotes_cite_themselves, strip_boilerplate
from outcomes.ingest.privacy import Scrubber, personal_kinds
from outcomes.merge import read_text, same_theme
from outcomes.render.documents import _adopters_text, section_for
from outcomes.render.templates import fill_toc
from outcomes.render.text import _without_svg, html_to_text

N = 200_000


def _scrub(text):
    return Scrubber()(text)


CASES = {
    "a form label's dashes": (strip_boilerplate, " -" * N + " a", "a"),
    "a form label's dashes before 'click'": (
        strip_boilerplate,
        "Key messages" + " - a" * N + " click",
        "Key messages",
    ),
    "unclosed brackets in a label": (strip_boilerplate, "[" * N + "Key messages", "[" * N + "Key messages"),
    "a long word without @": (_scrub, "a." * N, "a." * N),
    "unclosed brackets in a poll question": (personal_kinds, "(" * N + "Your name", frozenset({"name"})),
    "a byline's spaces": (_BYLINE.match, "By" + " " * N + "x" * 100, None),
    "unclosed brackets in a theme title": (
        lambda t: same_theme(t, "Digital public infrastructure"),
        "(" * N,
        False,
    ),
    "Chinese numerals without a multiplier": (lambda t: read_text(t).numbers, "一" * N, ()),
    "unclosed brackets in action lines": (parse_action_lines, "(" * N, ([], ["(" * N])),
    "spaces before an adopters lead": (lambda t: _adopters_text(t, ""), " " * N + "x", None),
    "a title naming a section's first word only": (lambda t: section_for(t, []), "definition " * N, None),
    "unclosed footnote marks": (_footnotes_cite_themselves, "[^a]: " + "[^a" * 150_000, False),
    "a footnote mark after unclosed ones": (
        _footnotes_cite_themselves,
        "[^a]: " + "[^a" * 150_000 + " [^a]",
        True,
    ),
}
HTML_CASES = {
    "unclosed h2 tags": "<h2 " * N,
    "h2 tags never closed": "<h2>" * N,
    "unclosed toc navs": '<nav class="toc">' * (N // 10),
    "unclosed svg": "<svg" * N,
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES)
def test_text_shaped_to_backtrack_is_read_in_one_pass(case):
    read, text, expected = CASES[case]
    assert read(text) == expected


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", HTML_CASES)
def test_html_shaped_to_backtrack_is_read_in_one_pass(case):
    html = HTML_CASES[case]
    assert fill_toc(html) == html  # no heading or nav is ever closed: nothing to number or list
    assert _without_svg(html) == html  # no svg is ever closed: nothing to cut
    assert isinstance(html_to_text(f"<html><body><p>{html}</p></body></html>"), str)


def test_an_address_is_still_found_where_its_word_starts():
    scrubbed = _scrub("Write to maria.lopez+igf@example.org, or to x@y.z.")
    assert "maria" not in scrubbed and "example" not in scrubbed and "y.z" not in scrubbed
    assert read_text("三十五 and 一二三 and 五百").numbers == ("三十五", "五百")


def test_a_form_tail_is_cut_at_the_first_dash_of_the_last_line():
    assert strip_boilerplate("Key takeaways - max 300 words - click on ? for instructions") == "Key takeaways"
    assert (
        strip_boilerplate("Key takeaways - e.g. access - inclusion")
        == "Key takeaways - e.g. access - inclusion"
    )
    assert strip_boilerplate("Way forward\n- required") == "Way forward"


def test_headings_are_numbered_and_svg_dropped_as_before():
    html = '<nav class="toc"></nav><h2>One <em>a</em></h2><h3 class="x">Two</h3><h2>Three'
    filled = fill_toc(html)
    assert '<a href="#sec-1">One a</a>' in filled and '<a href="#sec-2">Two</a>' in filled
    assert "sec-3" not in filled  # an unclosed heading is left as it is
    assert _without_svg('a<svg x="1"><text>chart</text></svg>b<SVG>c</svg>d<svg>e<svgs>') == "abd<svg>e<svgs>"
    assert _without_svg("<svg><svg></svg>x</svg>") == "x</svg>"  # the first end closes it, as before
