"""The log month by month: how many incidents of each kind, as a bar chart drawn on the server
(SVG, no script) with the same numbers in a table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

from portal.dates import MONTHS, month_start
from portal.incidents.case_review import months_before
from portal.incidents.content import Category, IncidentContent

MONTHS_SHOWN = 12
VIEW_WIDTH, VIEW_HEIGHT = 320, 180
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 34, 314, 10, 150
BAR_COLOUR, GRID_COLOUR, TEXT_COLOUR = "#1d5c63", "#858686", "#484949"


@dataclass(frozen=True)
class MonthCount:
    month: date  # its first day
    total: int
    by_category: dict[Category | None, int]

    @property
    def label(self) -> str:
        return f"{MONTHS[self.month.month - 1]} {self.month.year}"


@dataclass(frozen=True)
class LogSummary:
    months: tuple[MonthCount, ...]  # oldest first
    by_category: tuple[tuple[str, int], ...]  # most first
    total: int
    svg: Markup


def summarise(incidents: list[IncidentContent], today: date) -> LogSummary:
    """The last MONTHS_SHOWN months, this one included."""
    months = [month_start(months_before(today, back)) for back in range(MONTHS_SHOWN - 1, -1, -1)]
    counts: dict[date, Counter[Category | None]] = {month: Counter() for month in months}
    for incident in incidents:
        month = month_start(incident.started_on)
        if month in counts:
            counts[month][incident.category] += 1
    month_counts = tuple(
        MonthCount(month, sum(counts[month].values()), dict(counts[month])) for month in months
    )
    kinds: Counter[str] = Counter()
    for month_count in month_counts:
        for category, count in month_count.by_category.items():
            kinds[category.label if category else "Not chosen yet"] += count
    total = sum(month.total for month in month_counts)
    return LogSummary(month_counts, tuple(kinds.most_common()), total, _bars(month_counts))


def _bars(months: tuple[MonthCount, ...]) -> Markup:
    highest = max([month.total for month in months] + [1])
    step = max(1, -(-highest // 4))  # gridlines at whole numbers, about four of them
    top = step * -(-highest // step)
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(months)
    parts = [
        f'<svg class="chart__svg" viewBox="0 0 {VIEW_WIDTH} {VIEW_HEIGHT}" role="img" '
        f'aria-label="Incidents each month, the last {len(months)} months" '
        'font-size="11" font-family="sans-serif">'
    ]
    for value in range(0, top + 1, step):
        y = PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * value / top
        parts.append(
            f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{PLOT_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT_COLOUR}">'
            f"{value}</text>"
        )
    for index, month in enumerate(months):
        x = PLOT_LEFT + slot * index
        height = (PLOT_BOTTOM - PLOT_TOP) * month.total / top
        if month.total:
            parts.append(
                f'<rect x="{x + slot * 0.15:.1f}" y="{PLOT_BOTTOM - height:.1f}" '
                f'width="{slot * 0.7:.1f}" height="{height:.1f}" fill="{BAR_COLOUR}"/>'
            )
        if index % 2 == 0 or index == len(months) - 1:
            label = escape(MONTHS[month.month.month - 1][:3])
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{PLOT_BOTTOM + 16}" text-anchor="middle" '
                f'fill="{TEXT_COLOUR}">{label}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (numbers and escaped month names only)
