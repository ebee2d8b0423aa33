"""Diary charts: SVG that parses, names itself for screen readers, obeys the CSP, shows gaps as
gaps, puts points where the geometry says, stays small, and comes with a table of its numbers."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Literal

import pytest
from bs4 import BeautifulSoup
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from portal.diary.charts import (
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    VIEW_WIDTH,
    Chart,
    ChartPoint,
    YTick,
    build_chart,
    days_ending,
)

SVG = "{http://www.w3.org/2000/svg}"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
TODAY = date(2026, 3, 9)  # a Monday
HOSTILE = "<script>alert(1)</script>"

# How the diary will call the charts: mood in words, sleep in hours and minutes, efficiency in %.
MOOD_WORDS = {1: "Very low", 2: "Low", 3: "Okay", 4: "Good", 5: "Very good"}
MOOD_TICKS = [YTick(value, word) for value, word in MOOD_WORDS.items()]
HOURS_TICKS = [YTick(hours, f"{hours}h") for hours in (0, 4, 8, 12)]
EFFICIENCY_TICKS = [YTick(percent, f"{percent}%") for percent in (0, 50, 100)]


def mood_text(value: float) -> str:
    number = f"{value:.1f}".removesuffix(".0")
    return f"{number} ({MOOD_WORDS[round(value)]})"


def hours_text(value: float) -> str:
    hours, minutes = divmod(round(value * 60), 60)
    return f"{hours}h {minutes}m"


def percent_text(value: float) -> str:
    return f"{round(value)}%"


def points_ending_today(values: Sequence[float | None]) -> list[ChartPoint]:
    days = days_ending(TODAY, len(values))
    return [ChartPoint(day, value) for day, value in zip(days, values, strict=True)]


def mood_chart(values: Sequence[float | None], **overrides: object) -> Chart:
    settings: dict = {
        "kind": "line",
        "id_prefix": "mood",
        "title": f"Mood over the last {len(values)} days",
        "value_heading": "Mood",
        "y_min": 1,
        "y_max": 5,
        "ticks": MOOD_TICKS,
        "format_value": mood_text,
    }
    settings.update(overrides)
    return build_chart(points_ending_today(values), **settings)


def sleep_chart(values: Sequence[float | None], **overrides: object) -> Chart:
    settings: dict = {
        "kind": "bar",
        "id_prefix": "sleep",
        "title": f"Sleep over the last {len(values)} nights",
        "value_heading": "Sleep",
        "y_min": 0,
        "y_max": 12,
        "ticks": HOURS_TICKS,
        "format_value": hours_text,
    }
    settings.update(overrides)
    return build_chart(points_ending_today(values), **settings)


def chart_of_kind(kind: Literal["line", "bar"], values: Sequence[float | None]) -> Chart:
    return mood_chart(values) if kind == "line" else sleep_chart(values)


def every_day(count: int) -> list[float]:
    """A full run of plausible values, with decimals, like averaged entries would have."""
    return [1 + (day * 7 % 40) / 10 for day in range(count)]


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))  # noqa: S314 -- our own output, not untrusted XML


def the(root: ET.Element, tag: str, class_name: str) -> ET.Element:
    found = root.find(f".//{SVG}{tag}[@class='{class_name}']")
    assert found is not None, f"no <{tag} class={class_name}>"
    return found


def path_runs(path: ET.Element) -> list[list[tuple[float, float]]]:
    """The points of each separately drawn piece of a path made of M and L commands."""
    return [
        [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+) (-?[\d.]+)", run)]
        for run in path.get("d", "").split("M")[1:]
    ]


def markers(root: ET.Element) -> list[tuple[float, float]]:
    group = the(root, "g", "chart__markers")
    return [(float(c.get("cx", "")), float(c.get("cy", ""))) for c in group.iter(f"{SVG}circle")]


def bars(root: ET.Element) -> list[ET.Element]:
    return list(the(root, "g", "chart__bars").iter(f"{SVG}rect"))


def x_labels(root: ET.Element) -> list[ET.Element]:
    return list(the(root, "g", "chart__x-labels").iter(f"{SVG}text"))


def render(*charts: Chart) -> BeautifulSoup:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    page = environment.from_string(
        '{% from "components/charts.html" import chart %}'
        "{% for item in charts %}{{ chart(item) }}{% endfor %}"
    )
    return BeautifulSoup(page.render(charts=charts), "html.parser")


# The geometry the charts promise: each of n days owns an equal slot across the plot area and is
# drawn at the slot's centre; y_min is the plot's bottom edge and y_max its top edge.


def expected_x(index: int, count: int) -> float:
    return PLOT_LEFT + (index + 0.5) * (PLOT_RIGHT - PLOT_LEFT) / count


def expected_y(value: float, y_min: float, y_max: float) -> float:
    return PLOT_BOTTOM - (value - y_min) / (y_max - y_min) * (PLOT_BOTTOM - PLOT_TOP)


# Days ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        (1, [date(2026, 3, 9)]),
        (3, [date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)]),
    ],
)
def test_days_ending_today_are_oldest_first(days: int, expected: list[date]) -> None:
    assert days_ending(TODAY, days) == expected


def test_ninety_days_ending_today_cross_the_months_without_a_gap() -> None:
    days = days_ending(TODAY, 90)
    assert len(days) == 90
    assert days[0] == date(2025, 12, 10)
    assert days[-1] == TODAY


# The SVG itself --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["line", "bar"])
@pytest.mark.parametrize("days", [7, 30, 90])
def test_chart_is_an_image_named_by_its_title_and_description(
    kind: Literal["line", "bar"], days: int
) -> None:
    chart = chart_of_kind(kind, every_day(days))
    root = parse(chart)

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 320 180"
    assert root.get("width") == "100%"
    assert root.get("preserveAspectRatio")
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title[@id='{title_id}']").text == chart.title
    assert root.find(f"{SVG}desc[@id='{desc_id}']").text == chart.summary


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_chart_has_no_inline_style_or_script(kind: Literal["line", "bar"]) -> None:
    root = parse(chart_of_kind(kind, [3, None, 4, 5]))

    for element in root.iter():
        assert element.tag not in {f"{SVG}style", f"{SVG}script"}
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": HOSTILE},
        {"ticks": [YTick(1, HOSTILE)]},
        {"format_value": lambda value: HOSTILE},
        {"summary": HOSTILE},
    ],
    ids=["title", "tick label", "formatted value", "summary"],
)
def test_hostile_text_appears_only_escaped(overrides: dict) -> None:
    chart = mood_chart([3, None, 4], **overrides)

    assert "<script" not in str(chart.svg)
    assert "&lt;script&gt;" in str(chart.svg)
    assert HOSTILE in "".join(parse(chart).itertext())


@pytest.mark.parametrize("prefix", ["mood chart", '"><script>', "1mood", ""])
def test_an_id_prefix_that_is_not_a_plain_id_is_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="id_prefix"):
        mood_chart([3], id_prefix=prefix)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([], "at least one day"),
        ([ChartPoint(date(2026, 3, 1), 3), ChartPoint(date(2026, 3, 3), 4)], "one per day"),
        ([ChartPoint(date(2026, 3, 2), 3), ChartPoint(date(2026, 3, 1), 4)], "oldest first"),
    ],
    ids=["no days", "a day left out", "newest first"],
)
def test_points_must_be_every_day_oldest_first(points: list[ChartPoint], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_chart(
            points,
            kind="line",
            id_prefix="mood",
            title="Mood",
            value_heading="Mood",
            y_min=1,
            y_max=5,
            ticks=MOOD_TICKS,
            format_value=mood_text,
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"y_min": 5, "y_max": 5}, "greater"),
        ({"ticks": [YTick(6, "Off the scale")]}, "between"),
        ({"kind": "pie"}, "kind"),
    ],
)
def test_a_scale_that_cannot_be_drawn_is_refused(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        mood_chart([3, 4], **overrides)


# Gaps and marks --------------------------------------------------------------------------------


def test_a_day_without_an_entry_breaks_the_line_in_two() -> None:
    root = parse(mood_chart([3, 4, None, 2, 5]))

    runs = path_runs(the(root, "path", "chart__line"))
    assert [len(run) for run in runs] == [2, 2]
    assert runs[0][-1][0] == pytest.approx(expected_x(1, 5), abs=0.05)
    assert runs[1][0][0] == pytest.approx(expected_x(3, 5), abs=0.05)


def test_a_day_alone_between_gaps_is_a_marker_without_a_line() -> None:
    root = parse(mood_chart([None, 4, None]))

    assert root.find(f".//{SVG}path[@class='chart__line']") is None
    assert markers(root) == [pytest.approx((expected_x(1, 3), expected_y(4, 1, 5)), abs=0.05)]


def test_a_night_without_an_entry_has_no_bar() -> None:
    root = parse(sleep_chart([7, None, 6.5]))

    xs = [float(bar.get("x", "")) + float(bar.get("width", "")) / 2 for bar in bars(root)]
    assert xs == [
        pytest.approx(expected_x(0, 3), abs=0.1),
        pytest.approx(expected_x(2, 3), abs=0.1),
    ]


@pytest.mark.parametrize("kind", ["line", "bar"])
@pytest.mark.parametrize(
    "values",
    [[3], [None], [None, None, None], [1, None, 5, 2, None, None, 4], every_day(90)],
    ids=["one day", "one empty day", "empty week", "a gappy week", "ninety full days"],
)
def test_there_is_one_mark_per_day_with_a_value(
    kind: Literal["line", "bar"], values: list[float | None]
) -> None:
    root = parse(chart_of_kind(kind, values))

    marks = markers(root) if kind == "line" else bars(root)
    assert len(marks) == sum(value is not None for value in values)


def test_an_empty_chart_still_draws_its_axes() -> None:
    root = parse(mood_chart([None] * 7))

    assert the(root, "path", "chart__grid").get("d")
    assert [text.text for text in the(root, "g", "chart__y-labels")] == list(MOOD_WORDS.values())
    assert x_labels(root)


def test_points_land_where_the_geometry_puts_them() -> None:
    values = [5, 1, 3.5, None, 2]
    root = parse(mood_chart(values))

    expected = [
        (expected_x(index, len(values)), expected_y(value, 1, 5))
        for index, value in enumerate(values)
        if value is not None
    ]
    assert markers(root) == [pytest.approx(point, abs=0.05) for point in expected]
    # Worked by hand: the plot runs from 72 to 302, so each of 5 days has 46 and the first centre is
    # 72 + 23 = 95, the second 141. Very good (5) is the top edge, 10; Very low (1) the bottom, 154.
    assert markers(root)[:2] == [(95, 10), (141, 154)]


def test_bars_rise_from_the_bottom_of_the_plot_to_their_value() -> None:
    root = parse(sleep_chart([12, 6, 7.5]))

    for bar, hours in zip(bars(root), [12, 6, 7.5], strict=True):
        top = float(bar.get("y", ""))
        assert top == pytest.approx(expected_y(hours, 0, 12), abs=0.05)
        assert top + float(bar.get("height", "")) == pytest.approx(PLOT_BOTTOM, abs=0.1)


def test_a_night_recorded_as_no_sleep_still_has_a_sliver_of_a_bar() -> None:
    (bar,) = bars(parse(sleep_chart([0])))

    assert float(bar.get("height", "")) > 0


def test_a_value_beyond_the_scale_is_drawn_at_its_edge_and_shown_in_full_in_the_table() -> None:
    chart = sleep_chart([14])
    (bar,) = bars(parse(chart))

    assert float(bar.get("y", "")) == PLOT_TOP
    assert chart.rows == (("Monday 9 March 2026", "14h 0m"),)


# Labels ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("days", [1, 2, 7, 14, 30, 90])
def test_date_labels_are_few_apart_and_inside_the_picture(days: int) -> None:
    labels = x_labels(parse(mood_chart(every_day(days))))
    xs = [float(label.get("x", "")) for label in labels]

    # At 12 units a character of a phone's system font is at most about 7 wide, so a label
    # reaches 3.5 units a character either side of its centre; neighbours keep 4 units apart.
    halves = [len(label.text or "") * 3.5 for label in labels]
    assert 1 <= len(labels) <= 6
    for left, right, left_half, right_half in zip(xs, xs[1:], halves, halves[1:], strict=False):
        assert right - left >= left_half + right_half + 4
    assert all(half <= x <= VIEW_WIDTH - half for x, half in zip(xs, halves, strict=True))
    assert labels[-1].text == "9 Mar"  # today is always labelled


def test_date_labels_for_a_week_are_every_other_day() -> None:
    labels = x_labels(parse(mood_chart(every_day(7))))

    assert [label.text for label in labels] == ["3 Mar", "5 Mar", "7 Mar", "9 Mar"]


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_all_text_is_at_least_twelve_units_high(kind: Literal["line", "bar"]) -> None:
    root = parse(chart_of_kind(kind, every_day(30)))
    labels = the(root, "g", "chart__labels")

    assert float(labels.get("font-size", "")) >= 12
    assert len(list(labels.iter(f"{SVG}text"))) == len(list(root.iter(f"{SVG}text")))


def contrast_on_white(colour: str) -> float:
    """The WCAG 2.2 contrast ratio of a #rrggbb colour against white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_marks_and_text_stand_out_from_a_white_page(kind: Literal["line", "bar"]) -> None:
    root = parse(chart_of_kind(kind, [3, 4, None, 5]))

    for element in root.iter():
        is_text = element.get("class") == "chart__labels"
        for attribute in ("fill", "stroke"):
            colour = element.get(attribute, "none")
            if colour != "none":
                assert contrast_on_white(colour) >= (4.5 if is_text else 3), element.attrib


