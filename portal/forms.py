"""What every form shares: the CSRF arrangement and the plain-English message when it expires."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectMultipleField
from wtforms.validators import StopValidation, ValidationError

from portal.security.csrf import csrf_failed

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
        if field.data and len(field.data) > self.maximum:
            raise StopValidation(self.message)


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
