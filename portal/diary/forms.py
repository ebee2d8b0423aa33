"""Forms on the diary pages. Every message says what to do, in plain words, next to its field."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from portal.dates import today_in_london
from portal.diary.entries import MOOD_WORDS, NOTES_MAX_LENGTH, tags_from, tags_problem
from portal.forms import (
    DateInputField,
    MaxLength,
    NotBefore,
    NotInTheFuture,
    PortalForm,
    RadiosField,
    Required,
    VersionField,
)

EARLIEST_DATE = date(1900, 1, 1)
SEARCH_MAX_LENGTH = 100


class TagsField(StringField):
    """Tags typed as one line, separated by commas; `tags` holds them tidied."""

    @property
    def tags(self) -> tuple[str, ...]:
        return tags_from(self.data or "")

    def pre_validate(self, form: Any) -> None:
        problem = tags_problem(self.tags)
        if problem:
            raise StopValidation(problem)


class EntryForm(PortalForm):
    entry_date = DateInputField(
        "Date",
        subject="The date",
        default=today_in_london,
        description="For example, 27 3 2026",
        validators=[
            Required("Enter the date of the entry"),
            NotInTheFuture("The date must be today or in the past"),
            NotBefore(EARLIEST_DATE, "The date must be in 1900 or later"),
        ],
    )
    mood = RadiosField(
        "How are you feeling?",
        choices=[SelectChoice(str(value), words) for value, words in MOOD_WORDS.items()],
        validators=[Required("Choose how you are feeling")],
        invalid_message="Choose how you are feeling from the list",
    )
    tags = TagsField(
        "Tags (optional)",
        description=(
            "Words to find entries by later. Separate them with commas, for example: "
            "noise, neighbours, slept badly"
        ),
    )
    notes = TextAreaField(
        "What happened and how you feel (optional)",
        validators=[
            MaxLength(
                NOTES_MAX_LENGTH, f"Your notes must be {NOTES_MAX_LENGTH:,} characters or fewer"
            )
        ],
    )
    version = VersionField()


class SearchForm(PortalForm):
    """Sent by POST, so the words never appear in an address (browser history keeps those)."""

    q = StringField(
        "Search your diary",
        description="Looks for these words in the notes and tags of your entries",
        validators=[
            Required("Enter a word or words to look for"),
            MaxLength(SEARCH_MAX_LENGTH, f"Search for {SEARCH_MAX_LENGTH} characters or fewer"),
        ],
    )