# Summary and table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "summary"),
    [
        # 2 + 4 + 5 + 3 + 3 = 17 over 5 recorded days: 3.4, which is nearest 3, Okay.
        (
            [2, None, 4, 5, 3, None, 3],
            "5 of 7 days recorded: average 3.4 (Okay), lowest 2 (Low), highest 5 (Very good).",
        ),
        ([None, None, 4], "1 of 3 days recorded: 4 (Good)."),
        ([None] * 7, "No entries in the last 7 days yet."),
    ],
    ids=["a gappy week", "one day", "no entries"],
)
def test_default_summary_describes_the_data(values: list[float | None], summary: str) -> None:
    assert mood_chart(values).summary == summary


def test_a_summary_given_by_the_caller_is_used_as_it_is() -> None:
    chart = mood_chart([3, 4], summary="Your mood has been steady.")

    assert chart.summary == "Your mood has been steady."
    assert parse(chart).find(f"{SVG}desc").text == "Your mood has been steady."


@pytest.mark.parametrize(
    ("chart", "rows"),
    [
        (
            mood_chart([2, None, 4.5]),
            (("Saturday 7 March 2026", "2 (Low)"), ("Monday 9 March 2026", "4.5 (Good)")),
        ),
        (
            sleep_chart([None, 7 + 20 / 60, 6.5]),
            (("Sunday 8 March 2026", "7h 20m"), ("Monday 9 March 2026", "6h 30m")),
        ),
        (
            mood_chart(
                [84, None, None],
                kind="line",
                id_prefix="efficiency",
                y_min=0,
                y_max=100,
                ticks=EFFICIENCY_TICKS,
                format_value=percent_text,
            ),
            (("Saturday 7 March 2026", "84%"),),
        ),
    ],
    ids=["mood", "sleep", "efficiency"],
)
def test_table_rows_are_the_days_with_values_oldest_first_in_words(
    chart: Chart, rows: tuple[tuple[str, str], ...]
) -> None:
    assert chart.rows == rows


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_a_ninety_day_chart_stays_small(kind: Literal["line", "bar"]) -> None:
    chart = chart_of_kind(kind, every_day(90))

    assert len(str(chart.svg).encode()) < 12_000


