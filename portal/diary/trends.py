"""The diary's charts: mood by day, and hours asleep and sleep efficiency by night, over the
last 7, 30 or 90 days, drawn by portal.diary.charts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from math import floor

from sqlalchemy.orm import Session

from portal.dates import percent
from portal.diary.calendar import day_mood
from portal.diary.charts import Chart, ChartPoint, YTick, build_chart, days_ending
from portal.diary.entries import MOOD_WORDS, entries
from portal.diary.nights import nights, totals_of

CHART_PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
MOOD_TICKS = [YTick(value, words) for value, words in MOOD_WORDS.items()]
HOURS_TICKS = [YTick(hours, f"{hours}h") for hours in (0, 4, 8, 12)]
EFFICIENCY_TICKS = [YTick(percent, f"{percent}%") for percent in (0, 50, 100)]


def mood_text(value: float) -> str:
    """'4 (Good)'; an average such as 3.5 is named by the nearest whole mood, halves going up."""
    number = f"{value:.1f}".removesuffix(".0")
    nearest = min(5, max(1, floor(value + 0.5)))
    return f"{number} ({MOOD_WORDS[nearest]})"


def hours_text(value: float) -> str:
    hours, minutes = divmod(round(value * 60), 60)
    return f"{hours}h {minutes:02d}m"


@dataclass(frozen=True)
class DayInNumbers:
    """One row of the charts' shared table: a day and what was recorded for it, in words."""

    day: date
    mood: str | None
    asleep: str | None
    efficiency: str | None


@dataclass(frozen=True)
class DiaryCharts:
    """The charts for one period and one table of their numbers, day by day.

    One table rather than one per chart: a screen reader moves along a row to hear a day's mood
    and sleep together, and a 90-day page stays light on a phone.
    """

    charts: list[Chart]
    days: list[DayInNumbers]


def diary_charts(db_session: Session, owner_id: uuid.UUID, today: date, period: int) -> DiaryCharts:
    """Mood, hours asleep and sleep efficiency for the `period` days ending today."""
    days = days_ending(today, period)
    moods: dict[date, list[int]] = defaultdict(list)
    for entry in entries.between(db_session, owner_id, days[0], days[-1]):
        moods[entry.day].append(entry.content.mood)
    slept = {
        night.day: totals
        for night in nights.between(db_session, owner_id, days[0], days[-1])
        if (totals := totals_of(night)) is not None
    }
    mood_points = [ChartPoint(day, day_mood(moods[day]) if moods[day] else None) for day in days]
    hours_points = [
        ChartPoint(day, slept[day].total_sleep.total_seconds() / 3600 if day in slept else None)
        for day in days
    ]
    efficiency_points = [
        ChartPoint(day, slept[day].sleep_efficiency if day in slept else None) for day in days
    ]
    charts = [
        build_chart(
            mood_points,
            kind="line",
            id_prefix="mood",
            title=f"Your mood over the last {period} days",
            value_heading="Mood",
            y_min=1,
            y_max=5,
            ticks=MOOD_TICKS,
            format_value=mood_text,
        ),
        build_chart(
            hours_points,
            kind="bar",
            id_prefix="sleep-hours",
            title=f"Hours asleep, night by night, over the last {period} days",
            value_heading="Asleep",
            y_min=0,
            y_max=12,
            ticks=HOURS_TICKS,
            format_value=hours_text,
        ),
        build_chart(
            efficiency_points,
            kind="line",
            id_prefix="sleep-efficiency",
            title=f"Sleep efficiency over the last {period} days",
            value_heading="Efficiency",
            y_min=0,
            y_max=100,
            ticks=EFFICIENCY_TICKS,
            format_value=percent,
        ),
    ]
    days_in_numbers = [
        DayInNumbers(
            mood.day,
            mood_text(mood.value) if mood.value is not None else None,
            hours_text(hours.value) if hours.value is not None else None,
            percent(efficiency.value) if efficiency.value is not None else None,
        )
        for mood, hours, efficiency in zip(
            mood_points, hours_points, efficiency_points, strict=True
        )
        if mood.value is not None or hours.value is not None
    ]
    return DiaryCharts(charts, days_in_numbers)
