"""The sleep diary's arithmetic: from the clock times a person enters to real times and totals.

Each night is entered as wall-clock times in London with no dates. Here we work out which day each
time fell on, measure real elapsed time across the clock changes, refuse nights that cannot have
happened, and average nights by week. Pure Python: no Flask, no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from math import floor

from portal.dates import LONDON, clock_time

# A bed time before midday is in the early hours after the evening the night is named for.
MIDDAY = time(12, 0)
MAX_TIME_IN_BED = timedelta(hours=20)
ONE_MINUTE = timedelta(minutes=1)
ONE_MICROSECOND = timedelta(microseconds=1)

NEGATIVE_NUMBER_MESSAGES = {
    "minutes_to_fall_asleep": "The time it took you to fall asleep must be 0 minutes or more.",
    "awakenings": "The number of times you woke up must be 0 or more.",
    "awake_minutes": "The time you were awake in the night must be 0 minutes or more.",
}


class SleepTimesProblem(ValueError):
    """Times that cannot describe a real night; `field` is the form field to show `message` by."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SleepTimes:
    """One night as the person entered it: clock times in London, with no dates.

    Seconds on a time are ignored, since the form asks for hours and minutes only. How well they
    slept (1 to 5) is not here: none of the arithmetic depends on it.
    """

    night_of: date  # the evening the night began
    bed_time: time
    lights_out: time
    minutes_to_fall_asleep: int
    awakenings: int
    awake_minutes: int  # in total, after first falling asleep
    final_wake: time
    out_of_bed: time


@dataclass(frozen=True)
class NightTotals:
    """A night placed on the calendar, with its totals measured in real elapsed time."""

    bed_at: datetime  # all four timezone-aware, in Europe/London
    lights_out_at: datetime
    final_wake_at: datetime
    out_of_bed_at: datetime
    time_in_bed: timedelta
    total_sleep: timedelta
    sleep_efficiency: float  # total sleep as a percentage of time in bed, to 1 decimal place


@dataclass(frozen=True)
class WeekOfSleep:
    """A Monday-to-Sunday week of diary nights, averaged (see `weekly_averages`)."""

    week_starting: date  # the Monday
    nights: int
    average_time_in_bed: timedelta
    average_total_sleep: timedelta
    average_efficiency: float
    average_quality: float


def resolve_night(times: SleepTimes) -> NightTotals:
    """The night's real times and totals; SleepTimesProblem if the times cannot have happened.

    Bed time is on `night_of` from midday, otherwise early the next morning. Each later time is the
    first moment at or after the one before that the clocks showed it, so a night crosses midnight
    on its own. Times typed in the wrong order therefore become a night of more than 20 hours.
    """
    for field, message in NEGATIVE_NUMBER_MESSAGES.items():
        if getattr(times, field) < 0:
            raise SleepTimesProblem(field, message)
    if times.awakenings == 0 and times.awake_minutes > 0:
        raise SleepTimesProblem(
            "awakenings",
            "You said you were awake for some minutes in the night, so you woke at least once.",
        )

    bed_at = _bed_at(times.night_of, _on_the_minute(times.bed_time))
    lights_out_at = _first_at_or_after(bed_at, _on_the_minute(times.lights_out), "lights_out")
    final_wake_at = _first_at_or_after(
        lights_out_at, _on_the_minute(times.final_wake), "final_wake"
    )
    out_of_bed_at = _first_at_or_after(
        final_wake_at, _on_the_minute(times.out_of_bed), "out_of_bed"
    )

    time_in_bed = _elapsed(bed_at, out_of_bed_at)
    if time_in_bed > MAX_TIME_IN_BED:
        raise SleepTimesProblem(
            "out_of_bed", "Check your times: that is more than 20 hours in bed."
        )
    # Compared as whole minutes, so an absurd number cannot overflow a timedelta.
    minutes_lights_out_to_waking = _elapsed(lights_out_at, final_wake_at) // ONE_MINUTE
    if times.minutes_to_fall_asleep > minutes_lights_out_to_waking:
        raise SleepTimesProblem(
            "minutes_to_fall_asleep",
            "The time it took you to fall asleep must not be longer than the time from lights out "
            "to when you woke up.",
        )
    minutes_asleep = (
        minutes_lights_out_to_waking - times.minutes_to_fall_asleep - times.awake_minutes
    )
    if minutes_asleep < 0:
        raise SleepTimesProblem(
            "awake_minutes",
            "The time you were awake in the night and the time it took you to fall asleep must "
            "not add up to more than the time from lights out to when you woke up.",
        )
    total_sleep = timedelta(minutes=minutes_asleep)
    return NightTotals(
        bed_at=bed_at,
        lights_out_at=lights_out_at,
        final_wake_at=final_wake_at,
        out_of_bed_at=out_of_bed_at,
        time_in_bed=time_in_bed,
        total_sleep=total_sleep,
        sleep_efficiency=_percentage(total_sleep, time_in_bed),
    )


