"""Diary charts drawn on the server as small SVG images, each with a table of its numbers.

No JavaScript and no inline styles (the Content-Security-Policy allows neither): colours and sizes
are SVG presentation attributes. Each chart shows one series in one colour, so nothing depends on
telling colours apart, and the same numbers go in a table for anyone who would rather read them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Literal

from markupsafe import Markup, escape

from portal.dates import date_in_words, short_date

# The drawing, in SVG user units. It is scaled to the width of the page, so on a phone one unit is
# about one CSS pixel.
VIEW_WIDTH = 320
VIEW_HEIGHT = 180
# The plot area. The left margin fits the longest mood word and is the same for every chart, so a
# day sits at the same x in the mood and sleep charts when they are shown one above the other. The
# right margin leaves room for most of today's date label, centred under the last day.
PLOT_LEFT = 72
PLOT_RIGHT = 302
PLOT_TOP = 10
PLOT_BOTTOM = 154
PLOT_WIDTH = PLOT_RIGHT - PLOT_LEFT
PLOT_HEIGHT = PLOT_BOTTOM - PLOT_TOP
FONT_SIZE = 12
# A generous guess at the width of one character, for keeping labels apart and inside the picture:
# the font is whatever the phone's system font is.
CHAR_WIDTH = 0.6 * FONT_SIZE
# Date labels are at least this far apart, centre to centre: room for "30 Sep" and a gap, even
# after the last label is nudged a few units inwards to stay in the picture.
MIN_LABEL_SPACING = 52

# Contrast on white (WCAG 2.2): the data 7.6:1, the grid 3.7:1 (1.4.11 asks 3:1), the text 9:1.
DATA_COLOUR = "#1d5c63"
GRID_COLOUR = "#858686"
TEXT_COLOUR = "#484949"

ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


@dataclass(frozen=True)
class ChartPoint:
    """One day's value, or None when nothing was recorded that day."""

    day: date
    value: float | None


@dataclass(frozen=True)
class YTick:
    """A labelled line across the chart at one value, such as 4 "Good" or 8 "8h"."""

    value: float
    label: str


@dataclass(frozen=True)
class Chart:
    """A drawn chart and everything the `chart()` macro needs to show it with its table."""

    id_prefix: str
    title: str
    summary: str
    value_heading: str
    svg: Markup
    rows: tuple[tuple[str, str], ...]  # (date in words, formatted value), oldest first


def days_ending(today: date, days: int) -> list[date]:
    """The `days` dates ending with today, oldest first."""
    if days < 1:
        raise ValueError("A chart needs at least one day.")
    return [today - timedelta(days=days - 1 - offset) for offset in range(days)]


