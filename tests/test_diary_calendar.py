"""The month view's weeks and the mood shown for a day with several entries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from portal.diary.calendar import day_mood, month_weeks
from portal.diary.entries import EntryContent
from portal.records import OpenedRecord

NOW = datetime(2026, 2, 1, tzinfo=UTC)


def entry(day: date, mood: int) -> OpenedRecord[EntryContent]:
    return OpenedRecord(uuid.uuid4(), day, 1, NOW, NOW, EntryContent(mood))


@pytest.mark.parametrize(
    ("moods", "shown"), [([3], 3), ([1, 4], 3), ([1, 2], 2), ([2, 3, 3], 3), ([5, 5, 1], 4)]
)
def test_a_days_moods_are_averaged_with_halves_going_up(moods: list[int], shown: int) -> None:
    assert day_mood(moods) == shown


def test_a_month_is_whole_weeks_from_monday_with_only_its_own_days_filled() -> None:
    # February 2026 starts on a Sunday and ends on a Saturday.
    weeks = month_weeks(
        date(2026, 2, 1),
        [entry(date(2026, 2, 10), 2), entry(date(2026, 2, 10), 5)],
        today=date(2026, 2, 12),
    )
    assert len(weeks) == 5
    assert all(len(week) == 7 for week in weeks)
    assert [square.day for square in weeks[0]][:6] == [None] * 6
    assert weeks[0][6].day == date(2026, 2, 1)
    assert weeks[-1][-1].day is None
    tuesday = weeks[2][1]
    assert (tuesday.day, tuesday.entries, tuesday.mood_in_words) == (date(2026, 2, 10), 2, "Good")
    assert [square.day for week in weeks for square in week if square.is_today] == [
        date(2026, 2, 12)
    ]