# The macro -------------------------------------------------------------------------------------


def test_macro_shows_the_chart_in_a_figure_with_its_numbers_in_a_table() -> None:
    chart = mood_chart([2, None, 4])
    figure = render(chart).find("figure", class_="chart")

    assert figure.find("figcaption").get_text(strip=True) == "Mood over the last 3 days"
    assert figure.find("svg")["role"] == "img"
    details = figure.find("details")
    assert details.find("summary").get_text(strip=True) == "Show the numbers as a table"
    table = details.find("table")
    assert table.find("caption").get_text(strip=True) == "Mood over the last 3 days"
    assert [th.get_text(strip=True) for th in table.select("th[scope=col]")] == ["Date", "Mood"]
    assert [
        tuple(cell.get_text(strip=True) for cell in row.find_all(["th", "td"]))
        for row in table.find("tbody").find_all("tr")
    ] == [("Saturday 7 March 2026", "2 (Low)"), ("Monday 9 March 2026", "4 (Good)")]
    # Only <details> may hide the table: nothing that takes it away from screen readers.
    for element in [table, *table.parents]:
        if element.name in {"[document]", None}:
            continue
        assert element.get("aria-hidden") is None
        assert element.get("hidden") is None
        assert "visually-hidden" not in element.get("class", [])


def test_macro_says_in_words_when_there_is_nothing_to_show() -> None:
    figure = render(mood_chart([None] * 7)).find("figure")

    assert figure.find("table") is None
    assert figure.find("p", class_="chart__empty").get_text() == (
        "No entries in the last 7 days yet."
    )


def test_macro_escapes_hostile_text_in_caption_and_table() -> None:
    page = render(mood_chart([3], title=HOSTILE, format_value=lambda value: HOSTILE))

    assert page.find("script") is None
    assert page.find("figcaption").get_text() == HOSTILE
    assert page.find("td").get_text() == HOSTILE


def test_charts_on_one_page_have_ids_of_their_own() -> None:
    page = render(
        mood_chart(every_day(7)),
        sleep_chart(every_day(7)),
        mood_chart(every_day(7), id_prefix="efficiency"),
    )
    ids = [element["id"] for element in page.find_all(id=True)]

    assert len(ids) == 6
    assert len(set(ids)) == len(ids)
