"""What every form shares: the CSRF arrangement and the plain-English message when it expires,
validators with messages in plain words, and fields for choices, dates and clock times."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, time
from typing import Any, TypeVar

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.utils import unset_value
from wtforms.validators import StopValidation, ValidationError

from portal.dates import clock_time, today_in_london
from portal.security.csrf import csrf_failed

DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: "²".isdigit() is true, but int("²") fails
MAX_VERSION = 2**31 - 1  # the largest a version column holds on every database we support
# 22:45, 2245, 22.45, 22 45, 10:45pm, 10.45 p.m., 10pm, 945pm: the hour, then perhaps minutes,
# then perhaps am or pm written any usual way.
CLOCK_TIME = re.compile(
    r"(?P<hour>[0-9]{1,2})(?:[:.\s]?(?P<minute>[0-9]{2}))?\s*(?:(?P<am_or_pm>[ap])\.?\s?m\.?)?",
    re.IGNORECASE,
)
CLOCK_WORDS = {"midnight": time(0, 0), "noon": time(12, 0), "midday": time(12, 0)}
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


def fields_with_errors(form: Iterable[Field]) -> Iterator[Field]:
    """Every field with a message, in order, looking inside repeated rows (a FieldList of
    FormFields), so the error summary can link to the box at fault in any row."""
    for item in form:
        if isinstance(item, FieldList):
            for entry in item:
                yield from fields_with_errors(
                    entry.form if isinstance(entry, FormField) else [entry]
                )
        elif isinstance(item, FormField):
            yield from fields_with_errors(item.form)
        elif item.errors:
            yield item


Answer = TypeVar("Answer")


def required_answer(value: Answer | None) -> Answer:
    """A field's value where Required has already refused a blank, so it cannot be None. A None
    means the form was read before it was validated: a bug, so it fails loudly."""
    if value is None:
        raise ValueError("A required answer was read before its form was validated.")
    return value


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


class DropDownField(SelectField):
    """A drop-down list (`<select>`) whose answer must be one of the choices; anything else (only
    a tampered form can send it) gets `invalid_message` in plain words. A list the page did not
    show sends nothing, which is allowed."""

    data: str | None

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
        if not self.raw_data:
            self.data = None
            return
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(self.invalid_message) from None


class OptionalRadioField(RadioField):
    """Radios where choosing nothing is allowed (WTForms would call it "Not a valid choice")."""

    data: str | None  # RadioField's choices are strings unless given a `coerce`; ours never are

    def pre_validate(self, form: Form) -> None:
        if self.data in (None, "", "None"):
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
    data: date | None

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

    data: int | None

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


class NotAClockTime(ValueError):
    """What was typed is not a clock time; `advice` says how to write one, following "Enter the
    time you got into bed"."""

    NOT_A_TIME = "as a time, like 22:45 or 10:45pm"
    MORNING_OR_NIGHT = "with minutes, or with am or pm, like 22:00 or 10pm"
    NOT_ON_THE_CLOCK = "as a real time: hours go from 0 to 23 and minutes from 00 to 59"
    NOT_ON_A_12_HOUR_CLOCK = (
        "as a real time: with am or pm, hours go from 1 to 12 and minutes from 00 to 59"
    )
    OTHER_DIGITS = "using the numbers 0 to 9, like 22:45"

    def __init__(self, advice: str) -> None:
        super().__init__(advice)
        self.advice = advice


class TimeOfDayField(Field):
    """A clock time typed into a text box, read as parse_clock_time() reads it. Once read it is
    shown on the 24-hour clock, with `read_as` saying how what was typed was understood; what
    cannot be read is shown as typed, with a message built from `what` that says how to write it.
    """

    data: time | None

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        what: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.what = what
        self.typed = ""

    def _value(self) -> str:
        if isinstance(self.data, time):
            return on_the_24_hour_clock(self.data)
        return self.typed

    @property
    def read_as(self) -> str:
        """The line beside the box saying how what was typed was read; '' if nothing to say."""
        return how_a_time_was_read(self.typed)

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.typed = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if self.typed:
            try:
                self.data = parse_clock_time(self.typed)
            except NotAClockTime as problem:
                raise ValueError(f"Enter {self.what} {problem.advice}") from None

    def pre_validate(self, form: Form) -> None:
        if self.process_errors:
            raise StopValidation


def parse_clock_time(text: str) -> time:
    """A clock time as people type it: '22:45', '2245', '22.45', '10:45pm', '10.45 p.m.', '10pm',
    '945pm', 'noon', 'midnight'. Raises NotAClockTime, with advice, for anything else: a bare
    '10' (morning or night?), '25:00', '13pm', digits other than 0 to 9."""
    text = text.strip()
    if text.lower() in CLOCK_WORDS:
        return CLOCK_WORDS[text.lower()]
    if any(character.isdigit() and not character.isascii() for character in text):
        raise NotAClockTime(NotAClockTime.OTHER_DIGITS)
    match = CLOCK_TIME.fullmatch(text)
    if match is None:
        raise NotAClockTime(NotAClockTime.NOT_A_TIME)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["am_or_pm"]:
        if not 1 <= hour <= 12 or minute > 59:
            raise NotAClockTime(NotAClockTime.NOT_ON_A_12_HOUR_CLOCK)
        return time(hour % 12 + (12 if match["am_or_pm"].lower() == "p" else 0), minute)
    if match["minute"] is None:
        raise NotAClockTime(NotAClockTime.MORNING_OR_NIGHT)
    if hour > 23 or minute > 59:
        raise NotAClockTime(NotAClockTime.NOT_ON_THE_CLOCK)
    return time(hour, minute)


def on_the_24_hour_clock(moment: time) -> str:
    """'22:45', '06:05'."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def how_a_time_was_read(typed: str) -> str:
    """'We read “10.45 pm” as 22:45, which is 10:45pm.', said beside a time box, both when the
    form comes back and (through the sleep diary's read-time page) as the person leaves the box;
    '' when it was typed as the box would show it, or cannot be read."""
    try:
        moment = parse_clock_time(typed)
    except NotAClockTime:
        return ""
    shown = on_the_24_hour_clock(moment)
    if typed.strip() == shown:
        return ""
    return f"We read “{typed.strip()}” as {shown}, which is {clock_time(moment)}."
