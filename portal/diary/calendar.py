"""The month view: a month's days in weeks from Monday, each with that day's entries summed up."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import floor

from portal.diary.entries import MOOD_WORDS, EntryContent
from portal.records import OpenedRecord


@dataclass(frozen=True)
class CalendarDay:
    """One square of the month: a day of the month (or None outside it) and its entries."""

    day: date | None
    entries: int = 0
    mood: int | None = None  # the day's moods averaged, halves up
    is_today: bool = False

    @property
    def mood_in_words(self) -> str | None:
        return MOOD_WORDS[self.mood] if self.mood is not None else None


def day_mood(moods: Sequence[int]) -> int:
    """Several entries on one day are shown as their average mood, halves going up."""
    return floor(Fraction(sum(moods), len(moods)) + Fraction(1, 2))


def month_weeks(
    first: date, found: Sequence[OpenedRecord[EntryContent]], today: date
) -> list[list[CalendarDay]]:
    """The weeks of `first`'s month, Monday first; days of other months are blank squares."""
    moods: dict[date, list[int]] = defaultdict(list)
    for entry in found:
        moods[entry.day].append(entry.content.mood)
    weeks = []
    for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
        first.year, first.month
    ):
        weeks.append(
            [
                CalendarDay(
                    day,
                    len(moods[day]),
                    day_mood(moods[day]) if moods[day] else None,
                    day == today,
                )
                if day.month == first.month
                else CalendarDay(None)
                for day in week
            ]
        )
    return weeks
