"""The sleep diary's form: one night, as the questions of a CBT for insomnia sleep diary ask it."""

from __future__ import annotations

from datetime import date, timedelta

from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice

from portal.dates import today_in_london
from portal.diary.forms import EARLIEST_DATE
from portal.diary.nights import NOTES_MAX_LENGTH, QUALITY_WORDS
from portal.forms import (
    DateInputField,
    MaxLength,
    NotBefore,
    NotInTheFuture,
    PortalForm,
    RadiosField,
    Required,
    TimeOfDayField,
    VersionField,
    WholeNumberField,
)

TIME_HINT = "For example 22:45, 2245 or 10:45pm"
MINUTES_HINT = "In minutes"


def last_night() -> date:
    return today_in_london() - timedelta(days=1)


def _time_field(label: str, what: str) -> TimeOfDayField:
    return TimeOfDayField(
        label,
        description=TIME_HINT,
        what=what,
        validators=[Required(f"Enter {what}")],
    )


def _number_field(label: str, what: str, hint: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        description=hint,
        invalid_message=f"Enter {what} as a whole number, like 15",
        validators=[Required(f"Enter {what}")],
    )


class NightForm(PortalForm):
    night_of = DateInputField(
        "Which night was it?",
        subject="The date",
        default=last_night,
        description=(
            "The date of the evening the night began. For last night, that is yesterday's date."
        ),
        validators=[
            Required("Enter the date of the evening the night began"),
            NotInTheFuture("The night must have begun today or before"),
            NotBefore(EARLIEST_DATE, "The date must be in 1900 or later"),
        ],
    )
    bed_time = _time_field("What time did you get into bed?", "the time you got into bed")
    lights_out = _time_field(
        "What time did you try to go to sleep?", "the time you tried to go to sleep"
    )
    minutes_to_fall_asleep = _number_field(
        "How long did it take you to fall asleep?",
        "how many minutes it took you to fall asleep",
        MINUTES_HINT,
    )
    awakenings = _number_field(
        "How many times did you wake up in the night?",
        "how many times you woke up",
        "Not counting waking up for the last time. Enter 0 if you did not wake up.",
    )
    awake_minutes = _number_field(
        "In total, how long were you awake in the night?",
        "how many minutes you were awake in the night",
        "In minutes. Enter 0 if you did not wake up.",
    )
    final_wake = _time_field(
        "What time did you wake up for the last time?", "the time you woke up for the last time"
    )
    out_of_bed = _time_field("What time did you get out of bed?", "the time you got out of bed")
    quality = RadiosField(
        "How well did you sleep?",
        choices=[SelectChoice(str(value), words) for value, words in QUALITY_WORDS.items()],
        validators=[Required("Choose how well you slept")],
        invalid_message="Choose how well you slept from the list",
    )
    notes = TextAreaField(
        "Notes (optional)",
        description="Anything that may have affected your sleep: noise, worries, caffeine, alcohol",
        validators=[
            MaxLength(
                NOTES_MAX_LENGTH, f"Your notes must be {NOTES_MAX_LENGTH:,} characters or fewer"
            )
        ],
    )
    version = VersionField()
