"""Forms in the staff area: a new guide, the editor, publishing, rolling back, unpublishing."""

from __future__ import annotations

from typing import Any

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from portal.forms import DropDownField, MaxLength, PortalForm, RadiosField, Required, VersionField
from portal.guides.format import TOPICS

MAX_GUIDE_CHARACTERS = 100_000
MAX_NOTE_CHARACTERS = 500
TOO_LONG = f"A guide must be {MAX_GUIDE_CHARACTERS:,} characters or fewer"


def _one_line(value: Any) -> Any:
    return " ".join(value.split()) if isinstance(value, str) else value


def _unix_lines(value: Any) -> Any:
    """Browsers send line breaks as CR LF; guides keep LF, so revisions compare line by line."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


class NewGuideForm(PortalForm):
    title = StringField(
        "Title",
        description="In sentence case, as the guide library will show it.",
        filters=[_one_line],
        validators=[
            Required("Enter the guide's title"),
            MaxLength(200, "The title must be 200 characters or fewer"),
        ],
    )
    slug = StringField(
        "Address",
        description="The end of the guide's web address: lower-case words joined by hyphens, "
        "like calming-anxious-feelings. It cannot change once the guide is made.",
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
        validators=[Required("Enter the guide's address")],
    )
    topic = RadiosField(
        "Topic",
        choices=[SelectChoice(key, name) for key, name in TOPICS.items()],
        validators=[Required("Choose the guide's topic")],
        invalid_message="Choose one of the topics",
    )


class EditGuideForm(PortalForm):
    source = TextAreaField(
        "The guide's text, in Markdown",
        filters=[_unix_lines],
        validators=[
            Required("Enter the guide's text"),
            MaxLength(
                MAX_GUIDE_CHARACTERS,
                TOO_LONG,
            ),
        ],
    )
    lock_version = VersionField()


class DraftButtonForm(PortalForm):
    """A button acting on the draft the page showed (discarding it)."""

    lock_version = VersionField()


class PublishForm(PortalForm):
    change_note = TextAreaField(
        "What has changed",
        description="A line or two for the history, such as 'New step on sleeping after a "
        "noisy night'.",
        filters=[_one_line],
        validators=[
            Required("Say what has changed"),
            MaxLength(
                MAX_NOTE_CHARACTERS,
                f"The note must be {MAX_NOTE_CHARACTERS} characters or fewer",
            ),
        ],
    )
    lock_version = VersionField()
    # The ids the page warned about, so a confirmation covers exactly those.
    dropped_ids = HiddenField()
    confirm_dropped = BooleanField(
        "Publish anyway: people's work in these steps and exercises will no longer show in "
        "the guide"
    )

    def confirmed_ids(self) -> set[str]:
        return set((self.dropped_ids.data or "").split()) if self.confirm_dropped.data else set()


class UnpublishForm(PortalForm):
    reason = TextAreaField(
        "Why is it being taken down?",
        description="For the audit log.",
        filters=[_one_line],
        validators=[
            Required("Say why the guide is being taken down"),
            MaxLength(
                MAX_NOTE_CHARACTERS,
                f"The reason must be {MAX_NOTE_CHARACTERS} characters or fewer",
            ),
        ],
    )


class CompareForm(PortalForm):
    """Which two revisions to compare (sent by GET, so the address can be shared); the view
    gives the choices, the guide's revision numbers."""

    old = DropDownField("Compare revision", invalid_message="Choose a revision from the list")
    new = DropDownField("with revision", invalid_message="Choose a revision from the list")

    def validate_new(self, field: DropDownField) -> None:
        if self.old.data is not None and self.old.data == field.data:
            raise ValidationError("Choose two different revisions")
