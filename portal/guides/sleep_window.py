"""The sleep window exercise: a time in bed worked out from the person's own sleep diary.

This is the sleep restriction part of CBT for insomnia, as self-help: spend about as long in bed
as you sleep, never under 5½ hours, at the same wake-up time every day, and add 15 minutes a week
once you sleep for 85% or more of the time you are in bed. The figures come from the last two
weeks of the sleep diary (portal/diary), opened with the person's own key; nothing is stored
here but the window they choose (its wake-up time, its length and the day they set it).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Self

from sqlalchemy.orm import Session

from portal.diary.nights import nights, totals_of
from portal.diary.sleep import NightTotals
from portal.models.guides import AnswerValue

SHORTEST = timedelta(hours=5, minutes=30)  # never less, whatever the diary says
LONGEST = timedelta(hours=9)
STEP = timedelta(minutes=15)
DAYS_LOOKED_AT = 14
NIGHTS_NEEDED = 5  # fewer nights say too little to set a window from
EFFICIENT_ENOUGH = 85.0  # percent: at or above this, the window may grow
A_WEEK = timedelta(days=7)

LENGTHS: tuple[timedelta, ...] = tuple(
    SHORTEST + STEP * n for n in range(int((LONGEST - SHORTEST) / STEP) + 1)
)


def in_words(length: timedelta) -> str:
    """'5 hours 45 minutes', '6 hours'."""
    minutes = int(length.total_seconds()) // 60
    hours, minutes = divmod(minutes, 60)
    hour_words = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hour_words} {minutes} minutes" if minutes else hour_words


def clock(moment: time) -> str:
    """'6:30am', '12:15am', '11pm' as people read a time."""
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d}{suffix}" if moment.minute else f"{hour}{suffix}"


@dataclass(frozen=True)
class DiaryFigures:
    """Averages over some nights of the sleep diary."""

    nights: int
    average_in_bed: timedelta
    average_asleep: timedelta

    @property
    def efficiency(self) -> float:
        """Time asleep as a percentage of time in bed, to one decimal place."""
        if not self.average_in_bed:
            return 0.0
        return round(100 * self.average_asleep / self.average_in_bed, 1)

    @property
    def enough(self) -> bool:
        return self.nights >= NIGHTS_NEEDED


def figures_of(totals: Iterable[NightTotals]) -> DiaryFigures | None:
    """The averages of these nights to the minute, or None when there are none."""
    nights_seen = list(totals)
    if not nights_seen:
        return None
    count = len(nights_seen)
    in_bed = sum((night.time_in_bed for night in nights_seen), timedelta())
    asleep = sum((night.total_sleep for night in nights_seen), timedelta())
    return DiaryFigures(count, _to_the_minute(in_bed / count), _to_the_minute(asleep / count))


@dataclass(frozen=True)
class SleepWindow:
    """The window a person chose: when they get up, how long they spend in bed, and when."""

    wake: time
    length: timedelta
    set_on: date

    @property
    def bedtime(self) -> time:
        return (datetime.combine(self.set_on, self.wake) - self.length).time()

    # As the exercise's answer (portal/guides/kinds/sleep_window.py), kept in this shape.
    def to_payload(self) -> AnswerValue:
        return {
            "wake": self.wake.strftime("%H:%M"),
            "minutes": int(self.length.total_seconds()) // 60,
            "set_on": self.set_on.isoformat(),
        }

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self | None:
        """The window as saved, or None when the payload is not a (readable) window."""
        try:
            return cls(
                time.fromisoformat(str(payload["wake"])),
                timedelta(minutes=int(payload["minutes"])),
                date.fromisoformat(str(payload["set_on"])),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def in_words(self) -> str:
        return (
            f"Go to bed at {clock(self.bedtime)} and get up at {clock(self.wake)}: "
            f"{in_words(self.length)} in bed."
        )

    @property
    def lines_without_question(self) -> tuple[str, ...]:
        """The window in words, and the day it was set (the plan, the answers page and the
        download say the same)."""
        return (self.in_words, f"Set on {self.set_on:%A} {self.set_on.day} {self.set_on:%B %Y}.")

    @property
    def summary_without_question(self) -> str:
        return " ".join(self.lines_without_question)


@dataclass(frozen=True)
class Suggestion:
    length: timedelta
    reason: str
    grows: bool = False  # longer than the window already chosen


def suggestion(
    recent: DiaryFigures | None,
    since_set: DiaryFigures | None,
    chosen: SleepWindow | None,
    today: date,
) -> Suggestion | None:
    """What the diary suggests: a first window from the average time asleep, then each week
    15 minutes more while sleep efficiency is 85% or more. None when the diary has too few
    nights to go on."""
    if chosen is None:
        if recent is None or not recent.enough:
            return None
        rounded = _to_the_step(recent.average_asleep)
        length = min(max(rounded, SHORTEST), LONGEST)
        if rounded < SHORTEST:
            reason = (
                f"You sleep about {in_words(recent.average_asleep)} a night. A sleep window is "
                f"never shorter than {in_words(SHORTEST)}, so start with {in_words(length)}."
            )
        else:
            reason = (
                f"You sleep about {in_words(recent.average_asleep)} a night, so start with "
                f"{in_words(length)} in bed."
            )
        return Suggestion(length, reason)
    review_on = chosen.set_on + A_WEEK
    if today < review_on:
        return Suggestion(
            chosen.length,
            f"Keep to your window until {_day(review_on)}, then look at your diary again.",
        )
    if since_set is None or not since_set.enough:
        return Suggestion(
            chosen.length,
            f"Fill in your sleep diary for at least {NIGHTS_NEEDED} nights in your new window "
            "before you change it.",
        )
    efficiency = f"{since_set.efficiency:g}%"
    if since_set.efficiency >= EFFICIENT_ENOUGH and chosen.length < LONGEST:
        return Suggestion(
            chosen.length + STEP,
            f"Your sleep efficiency over the last week was {efficiency}. That is "
            f"{EFFICIENT_ENOUGH:g}% or more, so add 15 minutes: go to bed 15 minutes earlier.",
            grows=True,
        )
    if since_set.efficiency >= EFFICIENT_ENOUGH:
        return Suggestion(
            chosen.length,
            f"Your sleep efficiency over the last week was {efficiency}, and your window is "
            f"already {in_words(LONGEST)}. Keep it as it is.",
        )
    return Suggestion(
        chosen.length,
        f"Your sleep efficiency over the last week was {efficiency}. That is under "
        f"{EFFICIENT_ENOUGH:g}%, so keep your window the same for another week.",
    )


@dataclass(frozen=True)
class SleepWindowState:
    """Everything the exercise shows one person: their diary's figures, the window they chose
    and what the diary suggests now."""

    signed_in: bool
    recent: DiaryFigures | None
    chosen: SleepWindow | None
    suggested: Suggestion | None

    @property
    def can_choose(self) -> bool:
        return self.suggested is not None or self.chosen is not None


def state_for(
    db_session: Session | None,
    user_id: uuid.UUID | None,
    chosen: SleepWindow | None,
    today: date,
) -> SleepWindowState:
    """The exercise for one person today, with the window they chose: their diary opened for the
    last 14 nights (one query), or nothing for a visitor, who has no diary."""
    if user_id is None or db_session is None:
        return SleepWindowState(False, None, chosen, None)
    first = today - timedelta(days=DAYS_LOOKED_AT)
    dated = [
        (night.day, totals)
        for night in nights.between(db_session, user_id, first, today)
        if (totals := totals_of(night)) is not None
    ]
    recent = figures_of(totals for _, totals in dated)
    since_set = None
    if chosen is not None:
        week_start = max(chosen.set_on, today - A_WEEK)
        since_set = figures_of(totals for day, totals in dated if day >= week_start)
    return SleepWindowState(True, recent, chosen, suggestion(recent, since_set, chosen, today))


def _to_the_minute(length: timedelta) -> timedelta:
    return timedelta(minutes=round(length.total_seconds() / 60))


def _to_the_step(length: timedelta) -> timedelta:
    """To the nearest 15 minutes, halves up."""
    steps = int((length + STEP / 2) / STEP)
    return STEP * steps


def _day(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"
