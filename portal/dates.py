"""Dates as people in the UK live them: "today" is today in London, and dates are written out in
words the same way whatever locale the server runs in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def now_in_london() -> datetime:
    return datetime.now(LONDON)


def today_in_london() -> date:
    """Today's date where the people using the site live (not the server's, nor UTC's)."""
    return now_in_london().date()


def date_in_words(day: date) -> str:
    """'Tuesday 3 March 2026'."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def short_date(day: date) -> str:
    """'3 Mar'."""
    return f"{day.day} {MONTHS[day.month - 1][:3]}"


def month_in_words(day: date) -> str:
    """'March 2026'."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def clock_time(moment: time | datetime) -> str:
    """A time as GOV.UK writes it: 9am, 10:30pm, midnight, midday."""
    if (moment.hour, moment.minute) == (0, 0):
        return "midnight"
    if (moment.hour, moment.minute) == (12, 0):
        return "midday"
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{moment.hour % 12 or 12}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def duration_in_words(length: timedelta) -> str:
    """'7 hours 5 minutes', '45 minutes', '1 hour'."""
    total_minutes = round(length.total_seconds() / 60)
    hours, minutes = divmod(total_minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(day: date) -> date:
    """The first day of the month before `day`'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _in_london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON) if moment.tzinfo is not None else moment


def long_date(day: date | datetime) -> str:
    """A date, or the London date of a moment, in words."""
    return date_in_words(_in_london(day).date() if isinstance(day, datetime) else day)


def clock(moment: time | datetime) -> str:
    """The London clock time of a moment, or a time of day, as GOV.UK writes it."""
    return clock_time(_in_london(moment) if isinstance(moment, datetime) else moment)


def moment_in_words(moment: datetime) -> str:
    """'10:30pm, Tuesday 3 March 2026', in London."""
    return f"{clock(moment)}, {long_date(moment)}"


def week_day_and_date(day: date) -> str:
    """'Mon 2 Mar'."""
    return f"{WEEKDAYS[day.weekday()][:3]} {short_date(day)}"


def percent(value: float) -> str:
    return f"{value:.0f}%"


# Registered with Jinja by create_app(), so every journey writes dates the same way.
TEMPLATE_FILTERS = {
    "long_date": long_date,
    "clock": clock,
    "month_words": month_in_words,
    "previous_month": previous_month,
    "next_month": next_month,
    "duration": duration_in_words,
    "percent": percent,
    "short_date_with_day": week_day_and_date,
}