def weekly_averages(nights: Iterable[tuple[date, NightTotals, int]]) -> list[WeekOfSleep]:
    """Averages for each Monday-to-Sunday week with nights in it, newest week first.

    Each item is (night_of, night, quality). Weekly efficiency is the week's total sleep over its
    total time in bed, as CBT-I sleep scheduling works it out, not the mean of nightly figures: a
    long night then counts for more than a short one, and the efficiency agrees with the two average
    durations shown beside it. Average durations are to the nearest minute, halves rounding up.
    """
    weeks: dict[date, list[tuple[NightTotals, int]]] = defaultdict(list)
    for night_of, night, quality in nights:
        if not 1 <= quality <= 5:
            raise ValueError(f"Sleep quality is from 1 to 5, not {quality}.")
        weeks[night_of - timedelta(days=night_of.weekday())].append((night, quality))
    return [_week_of_sleep(monday, weeks[monday]) for monday in sorted(weeks, reverse=True)]


def _week_of_sleep(monday: date, nights: list[tuple[NightTotals, int]]) -> WeekOfSleep:
    count = len(nights)
    in_bed = sum((night.time_in_bed for night, _ in nights), timedelta())
    asleep = sum((night.total_sleep for night, _ in nights), timedelta())
    quality = Fraction(sum(quality for _, quality in nights), count)
    return WeekOfSleep(
        week_starting=monday,
        nights=count,
        average_time_in_bed=_mean_to_the_minute(in_bed, count),
        average_total_sleep=_mean_to_the_minute(asleep, count),
        average_efficiency=_percentage(asleep, in_bed),
        average_quality=float(_half_up(quality, Fraction(1, 10))),
    )


def _on_the_minute(wall: time) -> time:
    if wall.tzinfo is not None:
        raise ValueError("Sleep diary times are London wall-clock times, without a time zone.")
    return wall.replace(second=0, microsecond=0, fold=0)


def _bed_at(night_of: date, bed_time: time) -> datetime:
    day = night_of if bed_time >= MIDDAY else night_of + timedelta(days=1)
    bed_at = datetime.combine(day, bed_time, tzinfo=LONDON)  # fold=0: the first of a repeated time
    if not _exists(bed_at):
        raise _skipped_time_problem("bed_time", bed_at)
    return bed_at


def _first_at_or_after(previous: datetime, wall: time, field: str) -> datetime:
    """The first moment at or after `previous` when the clocks in London showed `wall`."""
    # Candidates in the order they happen: that day, then the next; on the night the clocks go back,
    # the first of a repeated time (fold=0) and then the second.
    for day in (previous.date(), previous.date() + timedelta(days=1)):
        for fold in (0, 1):
            candidate = datetime.combine(day, wall, tzinfo=LONDON).replace(fold=fold)
            if not _exists(candidate):
                # A skipped time has no instant to compare, but clocks only go forwards for days
                # either side of a skipped hour, so comparing what they showed is safe.
                if _wall_clock(candidate) > _wall_clock(previous):
                    raise _skipped_time_problem(field, candidate)
                break
            if candidate.astimezone(UTC) >= previous.astimezone(UTC):
                return candidate
    # The next day's time always comes after the previous time, so the loop has returned or raised.
    raise AssertionError("unreachable")  # pragma: no cover


def _exists(local: datetime) -> bool:
    """False for a time the clocks skipped: zoneinfo accepts it, but it moves on a trip via UTC."""
    return _wall_clock(local.astimezone(UTC).astimezone(LONDON)) == _wall_clock(local)


def _wall_clock(local: datetime) -> datetime:
    """What the clock showed, with no zone, so times compare as written rather than as instants."""
    return local.replace(tzinfo=None, fold=0)


def _skipped_time_problem(field: str, skipped: datetime) -> SleepTimesProblem:
    jumped_at = skipped
    while not _exists(jumped_at - ONE_MINUTE):
        jumped_at -= ONE_MINUTE
    # London's clocks have only ever gone forward one hour at a time since 1971.
    return SleepTimesProblem(
        field,
        f"There was no {clock_time(skipped.time())} that night: "
        f"the clocks went forward an hour at {clock_time(jumped_at.time())}.",
    )


def _elapsed(start: datetime, end: datetime) -> timedelta:
    # Via UTC: subtracting two times in the same zone ignores a clock change between them.
    return end.astimezone(UTC) - start.astimezone(UTC)


def _percentage(part: timedelta, whole: timedelta) -> float:
    if not whole:
        return 0.0
    exact = Fraction(100 * (part // ONE_MICROSECOND), whole // ONE_MICROSECOND)
    return float(_half_up(exact, Fraction(1, 10)))


def _mean_to_the_minute(total: timedelta, count: int) -> timedelta:
    exact = Fraction(total // ONE_MICROSECOND, count)
    return timedelta(microseconds=int(_half_up(exact, Fraction(ONE_MINUTE // ONE_MICROSECOND))))


def _half_up(value: Fraction, step: Fraction) -> Fraction:
    """`value` to the nearest multiple of `step`, halves going up (round() takes them to even)."""
    return floor(value / step + Fraction(1, 2)) * step
