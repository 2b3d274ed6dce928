"""Poll charts: the PNG for Word shows the bars in their colour and the labels in anti-aliased grey."""

import io

import pytest
from PIL import Image

from outcomes.model import PollOption, PollQuestion
from outcomes.render import charts


def _question(*options: tuple[str, int]) -> PollQuestion:
    return PollQuestion(
        question="Which stakeholder group?",
        kind="choice",
        options=[PollOption(label=label, votes=votes) for label, votes in options],
    )


def _bar_rgb() -> tuple[int, int, int]:
    return tuple(int(charts.BAR_COLOR[i : i + 2], 16) for i in (1, 3, 5))


def test_png_bars_have_the_bar_colour_and_lengths_in_proportion():
    scale = 2
    png = charts.png_chart(_question(("Government", 10), ("Civil society", 40), ("Academia", 0)), scale)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.mode == "P"
    rgb = image.convert("RGB")
    bar_w = charts.WIDTH - charts.LABEL_W - 50

    def bar_pixels(row: int) -> int:
        y = (5 + row * charts.ROW + charts.ROW // 2) * scale
        return sum(1 for x in range(rgb.width) if rgb.getpixel((x, y)) == _bar_rgb())

    assert bar_pixels(1) == bar_w * scale + 1  # the most votes: the whole bar
    assert bar_pixels(0) == round(bar_w * 10 / 40) * scale + 1
    assert bar_pixels(2) <= 1  # no votes: a hairline at most


def test_png_text_is_grey_and_every_other_pixel_is_white_or_the_bar():
    png = charts.png_chart(_question(("نعم", 5), ("是的", 7), ("Oui, très", 3), ("x" * 60, 1)))
    colours = {colour for _, colour in Image.open(io.BytesIO(png)).convert("RGB").getcolors(1 << 16)}
    greys = {c for c in colours if c[0] == c[1] == c[2]}
    assert colours - greys == {_bar_rgb()}
    assert (255, 255, 255) in greys and min(g[0] for g in greys) <= charts.TEXT_GREY + 8  # text is drawn


def test_a_chart_of_thousands_of_options_stays_small():
    question = _question(*((f"Option {n}", n) for n in range(4000, 0, -1)))
    svg = charts.svg_chart(question)
    assert svg.count("<rect") == charts.MAX_BARS
    assert "+ 3,975 more options: " in svg
    image = Image.open(io.BytesIO(charts.png_chart(question)))
    assert image.size == (charts.WIDTH * 2, (charts.ROW * (charts.MAX_BARS + 1) + 10) * 2)


def test_a_more_options_row_is_a_line_below_the_bars_not_a_bar():
    question = _question(("DNS", 10), ("Hosting", 4))
    question.options.append(PollOption(label="3,980 more options", votes=9000, others=3980))
    svg = charts.svg_chart(question)
    assert svg.count("<rect") == 2
    assert 'width="330"' in svg  # the largest bar is the whole width: 9,000 votes did not shrink it
    assert "+ 3,980 more options: 9,000" in svg
    assert (
        "aria-label=" in svg
        and len(charts.svg_chart(question.model_copy(update={"question": "Q" * 5000}))) < 6000
    )


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "3980 more options"), ("fr", "3980 autres options"), ("zh", "其他 3980 个选项")],
)
def test_the_more_options_row_is_named_in_the_documents_language(lang, words):
    from outcomes.model import Report, SessionMeta
    from outcomes.render.templates import TemplateSet, render_html

    question = PollQuestion(
        question="Which measure first?",
        kind="choice",
        options=[PollOption(label="RPKI", votes=40), PollOption(label="x", votes=9000, others=3980)],
        respondents=50,
    )
    report = Report(session=SessionMeta(id="ws1", title="T", language=lang), polls=[question])
    for target in ("html", "pdf"):
        html = render_html(report, "session_report", target, TemplateSet())
        assert html.count(words) >= 2, target  # the table's row and the chart's text alternative
        assert "more options" not in html or lang == "en"
        if target == "pdf":  # the chart's line under its bars
            assert f"+ {words.replace('3980', '3,980')}: 9,000" in html
