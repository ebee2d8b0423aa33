"""What every form shares: the CSRF arrangement and the plain-English message when it expires,
validators with messages in plain words, and fields for choices, dates and clock times."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, time
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form, HiddenField, IntegerField, RadioField, SelectMultipleField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError

from portal.dates import today_in_london
from portal.security.csrf import csrf_failed

DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is true, but int("²") fails
MAX_VERSION = 2**31 - 1  # the largest a version column holds on every database we support
CLOCK_TIME = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:[:.]?(?P<minute>[0-9]{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)
EXPIRED_FORM_MESSAGE = (
    "This page was open for a long time, so for your safety we did not save it. "
    "Check what you typed below and send it again."
)


class PortalForm(FlaskForm):
    """Base form. The CSRF token is checked once per request by portal.security.csrf, not here;
    when it had expired the form fails with EXPIRED_FORM_MESSAGE and keeps the input."""

    class Meta:
        csrf = False

    def validate(
        self, extra_validators: dict[str, Sequence[Callable[..., Any]]] | None = None
    ) -> bool:
        valid = super().validate(extra_validators)
        if csrf_failed():
            self.form_errors.append(EXPIRED_FORM_MESSAGE)
            return False
        return valid

    def add_error(self, field_name: str, message: str) -> None:
        """Attach a message from a service to a field, as if a validator had raised it."""
        field: Field = getattr(self, field_name)
        field.errors = [*field.errors, message]


class ButtonForm(PortalForm):
    """A form that is just a button (confirming a deletion, signing out other devices)."""


class Required:
    """A field must not be blank; the message names what is missing, in plain words."""

    field_flags = {"required": True}  # noqa: RUF012 (WTForms reads this class attribute)

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        value = field.data
        if value is None or (isinstance(value, str) and not value.strip()):
            field.errors[:] = []
            raise StopValidation(self.message)


class MaxLength:
    """A text field must not be longer than `maximum` characters."""

    def __init__(self, maximum: int, message: str) -> None:
        self.maximum = maximum
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        # Browsers send a line break as two characters; the person sees one, and so does the
        # character count on the page (static/js/portal.js).
        if field.data and len(field.data.replace("\r\n", "\n")) > self.maximum:
            raise StopValidation(self.message)


class RadiosField(RadioField):
    """Radios whose answer must be one of the choices; anything else (only a tampered form can
    send it) gets `invalid_message` in plain words. Add Required to insist on an answer."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        invalid_message: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form: Form) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.invalid_message) from None


class OptionalRadioField(RadioField):
    """Radios where choosing nothing is allowed (WTForms would call it "Not a valid choice")."""

    def pre_validate(self, form: Form) -> None:
        if self.data is None or self.data == "None":
            self.data = None
            return
        super().pre_validate(form)


class CheckboxesField(SelectMultipleField):
    """Checkboxes for a list of choices; an answer outside the list gets `invalid_message`."""

    def __init__(
        self, *args: Any, invalid_message: str = "Choose from the list", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form: Form) -> None:
        allowed = {str(choice.value) for choice in self.choices or []}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(self.invalid_message)


