"""The sleep diary's arithmetic: placing a night on the calendar, clock changes, impossible nights
and weekly averages. Every expected figure is worked by hand in a comment beside it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.diary.sleep import (
    SleepTimes,
    SleepTimesProblem,
    WeekOfSleep,
    resolve_night,
    weekly_averages,
)

LONDON = ZoneInfo("Europe/London")
# A night in early March 2026: Greenwich Mean Time, weeks away from a clock change.
TUESDAY_3_MARCH = date(2026, 3, 3)
# The clocks go forward at 1am GMT on Sunday 29 March 2026, so this is the night they do.
SATURDAY_28_MARCH = date(2026, 3, 28)
# The clocks go back at 2am BST on Sunday 25 October 2026, so this is the night they do.
SATURDAY_24_OCTOBER = date(2026, 10, 24)


def clock(hours_minutes: str) -> time:
    return time.fromisoformat(hours_minutes)


def london(day: date, hours_minutes: str) -> datetime:
    return datetime.combine(day, clock(hours_minutes), tzinfo=LONDON)


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def entered(
    night_of: date,
    bed_time: str,
    lights_out: str,
    minutes_to_fall_asleep: int,
    awakenings: int,
    awake_minutes: int,
    final_wake: str,
    out_of_bed: str,
) -> SleepTimes:
    """A night as the form would send it, in the order the form asks."""
    return SleepTimes(
        night_of=night_of,
        bed_time=clock(bed_time),
        lights_out=clock(lights_out),
        minutes_to_fall_asleep=minutes_to_fall_asleep,
        awakenings=awakenings,
        awake_minutes=awake_minutes,
        final_wake=clock(final_wake),
        out_of_bed=clock(out_of_bed),
    )


# Bed 22:30, lights out 23:00, 20 min to fall asleep, 2 awakenings for 30 min, final wake 06:30,
# up 07:00. In bed 22:30 -> 07:00 = 8h30 = 510 min. Lights out to waking 23:00 -> 06:30 = 7h30
# = 450 min, so asleep 450 - 20 - 30 = 400 min = 6h40. Efficiency 400 / 510 = 0.78431 -> 78.4%.
ORDINARY = entered(TUESDAY_3_MARCH, "22:30", "23:00", 20, 2, 30, "06:30", "07:00")


# An ordinary night ------------------------------------------------------------------------------


def test_an_ordinary_night_is_measured_from_bed_to_getting_up() -> None:
    night = resolve_night(ORDINARY)

    assert night.bed_at == london(date(2026, 3, 3), "22:30")
    assert night.lights_out_at == london(date(2026, 3, 3), "23:00")
    assert night.final_wake_at == london(date(2026, 3, 4), "06:30")
    assert night.out_of_bed_at == london(date(2026, 3, 4), "07:00")
    assert night.time_in_bed == timedelta(hours=8, minutes=30)
    assert night.total_sleep == timedelta(hours=6, minutes=40)
    assert night.sleep_efficiency == 78.4


def test_resolved_times_are_in_london_time() -> None:
    night = resolve_night(ORDINARY)

    for moment in (night.bed_at, night.lights_out_at, night.final_wake_at, night.out_of_bed_at):
        assert moment.tzinfo == LONDON


# Which day each time falls on --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bed_time", "lights_out", "final_wake", "out_of_bed", "expected_march_days_and_times"),
    [
        pytest.param(
            "22:30", "23:00", "06:30", "07:00",
            ("3 22:30", "3 23:00", "4 06:30", "4 07:00"),
            id="to bed in the evening, up the next morning",
        ),
        pytest.param(
            "00:30", "00:45", "07:00", "07:15",
            ("4 00:30", "4 00:45", "4 07:00", "4 07:15"),
            id="to bed after midnight is the early hours after the evening of 3 March",
        ),
        pytest.param(
            "23:30", "00:10", "07:00", "07:20",
            ("3 23:30", "4 00:10", "4 07:00", "4 07:20"),
            id="midnight between bed and lights out",
        ),
        pytest.param(
            "20:00", "20:30", "23:50", "00:20",
            ("3 20:00", "3 20:30", "3 23:50", "4 00:20"),
            id="midnight between waking and getting up",
        ),
        pytest.param(
            "13:00", "13:00", "14:40", "15:00",
            ("3 13:00", "3 13:00", "3 14:40", "3 15:00"),
            id="a nap in the afternoon is on the day of night_of",
        ),
        pytest.param(
            "12:00", "12:30", "14:00", "14:05",
            ("3 12:00", "3 12:30", "3 14:00", "3 14:05"),
            id="to bed at midday is on the day of night_of",
        ),
        pytest.param(
            "11:59", "12:10", "18:00", "18:05",
            ("4 11:59", "4 12:10", "4 18:00", "4 18:05"),
            id="to bed a minute before midday is the next day",
        ),
        pytest.param(
            "22:00", "22:00", "22:00", "22:00",
            ("3 22:00", "3 22:00", "3 22:00", "3 22:00"),
            id="a time equal to the one before is zero minutes later, not a day later",
        ),
    ],
)  # fmt: skip
def test_each_time_is_the_first_occurrence_after_the_one_before(
    bed_time: str,
    lights_out: str,
    final_wake: str,
    out_of_bed: str,
    expected_march_days_and_times: tuple[str, str, str, str],
) -> None:
    night = resolve_night(
        entered(TUESDAY_3_MARCH, bed_time, lights_out, 0, 0, 0, final_wake, out_of_bed)
    )

    expected = []
    for day_and_time in expected_march_days_and_times:
        day, hours_minutes = day_and_time.split()
        expected.append(london(date(2026, 3, int(day)), hours_minutes))
    assert [night.bed_at, night.lights_out_at, night.final_wake_at, night.out_of_bed_at] == expected


def test_an_afternoon_nap_is_measured_like_a_night() -> None:
    # In bed 13:00 -> 15:00 = 120 min. Lights out 13:00 -> waking 14:40 = 100 min, less 10 min to
    # fall asleep = 90 min asleep. Efficiency 90 / 120 = 75.0%.
    night = resolve_night(entered(TUESDAY_3_MARCH, "13:00", "13:00", 10, 0, 0, "14:40", "15:00"))

    assert night.time_in_bed == timedelta(hours=2)
    assert night.total_sleep == timedelta(minutes=90)
    assert night.sleep_efficiency == 75.0


def test_seconds_on_the_times_are_ignored() -> None:
    with_seconds = replace(
        ORDINARY,
        bed_time=time(22, 30, 59),
        lights_out=time(23, 0, 1),
        final_wake=time(6, 30, 30),
        out_of_bed=time(7, 0, 59, 999_999),
    )

    assert resolve_night(with_seconds) == resolve_night(ORDINARY)


def test_a_time_with_a_time_zone_is_a_programming_mistake_not_a_problem_to_show() -> None:
    with pytest.raises(ValueError, match="without a time zone") as raised:
        resolve_night(replace(ORDINARY, bed_time=time(22, 30, tzinfo=UTC)))

    assert not isinstance(raised.value, SleepTimesProblem)


# The clocks changing -----------------------------------------------------------------------------


def test_the_example_dates_are_the_real_clock_changes_in_2026() -> None:
    # Before and after 1am GMT on 29 March, and before and after 2am BST on 25 October.
    assert london(date(2026, 3, 29), "00:59").utcoffset() == timedelta(0)
    assert london(date(2026, 3, 29), "02:00").utcoffset() == timedelta(hours=1)
    assert london(date(2026, 10, 25), "00:59").utcoffset() == timedelta(hours=1)
    assert london(date(2026, 10, 25), "02:00").utcoffset() == timedelta(0)


# Each night: bed 23:00, lights out 23:15, 15 min to fall asleep, 1 awakening for 10 min, final
# wake 06:45, up 07:00.
@pytest.mark.parametrize(
    ("night_of", "minutes_in_bed", "minutes_asleep", "efficiency"),
    [
        # No change: in bed 23:00 -> 07:00 = 480. Lights out 23:15 -> 06:45 = 450,
        # asleep 450 - 15 - 10 = 425. Efficiency 425 / 480 = 0.88541 -> 88.5%.
        pytest.param(date(2026, 3, 21), 480, 425, 88.5, id="an ordinary Saturday"),
        # Forward: bed 23:00 GMT = 23:00 UTC, up 07:00 BST = 06:00 UTC: in bed 7h = 420.
        # Lights out 23:15 UTC, waking 06:45 BST = 05:45 UTC: 6h30 = 390, asleep 390 - 25 = 365.
        # Efficiency 365 / 420 = 0.86904 -> 86.9%.
        pytest.param(SATURDAY_28_MARCH, 420, 365, 86.9, id="the clocks go forward"),
        # Back: bed 23:00 BST = 22:00 UTC, up 07:00 GMT = 07:00 UTC: in bed 9h = 540.
        # Lights out 23:15 BST = 22:15 UTC, waking 06:45 UTC: 8h30 = 510, asleep 510 - 25 = 485.
        # Efficiency 485 / 540 = 0.89814 -> 89.8%.
        pytest.param(SATURDAY_24_OCTOBER, 540, 485, 89.8, id="the clocks go back"),
    ],
)
def test_time_in_bed_is_real_elapsed_time_across_a_clock_change(
    night_of: date, minutes_in_bed: int, minutes_asleep: int, efficiency: float
) -> None:
    night = resolve_night(entered(night_of, "23:00", "23:15", 15, 1, 10, "06:45", "07:00"))

    assert night.time_in_bed == timedelta(minutes=minutes_in_bed)
    assert night.total_sleep == timedelta(minutes=minutes_asleep)
    assert night.sleep_efficiency == efficiency


def test_the_hour_the_clocks_skip_is_not_counted_between_two_times() -> None:
    # Bed 00:30 GMT on 29 March = 00:30 UTC. Lights out 02:10 BST = 01:10 UTC: 40 min later, not
    # 1h40. Waking 09:10 BST = 08:10 UTC, up 09:30 BST = 08:30 UTC.
    # In bed 00:30 -> 08:30 UTC = 480. Lights out to waking 01:10 -> 08:10 UTC = 420, all asleep.
    # Efficiency 420 / 480 = 87.5%.
    night = resolve_night(entered(SATURDAY_28_MARCH, "00:30", "02:10", 0, 0, 0, "09:10", "09:30"))

    assert night.lights_out_at.astimezone(UTC) == utc(2026, 3, 29, 1, 10)
    assert night.time_in_bed == timedelta(hours=8)
    assert night.total_sleep == timedelta(hours=7)
    assert night.sleep_efficiency == 87.5


@pytest.mark.parametrize(
    ("field", "times", "message"),
    [
        pytest.param(
            "bed_time",
            entered(SATURDAY_28_MARCH, "01:30", "02:30", 0, 0, 0, "08:00", "08:00"),
            "There was no 1:30am that night: the clocks went forward an hour at 1am.",
            id="bed time",
        ),
        pytest.param(
            "lights_out",
            entered(SATURDAY_28_MARCH, "23:00", "01:30", 0, 0, 0, "08:00", "08:00"),
            "There was no 1:30am that night: the clocks went forward an hour at 1am.",
            id="lights out",
        ),
        pytest.param(
            "final_wake",
            entered(SATURDAY_28_MARCH, "00:15", "00:20", 0, 0, 0, "01:00", "08:00"),
            "There was no 1am that night: the clocks went forward an hour at 1am.",
            id="final wake on the very minute the clocks went forward",
        ),
        pytest.param(
            "out_of_bed",
            entered(SATURDAY_28_MARCH, "00:10", "00:15", 5, 0, 0, "00:50", "01:59"),
            "There was no 1:59am that night: the clocks went forward an hour at 1am.",
            id="out of bed on the last skipped minute",
        ),
    ],
)
def test_a_time_the_clocks_skipped_is_a_problem_on_its_field(
    field: str, times: SleepTimes, message: str
) -> None:
    with pytest.raises(SleepTimesProblem) as raised:
        resolve_night(times)

    assert raised.value.field == field
    assert raised.value.message == message


def test_a_skipped_time_the_clocks_had_already_passed_means_the_next_day() -> None:
    # Bed 02:15 BST on 29 March, after the skipped hour, so lights out "01:30" is next shown at
    # 01:30 BST on 30 March: 23h15 later, which is more than 20 hours in bed.
    times = entered(SATURDAY_28_MARCH, "02:15", "01:30", 0, 0, 0, "01:30", "01:30")

    with pytest.raises(SleepTimesProblem) as raised:
        resolve_night(times)

    assert raised.value.field == "out_of_bed"


@pytest.mark.parametrize(
    ("bed_time", "lights_out", "final_wake", "out_of_bed", "expected_utc", "efficiency"),
    [
        # Bed 23:00 BST = 22:00 UTC on the 24th; the first 01:30 (BST) = 00:30 UTC; waking and
        # up 07:00 GMT = 07:00 UTC. In bed 22:00 -> 07:00 = 540, asleep 00:30 -> 07:00 = 390.
        # Efficiency 390 / 540 = 0.72222 -> 72.2%.
        pytest.param(
            "23:00", "01:30", "07:00", "07:00",
            ((24, 22, 0), (25, 0, 30), (25, 7, 0), (25, 7, 0)),
            72.2,
            id="after 11pm, 1:30am is the first 1:30am",
        ),
        # Bed at the first 01:45 (BST) = 00:45 UTC; the first 01:30 (00:30 UTC) has passed, so
        # lights out is the second 01:30 (GMT) = 01:30 UTC, 45 min later. Waking 07:30 UTC, up
        # 07:45 UTC. In bed 00:45 -> 07:45 = 420, asleep 01:30 -> 07:30 = 360.
        # Efficiency 360 / 420 = 0.85714 -> 85.7%.
        pytest.param(
            "01:45", "01:30", "07:30", "07:45",
            ((25, 0, 45), (25, 1, 30), (25, 7, 30), (25, 7, 45)),
            85.7,
            id="after the first 1:45am, 1:30am is the second 1:30am",
        ),
        # Bed at the first 01:30 (BST) = 00:30 UTC; lights out the first 01:40 = 00:40 UTC,
        # 10 min later (not 1h10). Waking and up 07:00 UTC. In bed 00:30 -> 07:00 = 390,
        # asleep 00:40 -> 07:00 = 380. Efficiency 380 / 390 = 0.97435 -> 97.4%.
        pytest.param(
            "01:30", "01:40", "07:00", "07:00",
            ((25, 0, 30), (25, 0, 40), (25, 7, 0), (25, 7, 0)),
            97.4,
            id="a bed time that happened twice is the first one",
        ),
    ],
)  # fmt: skip
def test_a_time_that_happened_twice_is_the_first_at_or_after_the_time_before(
    bed_time: str,
    lights_out: str,
    final_wake: str,
    out_of_bed: str,
    expected_utc: tuple[tuple[int, int, int], ...],
    efficiency: float,
) -> None:
    night = resolve_night(
        entered(SATURDAY_24_OCTOBER, bed_time, lights_out, 0, 0, 0, final_wake, out_of_bed)
    )

    # Compared in UTC: two London times that differ only in which 1:30am they are compare equal.
    resolved = [night.bed_at, night.lights_out_at, night.final_wake_at, night.out_of_bed_at]
    assert [moment.astimezone(UTC) for moment in resolved] == [
        utc(2026, 10, day, hour, minute) for day, hour, minute in expected_utc
    ]
    assert night.sleep_efficiency == efficiency


# Nights that cannot have happened ----------------------------------------------------------------


# Changes to ORDINARY, whose lights out to waking is 23:00 -> 06:30 = 450 min.
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param(
            {"minutes_to_fall_asleep": -1},
            "minutes_to_fall_asleep",
            "The time it took you to fall asleep must be 0 minutes or more.",
            id="negative minutes to fall asleep",
        ),
        pytest.param(
            {"awakenings": -1},
            "awakenings",
            "The number of times you woke up must be 0 or more.",
            id="negative awakenings",
        ),
        pytest.param(
            {"awake_minutes": -1},
            "awake_minutes",
            "The time you were awake in the night must be 0 minutes or more.",
            id="negative minutes awake",
        ),
        pytest.param(
            {"awakenings": 0, "awake_minutes": 30},
            "awakenings",
            "You said you were awake for some minutes in the night, so you woke at least once.",
            id="minutes awake without waking",
        ),
        pytest.param(
            # 451 > 450.
            {"minutes_to_fall_asleep": 451, "awake_minutes": 0, "awakenings": 0},
            "minutes_to_fall_asleep",
            "The time it took you to fall asleep must not be longer than the time from lights "
            "out to when you woke up.",
            id="longer to fall asleep than from lights out to waking",
        ),
        pytest.param(
            # 420 + 31 = 451 > 450, so asleep for -1 min.
            {"minutes_to_fall_asleep": 420, "awake_minutes": 31},
            "awake_minutes",
            "The time you were awake in the night and the time it took you to fall asleep must "
            "not add up to more than the time from lights out to when you woke up.",
            id="awake for longer than from lights out to waking",
        ),
        pytest.param(
            # 22:00 -> 18:01 the next day = 20h01.
            {
                "bed_time": clock("22:00"),
                "lights_out": clock("22:00"),
                "final_wake": clock("17:00"),
                "out_of_bed": clock("18:01"),
            },
            "out_of_bed",
            "Check your times: that is more than 20 hours in bed.",
            id="a minute over 20 hours in bed",
        ),
        pytest.param(
            # Lights out 22:20 is first shown 23h50 after bed at 22:30; up 07:00 on 5 March.
            {"lights_out": clock("22:20")},
            "out_of_bed",
            "Check your times: that is more than 20 hours in bed.",
            id="lights out before bed time",
        ),
        pytest.param(
            # Up 06:00 is first shown after waking at 06:30 on 5 March: 31h30 after bed.
            {"out_of_bed": clock("06:00")},
            "out_of_bed",
            "Check your times: that is more than 20 hours in bed.",
            id="up before waking",
        ),
    ],
)
def test_an_impossible_night_is_a_problem_on_the_field_to_correct(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(SleepTimesProblem) as raised:
        resolve_night(replace(ORDINARY, **changes))

    assert raised.value.field == field
    assert raised.value.message == message
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("changes", "minutes_asleep", "efficiency"),
    [
        # 450 to fall asleep: asleep 450 - 450 - 0 = 0. Efficiency 0 / 510 = 0.0%.
        pytest.param(
            {"minutes_to_fall_asleep": 450, "awakenings": 0, "awake_minutes": 0},
            0,
            0.0,
            id="never fell asleep",
        ),
        # 420 + 30 = 450: asleep 0.
        pytest.param(
            {"minutes_to_fall_asleep": 420, "awake_minutes": 30},
            0,
            0.0,
            id="awake all but the time it took to fall asleep",
        ),
        # Woke 3 times, too briefly to count: asleep 450 - 20 = 430. 430 / 510 = 0.84313 -> 84.3%.
        pytest.param({"awakenings": 3, "awake_minutes": 0}, 430, 84.3, id="brief awakenings"),
        # In bed 22:00 -> 18:00 = 20h = 1200. Lights out to waking 22:00 -> 17:00 = 19h = 1140,
        # asleep 1140 - 20 - 30 = 1090. Efficiency 1090 / 1200 = 0.90833 -> 90.8%.
        pytest.param(
            {
                "bed_time": clock("22:00"),
                "lights_out": clock("22:00"),
                "final_wake": clock("17:00"),
                "out_of_bed": clock("18:00"),
            },
            1090,
            90.8,
            id="exactly 20 hours in bed",
        ),
    ],
)
def test_nights_at_the_limits_are_allowed(
    changes: dict[str, Any], minutes_asleep: int, efficiency: float
) -> None:
    night = resolve_night(replace(ORDINARY, **changes))

    assert night.total_sleep == timedelta(minutes=minutes_asleep)
    assert night.sleep_efficiency == efficiency


# Sleep efficiency --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("times", "efficiency"),
    [
        # Bed, lights out, waking and up all at 22:00: 0 min in bed counts as 0.0%, not an error.
        pytest.param(
            entered(TUESDAY_3_MARCH, "22:00", "22:00", 0, 0, 0, "22:00", "22:00"),
            0.0,
            id="no time in bed",
        ),
        # In bed 22:00 -> 06:00 = 480, asleep 480 - 0 = 480: 100.0%.
        pytest.param(
            entered(TUESDAY_3_MARCH, "22:00", "22:00", 0, 0, 0, "06:00", "06:00"),
            100.0,
            id="asleep the whole time",
        ),
        # In bed 22:00 -> 04:40 = 400, asleep 400 - 119 = 281. 281 / 400 = 70.25% exactly: the
        # half rounds up to 70.3 (round() would make it 70.2).
        pytest.param(
            entered(TUESDAY_3_MARCH, "22:00", "22:00", 119, 0, 0, "04:40", "04:40"),
            70.3,
            id="an exact half rounds up",
        ),
        # In bed 22:00 -> 06:00 = 480, asleep 480 - 160 = 320. 320 / 480 = 66.666...% -> 66.7.
        pytest.param(
            entered(TUESDAY_3_MARCH, "22:00", "22:00", 160, 0, 0, "06:00", "06:00"),
            66.7,
            id="two thirds",
        ),
    ],
)
def test_sleep_efficiency_is_to_one_decimal_place(times: SleepTimes, efficiency: float) -> None:
    assert resolve_night(times).sleep_efficiency == efficiency


# Weekly averages ---------------------------------------------------------------------------------


def test_weekly_averages_group_monday_to_sunday_newest_week_first() -> None:
    diary = [
        # Week of Monday 2 March.
        # Mon 2: in bed 22:00 -> 06:00 = 480, asleep 480 - 30 = 450.
        (entered(date(2026, 3, 2), "22:00", "22:00", 30, 0, 0, "06:00", "06:00"), 3),
        # Wed 4: in bed 23:00 -> 06:00 = 420, asleep 420 - 60 = 360.
        (entered(date(2026, 3, 4), "23:00", "23:00", 60, 0, 0, "06:00", "06:00"), 2),
        # Sun 8, the week's last night: in bed 22:00 -> 07:30 = 570, asleep 22:00 -> 07:00 = 540.
        (entered(date(2026, 3, 8), "22:00", "22:00", 0, 0, 0, "07:00", "07:30"), 4),
        # Week of Monday 9 March.
        # Mon 9, the week's first night: in bed 22:30 -> 06:30 = 480, asleep 480 - 20 = 460.
        (entered(date(2026, 3, 9), "22:30", "22:30", 20, 0, 0, "06:30", "06:30"), 4),
        # Tue 10: in bed 23:30 -> 06:45 = 435, asleep 23:30 -> 06:30 = 420, less 45 = 375.
        (entered(date(2026, 3, 10), "23:30", "23:30", 45, 0, 0, "06:30", "06:45"), 3),
        # Nothing in the week of Monday 16 March.
        # Week of Monday 23 March.
        # Wed 25: in bed 22:00 -> 06:30 = 510, asleep 22:15 -> 06:15 = 480, less 15 and 20 = 445.
        (entered(date(2026, 3, 25), "22:00", "22:15", 15, 1, 20, "06:15", "06:30"), 5),
    ]
    # Out of order, as a query might return them.
    nights = [(times.night_of, resolve_night(times), quality) for times, quality in diary]
    nights = [nights[4], nights[0], nights[5], nights[2], nights[3], nights[1]]

    assert weekly_averages(nights) == [
        # 445 / 510 = 0.87254 -> 87.3%.
        WeekOfSleep(
            week_starting=date(2026, 3, 23),
            nights=1,
            average_time_in_bed=timedelta(minutes=510),
            average_total_sleep=timedelta(minutes=445),
            average_efficiency=87.3,
            average_quality=5.0,
        ),
        # In bed (480 + 435) / 2 = 457.5 -> 458 = 7h38; asleep (460 + 375) / 2 = 417.5 -> 418
        # = 6h58. Efficiency 835 / 915 = 0.91256 -> 91.3%. Quality (4 + 3) / 2 = 3.5.
        WeekOfSleep(
            week_starting=date(2026, 3, 9),
            nights=2,
            average_time_in_bed=timedelta(hours=7, minutes=38),
            average_total_sleep=timedelta(hours=6, minutes=58),
            average_efficiency=91.3,
            average_quality=3.5,
        ),
        # In bed (480 + 420 + 570) / 3 = 1470 / 3 = 490 = 8h10; asleep (450 + 360 + 540) / 3
        # = 1350 / 3 = 450 = 7h30. Efficiency 1350 / 1470 = 0.91836 -> 91.8% (the mean of the
        # nightly figures, (93.75 + 85.71 + 94.74) / 3 = 91.4, would weigh the short night more).
        # Quality (3 + 2 + 4) / 3 = 3.0.
        WeekOfSleep(
            week_starting=date(2026, 3, 2),
            nights=3,
            average_time_in_bed=timedelta(hours=8, minutes=10),
            average_total_sleep=timedelta(hours=7, minutes=30),
            average_efficiency=91.8,
            average_quality=3.0,
        ),
    ]


def test_weekly_averages_round_halves_up() -> None:
    # Mon 2 to Thu 5 March, each to bed and lights out 22:00 with 30 min to fall asleep, waking
    # and up at 06:00, 06:00, 06:01, 06:01: in bed 480, 480, 481, 481; asleep 450, 450, 451, 451.
    wakings = ["06:00", "06:00", "06:01", "06:01"]
    qualities = [2, 2, 2, 3]
    nights = [
        (
            night_of,
            resolve_night(entered(night_of, "22:00", "22:00", 30, 0, 0, wake, wake)),
            quality,
        )
        for night_of, wake, quality in zip(
            [date(2026, 3, day) for day in (2, 3, 4, 5)], wakings, qualities, strict=True
        )
    ]

    [week] = weekly_averages(nights)

    # In bed 1922 / 4 = 480.5 -> 481 = 8h01; asleep 1802 / 4 = 450.5 -> 451 = 7h31.
    assert week.average_time_in_bed == timedelta(hours=8, minutes=1)
    assert week.average_total_sleep == timedelta(hours=7, minutes=31)
    # 1802 / 1922 = 0.93756 -> 93.8%. Quality 9 / 4 = 2.25 -> 2.3 (round() would make it 2.2).
    assert week.average_efficiency == 93.8
    assert week.average_quality == 2.3


def test_no_nights_make_no_weeks() -> None:
    assert weekly_averages([]) == []


@pytest.mark.parametrize("quality", [0, 6])
def test_a_quality_outside_one_to_five_is_refused(quality: int) -> None:
    with pytest.raises(ValueError, match="from 1 to 5"):
        weekly_averages([(TUESDAY_3_MARCH, resolve_night(ORDINARY), quality)])
