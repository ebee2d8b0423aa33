"""Dates and times are written the GOV.UK way, in London time, whatever the server's own locale."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from portal.dates import (
    clock,
    clock_time,
    date_in_words,
    duration_in_words,
    long_date,
    month_in_words,
    next_month,
    previous_month,
)


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (time(0, 0), "midnight"),
        (time(12, 0), "midday"),
        (time(9, 0), "9am"),
        (time(0, 30), "12:30am"),
        (time(22, 5), "10:05pm"),
        (time(12, 45), "12:45pm"),
    ],
)
def test_times_read_as_gov_uk_writes_them(moment: time, words: str) -> None:
    assert clock_time(moment) == words


@pytest.mark.parametrize(
    ("length", "words"),
    [
        (timedelta(minutes=45), "45 minutes"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=7, minutes=5), "7 hours 5 minutes"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(0), "0 minutes"),
    ],
)
def test_durations_are_in_words(length: timedelta, words: str) -> None:
    assert duration_in_words(length) == words


def test_a_moment_is_shown_as_the_date_and_time_in_london() -> None:
    # 23:30 UTC on 30 June is 00:30 the next day in London (British Summer Time).
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert long_date(moment) == "Wednesday 1 July 2026"
    assert clock(moment) == "12:30am"
    # In winter London is on UTC.
    assert clock(datetime(2026, 1, 30, 23, 30, tzinfo=UTC)) == "11:30pm"


def test_dates_and_months_are_in_words() -> None:
    assert date_in_words(date(2026, 3, 3)) == "Tuesday 3 March 2026"
    assert month_in_words(date(2026, 12, 25)) == "December 2026"


@pytest.mark.parametrize(
    ("day", "before", "after"),
    [
        (date(2026, 1, 31), date(2025, 12, 1), date(2026, 2, 1)),
        (date(2026, 12, 1), date(2026, 11, 1), date(2027, 1, 1)),
        (date(2024, 2, 29), date(2024, 1, 1), date(2024, 3, 1)),
    ],
)
def test_the_months_either_side(day: date, before: date, after: date) -> None:
    assert previous_month(day) == before
    assert next_month(day) == after
