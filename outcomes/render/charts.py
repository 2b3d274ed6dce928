"""Bar charts of poll results: vector SVG for PDF and HTML, PNG (Pillow) for Word.

Word and LibreOffice do not reliably show SVG, so the DOCX gets a raster image of the same chart.
The SVG's text is laid out by WeasyPrint with the document's fonts; Pillow has no font fallback, so
each PNG label is drawn with the first Noto font that has every one of its characters (Arabic is
shaped and ordered by libraqm).
"""

from __future__ import annotations

import base64
import io
import subprocess
from functools import cache, lru_cache
from html import escape

from markupsafe import Markup
from markupsafe import escape as markup_escape

from outcomes.model import PollOption, PollQuestion

BAR_COLOR = "#1f5c99"
# WeasyPrint's SVG text takes one family and leaves the rest to fontconfig, which picks a Japanese
# face for Chinese and DejaVu for Arabic; so each label names the family its script needs.
SCRIPT_FAMILIES = (
    (
        "Noto Sans CJK SC",
        ((0x2E80, 0x9FFF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF)),
    ),
    ("Noto Naskh Arabic", ((0x0600, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
)
# Tried in order for each PNG label; DejaVu Sans has both Latin and Arabic, for mixed labels.
PNG_FONTS = ("Noto Sans", "Noto Sans CJK SC", "Noto Naskh Arabic", "DejaVu Sans")
WIDTH = 640
ROW = 26
LABEL_W = 260
MAX_BARS = 25
"""Bars drawn at most; further options (and a "N more options" row) share one line without a bar."""
MAX_ALT_CHARS = 300


MORE_OPTIONS = "{n} more options"
"""The line that sums up the options without a bar; templates pass their language's label."""


def _rows(question: PollQuestion, more_options: str = MORE_OPTIONS) -> tuple[list[PollOption], str | None]:
    """The options drawn as bars, and the text of the line below them that sums up the rest."""
    own = [o for o in question.options if not o.others]
    bars, rest = own[:MAX_BARS], own[MAX_BARS:]
    count = len(rest) + sum(o.others for o in question.options)
    if not count:
        return bars, None
    votes = sum(o.votes for o in rest) + sum(o.votes for o in question.options if o.others)
    return bars, f"+ {more_options.replace('{n}', f'{count:,}')}: {votes:,}"


def _height(bars: list[PollOption], note: str | None) -> int:
    return ROW * (len(bars) + (1 if note else 0)) + 10


def _alt(question: PollQuestion) -> str:
    text = question.question
    return escape(text if len(text) <= MAX_ALT_CHARS else text[: MAX_ALT_CHARS - 1] + "…")


def svg_family(text: str) -> str:
    """The font family for one SVG label: the script's Noto face (the CJK one also has Latin)."""
    for family, ranges in SCRIPT_FAMILIES:
        if any(lo <= ord(c) <= hi for c in text for lo, hi in ranges):
            return family
    return "Noto Sans"


def svg_chart(question: PollQuestion, alt: str = "", more_options: str = MORE_OPTIONS) -> str:
    """A horizontal bar chart of a choice question, as inline SVG (at most MAX_BARS bars).

    ``alt`` is its text alternative: WeasyPrint gives the PDF's /Figure the SVG's <title> as /Alt.
    """
    options, note = _rows(question, more_options)
    top = max((o.votes for o in options), default=0) or 1
    height = _height(options, note)
    bar_w = WIDTH - LABEL_W - 50
    described = markup_escape(alt) if alt else _alt(question)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{described}" font-family="Noto Sans" style="direction: ltr">'
        f"<title>{described}</title>"
    ]
    for i, option in enumerate(options):
        y = 5 + i * ROW
        w = max(1, round(bar_w * option.votes / top)) if option.votes else 0
        label = option.label if len(option.label) <= 40 else option.label[:39] + "…"
        parts.append(
            f'<text x="{LABEL_W - 8}" y="{y + 16}" text-anchor="end" font-size="12" fill="#222" '
            f'font-family="{svg_family(label)}">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w}" height="{ROW - 8}" fill="{BAR_COLOR}"/>'
            f'<text x="{LABEL_W + w + 6}" y="{y + 16}" font-size="12" fill="#222">{option.votes}</text>'
        )
    if note:
        y = 5 + len(options) * ROW
        parts.append(f'<text x="{LABEL_W}" y="{y + 16}" font-size="12" fill="#222">{escape(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


FontFile = tuple[str, int]  # path, index in a collection (.ttc)


@cache
def _font_file(family: str) -> FontFile | None:
    """The file (and face index) fontconfig uses for a family, if that family is installed."""
    try:
        out = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    found, path, index = (out.stdout.split("\t") + ["", "", ""])[:3]
    if not path or family not in found.split(","):
        return None
    return path, int(index or 0)


@cache
def _coverage(font: FontFile) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(font[0], fontNumber=font[1], lazy=True) as face:
        return frozenset(face.getBestCmap())


def font_for(text: str) -> FontFile | None:
    """The first PNG font that has every character of ``text`` (else the one missing fewest)."""
    needed = {ord(c) for c in text if not c.isspace()}
    best: tuple[int, FontFile | None] = (len(needed) + 1, None)
    for family in PNG_FONTS:
        font = _font_file(family)
        if font is None:
            continue
        missing = len(needed - _coverage(font))
        if missing == 0:
            return font
        if missing < best[0]:
            best = (missing, font)
    return best[1]


# The PNG is drawn in greys, one byte a pixel, then given a palette: every grey stands for itself
# (black text anti-aliased on white) except BAR_GREY, which stands for BAR_COLOR. Labels and numbers
# never touch a bar, so the image is the same, pixel for pixel, as one drawn in colour; it takes half
# the time to draw and encode, and is smaller in the DOCX.
TEXT_GREY = 0x22
BAR_GREY = 1
_PALETTE = [level for grey in range(256) for level in (grey, grey, grey)]
_PALETTE[BAR_GREY * 3 : BAR_GREY * 3 + 3] = [int(BAR_COLOR[i : i + 2], 16) for i in (1, 3, 5)]


def png_chart(question: PollQuestion, scale: int = 2, more_options: str = MORE_OPTIONS) -> bytes:
    """The same chart as a PNG, for DOCX output."""
    from PIL import Image, ImageDraw, ImageFont

    options, note = _rows(question, more_options)
    top = max((o.votes for o in options), default=0) or 1
    w, h = WIDTH * scale, _height(options, note) * scale
    image = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(image)

    def font(text: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
        found = font_for(text)
        return _truetype(found[0], found[1], 12 * scale) if found else ImageFont.load_default()

    bar_w = WIDTH - LABEL_W - 50
    for i, option in enumerate(options):
        y = (5 + i * ROW) * scale
        bw = max(1, round(bar_w * option.votes / top)) if option.votes else 0
        label = option.label if len(option.label) <= 40 else option.label[:39] + "…"
        label_font = font(label)
        tw = draw.textlength(label, font=label_font)
        draw.text(((LABEL_W - 8) * scale - tw, y + 4 * scale), label, fill=TEXT_GREY, font=label_font)
        x0 = LABEL_W * scale
        draw.rectangle([x0, y + 3 * scale, x0 + bw * scale, y + (ROW - 5) * scale], fill=BAR_GREY)
        draw.text((x0 + (bw + 6) * scale, y + 4 * scale), str(option.votes), fill=TEXT_GREY, font=font("0"))
    if note:
        y = (5 + len(options) * ROW) * scale
        draw.text((LABEL_W * scale, y + 4 * scale), note, fill=TEXT_GREY, font=font(note))
    paletted = Image.frombuffer("P", image.size, image.tobytes(), "raw", "P", 0, 1)
    paletted.putpalette(_PALETTE)
    buffer = io.BytesIO()
    # Fastest zlib level: a chart of flat colours compresses almost as well, in a fifth of the time.
    paletted.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


@lru_cache(maxsize=32)
def _truetype(path: str, index: int, size: int):
    """A loaded font face, kept: loading it again for every label cost more than drawing the label."""
    from PIL import ImageFont

    return ImageFont.truetype(path, size, index=index)


def chart_markup(
    question: PollQuestion, target: str, alt: str = "", more_options: str = MORE_OPTIONS
) -> Markup:
    """The chart for a template: inline SVG, or an embedded PNG for Word; ``alt`` describes it.

    ``alt`` may be Markup from the template (escaped once, and not again); it defaults to the question.
    """
    if not question.options:
        return Markup("")
    described = markup_escape(alt) if alt else _alt(question)
    if target == "docx":
        data = base64.b64encode(png_chart(question, more_options=more_options)).decode("ascii")
        image = f'<img src="data:image/png;base64,{data}" alt="{described}" style="width:15cm">'
        return Markup(f'<p class="chart">{image}</p>')
    return Markup(f'<div class="chart">{svg_chart(question, alt, more_options)}</div>')