def _number(value: float) -> str:
    """A coordinate to one decimal place, without a trailing '.0': the 90-day chart stays small."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def default_summary(points: Sequence[ChartPoint], format_value: Callable[[float], str]) -> str:
    """One sentence describing the data.

    It leaves out the title: the chart's accessible name is the title followed by this sentence,
    so repeating the title would make screen readers say it twice.
    """
    recorded = [point.value for point in points if point.value is not None]
    if not recorded:
        return f"No entries in the last {_days(len(points))} yet."
    counted = f"{len(recorded)} of {_days(len(points))} recorded"
    if len(recorded) == 1:
        return f"{counted}: {format_value(recorded[0])}."
    average = math.fsum(recorded) / len(recorded)
    return (
        f"{counted}: average {format_value(average)}, "
        f"lowest {format_value(min(recorded))}, highest {format_value(max(recorded))}."
    )


def x_label_indices(count: int) -> list[int]:
    """The days that get a date label: counting back from the newest, spaced not to overlap."""
    slot = PLOT_WIDTH / count
    step = math.ceil(MIN_LABEL_SPACING / slot)
    if step > 3:
        # Whole weeks, so the labelled days fall on the same weekday as today.
        step = math.ceil(step / 7) * 7
    return sorted(range(count - 1, -1, -step))


class _Scale:
    """Where a day and a value land in the plot area.

    Each day owns an equal slot across the plot and is drawn at the slot's centre (so bars fit and
    line and bar charts of the same days line up); y_min is the bottom edge and y_max the top.
    """

    def __init__(self, count: int, y_min: float, y_max: float) -> None:
        self.slot = PLOT_WIDTH / count
        self.y_min = y_min
        self.y_max = y_max

    def x(self, index: int) -> float:
        return PLOT_LEFT + (index + 0.5) * self.slot

    def y(self, value: float) -> float:
        # Out-of-range values (a 14-hour sleep on a 0–12 axis) are drawn at the edge; the table
        # still shows the real number.
        clamped = min(max(value, self.y_min), self.y_max)
        return PLOT_BOTTOM - (clamped - self.y_min) / (self.y_max - self.y_min) * PLOT_HEIGHT


def _check(
    points: Sequence[ChartPoint], id_prefix: str, y_min: float, y_max: float, ticks: Sequence[YTick]
) -> None:
    """Refuse what cannot be drawn honestly, naming the argument at fault."""
    if not ID_PREFIX.fullmatch(id_prefix):
        raise ValueError("id_prefix must be a letter followed by letters, digits, - or _.")
    if not points:
        raise ValueError("A chart needs at least one day.")
    if any(later.day - earlier.day != timedelta(days=1) for earlier, later in pairwise(points)):
        raise ValueError("Points must be one per day, oldest first, with None for days left out.")
    if not y_max > y_min:
        raise ValueError("y_max must be greater than y_min.")
    if any(not y_min <= tick.value <= y_max for tick in ticks):
        raise ValueError("Every tick must lie between y_min and y_max.")


def _axes(points: Sequence[ChartPoint], scale: _Scale, ticks: Sequence[YTick]) -> list[str]:
    """The grid path (tick lines across, date marks below) and the label groups."""
    grid = [f"M{PLOT_LEFT} {_number(scale.y(tick.value))}H{PLOT_RIGHT}" for tick in ticks]
    y_labels = [
        f'<text x="{PLOT_LEFT - 6}" y="{_number(scale.y(tick.value) + 0.35 * FONT_SIZE)}">'
        f"{escape(tick.label)}</text>"
        for tick in ticks
    ]
    x_labels = []
    for index in x_label_indices(len(points)):
        x = scale.x(index)
        grid.append(f"M{_number(x)} {PLOT_BOTTOM}v4")
        label = short_date(points[index].day)
        # Labels at either end are nudged inwards to stay in the picture; the mark shows the day.
        half = len(label) * CHAR_WIDTH / 2
        label_x = min(max(x, half), VIEW_WIDTH - half)
        x_labels.append(
            f'<text x="{_number(label_x)}" y="{PLOT_BOTTOM + 18}">{escape(label)}</text>'
        )
    return [
        f'<path class="chart__grid" d="{"".join(grid)}" fill="none" stroke="{GRID_COLOUR}" '
        'stroke-width="1"/>',
        f'<g class="chart__labels" fill="{TEXT_COLOUR}" font-size="{FONT_SIZE}">',
        f'<g class="chart__y-labels" text-anchor="end">{"".join(y_labels)}</g>',
        f'<g class="chart__x-labels" text-anchor="middle">{"".join(x_labels)}</g>',
        "</g>",
    ]


def _line(points: Sequence[ChartPoint], scale: _Scale) -> list[str]:
    """Markers joined by a line that breaks wherever a day has no value."""
    runs: list[list[str]] = [[]]
    markers = []
    radius = _number(min(3.5, max(1.5, scale.slot * 0.35)))
    for index, point in enumerate(points):
        if point.value is None:
            runs.append([])
            continue
        x, y = _number(scale.x(index)), _number(scale.y(point.value))
        runs[-1].append(f"{x} {y}")
        markers.append(f'<circle cx="{x}" cy="{y}" r="{radius}"/>')
    # A day with no neighbours is just its marker: a one-point path would draw nothing.
    path = "".join("M" + "L".join(run) for run in runs if len(run) > 1)
    parts = []
    if path:
        parts.append(
            f'<path class="chart__line" d="{path}" fill="none" stroke="{DATA_COLOUR}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
    parts.append(f'<g class="chart__markers" fill="{DATA_COLOUR}">{"".join(markers)}</g>')
    return parts


def _bars(points: Sequence[ChartPoint], scale: _Scale) -> list[str]:
    """One bar per day with a value, rising from y_min."""
    width = scale.slot * 0.7
    bars = []
    for index, point in enumerate(points):
        if point.value is None:
            continue
        top = scale.y(point.value)
        # A recorded zero still gets a sliver, so it differs from a day with no entry.
        height = max(PLOT_BOTTOM - top, 2.0)
        bars.append(
            f'<rect x="{_number(scale.x(index) - width / 2)}" y="{_number(PLOT_BOTTOM - height)}" '
            f'width="{_number(width)}" height="{_number(height)}"/>'
        )
    return [f'<g class="chart__bars" fill="{DATA_COLOUR}">{"".join(bars)}</g>']


def build_chart(
    points: Sequence[ChartPoint],
    *,
    kind: Literal["line", "bar"],
    id_prefix: str,
    title: str,
    value_heading: str,
    y_min: float,
    y_max: float,
    ticks: Sequence[YTick],
    format_value: Callable[[float], str],
    summary: str | None = None,
) -> Chart:
    """A chart of one value per day, oldest first, with None for days that have no entry.

    `id_prefix` makes the chart's ids unique on the page; `value_heading` heads the table's value
    column ("Mood"); `format_value` writes a value in words for the table and summary ("4 (Good)").
    """
    _check(points, id_prefix, y_min, y_max, ticks)
    if summary is None:
        summary = default_summary(points, format_value)
    scale = _Scale(len(points), y_min, y_max)
    axes = _axes(points, scale, ticks)
    if kind == "line":
        data = _line(points, scale)
    elif kind == "bar":
        data = _bars(points, scale)
    else:
        raise ValueError(f"Unknown chart kind: {kind!r}")
    svg = "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" role="img" '
            f'aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
            f'viewBox="0 0 {VIEW_WIDTH} {VIEW_HEIGHT}" width="100%" '
            'preserveAspectRatio="xMidYMid meet">',
            f'<title id="{id_prefix}-title">{escape(title)}</title>',
            f'<desc id="{id_prefix}-desc">{escape(summary)}</desc>',
            *axes,
            *data,
            "</svg>",
        ]
    )
    rows = tuple(
        (date_in_words(point.day), format_value(point.value))
        for point in points
        if point.value is not None
    )
    return Chart(
        id_prefix=id_prefix,
        title=title,
        summary=summary,
        value_heading=value_heading,
        # Safe: every piece of text above went through escape(), and id_prefix is checked.
        svg=Markup(svg),  # noqa: S704
        rows=rows,
    )