class DateInputField(Field):
    """A date typed as day, month and year in three boxes (GOV.UK's date input pattern).

    What was typed is kept in `typed` even when it is not a date, so the form shows it again.
    Messages name the date by `subject` ("Date of the entry must include a month"), and
    `parts_in_error` says which boxes to highlight. Blank is allowed here; add Required to insist.
    """

    PARTS = ("day", "month", "year")

    def __init__(
        self, label: str | None = None, validators: Any = None, *, subject: str, **kwargs: Any
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.subject = subject
        self.typed: dict[str, str] = dict.fromkeys(self.PARTS, "")
        self.parts_in_error: set[str] = set()

    def input_name(self, part: str) -> str:
        return f"{self.name}-{part}"

    def input_id(self, part: str) -> str:
        """The day box takes the field's own id, so labels and the error summary reach it."""
        return self.id if part == "day" else f"{self.id}-{part}"

    @property
    def error_target_id(self) -> str:
        """The box the error summary links to: the first one with something wrong."""
        first = next((part for part in self.PARTS if part in self.parts_in_error), "day")
        return self.input_id(first)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.typed = (
            {"day": str(data.day), "month": str(data.month), "year": str(data.year)}
            if isinstance(data, date)
            else dict.fromkeys(self.PARTS, "")
        )
        if formdata is not None:
            # A missing box counts as an empty one: a date is never kept from before by accident.
            self.typed = {
                part: formdata.get(self.input_name(part), "").strip() for part in self.PARTS
            }
            self.raw_data = list(self.typed.values())
            self.data = None
            problem = self._problem()
            if problem:
                self.process_errors.append(problem)

    def _problem(self) -> str | None:
        """Read `typed` into `data`, or say what is wrong with it."""
        typed = self.typed
        if not any(typed.values()):
            return None
        missing = [part for part in self.PARTS if not typed[part]]
        if missing:
            self.parts_in_error = set(missing)
            return f"{self.subject} must include a {' and '.join(missing)}"
        not_numbers = {part for part in self.PARTS if not DIGITS.fullmatch(typed[part])}
        if not_numbers:
            self.parts_in_error = not_numbers
            return f"{self.subject} must be a real date, in numbers"
        if len(typed["year"]) != 4:
            self.parts_in_error = {"year"}
            return "Year must include 4 numbers"
        try:
            if len(typed["day"]) > 2 or len(typed["month"]) > 2:
                raise ValueError("a day or month of more than two digits")
            self.data = date(int(typed["year"]), int(typed["month"]), int(typed["day"]))
        except ValueError:
            self.parts_in_error = set(self.PARTS)
            return f"{self.subject} must be a real date"
        return None

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation  # one message per field: the one already found


class VersionField(HiddenField):
    """The version of a record an edit form was filled from, so a save can tell whether it is out
    of date. Anything but a plausible version (tampered with, say) is read as 0, which no record
    has, so the save is treated as out of date rather than failing."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = valuelist[0] if valuelist else ""
        self.data = int(raw) if DIGITS.fullmatch(raw) and 0 < int(raw) <= MAX_VERSION else 0


class NotInTheFuture:
    """A date must be today or earlier, in London."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is not None and field.data > today_in_london():
            if isinstance(field, DateInputField):
                field.parts_in_error = set(DateInputField.PARTS)
            raise StopValidation(self.message)


class NotBefore:
    """A date must not be earlier than `earliest` (catches a mistyped year such as 1025)."""

    def __init__(self, earliest: date, message: str) -> None:
        self.earliest = earliest
        self.message = message

    def __call__(self, form: Form, field: Field) -> None:
        if field.data is not None and field.data < self.earliest:
            if isinstance(field, DateInputField):
                field.parts_in_error = {"year"}
            raise StopValidation(self.message)


class WholeNumberField(IntegerField):
    """A count or a number of minutes: digits only, shown again as typed when they are not."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        invalid_message: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message
        self.typed = ""

    def _value(self) -> str:
        if self.raw_data:
            return self.typed
        return str(self.data) if self.data is not None else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.typed = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if self.typed:
            # Six digits at most: no count or number of minutes in a day needs more.
            if not DIGITS.fullmatch(self.typed) or len(self.typed) > 6:
                raise ValueError(self.invalid_message)
            self.data = int(self.typed)

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation


class TimeOfDayField(Field):
    """A clock time. Browsers with a time picker send 22:30; typed by hand, 2230, 22.30, 10:30pm
    and 10pm are understood too. Anything else gets `invalid_message` and is shown as typed."""

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        invalid_message: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.invalid_message = invalid_message
        self.typed = ""

    def _value(self) -> str:
        if isinstance(self.data, time):
            return f"{self.data.hour:02d}:{self.data.minute:02d}"
        return self.typed

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.typed = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if self.typed:
            self.data = parse_clock_time(self.typed)
            if self.data is None:
                raise ValueError(self.invalid_message)

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation


def parse_clock_time(text: str) -> time | None:
    """'22:30', '2230', '22.30', '10:30pm', '10pm' as a time; None if it is not one."""
    match = CLOCK_TIME.fullmatch(text.strip())
    if match is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = (match["half"] or "").lower().replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif match["minute"] is None:
        return None  # a bare "10" could be morning or night
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)
